//! What the receiver saw of one HTTP request: [`ReceivedRequest`] and its [`Signal`].

use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use http::HeaderMap;

use crate::cloudwatch_logs;
use crate::decode;

/// Which endpoint a request was addressed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// `POST …/v1/traces`.
    Traces,
    /// `POST …/v1/logs`.
    Logs,
    /// `POST …/v1/metrics`.
    Metrics,
    /// Any other path or method (answered with 404).
    Unknown,
    /// The CloudWatch Logs JSON API: a `POST` (any path) with an
    /// `X-Amz-Target: Logs_20140328.<Action>` header, e.g. `PutLogEvents` from the EMF exporter.
    CloudWatchLogsApi,
}

impl Signal {
    /// Classifies a request: `POST` to a path ending in `/v1/traces`, `/v1/logs` or
    /// `/v1/metrics` (a trailing `/` and any prefix are allowed); everything else is
    /// [`Signal::Unknown`].
    pub fn from_request(method: &str, path: &str) -> Signal {
        if !method.eq_ignore_ascii_case("POST") {
            return Signal::Unknown;
        }
        let path = path.trim_end_matches('/');
        if path.ends_with("/v1/traces") {
            Signal::Traces
        } else if path.ends_with("/v1/logs") {
            Signal::Logs
        } else if path.ends_with("/v1/metrics") {
            Signal::Metrics
        } else {
            Signal::Unknown
        }
    }

    /// Like [`from_request`](Self::from_request), but a `POST` carrying an
    /// `X-Amz-Target: Logs_20140328.<Action>` header is [`Signal::CloudWatchLogsApi`] whatever
    /// its path.
    pub fn from_parts(method: &str, path: &str, headers: &HeaderMap) -> Signal {
        let target = header(headers, "x-amz-target");
        if method.eq_ignore_ascii_case("POST") && cloudwatch_logs::action_of(target).is_some() {
            Signal::CloudWatchLogsApi
        } else {
            Signal::from_request(method, path)
        }
    }
}

/// One HTTP request as the receiver saw it, whether or not its body could be decoded.
///
/// For the gRPC receiver, one `Export` call: `path` is the gRPC method path (e.g.
/// `/opentelemetry.proto.collector.trace.v1.TraceService/Export`), `headers` the request
/// metadata (custom headers, `grpc-encoding`, `grpc-timeout`, `user-agent`, …), `body` the export
/// request re-encoded as protobuf (tonic decompresses and decodes the message before the receiver
/// sees it; calls tonic cannot decode are answered by tonic and not recorded), `status` 200 and
/// [`grpc_status`](Self::grpc_status) the gRPC status answered.
#[derive(Debug, Clone)]
pub struct ReceivedRequest {
    /// The endpoint it was addressed to.
    pub signal: Signal,
    /// The HTTP method, e.g. `"POST"`.
    pub method: String,
    /// The request path, without the query string.
    pub path: String,
    /// The request headers.
    pub headers: HeaderMap,
    /// The body exactly as received (still gzip-compressed if it was sent that way).
    /// Empty if the body could not be read (see [`decode_error`](Self::decode_error)).
    pub body: Bytes,
    /// The body length after decompression, when decompression succeeded.
    pub decoded_body_len: Option<usize>,
    /// Why the body could not be read, decompressed or decoded, if it could not.
    pub decode_error: Option<String>,
    /// When the request reached the receiver.
    pub received_at: Instant,
    /// The client's address: requests sent over one kept-alive connection share it.
    pub remote_addr: SocketAddr,
    /// The HTTP status the receiver answered (or is about to answer, after a planned delay).
    pub status: u16,
    /// Over gRPC, the gRPC status code answered (`0` OK, `14` UNAVAILABLE, …); `None` over HTTP.
    pub grpc_status: Option<i32>,
}

impl ReceivedRequest {
    /// The first value of header `name` (case-insensitive), if present and valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// Every value of header `name`, in order, skipping values that are not valid text.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        header_all(&self.headers, name)
    }

    /// The `content-type` header.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// The `content-encoding` header.
    pub fn content_encoding(&self) -> Option<&str> {
        self.header("content-encoding")
    }

    /// Whether the body was sent gzip-compressed (`content-encoding: gzip`, or over gRPC
    /// `grpc-encoding: gzip`; the recorded gRPC `body` is already decompressed).
    pub fn is_gzip(&self) -> bool {
        [self.content_encoding(), self.header("grpc-encoding")]
            .into_iter()
            .flatten()
            .any(|e| e.trim().eq_ignore_ascii_case("gzip"))
    }

    /// Whether this was a gRPC call (`content-type: application/grpc…`).
    pub fn is_grpc(&self) -> bool {
        self.content_type().is_some_and(|t| {
            t.trim()
                .get(..16)
                .is_some_and(|p| p.eq_ignore_ascii_case("application/grpc"))
        })
    }

    /// Whether the content type is `application/json` (parameters ignored).
    pub fn is_json(&self) -> bool {
        matches!(
            decode::encoding_of(self.content_type()),
            Ok(decode::Encoding::Json)
        )
    }

    /// Whether the content type is `application/x-protobuf` (or `application/protobuf`).
    pub fn is_protobuf(&self) -> bool {
        matches!(
            decode::encoding_of(self.content_type()),
            Ok(decode::Encoding::Protobuf)
        )
    }

    /// The body after undoing its `content-encoding`, or the reason that failed.
    pub fn decompressed_body(&self) -> Result<Vec<u8>, String> {
        decode::decompress(self.content_encoding(), &self.body).map(|b| b.into_owned())
    }

    /// Whether the answer was a 2xx, or over gRPC the status `OK` (so its telemetry counts as
    /// accepted).
    pub fn is_success(&self) -> bool {
        match self.grpc_status {
            Some(code) => code == 0,
            None => (200..300).contains(&self.status),
        }
    }
}

/// The first value of header `name` (case-insensitive), if present and valid text.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Every value of header `name`, in order, skipping values that are not valid text.
pub(crate) fn header_all<'a>(headers: &'a HeaderMap, name: &str) -> Vec<&'a str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect()
}

/// Decodes `%XX` escapes (invalid ones are kept as they are), then UTF-8 (lossily).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(
            percent_decode("anthropic.claude-v2%3A1"),
            "anthropic.claude-v2:1"
        );
        assert_eq!(percent_decode("arn%3Aaws%2Fx"), "arn:aws/x");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%E2%9C%93"), "✓");
        assert_eq!(percent_decode("%FF"), "\u{FFFD}");
    }
}
