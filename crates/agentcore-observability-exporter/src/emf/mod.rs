//! `OTEL_METRICS_EXPORTER=awsemf`: metrics as CloudWatch
//! [Embedded Metric Format](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html)
//! documents, written to a log group and stream with the CloudWatch Logs `PutLogEvents` API, as
//! ADOT Python's `AwsCloudWatchEmfExporter` does in agent mode.
//!
//! Each collection becomes one JSON document per attribute set and timestamp: the attributes are
//! the dimensions (all of them, sorted, at most 30), the resource attributes ride along as
//! `otel.resource.<key>` fields, histograms are written as `{Count, Sum, Min, Max, Values, Counts}`.
//! Documents are packed into requests within the `PutLogEvents` limits (1 MB and 10,000 events per
//! request, 256 KB per event, 24 h per request, 14 days back to 2 h ahead); a document CloudWatch
//! would refuse is dropped and counted, never truncated into invalid JSON.
//!
//! When CloudWatch answers `ResourceNotFoundException`, the exporter creates the log group and the
//! log stream (either may already exist) and sends the batch once more.
//!
//! Requests go over the same I/O thread as the OTLP exporters, so exporting works with or without
//! a tokio runtime, and are SigV4-signed for service `logs` when a signer is configured.
//!
//! ```no_run
//! use std::time::Duration;
//! use agentcore_observability_config::Config;
//! use agentcore_observability_exporter::{otlp::OtlpHttp, ExportStats};
//! use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
//!
//! let config = Config::builder()
//!     .vars([
//!         ("OTEL_METRICS_EXPORTER", "awsemf"),
//!         ("AWS_REGION", "us-east-1"),
//!         ("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "x-aws-log-group=/aws/agent,x-aws-log-stream=agent-1"),
//!     ])
//!     .no_dotenv()
//!     .finish()?;
//! let destination = config.metrics.emf.as_ref().expect("awsemf is on");
//! let exporter = OtlpHttp::new(ExportStats::default()).emf_exporter(destination, Duration::from_secs(10));
//! let provider = SdkMeterProvider::builder()
//!     .with_reader(PeriodicReader::builder(exporter).build())
//!     .build();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod batch;
mod document;
mod logs_api;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::Temporality;

use crate::sigv4::Signer;
use crate::stats::{DropReason, SignalStats};
use crate::transport::{IncomingResponse, OutgoingRequest, Transport, TransportError};
use crate::ExportStats;
use batch::Batch;
use logs_api::{Action, Rejected};

pub use document::DEFAULT_NAMESPACE;

/// How long one export may take when no timeout is set, like `OTEL_EXPORTER_OTLP_TIMEOUT`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and how the EMF exporter writes.
///
/// ```
/// use std::time::Duration;
/// use agentcore_observability_exporter::emf::{EmfSettings, DEFAULT_NAMESPACE};
///
/// let settings = EmfSettings::new(
///     "https://logs.us-east-1.amazonaws.com",
///     "/aws/bedrock-agentcore/runtimes/my-agent",
///     "runtime-logs",
/// );
/// assert_eq!(settings.namespace, DEFAULT_NAMESPACE);
/// let settings = settings.with_namespace("my-agent").with_timeout(Duration::from_secs(5));
/// assert_eq!(settings.timeout, Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmfSettings {
    /// The CloudWatch Logs API base URL, e.g. `https://logs.us-east-1.amazonaws.com` (requests go
    /// to its path, `/` when it has none).
    pub endpoint: String,
    /// The log group the documents are written to (`x-aws-log-group`).
    pub log_group: String,
    /// The log stream the documents are written to (`x-aws-log-stream`).
    pub log_stream: String,
    /// The CloudWatch metric namespace (`x-aws-metric-namespace`); empty means
    /// [`DEFAULT_NAMESPACE`].
    pub namespace: String,
    /// How long one export (all its requests, retries included) may take. Default 10 s.
    pub timeout: Duration,
}

