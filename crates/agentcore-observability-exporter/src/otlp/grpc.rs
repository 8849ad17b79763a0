//! OTLP over gRPC (feature `grpc`): the generated tonic clients of `opentelemetry-proto`, driven on
//! the shared I/O thread.
//!
//! A tonic [`Channel`] spawns its connection task on the runtime that creates it, so channels are
//! created lazily, on the I/O thread, by the first export that needs them; the exporter's caller
//! only awaits a oneshot reply (see [`Transport::run`]), which works under any executor or none.
//! Retries follow the OTLP specification for gRPC and reuse the HTTP path's loop and back-off
//! ([`retry::with_retries`], [`retry::backoff`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use agentcore_observability_config::{Compression, OtlpSignalConfig};
use opentelemetry_proto::tonic::collector::logs::v1::{
    logs_service_client::LogsServiceClient, ExportLogsServiceRequest,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    metrics_service_client::MetricsServiceClient, ExportMetricsServiceRequest,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    trace_service_client::TraceServiceClient, ExportTraceServiceRequest,
};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use prost::Message;
use tonic::codec::CompressionEncoding;
use tonic::metadata::{
    AsciiMetadataKey, AsciiMetadataValue, BinaryMetadataKey, BinaryMetadataValue, MetadataMap,
};
use tonic::transport::{Channel, ClientTlsConfig, Endpoint};
use tonic::{Code, Status};

use super::sender::{Accounting, Signal};
use super::ExporterError;
use crate::stats::DropReason;
use crate::transport::retry::{self, MAX_BACKOFF};
use crate::transport::{user_agent, Transport, TransportError};
use crate::ExportStats;

/// The largest export response accepted (they carry at most a partial-success message).
const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
/// Setting up a connection (TCP and TLS) gives up after this; each export's deadline still applies.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Header names that cannot travel as gRPC metadata: set by gRPC itself (`grpc-*` too), or
/// connection-specific headers that HTTP/2 forbids.
const RESERVED_HEADERS: [&str; 10] = [
    "connection",
    "content-encoding",
    "content-length",
    "content-type",
    "host",
    "keep-alive",
    "proxy-connection",
    "te",
    "transfer-encoding",
    "upgrade",
];

/// What the receiver said about an export it accepted: the OTLP partial success, if any.
#[derive(Debug, Default)]
pub(crate) struct Accepted {
    /// `rejected_spans` / `rejected_log_records` / `rejected_data_points`.
    rejected: i64,
    /// The partial success's `error_message`.
    message: String,
}

type ExportFuture = Pin<Box<dyn Future<Output = Result<Accepted, Status>> + Send>>;

/// An `Export*ServiceRequest` that the generated client of its service sends.
pub(crate) trait GrpcExport: Clone + Send + Sync + Sized + 'static {
    /// One `Export` call on `channel`, compressing the request with gzip when `gzip`.
    fn export(channel: Channel, request: tonic::Request<Self>, gzip: bool) -> ExportFuture;
}

macro_rules! grpc_export {
    ($request:ty, $client:ident, $rejected:ident) => {
        impl GrpcExport for $request {
            fn export(channel: Channel, request: tonic::Request<Self>, gzip: bool) -> ExportFuture {
                Box::pin(async move {
                    let mut client = $client::new(channel)
                        .accept_compressed(CompressionEncoding::Gzip)
                        .max_decoding_message_size(MAX_RESPONSE_BYTES);
                    if gzip {
                        client = client.send_compressed(CompressionEncoding::Gzip);
                    }
                    let response = client.export(request).await?.into_inner();
                    Ok(response
                        .partial_success
                        .map(|p| Accepted {
                            rejected: p.$rejected,
                            message: p.error_message,
                        })
                        .unwrap_or_default())
                })
            }
        }
    };
}

grpc_export!(
    ExportTraceServiceRequest,
    TraceServiceClient,
    rejected_spans
);
grpc_export!(
    ExportLogsServiceRequest,
    LogsServiceClient,
    rejected_log_records
);
grpc_export!(
    ExportMetricsServiceRequest,
    MetricsServiceClient,
    rejected_data_points
);

/// The channels of one factory, one per endpoint, shared by the signals that use it.
#[derive(Debug, Default)]
pub(crate) struct Channels {
    by_endpoint: Mutex<Vec<(String, Arc<LazyChannel>)>>,
}

