//! Encodes one OTLP export request, compresses it, sends it and accounts for the outcome.
//!
//! [`Sender`] is what an exporter holds: OTLP/HTTP ([`HttpSender`]) or, with the `grpc` feature,
//! OTLP/gRPC ([`GrpcSender`](super::grpc::GrpcSender)). Both count and log through one
//! [`Accounting`].

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentcore_observability_config::{Compression, OtlpSignalConfig, Protocol};
use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};

use crate::credentials::CredentialsCache;
use crate::otlp::ExporterError;
use crate::sigv4::Signer;
use crate::stats::{DropReason, SignalStats};
use crate::transport::{header_map, IncomingResponse, OutgoingRequest, Transport, TransportError};
use crate::ExportStats;

/// Which signal a sender serves: picks its counters and its log wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    Traces,
    Logs,
    Metrics,
}

impl Signal {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Logs => "logs",
            Signal::Metrics => "metrics",
        }
    }

    fn item(self) -> &'static str {
        match self {
            Signal::Traces => "spans",
            Signal::Logs => "log records",
            Signal::Metrics => "metric data points",
        }
    }
}

/// An OTLP message that can be written as protobuf or as OTLP/JSON.
pub(crate) trait OtlpMessage: prost::Message + serde::Serialize {}
impl<T: prost::Message + serde::Serialize> OtlpMessage for T {}

/// An `Export*ServiceRequest` that every sender can send: over HTTP as protobuf or JSON, and
/// (with the `grpc` feature) with its service's generated gRPC client.
#[cfg(feature = "grpc")]
pub(crate) trait ExportRequest: OtlpMessage + super::grpc::GrpcExport {}
#[cfg(feature = "grpc")]
impl<T: OtlpMessage + super::grpc::GrpcExport> ExportRequest for T {}
/// An `Export*ServiceRequest` that every sender can send: over HTTP as protobuf or JSON.
#[cfg(not(feature = "grpc"))]
pub(crate) trait ExportRequest: OtlpMessage {}
#[cfg(not(feature = "grpc"))]
impl<T: OtlpMessage> ExportRequest for T {}

/// The sender behind one exporter, chosen by the signal's protocol.
#[derive(Debug)]
pub(crate) enum Sender {
    /// `http/protobuf` or `http/json`.
    Http(HttpSender),
    /// `grpc`.
    #[cfg(feature = "grpc")]
    Grpc(super::grpc::GrpcSender),
}

impl Sender {
    fn accounting(&self) -> &Accounting {
        match self {
            Sender::Http(sender) => &sender.account,
            #[cfg(feature = "grpc")]
            Sender::Grpc(sender) => sender.accounting(),
        }
    }

    pub(crate) fn url(&self) -> &str {
        self.accounting().url()
    }

    /// Whether requests go to AWS (they are signed), so CloudWatch's request limits apply.
    pub(crate) fn applies_aws_limits(&self) -> bool {
        match self {
            Sender::Http(sender) => sender.applies_aws_limits(),
            // gRPC is never signed (the configuration refuses it).
            #[cfg(feature = "grpc")]
            Sender::Grpc(_) => false,
        }
    }

    /// Makes every later export drop its items as [`DropReason::ShutDown`].
    pub(crate) fn shut_down(&self) {
        self.accounting().shut_down();
    }

    /// Counts items left out before sending (see `split`), logging each cause once.
    pub(crate) fn drop_unsendable(&self, reason: DropReason, items: u64) {
        if items > 0 {
            self.accounting()
                .drop_items(reason, items, false, "left out before sending");
        }
    }

    /// Sends `message`, which carries `items` spans / records / points; see
    /// [`HttpSender::export`]. Nothing is sent for no items, nor after [`shut_down`](Self::shut_down)
    /// (the items are dropped as [`DropReason::ShutDown`]).
    pub(crate) async fn export<M: ExportRequest>(&self, message: M, items: u64) -> OTelSdkResult {
        if items == 0 {
            return Ok(());
        }
        let account = self.accounting();
        if account.is_shut_down() {
            account.drop_items(DropReason::ShutDown, items, false, "after shutdown");
            return Err(OTelSdkError::AlreadyShutdown);
        }
        match self {
            Sender::Http(sender) => sender.export(&message, items).await,
            #[cfg(feature = "grpc")]
            Sender::Grpc(sender) => sender.export(message, items).await,
        }
    }
}

