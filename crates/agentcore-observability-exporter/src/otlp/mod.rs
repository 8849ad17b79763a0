//! OTLP exporters for spans, log records and metrics, over HTTP or (feature `grpc`) gRPC.
//!
//! Data is turned into OTLP messages with `opentelemetry-proto`'s transforms, written as protobuf or
//! OTLP/JSON, optionally gzipped, and posted on the shared I/O thread (see the crate docs). These
//! exporters take every setting from an [`OtlpSignalConfig`] and never read the environment
//! themselves, so the configuration's precedence rules hold.
//!
//! When a signal's protocol is [`Protocol::Grpc`] and the `grpc` feature is enabled, the same factory returns exporters that call the OTLP
//! `Export` services with `opentelemetry-proto`'s generated tonic clients, on the same I/O thread:
//! one lazily connected HTTP/2 channel per endpoint (TLS with the system's roots for `https://`),
//! the headers as metadata, `grpc-encoding: gzip` when compression is gzip, the signal's timeout as
//! the gRPC deadline, and retries as the OTLP specification says for gRPC (`UNAVAILABLE`,
//! `CANCELLED`, `DEADLINE_EXCEEDED`, `ABORTED`, `OUT_OF_RANGE`, `DATA_LOSS`, and
//! `RESOURCE_EXHAUSTED` when the status carries `google.rpc.RetryInfo`, whose delay is honoured).
//!
//! ```no_run
//! use agentcore_observability_config::Config;
//! use agentcore_observability_exporter::{otlp::OtlpHttp, ExportStats};
//! use opentelemetry_sdk::trace::SdkTracerProvider;
//!
//! let config = Config::builder()
//!     .vars([("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318")])
//!     .no_dotenv()
//!     .finish()?;
//! let otlp = OtlpHttp::new(ExportStats::default());
//! let exporter = otlp.span_exporter(&config.traces.otlp)?;
//! let provider = SdkTracerProvider::builder().with_batch_exporter(exporter).build();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "grpc")]
mod grpc;
mod sender;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use agentcore_observability_config::{
    EmfDestination, OtlpSignalConfig, Protocol, TemporalityPreference,
};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::logs::tonic::group_logs_by_resource_and_scope;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogBatch, LogExporter};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;

use crate::credentials::{CredentialsCache, CredentialsSource};
use crate::emf::{EmfMetricExporter, EmfSettings};
use crate::sigv4::Signer;
use crate::split;
use crate::transport::Transport;
use crate::{DropReason, ExportStats};
use sender::{HttpSender, Sender, Signal};