impl Channels {
    /// The channel to `url`, created (not connected) on first request.
    fn get(&self, url: &str) -> Result<Arc<LazyChannel>, ExporterError> {
        let mut channels = self
            .by_endpoint
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((_, channel)) = channels.iter().find(|(u, _)| u == url) {
            return Ok(channel.clone());
        }
        let channel = Arc::new(LazyChannel::new(url)?);
        channels.push((url.to_string(), channel.clone()));
        Ok(channel)
    }
}

/// A channel created on the I/O thread by the first export (tonic spawns the connection's task on
/// the current runtime; loading the system's root certificates reads files), then reused. A
/// channel reconnects by itself after a connection is lost.
#[derive(Debug)]
struct LazyChannel {
    endpoint: Endpoint,
    tls: bool,
    channel: OnceLock<Result<Channel, String>>,
}

impl LazyChannel {
    /// Parses `url` (no I/O, no runtime needed).
    fn new(url: &str) -> Result<Self, ExporterError> {
        let invalid = |reason: String| ExporterError::InvalidEndpoint {
            endpoint: url.to_string(),
            reason,
        };
        let endpoint = Endpoint::from_shared(url.to_string())
            .map_err(|e| invalid(e.to_string()))?
            .user_agent(user_agent())
            .map_err(|e| invalid(e.to_string()))?
            .connect_timeout(CONNECT_TIMEOUT);
        let tls = match endpoint.uri().scheme_str() {
            Some("https") => true,
            Some("http") => false,
            other => {
                return Err(invalid(format!(
                    "the scheme must be http or https, not {other:?}"
                )))
            }
        };
        Ok(Self {
            endpoint,
            tls,
            channel: OnceLock::new(),
        })
    }

    /// The channel; call on the I/O thread's runtime.
    fn get(&self) -> Result<Channel, String> {
        self.channel
            .get_or_init(|| {
                let endpoint = if self.tls {
                    self.endpoint
                        .clone()
                        .tls_config(ClientTlsConfig::new().with_native_roots())
                        .map_err(|e| format!("TLS set-up failed: {e}"))?
                } else {
                    self.endpoint.clone()
                };
                Ok(endpoint.connect_lazy())
            })
            .clone()
    }
}

/// Why an export was not accepted.
#[derive(Debug)]
enum Failure {
    /// A gRPC status other than `OK`, sent by the receiver or made up by the client (a
    /// connection failure is `UNAVAILABLE` with the transport error as its source).
    Status(Status),
    /// No answer by the deadline, no channel, or no I/O thread.
    Transport(TransportError),
}

type Outcome = Result<Accepted, Failure>;

/// Everything needed to send one signal's batches to one gRPC endpoint.
#[derive(Debug)]
pub(crate) struct GrpcSender {
    account: Accounting,
    channel: Arc<LazyChannel>,
    metadata: MetadataMap,
    gzip: bool,
    timeout: Duration,
    transport: Arc<Transport>,
}

impl GrpcSender {
    pub(crate) fn new(
        signal: Signal,
        config: &OtlpSignalConfig,
        transport: Arc<Transport>,
        channels: &Channels,
        stats: ExportStats,
    ) -> Result<Self, ExporterError> {
        if config.sigv4.is_some() {
            return Err(ExporterError::GrpcSigV4 {
                signal: signal.name(),
            });
        }
        let channel = channels.get(&config.endpoint)?;
        let account = Accounting::new(signal, config.endpoint.clone(), stats);
        let (metadata, skipped) = metadata(&config.headers);
        if !skipped.is_empty() {
            account
                .counters()
                .record_skipped_headers(skipped.len() as u64);
            tracing::warn!(
                target: "agentcore_observability",
                signal = signal.name(),
                endpoint = %config.endpoint,
                headers = ?skipped,
                "{} configured header(s) cannot be sent as gRPC metadata (reserved name or \
                 non-ASCII value) and are left out of every {} export",
                skipped.len(),
                signal.name(),
            );
        }
        Ok(Self {
            account,
            channel,
            metadata,
            gzip: config.compression == Compression::Gzip,
            timeout: config.timeout,
            transport,
        })
    }

    pub(crate) fn accounting(&self) -> &Accounting {
        &self.account
    }