impl EmfSettings {
    /// Settings for `log_group`/`log_stream` at `endpoint`, with namespace [`DEFAULT_NAMESPACE`]
    /// and a 10 s timeout.
    pub fn new(
        endpoint: impl Into<String>,
        log_group: impl Into<String>,
        log_stream: impl Into<String>,
    ) -> Self {
        Self {
            endpoint: endpoint.into(),
            log_group: log_group.into(),
            log_stream: log_stream.into(),
            namespace: DEFAULT_NAMESPACE.to_owned(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Sets the CloudWatch metric namespace (empty means [`DEFAULT_NAMESPACE`]).
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// Sets how long one export may take.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The URL requests are posted to: the endpoint with path `/` when it has none.
    fn url(&self) -> String {
        let endpoint = self.endpoint.trim();
        let after_scheme = endpoint
            .split_once("://")
            .map_or(endpoint, |(_, rest)| rest);
        if after_scheme.contains('/') {
            endpoint.to_owned()
        } else {
            format!("{endpoint}/")
        }
    }
}

/// Exports metrics as CloudWatch EMF documents through `PutLogEvents`.
///
/// It asks the SDK for delta temporality, as ADOT does (counters and histograms report what happened
/// since the previous collection; the SDK keeps up-down counters and gauges cumulative).
///
/// What it counts in [`ExportStats::metrics`]: items are data points; every HTTP attempt
/// (`PutLogEvents`, and `CreateLogGroup`/`CreateLogStream` when the destination is missing) is a
/// request; a batch whose final answer is not a success is a failed request and its points are
/// dropped with the answer's [`DropReason`]. Points are also dropped, before any request, as
/// [`DropReason::InvalidRequest`] (NaN or infinite values, names that clash with EMF fields),
/// [`DropReason::TooLarge`] (a document over 256 KB) or [`DropReason::OutOfRange`] (a timestamp
/// CloudWatch refuses), and as [`DropReason::RejectedByReceiver`] when CloudWatch accepts a request
/// but lists some of its events in `rejectedLogEventsInfo`.
pub struct EmfMetricExporter {
    settings: EmfSettings,
    url: String,
    transport: Arc<Transport>,
    signer: Option<Arc<Signer>>,
    stats: ExportStats,
    shut_down: AtomicBool,
}

impl fmt::Debug for EmfMetricExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmfMetricExporter")
            .field("url", &self.url)
            .field("log_group", &self.settings.log_group)
            .field("log_stream", &self.settings.log_stream)
            .field("namespace", &self.settings.namespace)
            .field("signed", &self.signer.is_some())
            .finish_non_exhaustive()
    }
}

impl EmfMetricExporter {
    /// An exporter that sends over `transport`, signing with `signer` when given.
    pub(crate) fn new(
        settings: EmfSettings,
        transport: Arc<Transport>,
        signer: Option<Arc<Signer>>,
        stats: ExportStats,
    ) -> Self {
        Self {
            url: settings.url(),
            settings,
            transport,
            signer,
            stats,
            shut_down: AtomicBool::new(false),
        }
    }

    /// The settings this exporter writes with.
    pub fn settings(&self) -> &EmfSettings {
        &self.settings
    }

    fn counters(&self) -> &SignalStats {
        self.stats.metrics()
    }