/// Counts and logs what became of one signal's items, for either protocol, and knows whether the
/// exporter was shut down.
#[derive(Debug)]
pub(crate) struct Accounting {
    signal: Signal,
    url: String,
    stats: ExportStats,
    shut_down: AtomicBool,
}

impl Accounting {
    pub(crate) fn new(signal: Signal, url: String, stats: ExportStats) -> Self {
        Self {
            signal,
            url,
            stats,
            shut_down: AtomicBool::new(false),
        }
    }

    fn shut_down(&self) {
        self.shut_down.store(true, Ordering::Relaxed);
    }

    fn is_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::Relaxed)
    }

    pub(crate) fn signal(&self) -> Signal {
        self.signal
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) fn counters(&self) -> &SignalStats {
        match self.signal {
            Signal::Traces => self.stats.traces(),
            Signal::Logs => self.stats.logs(),
            Signal::Metrics => self.stats.metrics(),
        }
    }

    /// Counts the requests (attempts) one export took.
    pub(crate) fn record_requests(&self, attempts: u32) {
        self.counters().record_requests(u64::from(attempts));
    }

    /// Counts an accepted export of `items`, of which the receiver rejected `rejected` (OTLP
    /// partial success; `detail` is its error message, if any).
    pub(crate) fn accepted(&self, items: u64, rejected: u64, detail: &str) {
        let rejected = rejected.min(items);
        if rejected > 0 {
            self.drop_items(DropReason::RejectedByReceiver, rejected, false, detail);
        }
        self.counters().record_exported(items - rejected);
    }

    /// Counts the `items` of a request that ended with a transport `error` (no answer) as dropped
    /// and turns the error into the one handed back to the SDK (`timeout` is the export's).
    pub(crate) fn transport_failed(
        &self,
        error: TransportError,
        items: u64,
        timeout: Duration,
    ) -> OTelSdkError {
        self.drop_items(error.drop_reason(), items, true, &error.to_string());
        error.into_sdk_error(timeout)
    }

    /// Counts dropped items; the first drop of each cause is logged at WARN, later ones at DEBUG,
    /// so a dead collector yields one warning, not one per batch.
    pub(crate) fn drop_items(
        &self,
        reason: DropReason,
        items: u64,
        failed_request: bool,
        detail: &str,
    ) {
        let first = self
            .counters()
            .record_dropped(reason, items, failed_request);
        if first {
            tracing::warn!(
                target: "agentcore_observability",
                signal = self.signal.name(),
                endpoint = %self.url,
                %reason,
                detail,
                "dropped {items} {} ({reason}); further drops for this cause are counted, not logged",
                self.signal.item(),
            );
        } else {
            tracing::debug!(
                target: "agentcore_observability",
                signal = self.signal.name(),
                %reason,
                "dropped {items} {}", self.signal.item()
            );
        }
    }
}

/// Everything needed to post one signal's batches to one endpoint.
#[derive(Debug)]
pub(crate) struct HttpSender {
    account: Accounting,
    headers: HeaderMap,
    protocol: Protocol,
    compression: Compression,
    timeout: Duration,
    transport: Arc<Transport>,
    signer: Option<Arc<Signer>>,
}

