//! An independent AWS Signature Version 4 verifier for recorded requests: [`verify_sigv4`].
//!
//! The exporter signs with the `aws-sigv4` crate; this module recomputes the signature from the
//! specification alone (HMAC-SHA256 and SHA-256 from `hmac` and `sha2`), so a test that checks a
//! request with it has two independent implementations agreeing. It follows the AWS
//! documentation "Create a signed AWS API request" (SigV4, header-based signing):
//!
//! 1. Canonical request:
//!    ```text
//!    METHOD\n
//!    canonical URI\n
//!    canonical query string\n      (always empty: see below)
//!    name:value\n … one line per signed header, names lower-case and sorted\n
//!    signed headers (name;name;…)\n
//!    hex(sha256(body))
//!    ```
//!    - Canonical URI: the path normalized as for every service except Amazon S3 (empty → `/`,
//!      empty and `.` segments removed, `..` removes the segment before it, a trailing `/` kept)
//!      and then URI-encoded: every byte except the unreserved `A–Z a–z 0–9 - _ . ~` and the
//!      `/` separators becomes `%XX` (upper-case hex). The specification says that for services
//!      other than S3 each path segment is encoded *twice*; the path a server receives has
//!      already been encoded once by the client, so the received path is encoded once more here
//!      (`%3D` on the wire becomes `%253D`), exactly as the AWS test suite's `double-encode-path`
//!      case expects.
//!    - Canonical query string: [`ReceivedRequest`] keeps no query string (OTLP posts have
//!      none), so it is always empty; a request that was signed with a query does not verify.
//!    - Canonical headers: for each signed header, its values in the order received, each with
//!      leading and trailing spaces removed and runs of spaces collapsed to one, joined by `,`.
//!    - Payload hash: SHA-256 of the body exactly as received (still gzip-compressed if it was
//!      sent that way). An `x-amz-content-sha256` header, when present, must equal it.
//! 2. String to sign: `AWS4-HMAC-SHA256\n{x-amz-date}\n{date}/{region}/{service}/aws4_request\n`
//!    followed by hex(sha256(canonical request)).
//! 3. Signing key: `kDate = HMAC("AWS4" + secret, date)`, `kRegion = HMAC(kDate, region)`,
//!    `kService = HMAC(kRegion, service)`, `kSigning = HMAC(kService, "aws4_request")`.
//! 4. Signature: hex(HMAC(kSigning, string to sign)), compared with the one in the
//!    `Authorization` header without stopping at the first difference.
//!
//! Besides a matching signature, a request is valid only if it has exactly one well-formed
//! `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header, its
//! signed headers (lower-case, sorted, unique) include `host` and `x-amz-date` and every one of
//! them is present, an `x-amz-security-token` header (if any) is signed, `x-amz-date` is a valid
//! `YYYYMMDDTHHMMSSZ` time within `max_skew` of `now`, and the credential scope's date is that
//! time's date. Anything malformed yields an invalid [`SigV4Verdict`] with a reason, never a panic.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::request::ReceivedRequest;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const TERMINATOR: &str = "aws4_request";

/// An access key pair to check requests against, for [`SigV4Check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigV4Credentials<'a> {
    /// The access key ID the request must name in its credential scope.
    pub access_key_id: &'a str,
    /// The secret access key the signature must have been made with.
    pub secret_access_key: &'a str,
}

/// What a request must satisfy: signed with `credentials` for `service` in `region`, within
/// `max_skew` of `now`. [`SigV4Check::verify`] runs [`verify_sigv4`] and then compares the
/// access key ID, region and service it found.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use agentcore_observability_testkit::{SigV4Check, SigV4Credentials};
///
/// let check = SigV4Check {
///     max_skew: Duration::from_secs(60),
///     ..SigV4Check::new(
///         SigV4Credentials { access_key_id: "AKIDEXAMPLE", secret_access_key: "secret" },
///         "us-east-1",
///         "xray",
///     )
/// };
/// assert!(check.now <= SystemTime::now());
/// // let verdict = check.verify(&receiver.requests()[0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigV4Check<'a> {
    /// The expected key pair.
    pub credentials: SigV4Credentials<'a>,
    /// The expected region, e.g. `us-east-1`.
    pub region: &'a str,
    /// The expected signing name, e.g. `xray` or `logs`.
    pub service: &'a str,
    /// The time `x-amz-date` is compared with.
    pub now: SystemTime,
    /// How far `x-amz-date` may be from `now`, either way.
    pub max_skew: Duration,
}