    /// Builds and sends the documents of one collection.
    async fn export_metrics(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        let documents = document::build(metrics, &self.settings.namespace);
        if self.shut_down.load(Ordering::Relaxed) {
            let points = documents.invalid + documents.events.iter().map(|e| e.points).sum::<u64>();
            self.drop_points(DropReason::ShutDown, points, false, "after shutdown");
            return Err(OTelSdkError::AlreadyShutdown);
        }
        self.drop_points(
            DropReason::InvalidRequest,
            documents.invalid,
            false,
            "values or names EMF cannot carry (NaN, infinity, a name clashing with an EMF field)",
        );
        let plan = batch::plan(documents.events, document::millis(SystemTime::now()));
        self.drop_points(
            DropReason::TooLarge,
            plan.too_large,
            false,
            "EMF document over the 256 KB CloudWatch Logs event limit",
        );
        self.drop_points(
            DropReason::OutOfRange,
            plan.out_of_range,
            false,
            "timestamp more than 14 days old or 2 hours ahead",
        );
        let deadline = Instant::now() + self.settings.timeout;
        let mut result = Ok(());
        for batch in &plan.batches {
            if let Err(error) = self.put(batch, deadline).await {
                result = Err(error);
            }
        }
        result
    }

    /// Sends one batch, creating the log group and stream once if CloudWatch says they are missing.
    async fn put(&self, batch: &Batch, deadline: Instant) -> OTelSdkResult {
        let body = logs_api::put_log_events_body(
            &self.settings.log_group,
            &self.settings.log_stream,
            &batch.events,
        );
        let outcome = self
            .call(Action::PutLogEvents, body.clone(), deadline)
            .await;
        let missing = matches!(&outcome, Ok(response) if response.status == 400
            && error_code(response).is_some_and(|code| code.ends_with("ResourceNotFoundException")));
        if !missing {
            return self.account(outcome, batch);
        }
        tracing::debug!(
            target: "agentcore_observability",
            log_group = %self.settings.log_group,
            log_stream = %self.settings.log_stream,
            "CloudWatch Logs destination missing; creating it"
        );
        if let Err(failure) = self.create_destination(deadline).await {
            return self.account(failure, batch);
        }
        let outcome = self.call(Action::PutLogEvents, body, deadline).await;
        self.account(outcome, batch)
    }

    /// Creates the log group, then the log stream; "already exists" counts as success. A failed
    /// `CreateLogGroup` (e.g. a role allowed only `CreateLogStream` on an existing group) does not
    /// stop the stream from being created; a failed `CreateLogStream` is returned.
    async fn create_destination(
        &self,
        deadline: Instant,
    ) -> Result<(), Result<IncomingResponse, TransportError>> {
        let group = &self.settings.log_group;
        let stream = &self.settings.log_stream;
        let calls = [
            (
                Action::CreateLogGroup,
                logs_api::create_log_group_body(group),
            ),
            (
                Action::CreateLogStream,
                logs_api::create_log_stream_body(group, stream),
            ),
        ];
        for (action, body) in calls {
            let outcome = self.call(action, body, deadline).await;
            let created = match &outcome {
                Ok(response) if (200..300).contains(&response.status) => true,
                Ok(response) => error_code(response)
                    .is_some_and(|code| code.ends_with("ResourceAlreadyExistsException")),
                Err(_) => false,
            };
            if created {
                continue;
            }
            if action == Action::CreateLogStream {
                return Err(outcome);
            }
            tracing::debug!(
                target: "agentcore_observability",
                log_group = %group,
                outcome = %describe(&outcome),
                "CreateLogGroup failed; trying CreateLogStream anyway"
            );
        }
        Ok(())
    }

    /// One API call, retried by the transport on 408/429/5xx and connection errors.
    async fn call(
        &self,
        action: Action,
        body: Bytes,
        deadline: Instant,
    ) -> Result<IncomingResponse, TransportError> {
        let request = OutgoingRequest {
            url: self.url.clone(),
            headers: action.headers(),
            body,
            deadline,
            signer: self.signer.clone(),
        };
        let delivery = self.transport.deliver(request).await;
        self.counters()
            .record_requests(u64::from(delivery.attempts));
        if let Err(error) = &delivery.outcome {
            tracing::debug!(target: "agentcore_observability", action = action.name(), %error);
        }
        delivery.outcome
    }