    /// Sends `message`, which carries `items` spans / records / points, retrying within the
    /// signal's timeout. Failures are counted and logged here (once per cause) and returned to the
    /// SDK processor, which never propagates them into the application. The guards for no items
    /// and for shutdown are in [`Sender::export`](super::sender::Sender::export).
    pub(crate) async fn export<M: GrpcExport>(&self, message: M, items: u64) -> OTelSdkResult {
        let deadline = Instant::now() + self.timeout;
        let channel = self.channel.clone();
        let metadata = self.metadata.clone();
        let gzip = self.gzip;
        let exchange = async move {
            let channel = match channel.get() {
                Ok(channel) => channel,
                Err(message) => {
                    return (Err(Failure::Transport(TransportError::Client(message))), 0)
                }
            };
            retry::with_retries(
                deadline,
                || {
                    attempt(
                        channel.clone(),
                        message.clone(),
                        metadata.clone(),
                        gzip,
                        deadline,
                    )
                },
                retry_wait,
            )
            .await
        };
        let (outcome, attempts) = self
            .transport
            .run(exchange)
            .await
            .unwrap_or((Err(Failure::Transport(TransportError::ShutDown)), 0));
        self.account.record_requests(attempts);
        self.account_for(outcome, items)
    }

    fn account_for(&self, outcome: Outcome, items: u64) -> OTelSdkResult {
        match outcome {
            Ok(accepted) => {
                let rejected = u64::try_from(accepted.rejected).unwrap_or(0);
                self.account.accepted(items, rejected, &accepted.message);
                if rejected == 0 && !accepted.message.is_empty() {
                    tracing::debug!(
                        target: "agentcore_observability",
                        signal = self.account.signal().name(),
                        message = %accepted.message,
                        "the receiver accepted the export with a warning"
                    );
                }
                Ok(())
            }
            Err(Failure::Status(status)) => {
                let detail: String = status.message().chars().take(200).collect();
                // Statuses the client made up from a transport error carry that error as source.
                let reason = if std::error::Error::source(&status).is_some() {
                    DropReason::Connection
                } else {
                    DropReason::GrpcStatus(i32::from(status.code()))
                };
                self.account.drop_items(reason, items, true, &detail);
                Err(OTelSdkError::InternalFailure(format!(
                    "{} export to {} ended with gRPC status {:?}: {detail}",
                    self.account.signal().name(),
                    self.account.url(),
                    status.code(),
                )))
            }
            Err(Failure::Transport(error)) => {
                Err(self.account.transport_failed(error, items, self.timeout))
            }
        }
    }
}

/// One `Export` call, ending by `deadline` at the latest; the time left is also sent as the gRPC
/// deadline (`grpc-timeout`) so the receiver can give up at the same moment.
async fn attempt<M: GrpcExport>(
    channel: Channel,
    message: M,
    metadata: MetadataMap,
    gzip: bool,
    deadline: Instant,
) -> Outcome {
    let remaining = deadline.saturating_duration_since(Instant::now());
    if remaining.is_zero() {
        return Err(Failure::Transport(TransportError::Timeout));
    }
    let mut request = tonic::Request::from_parts(metadata, tonic::Extensions::default(), message);
    request.set_timeout(remaining);
    match tokio::time::timeout(remaining, M::export(channel, request, gzip)).await {
        Ok(Ok(accepted)) => Ok(accepted),
        // tonic's channel enforces the `grpc-timeout` it sends, possibly a moment before ours.
        Ok(Err(status)) if expired_locally(&status) => {
            Err(Failure::Transport(TransportError::Timeout))
        }
        Ok(Err(status)) => Err(Failure::Status(status)),
        Err(_) => Err(Failure::Transport(TransportError::Timeout)),
    }
}

/// Whether tonic made `status` up because the request's own deadline passed on this side.
fn expired_locally(status: &Status) -> bool {
    let mut source = std::error::Error::source(status);
    while let Some(error) = source {
        if error.is::<tonic::TimeoutExpired>() {
            return true;
        }
        source = error.source();
    }
    false
}

/// How long to wait before the next attempt, or `None` if this outcome is final.
fn retry_wait(outcome: &Outcome, attempts: u32) -> Option<Duration> {
    let Err(Failure::Status(status)) = outcome else {
        return None;
    };
    let info = retry_info(status.details());
    if !retryable(status.code(), info.is_some()) {
        return None;
    }
    Some(match info.flatten() {
        Some(delay) => delay.min(MAX_BACKOFF),
        None => retry::backoff(attempts),
    })
}

/// The OTLP specification's retryable gRPC codes; `RESOURCE_EXHAUSTED` only when the server says
/// when to retry (`google.rpc.RetryInfo`), since it may otherwise be permanent.
fn retryable(code: Code, has_retry_info: bool) -> bool {
    match code {
        Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::OutOfRange
        | Code::Unavailable
        | Code::DataLoss => true,
        Code::ResourceExhausted => has_retry_info,
        _ => false,
    }
}

