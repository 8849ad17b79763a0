//! The SigV4 verifier against the AWS signing test suite, against the `aws-sigv4` crate (two
//! independent implementations must agree), and on requests recorded by the receiver.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use agentcore_observability_testkit::{
    verify_sigv4, OtlpReceiver, ReceivedRequest, SigV4Check, SigV4Credentials, SigV4Verdict, Signal,
};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use common::*;
use http::{HeaderMap, HeaderName, HeaderValue};
use prost::Message;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SKEW: Duration = Duration::from_secs(300);
const WAIT: Duration = Duration::from_secs(5);

/// 2015-08-30T12:36:00Z, the time of the AWS test suite.
fn suite_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_440_938_160)
}

/// 2026-01-01T00:00:00Z.
fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_767_225_600)
}

/// A recorded request as the receiver would hold it.
fn received(method: &str, path: &str, headers: HeaderMap, body: Vec<u8>) -> ReceivedRequest {
    ReceivedRequest {
        signal: Signal::from_request(method, path),
        method: method.to_owned(),
        path: path.to_owned(),
        headers,
        body: Bytes::from(body),
        decoded_body_len: None,
        decode_error: None,
        received_at: Instant::now(),
        remote_addr: SocketAddr::from(([127, 0, 0, 1], 1)),
        status: 200,
        grpc_status: None,
    }
}

/// Reads a request in the AWS signing test suite's `header-signed-request.txt` form; header
/// values lose their surrounding spaces as an HTTP server would strip them.
fn parse_suite_request(text: &str) -> ReceivedRequest {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let request_line = lines.next().expect("request line");
    let (method, rest) = request_line.split_once(' ').expect("method");
    let path = rest.rsplit_once(' ').map_or(rest, |(path, _)| path);
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').expect("header line");
        headers.append(
            HeaderName::try_from(name).expect("header name"),
            HeaderValue::try_from(value.trim_matches([' ', '\t'])).expect("header value"),
        );
    }
    received(method, path, headers, body.as_bytes().to_vec())
}

/// (name, `header-signed-request.txt`, secret access key, time) from the AWS signing test
/// suite as shipped with `aws-sigv4` 1.6.4 (`aws-signing-test-suite/v4`).
fn suite() -> Vec<(&'static str, &'static str, &'static str, SystemTime)> {
    let at = suite_time();
    vec![
        (
            "get-vanilla",
            "GET / HTTP/1.1
Host:example.amazonaws.com
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31
",
            SECRET,
            at,
        ),
        (
            "post-vanilla",
            "POST / HTTP/1.1
Host:example.amazonaws.com
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b
",
            SECRET,
            at,
        ),
        (
            "post-x-www-form-urlencoded",
            "POST / HTTP/1.1
Content-Type:application/x-www-form-urlencoded
Host:example.amazonaws.com
Content-Length:13
X-Amz-Date:20150830T123600Z
x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b

Param1=value1",
            SECRET,
            at,
        ),
        (
            "get-vanilla-with-session-token",
            "GET / HTTP/1.1
Host:example.amazonaws.com
X-Amz-Security-Token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8
",
            SECRET,
            at,
        ),
        (
            "post-sts-header-before",
            "POST / HTTP/1.1
Host:example.amazonaws.com
X-Amz-Security-Token:AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead
",
            SECRET,
            at,
        ),
        (
            "get-header-value-trim",
            "GET / HTTP/1.1
Host:example.amazonaws.com
My-Header1: value1
My-Header2: \"a   b   c\"
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736
",
            SECRET,
            at,
        ),
        (
            "get-header-value-order",
            "GET / HTTP/1.1
Host:example.amazonaws.com
My-Header1:value4
My-Header1:value1
My-Header1:value3
My-Header1:value2
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01
",
            SECRET,
            at,
        ),
        (
            "post-header-key-sort",
            "POST / HTTP/1.1
Host:example.amazonaws.com
My-Header1:value1
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c
",
            SECRET,
            at,
        ),
        (
            "get-unreserved",
            "GET /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1
Host:example.amazonaws.com
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f
",
            SECRET,
            at,
        ),
        (
            "get-utf8",
            "GET /ሴ HTTP/1.1
Host:example.amazonaws.com
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85
",
            SECRET,
            at,
        ),
        (
            "get-space-normalized",
            "GET /example space/ HTTP/1.1
Host:example.amazonaws.com
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741
",
            SECRET,
            at,
        ),
        (
            "get-slashes-normalized",
            "GET //example// HTTP/1.1
Host:example.amazonaws.com
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84
",
            SECRET,
            at,
        ),
        (
            "get-relative-relative-normalized",
            "GET /example1/example2/../.. HTTP/1.1
Host:example.amazonaws.com
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31
",
            SECRET,
            at,
        ),
        (
            // The path as received is encoded once more: `%3D` → `%253D`, `@` → `%40`.
            "double-encode-path",
            "POST /test/@connections/JBDvjfGEIAMCERw%3D HTTP/1.1
X-amz-date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=ANOTREAL/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=57d157672191bac40bae387e48bbe14b15303c001fdbb01f4abf295dccb09705
Host:tj9n5r0m12.execute-api.us-east-1.amazonaws.com
",
            "notrealrnrELgWzOk3IfjzDKtFBhDby",
            at,
        ),
    ]
}

