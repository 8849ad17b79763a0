//! Turning request bodies into OTLP messages (content-encoding, then protobuf or JSON),
//! and encoding the matching success answers.

use std::borrow::Cow;
use std::io::Read;

use flate2::read::MultiGzDecoder;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;

use crate::request::Signal;

/// The largest body accepted, before and after decompression.
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// The two OTLP/HTTP body encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// `application/x-protobuf`.
    Protobuf,
    /// `application/json` (OTLP/JSON).
    Json,
}

impl Encoding {
    /// The content type the receiver answers with.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

/// A decoded export request.
#[derive(Debug)]
pub(crate) enum Payload {
    /// From `/v1/traces`.
    Traces(ExportTraceServiceRequest),
    /// From `/v1/logs`.
    Logs(ExportLogsServiceRequest),
    /// From `/v1/metrics`.
    Metrics(ExportMetricsServiceRequest),
    /// A CloudWatch Logs API call (decoded by [`crate::cloudwatch_logs`], not here).
    CloudWatchLogs(crate::cloudwatch_logs::Call),
}

/// The body encoding named by a `content-type` header (parameters such as `charset` ignored).
pub(crate) fn encoding_of(content_type: Option<&str>) -> Result<Encoding, String> {
    let Some(content_type) = content_type else {
        return Err("missing content-type".to_owned());
    };
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/x-protobuf" | "application/protobuf" => Ok(Encoding::Protobuf),
        "application/json" => Ok(Encoding::Json),
        _ => Err(format!("unsupported content-type {content_type:?}")),
    }
}

/// Undoes a `content-encoding` (`gzip`, or none/`identity`), refusing output larger than
/// [`MAX_BODY_BYTES`].
pub(crate) fn decompress<'a>(
    content_encoding: Option<&str>,
    body: &'a [u8],
) -> Result<Cow<'a, [u8]>, String> {
    decompress_limited(content_encoding, body, MAX_BODY_BYTES)
}

/// [`decompress`] with an explicit output limit.
fn decompress_limited<'a>(
    content_encoding: Option<&str>,
    body: &'a [u8],
    max_len: usize,
) -> Result<Cow<'a, [u8]>, String> {
    let encoding = content_encoding.unwrap_or_default().trim();
    if encoding.is_empty() || encoding.eq_ignore_ascii_case("identity") {
        return Ok(Cow::Borrowed(body));
    }
    if !(encoding.eq_ignore_ascii_case("gzip") || encoding.eq_ignore_ascii_case("x-gzip")) {
        return Err(format!("unsupported content-encoding {encoding:?}"));
    }
    let limit = u64::try_from(max_len).unwrap_or(u64::MAX);
    let mut out = Vec::new();
    MultiGzDecoder::new(body)
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| format!("invalid gzip body: {e}"))?;
    if out.len() > max_len {
        return Err(format!("decompressed body larger than {max_len} bytes"));
    }
    Ok(Cow::Owned(out))
}

/// Decodes a (decompressed) body as the export request for `signal`.
pub(crate) fn decode_payload(
    signal: Signal,
    encoding: Encoding,
    body: &[u8],
) -> Result<Payload, String> {
    fn proto<T: Message + Default>(body: &[u8]) -> Result<T, String> {
        T::decode(body).map_err(|e| format!("invalid protobuf body: {e}"))
    }
    fn json_error(e: serde_json::Error) -> String {
        format!("invalid OTLP/JSON body: {e}")
    }
    match (signal, encoding) {
        (Signal::Traces, Encoding::Protobuf) => proto(body).map(Payload::Traces),
        (Signal::Logs, Encoding::Protobuf) => proto(body).map(Payload::Logs),
        (Signal::Metrics, Encoding::Protobuf) => proto(body).map(Payload::Metrics),
        (Signal::Traces, Encoding::Json) => serde_json::from_slice(body)
            .map(Payload::Traces)
            .map_err(json_error),
        (Signal::Logs, Encoding::Json) => serde_json::from_slice(body)
            .map(Payload::Logs)
            .map_err(json_error),
        (Signal::Metrics, Encoding::Json) => serde_json::from_slice(body)
            .map(Payload::Metrics)
            .map_err(json_error),
        (Signal::Unknown | Signal::CloudWatchLogsApi, _) => Err("not an OTLP endpoint".to_owned()),
    }
}

/// The body of an empty (fully successful) `Export*ServiceResponse` for `signal`.
pub(crate) fn success_body(signal: Signal, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Json => b"{}".to_vec(),
        Encoding::Protobuf => match signal {
            Signal::Traces => ExportTraceServiceResponse::default().encode_to_vec(),
            Signal::Logs => ExportLogsServiceResponse::default().encode_to_vec(),
            Signal::Metrics => ExportMetricsServiceResponse::default().encode_to_vec(),
            Signal::Unknown | Signal::CloudWatchLogsApi => Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::{write::GzEncoder, Compression};

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn content_types() {
        assert_eq!(
            encoding_of(Some("application/x-protobuf")),
            Ok(Encoding::Protobuf)
        );
        assert_eq!(
            encoding_of(Some("Application/Protobuf")),
            Ok(Encoding::Protobuf)
        );
        assert_eq!(
            encoding_of(Some(" application/json ; charset=utf-8")),
            Ok(Encoding::Json)
        );
        assert!(encoding_of(Some("text/plain")).is_err());
        assert!(encoding_of(Some("")).is_err());
        assert!(encoding_of(None).is_err());
    }

    #[test]
    fn content_encodings() {
        let plain = b"hello hello hello".to_vec();
        assert_eq!(decompress(None, &plain).unwrap(), &plain[..]);
        assert_eq!(decompress(Some("identity"), &plain).unwrap(), &plain[..]);
        assert_eq!(decompress(Some("GZIP"), &gzip(&plain)).unwrap(), &plain[..]);
        assert_eq!(
            decompress(Some("x-gzip"), &gzip(&plain)).unwrap(),
            &plain[..]
        );
        assert!(decompress(Some("gzip"), &plain).is_err());
        assert!(
            decompress(Some("gzip"), &gzip(&plain)[..10]).is_err(),
            "truncated"
        );
        assert!(decompress(Some("br"), &plain).is_err());
    }

    #[test]
    fn decompression_is_bounded() {
        let zeros = vec![0u8; 1000];
        let packed = gzip(&zeros);
        assert_eq!(
            decompress_limited(Some("gzip"), &packed, 1000)
                .unwrap()
                .len(),
            1000
        );
        let err = decompress_limited(Some("gzip"), &packed, 999).unwrap_err();
        assert!(err.contains("larger than 999"), "{err}");
    }

    #[test]
    fn unknown_signal_is_not_decoded() {
        assert!(decode_payload(Signal::Unknown, Encoding::Protobuf, b"").is_err());
        assert!(matches!(
            decode_payload(Signal::Logs, Encoding::Protobuf, b""),
            Ok(Payload::Logs(_))
        ));
        assert!(matches!(
            decode_payload(Signal::Metrics, Encoding::Json, b"{}"),
            Ok(Payload::Metrics(_))
        ));
    }

    #[test]
    fn success_bodies() {
        assert_eq!(success_body(Signal::Traces, Encoding::Json), b"{}");
        assert!(success_body(Signal::Logs, Encoding::Protobuf).is_empty());
    }
}