/// The `google.rpc.RetryInfo` among a status's details (`grpc-status-details-bin`, a
/// `google.rpc.Status`): `None` if there is none, else its `retry_delay` (`Some(None)` when it
/// names no delay).
fn retry_info(details: &[u8]) -> Option<Option<Duration>> {
    if details.is_empty() {
        return None;
    }
    let status = rpc::Status::decode(details).ok()?;
    let any = status
        .details
        .iter()
        .find(|any| any.type_url.rsplit('/').next() == Some(rpc::RETRY_INFO))?;
    let info = rpc::RetryInfo::decode(any.value.as_slice()).ok()?;
    Some(info.retry_delay.map(|d| {
        let seconds = u64::try_from(d.seconds).unwrap_or(0);
        let nanos = u32::try_from(d.nanos).unwrap_or(0).min(999_999_999);
        Duration::new(seconds, nanos)
    }))
}

/// The configured headers as gRPC metadata (names lower-cased; `-bin` names carry the value's
/// bytes, base64-encoded on the wire), and the names of those that cannot be sent.
fn metadata(headers: &[(String, String)]) -> (MetadataMap, Vec<String>) {
    let mut map = MetadataMap::with_capacity(headers.len());
    let mut skipped = Vec::new();
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        let reserved = lower.starts_with("grpc-") || RESERVED_HEADERS.contains(&lower.as_str());
        let added = !reserved
            && if lower.ends_with("-bin") {
                BinaryMetadataKey::from_bytes(lower.as_bytes())
                    .map(|key| {
                        map.append_bin(key, BinaryMetadataValue::from_bytes(value.as_bytes()));
                    })
                    .is_ok()
            } else {
                match (
                    AsciiMetadataKey::from_bytes(lower.as_bytes()),
                    AsciiMetadataValue::try_from(value.as_str()),
                ) {
                    (Ok(key), Ok(value)) if value.to_str().is_ok() => {
                        map.append(key, value);
                        true
                    }
                    _ => false,
                }
            };
        if !added {
            skipped.push(name.clone());
        }
    }
    (map, skipped)
}