impl<'a> SigV4Check<'a> {
    /// A check at the current time, allowing the 15 minutes of clock skew AWS allows.
    pub fn new(credentials: SigV4Credentials<'a>, region: &'a str, service: &'a str) -> Self {
        SigV4Check {
            credentials,
            region,
            service,
            now: SystemTime::now(),
            max_skew: Duration::from_secs(15 * 60),
        }
    }

    /// Verifies the signature of `request` and that it names the expected access key ID,
    /// region and service.
    pub fn verify(&self, request: &ReceivedRequest) -> SigV4Verdict {
        let mut verdict = verify_sigv4(
            request,
            self.credentials.secret_access_key,
            self.now,
            self.max_skew,
        );
        if verdict.valid {
            let mismatch = [
                (
                    "access key ID",
                    &verdict.access_key_id,
                    self.credentials.access_key_id,
                ),
                ("region", &verdict.region, self.region),
                ("service", &verdict.service, self.service),
            ]
            .into_iter()
            .find(|(_, found, expected)| found.as_deref() != Some(*expected));
            if let Some((what, found, expected)) = mismatch {
                let found = found.as_deref().unwrap_or_default();
                verdict.reason = Some(format!("{what} is {found:?}, expected {expected:?}"));
                verdict.valid = false;
            }
        }
        verdict
    }
}

/// The outcome of [`verify_sigv4`]: whether the signature is valid and, as far as the
/// `Authorization` header could be read, what it claims.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SigV4Verdict {
    /// Whether the request is correctly signed (and meets every other rule of the module docs).
    pub valid: bool,
    /// Why it is not valid; `None` when it is.
    pub reason: Option<String>,
    /// The signing name of the credential scope, e.g. `xray`.
    pub service: Option<String>,
    /// The region of the credential scope, e.g. `us-east-1`.
    pub region: Option<String>,
    /// The access key ID of the credential scope.
    pub access_key_id: Option<String>,
    /// The `SignedHeaders` list, in order.
    pub signed_headers: Vec<String>,
}

/// Verifies the SigV4 `Authorization` header of `request` against `secret_access_key`,
/// recomputing the signature from the request exactly as it was received (see the module docs
/// for every rule applied). `x-amz-date` must be within `max_skew` of `now`.
///
/// Never panics: anything missing or malformed gives `valid: false` and a `reason`.
pub fn verify_sigv4(
    request: &ReceivedRequest,
    secret_access_key: &str,
    now: SystemTime,
    max_skew: Duration,
) -> SigV4Verdict {
    let mut verdict = SigV4Verdict::default();
    match verify(
        &mut verdict,
        &request.method,
        &request.path,
        &request.headers,
        &request.body,
        secret_access_key,
        now,
        max_skew,
    ) {
        Ok(()) => verdict.valid = true,
        Err(reason) => verdict.reason = Some(reason),
    }
    verdict
}

/// The parts of an `Authorization` header.
struct Authorization<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