    /// Counts the outcome of a batch's final `PutLogEvents` (or of the call that stopped it).
    fn account(
        &self,
        outcome: Result<IncomingResponse, TransportError>,
        batch: &Batch,
    ) -> OTelSdkResult {
        match outcome {
            Ok(response) if (200..300).contains(&response.status) => {
                let rejected = Rejected::from_answer(&response.body)
                    .points(&batch.events)
                    .min(batch.points);
                self.drop_points(
                    DropReason::RejectedByReceiver,
                    rejected,
                    false,
                    "CloudWatch Logs listed the events in rejectedLogEventsInfo",
                );
                self.counters().record_exported(batch.points - rejected);
                Ok(())
            }
            Ok(response) => {
                let detail = describe_response(&response);
                let reason = DropReason::HttpStatus(response.status);
                self.drop_points(reason, batch.points, true, &detail);
                Err(OTelSdkError::InternalFailure(format!(
                    "EMF export to {} answered {detail}",
                    self.url
                )))
            }
            Err(error) => {
                self.drop_points(error.drop_reason(), batch.points, true, &error.to_string());
                Err(error.into_sdk_error(self.settings.timeout))
            }
        }
    }

    /// Counts dropped points; the first drop of each cause is logged at WARN, later ones at DEBUG.
    fn drop_points(&self, reason: DropReason, points: u64, failed_request: bool, detail: &str) {
        if points == 0 && !failed_request {
            return;
        }
        let first = self
            .counters()
            .record_dropped(reason, points, failed_request);
        if first {
            tracing::warn!(
                target: "agentcore_observability",
                signal = "metrics",
                exporter = "awsemf",
                endpoint = %self.url,
                log_group = %self.settings.log_group,
                %reason,
                detail,
                "dropped {points} metric data points ({reason}); further drops for this cause are \
                 counted, not logged",
            );
        } else {
            tracing::debug!(
                target: "agentcore_observability",
                signal = "metrics",
                exporter = "awsemf",
                %reason,
                "dropped {points} metric data points"
            );
        }
    }
}

/// The AWS error code of an answer.
fn error_code(response: &IncomingResponse) -> Option<String> {
    logs_api::error_code(&response.headers, &response.body)
}

/// A short description of an outcome, for logs.
fn describe(outcome: &Result<IncomingResponse, TransportError>) -> String {
    match outcome {
        Ok(response) => describe_response(response),
        Err(error) => error.to_string(),
    }
}

/// `HTTP <status> <code>: <message>`.
fn describe_response(response: &IncomingResponse) -> String {
    let code = error_code(response).unwrap_or_default();
    let message = logs_api::error_message(&response.body);
    format!("HTTP {} {code}: {message}", response.status)
}

impl PushMetricExporter for EmfMetricExporter {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        self.export_metrics(metrics).await
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        self.shut_down.store(true, Ordering::Relaxed);
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        Temporality::Delta
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let url = |endpoint: &str| EmfSettings::new(endpoint, "g", "s").url();
        assert_eq!(
            url("https://logs.us-east-1.amazonaws.com"),
            "https://logs.us-east-1.amazonaws.com/"
        );
        assert_eq!(url("http://127.0.0.1:4566/"), "http://127.0.0.1:4566/");
        assert_eq!(url("http://proxy:80/logs"), "http://proxy:80/logs");
    }

    #[test]
    fn settings_defaults() {
        let settings = EmfSettings::new("http://x", "g", "s");
        assert_eq!(settings.namespace, "bedrock-agentcore");
        assert_eq!(settings.timeout, DEFAULT_TIMEOUT);
        let exporter =
            EmfMetricExporter::new(settings, Arc::default(), None, ExportStats::default());
        assert_eq!(exporter.temporality(), Temporality::Delta);
        let debug = format!("{exporter:?}");
        assert!(
            debug.contains("http://x/") && debug.contains("signed: false"),
            "{debug}"
        );
    }
}
