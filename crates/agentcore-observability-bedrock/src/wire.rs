//! Byte-level facts about one HTTP exchange: endpoint, SigV4 scope, request id, error code,
//! Bedrock's token-count headers. Nothing here knows an SDK type beyond the smithy HTTP
//! request/response, so the interceptor works on any AWS SDK client.

use std::borrow::Cow;

use aws_smithy_runtime_api::http::Headers;
use serde_json::Value;

/// Host and port of an absolute request URI (`https://host[:port]/…`); the scheme's default port
/// when none is given. `None` for a relative URI (before endpoint resolution) or garbage.
pub(crate) fn endpoint_of(uri: &str) -> Option<(&str, u16)> {
    let (scheme, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let default_port = if scheme.eq_ignore_ascii_case("http") {
        80
    } else {
        443
    };
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None => default_port,
        };
        return Some((host, port));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host, port.parse().ok()?)),
        None if !authority.is_empty() => Some((authority, default_port)),
        None => None,
    }
}

/// The path of a request URI, absolute or relative, without the query.
pub(crate) fn path_of(uri: &str) -> &str {
    let after_authority = match uri.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => uri,
    };
    after_authority
        .split(['?', '#'])
        .next()
        .unwrap_or(after_authority)
}

/// The credential scope of a SigV4 `Authorization` header:
/// `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/bedrock/aws4_request, …`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SigV4Scope<'a> {
    pub(crate) access_key: &'a str,
    pub(crate) region: &'a str,
}

pub(crate) fn sigv4_scope(authorization: &str) -> Option<SigV4Scope<'_>> {
    let start = authorization.find("Credential=")? + "Credential=".len();
    let credential = authorization[start..].split([',', ' ']).next()?;
    let mut parts = credential.split('/');
    let access_key = parts.next().filter(|s| !s.is_empty())?;
    let _date = parts.next()?;
    let region = parts.next().filter(|s| !s.is_empty())?;
    Some(SigV4Scope { access_key, region })
}

/// The region in an AWS endpoint host: `bedrock-runtime.us-east-1.amazonaws.com`,
/// `bedrock-runtime-fips.us-gov-west-1.amazonaws.com`, `….amazonaws.com.cn`, `….api.aws`.
pub(crate) fn region_from_host(host: &str) -> Option<&str> {
    let base = host
        .strip_suffix(".amazonaws.com")
        .or_else(|| host.strip_suffix(".amazonaws.com.cn"))
        .or_else(|| host.strip_suffix(".api.aws"))?;
    let region = base.rsplit('.').next()?;
    let looks_like_region = region.split('-').count() >= 3
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    looks_like_region.then_some(region)
}

/// The AWS request id of a response: `x-amzn-RequestId`, `x-amz-request-id`, and, as ADOT does
/// for S3, `x-amz-id-2` as the last resort.
pub(crate) fn request_id(headers: &Headers) -> Option<&str> {
    [
        "x-amzn-requestid",
        "x-amz-request-id",
        "x-amzn-request-id",
        "x-amz-id-2",
    ]
    .iter()
    .find_map(|name| headers.get(*name).filter(|v| !v.is_empty()))
}

/// A non-negative integer header (Bedrock's `X-Amzn-Bedrock-*-Token-Count`).
pub(crate) fn count_header(headers: &Headers, name: &str) -> Option<u64> {
    headers.get(name)?.trim().parse().ok()
}