impl HttpSender {
    pub(crate) fn new(
        signal: Signal,
        config: &OtlpSignalConfig,
        transport: Arc<Transport>,
        credentials: &Arc<CredentialsCache>,
        stats: ExportStats,
    ) -> Result<Self, ExporterError> {
        let mut headers = header_map(&config.headers)
            .map_err(|(name, _)| ExporterError::InvalidHeader { name })?;
        let content_type = match config.protocol {
            Protocol::HttpJson => "application/json",
            _ => "application/x-protobuf",
        };
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        if config.compression == Compression::Gzip {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        Ok(Self {
            account: Accounting::new(signal, config.endpoint.clone(), stats),
            headers,
            protocol: config.protocol,
            compression: config.compression,
            timeout: config.timeout,
            transport,
            signer: config
                .sigv4
                .as_ref()
                .map(|t| Arc::new(Signer::new(&t.service, &t.region, credentials.clone()))),
        })
    }

    /// Whether requests go to AWS (they are signed), so CloudWatch's request limits apply.
    pub(crate) fn applies_aws_limits(&self) -> bool {
        self.signer.is_some()
    }

    fn drop_items(&self, reason: DropReason, items: u64, failed_request: bool, detail: &str) {
        self.account
            .drop_items(reason, items, failed_request, detail);
    }

    /// Encodes and sends `message`, which carries `items` spans / records / points (the guards
    /// for no items and for shutdown are in [`Sender::export`]).
    ///
    /// Failures are counted and logged here (once per cause) and returned to the SDK processor,
    /// which never propagates them into the application.
    async fn export<M: OtlpMessage>(&self, message: &M, items: u64) -> OTelSdkResult {
        let body = match self.encode(message) {
            Ok(body) => body,
            Err(error) => {
                self.drop_items(DropReason::InvalidRequest, items, false, &error);
                return Err(OTelSdkError::InternalFailure(error));
            }
        };
        let request = OutgoingRequest {
            url: self.account.url().to_string(),
            headers: self.headers.clone(),
            body,
            deadline: Instant::now() + self.timeout,
            signer: self.signer.clone(),
        };
        let delivery = self.transport.deliver(request).await;
        self.account.record_requests(delivery.attempts);
        self.account_for(delivery.outcome, items)
    }

    fn encode<M: OtlpMessage>(&self, message: &M) -> Result<Bytes, String> {
        let raw = match self.protocol {
            Protocol::HttpJson => serde_json::to_vec(message).map_err(|e| e.to_string())?,
            _ => message.encode_to_vec(),
        };
        match self.compression {
            Compression::Gzip => gzip(&raw).map(Bytes::from),
            _ => Ok(Bytes::from(raw)),
        }
    }

    fn account_for(
        &self,
        outcome: Result<IncomingResponse, TransportError>,
        items: u64,
    ) -> OTelSdkResult {
        match outcome {
            Ok(response) if (200..300).contains(&response.status) => {
                let rejected = rejected_items(self.account.signal(), self.protocol, &response.body);
                self.account.accepted(items, rejected, "");
                Ok(())
            }
            Ok(response) => {
                let detail = String::from_utf8_lossy(&response.body)
                    .chars()
                    .take(200)
                    .collect::<String>();
                self.drop_items(
                    DropReason::HttpStatus(response.status),
                    items,
                    true,
                    &detail,
                );
                Err(OTelSdkError::InternalFailure(format!(
                    "{} export to {} answered HTTP {}",
                    self.account.signal().name(),
                    self.account.url(),
                    response.status
                )))
            }
            Err(error) => Err(self.account.transport_failed(error, items, self.timeout)),
        }
    }
}

fn gzip(raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(raw.len() / 4 + 64),
        flate2::Compression::fast(),
    );
    encoder.write_all(raw).map_err(|e| e.to_string())?;
    encoder.finish().map_err(|e| e.to_string())
}

/// Reads the OTLP partial-success count from a 2xx answer; an empty or unreadable body means
/// everything was accepted (the spec allows receivers to omit it).
fn rejected_items(signal: Signal, protocol: Protocol, body: &[u8]) -> u64 {
    use opentelemetry_proto::tonic::collector::{
        logs::v1::ExportLogsServiceResponse, metrics::v1::ExportMetricsServiceResponse,
        trace::v1::ExportTraceServiceResponse,
    };
    use prost::Message;

    if body.is_empty() {
        return 0;
    }
    let json = protocol == Protocol::HttpJson;
    let count = match signal {
        Signal::Traces => decode::<ExportTraceServiceResponse>(json, body)
            .and_then(|r| r.partial_success)
            .map(|p| p.rejected_spans),
        Signal::Logs => decode::<ExportLogsServiceResponse>(json, body)
            .and_then(|r| r.partial_success)
            .map(|p| p.rejected_log_records),
        Signal::Metrics => decode::<ExportMetricsServiceResponse>(json, body)
            .and_then(|r| r.partial_success)
            .map(|p| p.rejected_data_points),
    };
    return u64::try_from(count.unwrap_or(0)).unwrap_or(0);

    fn decode<M: Message + Default + serde::de::DeserializeOwned>(
        json: bool,
        body: &[u8],
    ) -> Option<M> {
        if json {
            serde_json::from_slice(body).ok()
        } else {
            M::decode(body).ok()
        }
    }
}