#[allow(clippy::too_many_arguments)]
fn verify(
    verdict: &mut SigV4Verdict,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
    secret_access_key: &str,
    now: SystemTime,
    max_skew: Duration,
) -> Result<(), String> {
    let authorization = single_header(headers, "authorization")?
        .ok_or_else(|| "the request has no Authorization header".to_owned())?;
    let authorization = std::str::from_utf8(authorization)
        .map_err(|_| "the Authorization header is not valid text".to_owned())?;
    let auth = parse_authorization(authorization)?;
    verdict.access_key_id = Some(auth.access_key_id.to_owned());
    verdict.region = Some(auth.region.to_owned());
    verdict.service = Some(auth.service.to_owned());
    verdict.signed_headers = auth.signed_headers.iter().map(|h| h.to_string()).collect();

    check_signed_headers(&auth.signed_headers, headers)?;

    let amz_date = single_header(headers, "x-amz-date")?
        .ok_or_else(|| "the request has no x-amz-date header".to_owned())?;
    let (amz_date, signed_at) = std::str::from_utf8(amz_date)
        .ok()
        .and_then(|text| Some((text, parse_amz_date(text)?)))
        .ok_or_else(|| {
            format!(
                "x-amz-date {:?} is not a valid YYYYMMDDTHHMMSSZ time",
                String::from_utf8_lossy(amz_date)
            )
        })?;
    let skew = match now.duration_since(signed_at) {
        Ok(behind) => behind,
        Err(ahead) => ahead.duration(),
    };
    if skew > max_skew {
        return Err(format!(
            "x-amz-date {amz_date} is {:.3} s from now, more than the {:.3} s allowed",
            skew.as_secs_f64(),
            max_skew.as_secs_f64()
        ));
    }
    if !amz_date.starts_with(auth.date) {
        return Err(format!(
            "the credential scope date {} is not the date of x-amz-date {amz_date}",
            auth.date
        ));
    }

    let payload_hash = hex::encode(Sha256::digest(body));
    if let Some(declared) = single_header(headers, "x-amz-content-sha256")? {
        if declared != payload_hash.as_bytes() {
            return Err(format!(
                "x-amz-content-sha256 {:?} is not the SHA-256 of the body ({payload_hash})",
                String::from_utf8_lossy(declared)
            ));
        }
    }

    let canonical = canonical_request(method, path, headers, &auth.signed_headers, &payload_hash);
    let scope = format!(
        "{}/{}/{}/{TERMINATOR}",
        auth.date, auth.region, auth.service
    );
    let string_to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(&canonical))
    );
    let signing_key = signing_key(secret_access_key, auth.date, auth.region, auth.service)?;
    let expected = hex::encode(hmac(&signing_key, string_to_sign.as_bytes())?);
    if !same_bytes(expected.as_bytes(), auth.signature.as_bytes()) {
        return Err(format!(
            "signature mismatch: the request carries {}, the recomputed signature is {expected}",
            auth.signature
        ));
    }
    Ok(())
}

/// The only value of header `name`, `None` if absent, an error if repeated.
fn single_header<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h [u8]>, String> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(format!("the request has more than one {name} header"));
    }
    Ok(first.map(|v| v.as_bytes()))
}

/// Parses `AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
/// SignedHeaders=a;b, Signature=hex` (components in any order, spaces after commas optional).
fn parse_authorization(value: &str) -> Result<Authorization<'_>, String> {
    let malformed = |why: &str| format!("malformed Authorization header ({why}): {value:?}");
    let rest = value
        .strip_prefix(ALGORITHM)
        .filter(|rest| rest.starts_with(' '))
        .ok_or_else(|| malformed("it does not start with \"AWS4-HMAC-SHA256 \""))?;
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for component in rest.split(',') {
        let component = component.trim_matches(' ');
        let (key, field) = component
            .split_once('=')
            .ok_or_else(|| malformed("a component is not key=value"))?;
        let slot = match key {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => return Err(malformed(&format!("unknown component {key:?}"))),
        };
        if slot.replace(field).is_some() {
            return Err(malformed(&format!("{key} appears twice")));
        }
    }
    let credential = credential.ok_or_else(|| malformed("no Credential"))?;
    let signed_headers = signed_headers.ok_or_else(|| malformed("no SignedHeaders"))?;
    let signature = signature.ok_or_else(|| malformed("no Signature"))?;

    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = parts[..] else {
        return Err(malformed(
            "Credential is not AKID/YYYYMMDD/region/service/aws4_request",
        ));
    };
    if terminator != TERMINATOR {
        return Err(malformed(
            "the credential scope does not end in aws4_request",
        ));
    }
    if access_key_id.is_empty() || region.is_empty() || service.is_empty() {
        return Err(malformed("empty access key ID, region or service"));
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("the credential scope date is not YYYYMMDD"));
    }
    if signature.len() != 64
        || !signature
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(malformed("Signature is not 64 lower-case hex digits"));
    }
    Ok(Authorization {
        access_key_id,
        date,
        region,
        service,
        signed_headers: signed_headers.split(';').collect(),
        signature,
    })
}