#[test]
fn aws_signing_test_suite_vectors_verify() {
    for (name, text, secret, at) in suite() {
        let request = parse_suite_request(text);
        let verdict = verify_sigv4(&request, secret, at, SKEW);
        assert!(verdict.valid, "{name}: {:?}", verdict.reason);
        assert_eq!(verdict.reason, None, "{name}");
        assert_eq!(verdict.region.as_deref(), Some("us-east-1"), "{name}");
        assert_eq!(verdict.service.as_deref(), Some("service"), "{name}");

        // The same request with another secret, or checked a day later, does not verify.
        let wrong = verify_sigv4(&request, "not-the-secret", at, SKEW);
        assert!(!wrong.valid, "{name}");
        assert!(
            wrong.reason.unwrap().contains("signature mismatch"),
            "{name}"
        );
        let late = verify_sigv4(&request, secret, at + Duration::from_secs(86_400), SKEW);
        assert!(!late.valid, "{name}");
    }
}

#[test]
fn verdict_reports_what_the_authorization_header_claims() {
    let request = parse_suite_request(suite()[4].1);
    let verdict = verify_sigv4(&request, SECRET, suite_time(), SKEW);
    assert_eq!(
        verdict,
        SigV4Verdict {
            valid: true,
            reason: None,
            service: Some("service".into()),
            region: Some("us-east-1".into()),
            access_key_id: Some(AKID.into()),
            signed_headers: vec![
                "host".into(),
                "x-amz-date".into(),
                "x-amz-security-token".into()
            ],
        }
    );
}

#[test]
fn an_unsigned_security_token_is_rejected() {
    // The suite's post-sts-header-after: the token was added after signing (which the suite
    // accepts), but a token that is sent must be signed.
    let request = parse_suite_request(
        "POST / HTTP/1.1
Host:example.amazonaws.com
X-Amz-Security-Token:AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b
",
    );
    let verdict = verify_sigv4(&request, SECRET, suite_time(), SKEW);
    assert!(!verdict.valid);
    assert_eq!(
        verdict.reason.as_deref(),
        Some("x-amz-security-token is present but not signed")
    );
    // Without the token it is post-vanilla, which verifies.
    let mut request = request;
    request.headers.remove("x-amz-security-token");
    assert!(verify_sigv4(&request, SECRET, suite_time(), SKEW).valid);
}

/// Signs with the `aws-sigv4` crate, the way the exporter does: every header in `headers`
/// plus the host of `url`, over `body` exactly; adds the signing headers to `headers`.
fn aws_sign(
    url: &str,
    headers: &mut HeaderMap,
    body: &[u8],
    (region, service): (&str, &str),
    secret: &str,
    token: Option<&str>,
    at: SystemTime,
) {
    let identity: Identity =
        Credentials::new(AKID, secret, token.map(str::to_owned), None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(at)
        .settings(SigningSettings::default())
        .build()
        .expect("signing params")
        .into();
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.to_str().expect("text header")))
        .collect();
    let signable = SignableRequest::new("POST", url, pairs.into_iter(), SignableBody::Bytes(body))
        .expect("signable request");
    let (instructions, _signature) = sign(signable, &params).expect("sign").into_parts();
    let signing_headers: Vec<(String, String)> = instructions
        .headers()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    for (name, value) in signing_headers {
        headers.insert(
            HeaderName::try_from(name).unwrap(),
            HeaderValue::try_from(value).unwrap(),
        );
    }
}