/// The few `google.rpc` messages needed to read `RetryInfo` (`google/rpc/status.proto`,
/// `google/rpc/error_details.proto`, `google/protobuf/{any,duration}.proto`).
mod rpc {
    /// The unqualified type name of `RetryInfo` in an `Any`'s type URL.
    pub(super) const RETRY_INFO: &str = "google.rpc.RetryInfo";

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct Status {
        #[prost(int32, tag = "1")]
        pub(super) code: i32,
        #[prost(string, tag = "2")]
        pub(super) message: String,
        #[prost(message, repeated, tag = "3")]
        pub(super) details: Vec<Any>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct Any {
        #[prost(string, tag = "1")]
        pub(super) type_url: String,
        #[prost(bytes = "vec", tag = "2")]
        pub(super) value: Vec<u8>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct RetryInfo {
        #[prost(message, optional, tag = "1")]
        pub(super) retry_delay: Option<ProtoDuration>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct ProtoDuration {
        #[prost(int64, tag = "1")]
        pub(super) seconds: i64,
        #[prost(int32, tag = "2")]
        pub(super) nanos: i32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details_with_retry_info(delay: Option<(i64, i32)>) -> Vec<u8> {
        let info = rpc::RetryInfo {
            retry_delay: delay.map(|(seconds, nanos)| rpc::ProtoDuration { seconds, nanos }),
        };
        rpc::Status {
            code: Code::ResourceExhausted as i32,
            message: "slow down".into(),
            details: vec![
                rpc::Any {
                    type_url: "type.googleapis.com/google.rpc.ErrorInfo".into(),
                    value: vec![1, 2, 3],
                },
                rpc::Any {
                    type_url: "type.googleapis.com/google.rpc.RetryInfo".into(),
                    value: info.encode_to_vec(),
                },
            ],
        }
        .encode_to_vec()
    }

    fn failed(code: Code, details: Vec<u8>) -> Outcome {
        Err(Failure::Status(Status::with_details(
            code,
            "no",
            details.into(),
        )))
    }

    #[test]
    fn the_specification_s_retryable_codes() {
        for code in [
            Code::Cancelled,
            Code::DeadlineExceeded,
            Code::Aborted,
            Code::OutOfRange,
            Code::Unavailable,
            Code::DataLoss,
        ] {
            assert!(retryable(code, false), "{code:?}");
            assert!(retryable(code, true), "{code:?}");
        }
        for code in [
            Code::Ok,
            Code::Unknown,
            Code::InvalidArgument,
            Code::NotFound,
            Code::AlreadyExists,
            Code::PermissionDenied,
            Code::FailedPrecondition,
            Code::Unimplemented,
            Code::Internal,
            Code::Unauthenticated,
        ] {
            assert!(!retryable(code, false), "{code:?}");
            assert!(!retryable(code, true), "{code:?}");
        }
        assert!(!retryable(Code::ResourceExhausted, false));
        assert!(retryable(Code::ResourceExhausted, true));
    }

    #[test]
    fn retry_info_is_read_from_the_status_details() {
        assert_eq!(retry_info(&[]), None);
        assert_eq!(retry_info(b"not protobuf \xff\xff"), None);
        assert_eq!(
            retry_info(&details_with_retry_info(Some((2, 500_000_000)))),
            Some(Some(Duration::from_millis(2500)))
        );
        assert_eq!(retry_info(&details_with_retry_info(None)), Some(None));
        assert_eq!(
            retry_info(&details_with_retry_info(Some((-5, -1)))),
            Some(Some(Duration::ZERO))
        );
        let without = rpc::Status {
            code: 8,
            message: String::new(),
            details: Vec::new(),
        };
        assert_eq!(retry_info(&without.encode_to_vec()), None);
    }

    #[test]
    fn waits_follow_retry_info_or_the_backoff() {
        let wait = retry_wait(&failed(Code::Unavailable, Vec::new()), 1).expect("retried");
        assert!(
            (Duration::from_millis(800)..=Duration::from_millis(1200)).contains(&wait),
            "{wait:?}"
        );
        let wait = retry_wait(&failed(Code::Unavailable, Vec::new()), 3).expect("retried");
        assert!(
            (Duration::from_millis(3200)..=Duration::from_millis(4800)).contains(&wait),
            "{wait:?}"
        );
        assert_eq!(
            retry_wait(
                &failed(
                    Code::ResourceExhausted,
                    details_with_retry_info(Some((3, 0)))
                ),
                1
            ),
            Some(Duration::from_secs(3))
        );
        // A delay past the cap is capped.
        assert_eq!(
            retry_wait(
                &failed(Code::Unavailable, details_with_retry_info(Some((3600, 0)))),
                1
            ),
            Some(MAX_BACKOFF)
        );
        // RetryInfo without a delay: the usual back-off.
        assert!(retry_wait(
            &failed(Code::ResourceExhausted, details_with_retry_info(None)),
            1
        )
        .is_some());
        assert_eq!(
            retry_wait(&failed(Code::ResourceExhausted, Vec::new()), 1),
            None
        );
        assert_eq!(
            retry_wait(&failed(Code::InvalidArgument, Vec::new()), 1),
            None
        );
        assert_eq!(retry_wait(&Ok(Accepted::default()), 1), None);
        assert_eq!(
            retry_wait(&Err(Failure::Transport(TransportError::Timeout)), 1),
            None
        );
    }

    #[test]
    fn headers_become_metadata_and_unsendable_ones_are_named() {
        let headers: Vec<(String, String)> = [
            ("Authorization", "Bearer abc"),
            ("x-tenant", "a"),
            ("x-tenant", "b"),
            ("trace-bin", "\u{1}raw"),
            ("Content-Type", "application/json"),
            ("grpc-timeout", "1S"),
            ("te", "trailers"),
            ("x-name", "café"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (map, skipped) = metadata(&headers);
        assert_eq!(
            map.get("authorization").and_then(|v| v.to_str().ok()),
            Some("Bearer abc")
        );
        let tenants: Vec<_> = map
            .get_all("x-tenant")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert_eq!(tenants, ["a", "b"]);
        let raw = map
            .get_bin("trace-bin")
            .and_then(|v| v.to_bytes().ok())
            .expect("binary metadata");
        assert_eq!(raw.as_ref(), b"\x01raw");
        assert_eq!(skipped, ["Content-Type", "grpc-timeout", "te", "x-name"]);
    }

    #[test]
    fn endpoints_are_checked_without_io() {
        assert!(LazyChannel::new("http://127.0.0.1:4317").is_ok());
        assert!(LazyChannel::new("https://collector.example:4317").is_ok());
        let error = LazyChannel::new("not a uri").expect_err("invalid");
        assert!(
            matches!(&error, ExporterError::InvalidEndpoint { endpoint, .. } if endpoint == "not a uri"),
            "{error}"
        );
    }
}