/// The service error code and message of an error response, as the SDK's restJson1 / awsJson
/// parsers find them: the `x-amzn-errortype` header, else the body's `code` / `__type`, with a
/// trailing `:url` and a leading `namespace#` removed; for XML bodies (restXml: S3, awsQuery:
/// SNS), the first `<Code>` and `<Message>`.
pub(crate) fn error_code_and_message(
    headers: &Headers,
    body: Option<&[u8]>,
) -> (Option<String>, Option<String>) {
    let body = body.filter(|b| !b.is_empty() && b.len() <= 64 * 1024);
    if let Some(xml) = body.filter(|b| b.trim_ascii_start().starts_with(b"<")) {
        let code = headers
            .get("x-amzn-errortype")
            .map(str::to_owned)
            .or_else(|| xml_text(xml, "Code"))
            .map(|c| sanitize_error_code(&c).to_owned())
            .filter(|c| !c.is_empty());
        return (code, xml_text(xml, "Message"));
    }
    let parsed: Option<Value> = body.and_then(|b| serde_json::from_slice(b).ok());
    let field = |keys: &[&str]| -> Option<String> {
        let object = parsed.as_ref()?.as_object()?;
        keys.iter()
            .find_map(|k| object.get(*k).and_then(Value::as_str))
            .map(str::to_owned)
    };
    let code = headers
        .get("x-amzn-errortype")
        .map(str::to_owned)
        .or_else(|| field(&["code", "__type"]))
        .map(|c| sanitize_error_code(&c).to_owned())
        .filter(|c| !c.is_empty());
    let message = field(&["message", "Message", "errorMessage"]);
    (code, message)
}

fn sanitize_error_code(code: &str) -> &str {
    let code = code.split(':').next().unwrap_or(code);
    code.rsplit('#').next().unwrap_or(code)
}

/// The text of the first `<tag>…</tag>` element of an XML document (no attributes on the
/// element, no nested markup in it), with the predefined and numeric entities decoded. A scan,
/// not a parser: enough for the flat elements AWS error and awsQuery responses carry.
pub(crate) fn xml_text(xml: &[u8], tag: &str) -> Option<String> {
    let xml = std::str::from_utf8(xml).ok()?;
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let len = xml[start..].find(&close)?;
    let text = xml[start..start + len].trim();
    if text.contains('<') {
        return None;
    }
    Some(xml_unescape(text).into_owned())
}

fn xml_unescape(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Decodes `%XX` escapes (RFC 3986); invalid escapes and non-UTF-8 results are kept as given.
pub(crate) fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(decoded) => Cow::Owned(decoded),
        Err(_) => Cow::Borrowed(s),
    }
}