const XRAY: (&str, &str) = ("us-west-2", "xray");
const XRAY_URL: &str = "https://xray.us-west-2.amazonaws.com/v1/traces";

/// A gzip-compressed OTLP traces post to X-Ray, signed by `aws-sigv4` at [`t0`], as recorded.
fn signed_post(token: Option<&str>) -> ReceivedRequest {
    let body = gzip(&trace_request().encode_to_vec());
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static(PROTOBUF));
    headers.insert("content-encoding", HeaderValue::from_static("gzip"));
    aws_sign(XRAY_URL, &mut headers, &body, XRAY, SECRET, token, t0());
    // What the HTTP client adds after signing.
    headers.insert(
        "host",
        HeaderValue::from_static("xray.us-west-2.amazonaws.com"),
    );
    headers.insert("content-length", HeaderValue::from(body.len()));
    received("POST", "/v1/traces", headers, body)
}

fn reason(verdict: &SigV4Verdict) -> &str {
    assert!(!verdict.valid, "expected an invalid signature");
    verdict
        .reason
        .as_deref()
        .expect("an invalid verdict has a reason")
}

#[test]
fn requests_signed_by_aws_sigv4_verify() {
    let request = signed_post(None);
    let verdict = verify_sigv4(&request, SECRET, t0(), SKEW);
    assert!(verdict.valid, "{:?}", verdict.reason);
    assert_eq!(verdict.service.as_deref(), Some("xray"));
    assert_eq!(verdict.region.as_deref(), Some("us-west-2"));
    assert_eq!(verdict.access_key_id.as_deref(), Some(AKID));
    assert_eq!(
        verdict.signed_headers,
        ["content-encoding", "content-type", "host", "x-amz-date"]
    );

    let request = signed_post(Some("session-token/with+odd=chars"));
    let verdict = verify_sigv4(&request, SECRET, t0(), SKEW);
    assert!(verdict.valid, "{:?}", verdict.reason);
    assert!(verdict
        .signed_headers
        .contains(&"x-amz-security-token".to_owned()));

    // Within the allowed skew either way.
    for offset in [SKEW, Duration::ZERO] {
        assert!(verify_sigv4(&request, SECRET, t0() + offset, SKEW).valid);
        assert!(verify_sigv4(&request, SECRET, t0() - offset, SKEW).valid);
    }
}

#[test]
fn tampering_makes_the_signature_invalid() {
    let original = signed_post(None);
    let check = |request: &ReceivedRequest| verify_sigv4(request, SECRET, t0(), SKEW);

    // One body byte flipped.
    let mut request = original.clone();
    let mut body = request.body.to_vec();
    let middle = body.len() / 2;
    body[middle] ^= 0x01;
    request.body = Bytes::from(body);
    assert!(reason(&check(&request)).starts_with("signature mismatch"));

    // x-amz-date one second later (still within the skew and on the same date).
    let mut request = original.clone();
    request
        .headers
        .insert("x-amz-date", HeaderValue::from_static("20260101T000001Z"));
    assert!(reason(&check(&request)).starts_with("signature mismatch"));

    // No Authorization header.
    let mut request = original.clone();
    request.headers.remove("authorization");
    assert_eq!(
        reason(&check(&request)),
        "the request has no Authorization header"
    );

    // The wrong secret.
    let verdict = verify_sigv4(
        &original,
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEX",
        t0(),
        SKEW,
    );
    assert!(reason(&verdict).starts_with("signature mismatch"));
    assert_eq!(verdict.access_key_id.as_deref(), Some(AKID));

    // A signed header's value changed.
    let mut request = original.clone();
    request
        .headers
        .insert("content-type", HeaderValue::from_static(JSON));
    assert!(reason(&check(&request)).starts_with("signature mismatch"));

    // Another path.
    let mut request = original.clone();
    request.path = "/v1/logs".into();
    assert!(reason(&check(&request)).starts_with("signature mismatch"));

    // Another method.
    let mut request = original.clone();
    request.method = "PUT".into();
    assert!(reason(&check(&request)).starts_with("signature mismatch"));

    // Another host.
    let mut request = original.clone();
    request.headers.insert(
        "host",
        HeaderValue::from_static("xray.us-east-1.amazonaws.com"),
    );
    assert!(reason(&check(&request)).starts_with("signature mismatch"));

    // A signed header removed.
    let mut request = original.clone();
    request.headers.remove("content-encoding");
    assert_eq!(
        reason(&check(&request)),
        "signed header content-encoding is not in the request"
    );

    // Unsigned headers may change freely.
    let mut request = original.clone();
    request
        .headers
        .insert("user-agent", HeaderValue::from_static("something/1.0"));
    request.headers.remove("content-length");
    assert!(check(&request).valid);
}