/// The signed headers must be lower-case header names, sorted and unique, include `host` and
/// `x-amz-date` (and `x-amz-security-token` when the request has one), and all be present.
fn check_signed_headers(signed: &[&str], headers: &HeaderMap) -> Result<(), String> {
    for name in signed {
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b.is_ascii_uppercase() && b != b';');
        if !valid {
            return Err(format!(
                "SignedHeaders has {name:?}, which is not a lower-case header name"
            ));
        }
    }
    if let Some(pair) = signed.windows(2).find(|pair| pair[0] >= pair[1]) {
        return Err(format!(
            "SignedHeaders is not sorted and unique ({:?} before {:?})",
            pair[0], pair[1]
        ));
    }
    for required in ["host", "x-amz-date"] {
        if !signed.contains(&required) {
            return Err(format!("{required} is not among the signed headers"));
        }
    }
    if headers.contains_key("x-amz-security-token") && !signed.contains(&"x-amz-security-token") {
        return Err("x-amz-security-token is present but not signed".to_owned());
    }
    if let Some(missing) = signed.iter().find(|name| !headers.contains_key(**name)) {
        return Err(format!("signed header {missing} is not in the request"));
    }
    Ok(())
}

fn canonical_request(
    method: &str,
    path: &str,
    headers: &HeaderMap,
    signed: &[&str],
    payload_hash: &str,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(method.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_uri(path).as_bytes());
    out.extend_from_slice(b"\n\n"); // end of the URI, then the empty query string
    for name in signed {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        for (i, value) in headers.get_all(*name).iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&trim_all(value.as_bytes()));
        }
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(signed.join(";").as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload_hash.as_bytes());
    out
}

/// The path normalized (RFC 3986 dot-segment removal, empty segments dropped) and URI-encoded
/// once more, as SigV4 specifies for every service except S3.
fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let trailing_slash = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    let mut out = String::with_capacity(path.len() + 8);
    for segment in &segments {
        out.push('/');
        uri_encode(segment, &mut out);
    }
    if out.is_empty() || trailing_slash {
        out.push('/');
    }
    out
}

/// Percent-encodes every byte except the RFC 3986 unreserved characters, upper-case hex.
fn uri_encode(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in text.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
    }
}

/// Removes leading and trailing spaces and collapses runs of spaces into one (spaces only).
fn trim_all(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    for &byte in value {
        if byte == b' ' && (out.is_empty() || out.last() == Some(&b' ')) {
            continue;
        }
        out.push(byte);
    }
    if out.last() == Some(&b' ') {
        out.pop();
    }
    out
}

/// `YYYYMMDDTHHMMSSZ` → the time it names (UTC), or `None` if it is not exactly that.
fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let bytes = text.as_bytes();
    if bytes.len() != 16 || bytes[8] != b'T' || bytes[15] != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u64> {
        let digits = bytes.get(range)?;
        digits.iter().try_fold(0u64, |acc, &b| {
            b.is_ascii_digit().then(|| acc * 10 + u64::from(b - b'0'))
        })
    };
    let (year, month, day) = (number(0..4)?, number(4..6)?, number(6..8)?);
    let (hour, minute, second) = (number(9..11)?, number(11..13)?, number(13..15)?);
    if year < 1970 || !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let days_in_month = *month_days.get(usize::try_from(month - 1).ok()?)?;
    if day == 0 || day > days_in_month {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second;
    UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

/// Days from 1970-01-01 to the given date (proleptic Gregorian, year ≥ 1970), after
/// Howard Hinnant's `days_from_civil`.
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn hmac(key: &[u8], data: &[u8]) -> Result<Vec<u8>, String> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .map_err(|e| format!("HMAC-SHA256 rejected its key: {e}"))?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().to_vec())
}

fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Result<Vec<u8>, String> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes())?;
    let k_region = hmac(&k_date, region.as_bytes())?;
    let k_service = hmac(&k_region, service.as_bytes())?;
    hmac(&k_service, TERMINATOR.as_bytes())
}