/// An OTLP exporter could not be built from its configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExporterError {
    /// A configured header is not valid HTTP.
    #[error("header {name:?} is not a valid HTTP header name/value pair")]
    InvalidHeader {
        /// The header name as configured.
        name: String,
    },
    /// `grpc` was requested but this build was compiled without the `grpc` feature.
    #[error(
        "OTLP over gRPC was requested for {signal}, but this build was compiled without gRPC \
         support: enable the `grpc` feature of `agentcore-observability` (or of \
         `agentcore-observability-exporter`), or set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf"
    )]
    GrpcNotCompiled {
        /// `traces`, `logs` or `metrics`.
        signal: &'static str,
    },
    /// `grpc` was requested for a signal that is SigV4-signed; signing is implemented for
    /// OTLP/HTTP only (the configuration refuses this combination too).
    #[error(
        "OTLP over gRPC was requested for {signal}, which is SigV4-signed; signing is implemented \
         for OTLP over HTTP only: use http/protobuf for this signal"
    )]
    GrpcSigV4 {
        /// `traces`, `logs` or `metrics`.
        signal: &'static str,
    },
    /// The endpoint cannot be used as a gRPC target.
    #[error("endpoint {endpoint:?} cannot be used for OTLP over gRPC: {reason}")]
    InvalidEndpoint {
        /// The endpoint as configured.
        endpoint: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Builds the OTLP exporters of one `init()`: they share one I/O thread and one set of counters.
///
/// Despite its name it also builds OTLP/gRPC exporters, for signals whose protocol is `grpc`, when
/// the `grpc` feature is enabled; their channels are shared per endpoint.
#[derive(Debug, Clone)]
pub struct OtlpHttp {
    transport: Arc<Transport>,
    credentials: Arc<CredentialsCache>,
    stats: ExportStats,
    #[cfg(feature = "grpc")]
    channels: Arc<grpc::Channels>,
}

impl OtlpHttp {
    /// A factory whose exporters count into `stats` and sign (where their configuration asks)
    /// with aws-config's default credential chain. No thread is started until the first export.
    pub fn new(stats: ExportStats) -> Self {
        Self::with_credentials(stats, CredentialsSource::DefaultChain)
    }

    /// Like [`new`](Self::new), signing with credentials from `source`.
    pub fn with_credentials(stats: ExportStats, source: CredentialsSource) -> Self {
        Self {
            transport: Arc::new(Transport::default()),
            credentials: Arc::new(CredentialsCache::new(source)),
            stats,
            #[cfg(feature = "grpc")]
            channels: Arc::default(),
        }
    }

    /// A span exporter for `config`, over HTTP or gRPC as its protocol says.
    ///
    /// # Errors
    /// [`ExporterError`] if a header is not valid HTTP, or the protocol is gRPC and this build has
    /// no `grpc` feature (or the endpoint is not a valid gRPC target, or the signal is signed).
    pub fn span_exporter(
        &self,
        config: &OtlpSignalConfig,
    ) -> Result<OtlpSpanExporter, ExporterError> {
        Ok(OtlpSpanExporter {
            sender: self.sender(Signal::Traces, config)?,
            resource: ResourceAttributesWithSchema::default(),
        })
    }

    /// A log record exporter for `config`, over HTTP or gRPC as its protocol says.
    ///
    /// # Errors
    /// As [`span_exporter`](Self::span_exporter).
    pub fn log_exporter(
        &self,
        config: &OtlpSignalConfig,
    ) -> Result<OtlpLogExporter, ExporterError> {
        Ok(OtlpLogExporter {
            sender: self.sender(Signal::Logs, config)?,
            resource: ResourceAttributesWithSchema::default(),
        })
    }

    /// A metric exporter for `config` with the given temporality preference, over HTTP or gRPC as
    /// its protocol says.
    ///
    /// # Errors
    /// As [`span_exporter`](Self::span_exporter).
    pub fn metric_exporter(
        &self,
        config: &OtlpSignalConfig,
        temporality: TemporalityPreference,
    ) -> Result<OtlpMetricExporter, ExporterError> {
        Ok(OtlpMetricExporter {
            sender: self.sender(Signal::Metrics, config)?,
            temporality: match temporality {
                TemporalityPreference::Delta => Temporality::Delta,
                TemporalityPreference::LowMemory => Temporality::LowMemory,
                _ => Temporality::Cumulative,
            },
        })
    }

    /// An `awsemf` exporter writing EMF documents to `destination` with `PutLogEvents`, signed
    /// for `logs` in the destination's region; each export ends within `timeout`.
    pub fn emf_exporter(
        &self,
        destination: &EmfDestination,
        timeout: Duration,
    ) -> EmfMetricExporter {
        let settings = EmfSettings::new(
            destination.endpoint.clone(),
            destination.log_group.clone(),
            destination.log_stream.clone(),
        )
        .with_namespace(destination.namespace.clone())
        .with_timeout(timeout);
        let signer = Signer::new("logs", &destination.region, self.credentials.clone());
        EmfMetricExporter::new(
            settings,
            self.transport.clone(),
            Some(Arc::new(signer)),
            self.stats.clone(),
        )
    }

    fn sender(&self, signal: Signal, config: &OtlpSignalConfig) -> Result<Sender, ExporterError> {
        if config.protocol == Protocol::Grpc {
            #[cfg(feature = "grpc")]
            return grpc::GrpcSender::new(
                signal,
                config,
                self.transport.clone(),
                &self.channels,
                self.stats.clone(),
            )
            .map(Sender::Grpc);
            #[cfg(not(feature = "grpc"))]
            return Err(ExporterError::GrpcNotCompiled {
                signal: signal.name(),
            });
        }
        HttpSender::new(
            signal,
            config,
            self.transport.clone(),
            &self.credentials,
            self.stats.clone(),
        )
        .map(Sender::Http)
    }
}

/// Exports spans over OTLP/HTTP or OTLP/gRPC. Build it with [`OtlpHttp::span_exporter`].
pub struct OtlpSpanExporter {
    sender: Sender,
    resource: ResourceAttributesWithSchema,
}

impl fmt::Debug for OtlpSpanExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpSpanExporter")
            .field("endpoint", &self.sender.url())
            .finish_non_exhaustive()
    }
}