/// Replaces `from` with `to` in the Authorization header.
fn edit_authorization(request: &ReceivedRequest, from: &str, to: &str) -> ReceivedRequest {
    let mut request = request.clone();
    let value = request.header("authorization").unwrap().replace(from, to);
    request
        .headers
        .insert("authorization", HeaderValue::try_from(value).unwrap());
    request
}

#[test]
fn the_signing_rules_are_enforced() {
    let original = signed_post(Some("token"));
    let check = |request: &ReceivedRequest| verify_sigv4(request, SECRET, t0(), SKEW);

    // Clock skew, both ways.
    let late = verify_sigv4(
        &original,
        SECRET,
        t0() + SKEW + Duration::from_secs(1),
        SKEW,
    );
    assert!(reason(&late).contains("from now, more than the 300.000 s allowed"));
    let early = verify_sigv4(
        &original,
        SECRET,
        t0() - SKEW - Duration::from_secs(1),
        SKEW,
    );
    assert!(reason(&early).contains("from now"));

    // A malformed x-amz-date.
    for bad in [
        "2026-01-01T00:00:00Z",
        "20260101T000000",
        "20261301T000000Z",
        "",
    ] {
        let mut request = original.clone();
        request
            .headers
            .insert("x-amz-date", HeaderValue::try_from(bad).unwrap());
        assert!(
            reason(&check(&request)).contains("is not a valid YYYYMMDDTHHMMSSZ time"),
            "{bad:?}"
        );
    }

    // The credential scope's date is not the x-amz-date date.
    let request = edit_authorization(&original, "/20260101/", "/20251231/");
    assert_eq!(
        reason(&check(&request)),
        "the credential scope date 20251231 is not the date of x-amz-date 20260101T000000Z"
    );

    // host, x-amz-date or the session token left out of the signed headers.
    let request = edit_authorization(&original, "host;", "");
    assert_eq!(
        reason(&check(&request)),
        "host is not among the signed headers"
    );
    let request = edit_authorization(&original, ";x-amz-date", "");
    assert_eq!(
        reason(&check(&request)),
        "x-amz-date is not among the signed headers"
    );
    let request = edit_authorization(&original, ";x-amz-security-token", "");
    assert_eq!(
        reason(&check(&request)),
        "x-amz-security-token is present but not signed"
    );

    // Signed headers not sorted, or not lower-case.
    let request = edit_authorization(
        &original,
        "content-encoding;content-type",
        "content-type;content-encoding",
    );
    assert!(reason(&check(&request)).starts_with("SignedHeaders is not sorted and unique"));
    let request = edit_authorization(&original, "host", "Host");
    assert!(reason(&check(&request)).contains("not a lower-case header name"));

    // Two Authorization headers, or two x-amz-date headers.
    let mut request = original.clone();
    let authorization = request.headers["authorization"].clone();
    request.headers.append("authorization", authorization);
    assert_eq!(
        reason(&check(&request)),
        "the request has more than one authorization header"
    );
    let mut request = original.clone();
    request
        .headers
        .append("x-amz-date", HeaderValue::from_static("20260101T000000Z"));
    assert_eq!(
        reason(&check(&request)),
        "the request has more than one x-amz-date header"
    );

    // x-amz-content-sha256 must be the body's hash.
    let mut request = original.clone();
    request.headers.insert(
        "x-amz-content-sha256",
        HeaderValue::from_static("UNSIGNED-PAYLOAD"),
    );
    assert!(reason(&check(&request))
        .starts_with("x-amz-content-sha256 \"UNSIGNED-PAYLOAD\" is not the SHA-256 of the body"));
}