/// Compares two byte strings without stopping at the first difference.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_dates() {
        let at =
            |s: &str| parse_amz_date(s).map(|t| t.duration_since(UNIX_EPOCH).unwrap().as_secs());
        assert_eq!(at("19700101T000000Z"), Some(0));
        assert_eq!(at("20150830T123600Z"), Some(1_440_938_160));
        assert_eq!(at("20000229T235959Z"), Some(951_868_799));
        assert_eq!(at("20260101T000000Z"), Some(1_767_225_600));
        for bad in [
            "",
            "20150830T123600",
            "20150830 123600Z",
            "2015-08-30T12:36:00Z",
            "20150830T123600z",
            "20151301T000000Z",
            "20150230T000000Z",
            "21000229T000000Z",
            "20150830T243600Z",
            "20150830T126000Z",
            "20150830T123660Z",
            "19691231T235959Z",
            "2015083OT123600Z",
            "20150830T12360０Z",
            "+0150830T123600Z",
        ] {
            assert_eq!(at(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn canonical_uris() {
        for (path, expected) in [
            ("", "/"),
            ("/", "/"),
            ("/v1/traces", "/v1/traces"),
            ("/v1/traces/", "/v1/traces/"),
            ("//example//", "/example/"),
            ("/example/..", "/"),
            ("/example/../..", "/"),
            ("/./example/.", "/example/"),
            ("/a/b/../c", "/a/c"),
            ("/example%20space/", "/example%2520space/"),
            (
                "/test/@connections/JBDvjfGEIAMCERw%3D",
                "/test/%40connections/JBDvjfGEIAMCERw%253D",
            ),
            ("/-._~AZaz09", "/-._~AZaz09"),
            ("/ሴ", "/%E1%88%B4"),
            ("v1", "/v1"),
        ] {
            assert_eq!(canonical_uri(path), expected, "{path:?}");
        }
    }

    #[test]
    fn header_values_are_trimmed_of_spaces_only() {
        assert_eq!(trim_all(b"  a   b  c "), b"a b c");
        assert_eq!(trim_all(b"\"a   b   c\""), b"\"a b c\"");
        assert_eq!(trim_all(b"   "), b"");
        assert_eq!(trim_all(b"\ta\t\tb"), b"\ta\t\tb");
    }

    #[test]
    fn authorization_parsing() {
        let sig = "a".repeat(64);
        let ok = format!(
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/xray/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature={sig}"
        );
        let auth = parse_authorization(&ok).unwrap();
        assert_eq!(
            (auth.access_key_id, auth.date, auth.region, auth.service),
            ("AKID", "20150830", "us-east-1", "xray")
        );
        assert_eq!(auth.signed_headers, ["host", "x-amz-date"]);
        // No spaces after the commas, components in another order.
        let compact = format!(
            "AWS4-HMAC-SHA256 Signature={sig},SignedHeaders=host;x-amz-date,\
             Credential=AKID/20150830/us-east-1/xray/aws4_request"
        );
        assert!(parse_authorization(&compact).is_ok());

        for bad in [
            String::new(),
            "AWS4-HMAC-SHA256".into(),
            "AWS4-HMAC-SHA256Credential=x".into(),
            ok.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"),
            ok.replace("Credential=", "Credentials="),
            ok.replace("/aws4_request", "/aws5_request"),
            ok.replace("/xray/", "/"),
            ok.replace("AKID/", "/"),
            ok.replace("20150830", "2015083"),
            ok.replace(&sig, &"A".repeat(64)),
            ok.replace(&sig, &"a".repeat(63)),
            format!("{ok}, Signature={sig}"),
            ok.replace(", SignedHeaders=host;x-amz-date", ""),
            ok.replace("SignedHeaders=", "SignedHeaders"),
        ] {
            assert!(parse_authorization(&bad).is_err(), "{bad:?}");
        }
        // Every truncation of a valid header is rejected without panicking.
        for end in 0..ok.len() {
            if let Some(prefix) = ok.get(..end) {
                assert!(parse_authorization(prefix).is_err(), "{prefix:?}");
            }
        }
    }

    #[test]
    fn signing_key_matches_the_aws_documentation_example() {
        // From the AWS General Reference, "Examples of how to derive a signing key for
        // Signature Version 4" (secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215,
        // us-east-1, iam).
        let key = signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20120215",
            "us-east-1",
            "iam",
        )
        .unwrap();
        assert_eq!(
            hex::encode(key),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn constant_time_comparison() {
        assert!(same_bytes(b"abc", b"abc"));
        assert!(!same_bytes(b"abc", b"abd"));
        assert!(!same_bytes(b"abc", b"ab"));
        assert!(same_bytes(b"", b""));
    }
}