impl SpanExporter for OtlpSpanExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let items = batch.len() as u64;
        let request = ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(batch, &self.resource),
        };
        if !self.sender.applies_aws_limits() {
            return self.sender.export(request, items).await;
        }
        let split = split::split_traces(request);
        self.sender
            .drop_unsendable(DropReason::TooLarge, split.dropped_too_large);
        send_all(&self.sender, split.requests).await
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        self.sender.shut_down();
        Ok(())
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = ResourceAttributesWithSchema::from(resource);
    }
}

/// Exports log records over OTLP/HTTP or OTLP/gRPC. Build it with [`OtlpHttp::log_exporter`].
pub struct OtlpLogExporter {
    sender: Sender,
    resource: ResourceAttributesWithSchema,
}

impl fmt::Debug for OtlpLogExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpLogExporter")
            .field("endpoint", &self.sender.url())
            .finish_non_exhaustive()
    }
}

impl LogExporter for OtlpLogExporter {
    async fn export(&self, batch: LogBatch<'_>) -> OTelSdkResult {
        let items = batch.iter().count() as u64;
        let request = ExportLogsServiceRequest {
            resource_logs: group_logs_by_resource_and_scope(&batch, &self.resource),
        };
        if !self.sender.applies_aws_limits() {
            return self.sender.export(request, items).await;
        }
        let split = split::split_logs(request, SystemTime::now());
        self.sender
            .drop_unsendable(DropReason::TooLarge, split.dropped_too_large);
        self.sender
            .drop_unsendable(DropReason::OutOfRange, split.dropped_out_of_range);
        send_all(&self.sender, split.requests).await
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        self.sender.shut_down();
        Ok(())
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = ResourceAttributesWithSchema::from(resource);
    }
}

/// Exports metrics over OTLP/HTTP or OTLP/gRPC. Build it with [`OtlpHttp::metric_exporter`].
pub struct OtlpMetricExporter {
    sender: Sender,
    temporality: Temporality,
}

impl fmt::Debug for OtlpMetricExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpMetricExporter")
            .field("endpoint", &self.sender.url())
            .field("temporality", &self.temporality)
            .finish_non_exhaustive()
    }
}

impl PushMetricExporter for OtlpMetricExporter {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        let request = ExportMetricsServiceRequest::from(metrics);
        let points = count_data_points(&request);
        self.sender.export(request, points).await
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        self.sender.shut_down();
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        self.temporality
    }
}

/// Sends the parts of a split batch one after the other; the result is the first failure, if any
/// (every part is still attempted, and each failure is counted by the sender).
async fn send_all<M: sender::ExportRequest>(
    sender: &Sender,
    parts: Vec<(M, u64)>,
) -> OTelSdkResult {
    let mut result = Ok(());
    for (request, items) in parts {
        let outcome = sender.export(request, items).await;
        if result.is_ok() {
            result = outcome;
        }
    }
    result
}

fn count_data_points(request: &ExportMetricsServiceRequest) -> u64 {
    use opentelemetry_proto::tonic::metrics::v1::metric::Data;
    request
        .resource_metrics
        .iter()
        .flat_map(|rm| &rm.scope_metrics)
        .flat_map(|sm| &sm.metrics)
        .map(|metric| match &metric.data {
            Some(Data::Gauge(g)) => g.data_points.len(),
            Some(Data::Sum(s)) => s.data_points.len(),
            Some(Data::Histogram(h)) => h.data_points.len(),
            Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
            Some(Data::Summary(s)) => s.data_points.len(),
            None => 0,
        } as u64)
        .sum()
}