/// Truncates `s` to at most `max` bytes on a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(
            endpoint_of("https://bedrock-runtime.us-east-1.amazonaws.com/model/x/converse"),
            Some(("bedrock-runtime.us-east-1.amazonaws.com", 443))
        );
        assert_eq!(
            endpoint_of("http://127.0.0.1:46029/model/x/converse?a=b"),
            Some(("127.0.0.1", 46029))
        );
        assert_eq!(endpoint_of("http://[::1]:8080/x"), Some(("::1", 8080)));
        assert_eq!(endpoint_of("http://localhost"), Some(("localhost", 80)));
        assert_eq!(endpoint_of("/model/x/converse"), None);
        assert_eq!(endpoint_of("http://host:notaport/"), None);
    }

    #[test]
    fn paths() {
        assert_eq!(
            path_of("https://h:1/model/a%3Ab/converse?x=1"),
            "/model/a%3Ab/converse"
        );
        assert_eq!(
            path_of("/runtimes/arn/invocations?qualifier=DEFAULT"),
            "/runtimes/arn/invocations"
        );
        assert_eq!(path_of("https://h"), "");
    }

    #[test]
    fn sigv4_credential_scope() {
        let header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-3/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        assert_eq!(
            sigv4_scope(header),
            Some(SigV4Scope {
                access_key: "AKIDEXAMPLE",
                region: "eu-west-3"
            })
        );
        assert_eq!(sigv4_scope("Bearer abc"), None);
        assert_eq!(sigv4_scope("AWS4-HMAC-SHA256 Credential=/x"), None);
    }

    #[test]
    fn regions_from_hosts() {
        assert_eq!(
            region_from_host("bedrock-runtime.us-east-1.amazonaws.com"),
            Some("us-east-1")
        );
        assert_eq!(
            region_from_host("bedrock-runtime-fips.us-gov-west-1.amazonaws.com"),
            Some("us-gov-west-1")
        );
        assert_eq!(
            region_from_host("bedrock-agentcore.cn-north-1.amazonaws.com.cn"),
            Some("cn-north-1")
        );
        assert_eq!(region_from_host("127.0.0.1"), None);
        assert_eq!(region_from_host("amazonaws.com"), None);
    }

    #[test]
    fn error_codes() {
        let mut headers = Headers::new();
        let (code, message) = error_code_and_message(
            &headers,
            Some(br#"{"__type":"com.amazon#ThrottlingException","message":"slow down"}"#),
        );
        assert_eq!(code.as_deref(), Some("ThrottlingException"));
        assert_eq!(message.as_deref(), Some("slow down"));
        headers.insert(
            "x-amzn-errortype",
            "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/",
        );
        let (code, _) = error_code_and_message(&headers, Some(b"not json"));
        assert_eq!(code.as_deref(), Some("ValidationException"));
        let (code, message) = error_code_and_message(&Headers::new(), None);
        assert_eq!((code, message), (None, None));
    }

    #[test]
    fn xml_error_codes() {
        let s3 = br#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a &amp; b</Key><RequestId>R</RequestId></Error>"#;
        let (code, message) = error_code_and_message(&Headers::new(), Some(s3));
        assert_eq!(code.as_deref(), Some("NoSuchKey"));
        assert_eq!(
            message.as_deref(),
            Some("The specified key does not exist.")
        );
        assert_eq!(xml_text(s3, "Key").as_deref(), Some("a & b"));
        let query = b"<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>NotFound</Code>\n    <Message>Topic does not exist</Message>\n  </Error>\n</ErrorResponse>";
        let (code, message) = error_code_and_message(&Headers::new(), Some(query));
        assert_eq!(code.as_deref(), Some("NotFound"));
        assert_eq!(message.as_deref(), Some("Topic does not exist"));
        assert_eq!(xml_text(b"<A><B>x</A>", "B"), None);
        assert_eq!(xml_text(b"<B><C/></B>", "B"), None);
        assert_eq!(xml_text(&[0xff, b'<'], "B"), None);
    }

    #[test]
    fn xml_entities() {
        assert_eq!(xml_unescape("plain"), "plain");
        assert_eq!(
            xml_unescape("&lt;&gt;&quot;&apos;&#65;&#x42;&amp;"),
            "<>\"'AB&"
        );
        assert_eq!(
            xml_unescape("a & b &bogus; &#xZZ; &"),
            "a & b &bogus; &#xZZ; &"
        );
        assert_eq!(xml_unescape("&#1114112;"), "&#1114112;");
    }

    #[test]
    fn request_ids() {
        let mut headers = Headers::new();
        headers.insert("x-amz-id-2", "extended");
        assert_eq!(request_id(&headers), Some("extended"));
        headers.insert("x-amz-request-id", "");
        assert_eq!(request_id(&headers), Some("extended"));
        headers.insert("x-amz-request-id", "4442587FB7D0A2F9");
        assert_eq!(request_id(&headers), Some("4442587FB7D0A2F9"));
        headers.insert("x-amzn-RequestId", "amzn");
        assert_eq!(request_id(&headers), Some("amzn"));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(
            percent_decode("arn%3Aaws%3Abedrock%3Aus-east-1%3A123%3Ainference-profile%2Fus.x"),
            "arn:aws:bedrock:us-east-1:123:inference-profile/us.x"
        );
        assert_eq!(percent_decode("plain"), "plain");
        assert_eq!(percent_decode("bad%zz%"), "bad%zz%");
        assert_eq!(percent_decode("%ff"), "%ff", "not UTF-8: kept");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("a%4"), "a%4");
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