#[test]
fn malformed_authorization_headers_are_invalid_with_a_reason() {
    let original = signed_post(None);
    let authorization = original.header("authorization").unwrap().to_owned();
    let mut candidates: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"AWS4-HMAC-SHA256".to_vec(),
        b"Bearer abc".to_vec(),
        b"AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=".to_vec(),
        b"AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=host, Signature=zz"
            .to_vec(),
        b"AWS4-HMAC-SHA256 ,,,,".to_vec(),
        b"AWS4-HMAC-SHA256 ===".to_vec(),
        vec![b'A', 0xff, 0xfe, b'Z'],
        authorization
            .replace("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA256\t")
            .into_bytes(),
        authorization.to_uppercase().into_bytes(),
        format!("{authorization}, Extra=1").into_bytes(),
    ];
    // Every truncation of the valid header.
    candidates.extend((0..authorization.len()).map(|end| authorization.as_bytes()[..end].to_vec()));
    for candidate in candidates {
        let Ok(value) = HeaderValue::from_bytes(&candidate) else {
            continue;
        };
        let mut request = original.clone();
        request.headers.insert("authorization", value);
        let verdict = verify_sigv4(&request, SECRET, t0(), SKEW);
        assert!(!verdict.valid, "{:?}", String::from_utf8_lossy(&candidate));
        assert!(verdict.reason.is_some());
    }

    // Garbage elsewhere never panics either.
    let mut request = original.clone();
    request.path = String::new();
    request.method = String::new();
    request.body = Bytes::new();
    assert!(!verify_sigv4(&request, SECRET, UNIX_EPOCH, Duration::MAX).valid);
    assert!(!verify_sigv4(&original, "", SystemTime::UNIX_EPOCH, Duration::ZERO).valid);
}

#[test]
fn sigv4_check_compares_identity_region_and_service() {
    let request = signed_post(None);
    let credentials = SigV4Credentials {
        access_key_id: AKID,
        secret_access_key: SECRET,
    };
    let check = SigV4Check {
        now: t0(),
        ..SigV4Check::new(credentials, "us-west-2", "xray")
    };
    assert!(check.verify(&request).valid);
    assert_eq!(check.max_skew, Duration::from_secs(900));

    let other_key = SigV4Check {
        credentials: SigV4Credentials {
            access_key_id: "AKIDOTHER",
            ..credentials
        },
        ..check
    };
    assert_eq!(
        reason(&other_key.verify(&request)),
        "access key ID is \"AKIDEXAMPLE\", expected \"AKIDOTHER\""
    );
    let other_region = SigV4Check {
        region: "us-east-1",
        ..check
    };
    assert_eq!(
        reason(&other_region.verify(&request)),
        "region is \"us-west-2\", expected \"us-east-1\""
    );
    let other_service = SigV4Check {
        service: "logs",
        ..check
    };
    assert_eq!(
        reason(&other_service.verify(&request)),
        "service is \"xray\", expected \"logs\""
    );
    // A bad signature is reported as such, not as an identity mismatch.
    let wrong_secret = SigV4Check {
        credentials: SigV4Credentials {
            secret_access_key: "other",
            ..credentials
        },
        ..other_region
    };
    assert!(reason(&wrong_secret.verify(&request)).starts_with("signature mismatch"));
}

#[tokio::test]
async fn a_signed_post_recorded_by_the_receiver_verifies() {
    let receiver = OtlpReceiver::start().unwrap();
    let client = reqwest::Client::new();
    let now = SystemTime::now();
    let body = gzip(&trace_request().encode_to_vec());

    // Signed for the receiver's URL, including a path segment the signer must double-encode.
    for url in [
        receiver.traces_url(),
        format!("{}/tenant%3Da%20b/v1/traces", receiver.endpoint()),
    ] {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static(PROTOBUF));
        headers.insert("content-encoding", HeaderValue::from_static("gzip"));
        headers.insert(
            "x-aws-log-group",
            HeaderValue::from_static("/aws/bedrock-agentcore/runtimes/agent"),
        );
        aws_sign(&url, &mut headers, &body, XRAY, SECRET, Some("tok"), now);
        let response = client
            .post(&url)
            .headers(headers)
            .body(body.clone())
            .send()
            .await
            .expect("post to the receiver");
        assert_eq!(response.status(), 200);
    }

    let requests = receiver.wait_for_requests(2, WAIT);
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].path, "/tenant%3Da%20b/v1/traces");
    let check = SigV4Check::new(
        SigV4Credentials {
            access_key_id: AKID,
            secret_access_key: SECRET,
        },
        "us-west-2",
        "xray",
    );
    for request in &requests {
        assert!(request.is_gzip());
        assert_eq!(&request.body[..], &body[..]);
        let verdict = check.verify(request);
        assert!(verdict.valid, "{:?}", verdict.reason);
        assert_eq!(
            verdict.signed_headers,
            [
                "content-encoding",
                "content-type",
                "host",
                "x-amz-date",
                "x-amz-security-token",
                "x-aws-log-group"
            ]
        );
    }
    // The receiver decoded the (gzip) body: the spans of both posts arrived.
    let per_post: usize = trace_request()
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .map(|s| s.spans.len())
        .sum();
    assert_eq!(
        receiver.wait_for_spans(2 * per_post, WAIT).len(),
        2 * per_post
    );
}

#[test]
fn header_values_are_canonicalized_as_recorded() {
    // Repeated headers and runs of spaces, sent over the wire byte for byte.
    let receiver = OtlpReceiver::start().unwrap();
    let url = receiver.traces_url();
    let body = trace_request().encode_to_vec();
    let now = SystemTime::now();

    let mut signing = HeaderMap::new();
    signing.insert("content-type", HeaderValue::from_static(PROTOBUF));
    signing.append("x-custom", HeaderValue::from_static("first  value"));
    signing.append("x-custom", HeaderValue::from_static("second"));
    signing.insert("x-spaced", HeaderValue::from_static("a   b    c"));
    aws_sign(
        &url,
        &mut signing,
        &body,
        ("eu-west-1", "xray"),
        SECRET,
        None,
        now,
    );

    let mut wire: Vec<(&str, String)> = vec![
        ("content-type", PROTOBUF.to_owned()),
        ("x-custom", "first  value".to_owned()),
        ("x-custom", "   second   ".to_owned()),
        ("x-spaced", "   a   b    c ".to_owned()),
    ];
    for name in ["authorization", "x-amz-date"] {
        wire.push((name, signing[name].to_str().unwrap().to_owned()));
    }
    let wire: Vec<(&str, &str)> = wire.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let response = send(receiver.local_addr(), "POST", "/v1/traces", &wire, &body);
    assert_eq!(response.status, 200);

    let recorded = receiver.wait_for_requests(1, WAIT);
    let verdict = verify_sigv4(&recorded[0], SECRET, SystemTime::now(), SKEW);
    assert!(verdict.valid, "{:?}", verdict.reason);
    assert_eq!(verdict.region.as_deref(), Some("eu-west-1"));

    // A changed order of the repeated values is a different canonical request.
    let mut reordered = recorded[0].clone();
    reordered.headers.remove("x-custom");
    reordered
        .headers
        .append("x-custom", HeaderValue::from_static("second"));
    reordered
        .headers
        .append("x-custom", HeaderValue::from_static("first value"));
    assert!(
        reason(&verify_sigv4(&reordered, SECRET, SystemTime::now(), SKEW))
            .starts_with("signature mismatch")
    );
}
