//! The resolved configuration: every value already parsed, defaulted and validated.

use std::fmt;
use std::time::Duration;

use crate::ConfigWarning;

pub use crate::content::{ContentDestination, DEFAULT_CONTENT_MAX_BYTES};

/// The fully resolved configuration of the distro.
///
/// Built by [`Config::from_env`] or [`Config::builder`](crate::Config::builder). Every field is
/// already validated and carries its final default, so consumers never re-read the environment.
/// The struct is `#[non_exhaustive]`: read its fields freely, build it only through the builder.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Config {
    /// `OTEL_SDK_DISABLED=true`: `init()` installs nothing and returns a no-op guard.
    pub sdk_disabled: bool,
    /// `AGENT_OBSERVABILITY_ENABLED=true`: the Bedrock AgentCore agent-mode defaults apply.
    pub agent_observability: bool,
    /// `OTEL_SERVICE_NAME`, else `service.name` from `OTEL_RESOURCE_ATTRIBUTES`, else `None`.
    pub service_name: Option<String>,
    /// `OTEL_RESOURCE_ATTRIBUTES` as ordered `(key, value)` pairs, percent-decoded.
    /// `service.name` stays in this list when it was given here.
    pub resource_attributes: Vec<(String, String)>,
    /// The AWS region and where it came from, if one was found.
    pub region: Option<Region>,
    /// Trace signal settings.
    pub traces: TracesConfig,
    /// Log signal settings.
    pub logs: LogsConfig,
    /// Metric signal settings.
    pub metrics: MetricsConfig,
    /// `OTEL_PROPAGATORS` in order; empty means `none`.
    pub propagators: Vec<Propagator>,
    /// `OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS`; in agent mode `session.id` is always included.
    pub baggage_span_attribute_keys: Vec<String>,
    /// `AWS_SIGV4_SERVICE`: the SigV4 service name to sign custom endpoints for.
    pub sigv4_service: Option<String>,
    /// `AWS_REDACT_SPAN_ATTRIBUTES`: attribute names or `*` globs whose values become `"REDACTED"`.
    pub redact_span_attributes: Vec<String>,
    /// `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` (default: on in agent mode, off otherwise).
    pub capture_message_content: bool,
    /// `AWS_GENAI_CONTENT_EXTRACTION_OPT_OUT`: keep GenAI content on spans instead of moving it to log events.
    pub content_extraction_opt_out: bool,
    /// Where captured content goes: `span_only` / `event_only` / `span_and_event` in
    /// `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`, else `Both` in agent mode without
    /// `AWS_GENAI_CONTENT_EXTRACTION_OPT_OUT=true`, else `SpanAttributes`.
    pub content_destination: ContentDestination,
    /// `AGENT_OBSERVABILITY_CONTENT_MAX_BYTES`: the most bytes kept of one captured value before a
    /// `…[truncated N bytes]` marker (default 16 KiB); `None` (the variable set to `0`) means no cap.
    pub content_max_bytes: Option<usize>,
    /// `AGENT_OBSERVABILITY_TRACING_SUBSCRIBER` (default `true`): whether `init()` installs the global
    /// `tracing` subscriber that bridges `tracing` spans and events into OpenTelemetry. Set the field
    /// to `false` before `init_with` to compose the layer into your own subscriber instead.
    pub install_tracing_subscriber: bool,
    /// CloudWatch destinations parsed from `OTEL_EXPORTER_OTLP_LOGS_HEADERS`.
    pub cloudwatch: CloudWatchDestination,
    /// Static credentials from the configuration sources, if any (else aws-config's default chain).
    pub aws_credentials: Option<StaticCredentials>,
    /// AWS resource detection at `init()`: which detectors run, how long `init()` waits for them,
    /// and the platform variables they read (`AGENT_OBSERVABILITY_RESOURCE_DETECTORS`, …).
    pub resource_detection: crate::ResourceDetection,
    /// How long dropping the guard may take to flush and shut every provider down (code only; default 5 s).
    pub shutdown_timeout: Duration,
    /// Harmless oddities found while reading the configuration (unknown `OTEL_*` variables, Python-only
    /// variables, values that were clamped). `init()` logs each once.
    pub warnings: Vec<ConfigWarning>,
}

/// An AWS region and the place it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Region {
    /// The region name, e.g. `us-east-1`.
    pub name: String,
    /// Where the region came from.
    pub source: RegionSource,
}

impl Region {
    /// The DNS suffix of the region's partition: `amazonaws.com.cn` for `cn-*`, else `amazonaws.com`.
    pub fn dns_suffix(&self) -> &'static str {
        if self.name.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        }
    }
}

/// Where a [`Region`] was found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegionSource {
    /// Set in code with the builder.
    Code,
    /// `AWS_REGION`.
    AwsRegion,
    /// `AWS_DEFAULT_REGION`.
    AwsDefaultRegion,
    /// The `region` of the named profile in the shared AWS config file.
    Profile(String),
}

/// Settings of the trace signal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TracesConfig {
    /// `OTEL_TRACES_EXPORTER` (comma list). Empty means `none`.
    pub exporters: Vec<SpanExporterKind>,
    /// OTLP settings for traces.
    pub otlp: OtlpSignalConfig,
    /// `OTEL_BSP_*`.
    pub batch: BatchConfig,
    /// `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`.
    pub sampler: Sampler,
}

/// Settings of the log signal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LogsConfig {
    /// `OTEL_LOGS_EXPORTER` (comma list). Empty means `none`.
    pub exporters: Vec<LogExporterKind>,
    /// OTLP settings for logs.
    pub otlp: OtlpSignalConfig,
    /// `OTEL_BLRP_*`.
    pub batch: BatchConfig,
}

/// Settings of the metric signal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MetricsConfig {
    /// `OTEL_METRICS_EXPORTER` (comma list). Empty means `none`.
    pub exporters: Vec<MetricExporterKind>,
    /// OTLP settings for metrics.
    pub otlp: OtlpSignalConfig,
    /// `OTEL_METRIC_EXPORT_INTERVAL` (milliseconds; default 60 s).
    pub export_interval: Duration,
    /// `OTEL_METRIC_EXPORT_TIMEOUT` (milliseconds; default 30 s).
    pub export_timeout: Duration,
    /// `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE` (default cumulative).
    pub temporality: TemporalityPreference,
    /// Where `awsemf` writes, when `awsemf` is among the exporters.
    pub emf: Option<EmfDestination>,
}

/// Where and how one signal is sent over OTLP.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OtlpSignalConfig {
    /// The full URL requests are posted to (already including `/v1/<signal>` where the spec says
    /// so); over gRPC, the collector address (`http://localhost:4317` by default).
    pub endpoint: String,
    /// Which setting the endpoint came from.
    pub endpoint_source: EndpointSource,
    /// Extra request headers (`OTEL_EXPORTER_OTLP_<SIGNAL>_HEADERS`, else `OTEL_EXPORTER_OTLP_HEADERS`),
    /// percent-decoded, in order.
    pub headers: Vec<(String, String)>,
    /// Deadline for one export, retries included (`*_TIMEOUT`; default 10 s).
    pub timeout: Duration,
    /// Request body compression (`*_COMPRESSION`).
    pub compression: Compression,
    /// Wire protocol (`*_PROTOCOL`; default `http/protobuf`).
    pub protocol: Protocol,
    /// How requests are SigV4-signed, or `None` to send them as they are. Set for the CloudWatch
    /// OTLP endpoints, for any endpoint when `AWS_SIGV4_SERVICE` (or the builder) names a service,
    /// and never when the signal's headers carry their own `Authorization`.
    pub sigv4: Option<SigV4Target>,
}

impl OtlpSignalConfig {
    /// The value of a header by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The AWS OTLP endpoint this URL names, if it is one of CloudWatch's
    /// (`https://xray.<region>.amazonaws.com/v1/traces`, `https://logs.<region>…/v1/logs`,
    /// `https://monitoring.<region>…/v1/metrics`, `.amazonaws.com.cn` included), matched like ADOT.
    pub fn aws_endpoint(&self) -> Option<AwsEndpoint> {
        AwsEndpoint::parse(&self.endpoint)
    }
}

/// A CloudWatch OTLP endpoint recognised from its URL: the SigV4 service and region to sign for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AwsEndpoint {
    /// `xray`, `logs` or `monitoring`.
    pub service: &'static str,
    /// The region label of the host.
    pub region: String,
}

impl AwsEndpoint {
    /// Recognise `https://{xray|logs|monitoring}.<region>.amazonaws.com[.cn]/v1/{traces|logs|metrics}`
    /// (case-insensitive, as ADOT's patterns).
    pub fn parse(url: &str) -> Option<Self> {
        let lower = url.to_ascii_lowercase();
        let rest = lower.strip_prefix("https://")?;
        let (host, path) = rest.split_once('/')?;
        let (endpoint, wanted) = Self::from_host(host)?;
        (path == wanted).then_some(endpoint)
    }

    /// Recognise the host part, `{xray|logs|monitoring}.<region>.amazonaws.com[.cn]`
    /// (case-insensitive), whatever the path; also returns the path the service's endpoint has.
    pub(crate) fn from_host(host: &str) -> Option<(Self, &'static str)> {
        let host = host.to_ascii_lowercase();
        let (service, host_rest, path) = if let Some(h) = host.strip_prefix("xray.") {
            ("xray", h, "v1/traces")
        } else if let Some(h) = host.strip_prefix("logs.") {
            ("logs", h, "v1/logs")
        } else if let Some(h) = host.strip_prefix("monitoring.") {
            ("monitoring", h, "v1/metrics")
        } else {
            return None;
        };
        let region = host_rest
            .strip_suffix(".amazonaws.com")
            .or_else(|| host_rest.strip_suffix(".amazonaws.com.cn"))?;
        let valid = !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        valid.then(|| {
            let endpoint = AwsEndpoint {
                service,
                region: region.to_string(),
            };
            (endpoint, path)
        })
    }
}

/// The SigV4 service and region requests are signed for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SigV4Target {
    /// The signing service name, e.g. `xray`, `logs`, `monitoring`.
    pub service: String,
    /// The signing region.
    pub region: String,
    /// Why this signal is signed.
    pub source: SigV4Source,
}

/// Why a signal is SigV4-signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SigV4Source {
    /// The endpoint is a CloudWatch OTLP endpoint (service and region read from its host, as ADOT).
    AwsEndpoint,
    /// `AWS_SIGV4_SERVICE` names the service for an endpoint that is not recognised.
    Variable,
    /// The service was set in code.
    Code,
}

/// Static AWS credentials found in the configuration sources (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, including a `.env` file or the map given to the
/// builder). When absent, the exporters use aws-config's default credential chain.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StaticCredentials {
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: String,
    /// `AWS_SESSION_TOKEN`.
    pub session_token: Option<String>,
}

impl fmt::Debug for StaticCredentials {
    // Never print the secret or the token, even in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .field("session_token", &self.session_token.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Where `awsemf` metrics go: CloudWatch Embedded Metric Format documents written with the
/// CloudWatch Logs `PutLogEvents` API.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmfDestination {
    /// The CloudWatch Logs API base URL: `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`, else
    /// `AWS_ENDPOINT_URL`, else `https://logs.<region>.amazonaws.com[.cn]`.
    pub endpoint: String,
    /// The region requests are signed for (service `logs`).
    pub region: String,
    /// `x-aws-log-group` from `OTEL_EXPORTER_OTLP_LOGS_HEADERS`.
    pub log_group: String,
    /// `x-aws-log-stream` from `OTEL_EXPORTER_OTLP_LOGS_HEADERS`.
    pub log_stream: String,
    /// `x-aws-metric-namespace`, else `bedrock-agentcore`.
    pub namespace: String,
}

/// Which setting an [`OtlpSignalConfig::endpoint`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointSource {
    /// Set in code with the builder.
    Code,
    /// The signal's own `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT`, used as is.
    SignalVariable,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/<signal>` appended (as is over gRPC).
    BaseVariable,
    /// Derived from the region in agent mode (`https://xray.<region>.amazonaws.com/v1/traces`, …).
    AgentModeRegion,
    /// The OTLP default `http://localhost:4318/v1/<signal>` (`http://localhost:4317` over gRPC).
    Default,
}

/// OTLP wire protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Protocol {
    /// `http/protobuf`.
    HttpProtobuf,
    /// `http/json`.
    HttpJson,
    /// `grpc`: OTLP over gRPC, exported when the `grpc` cargo feature is enabled (else `init()`
    /// fails with an error naming the feature). Never for CloudWatch OTLP endpoints or SigV4-signed
    /// signals ([`ConfigError::GrpcNotSupported`](crate::ConfigError::GrpcNotSupported)).
    Grpc,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::HttpProtobuf => "http/protobuf",
            Protocol::HttpJson => "http/json",
            Protocol::Grpc => "grpc",
        })
    }
}

/// Request body compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Compression {
    /// `none`.
    None,
    /// `gzip`.
    Gzip,
}

/// A trace exporter named in `OTEL_TRACES_EXPORTER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpanExporterKind {
    /// `otlp`.
    Otlp,
    /// `console`: a readable span tree on stdout.
    Console,
}

/// A log exporter named in `OTEL_LOGS_EXPORTER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogExporterKind {
    /// `otlp`.
    Otlp,
    /// `console`.
    Console,
}

/// A metric exporter named in `OTEL_METRICS_EXPORTER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetricExporterKind {
    /// `otlp`.
    Otlp,
    /// `console`.
    Console,
    /// `awsemf`: CloudWatch Embedded Metric Format (the agent-mode default).
    AwsEmf,
}

/// `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TemporalityPreference {
    /// `cumulative` (the spec default).
    Cumulative,
    /// `delta`.
    Delta,
    /// `lowmemory`.
    LowMemory,
}

/// Batch processor settings (`OTEL_BSP_*` for spans, `OTEL_BLRP_*` for logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchConfig {
    /// `*_SCHEDULE_DELAY` (ms; spans 5000, logs 1000).
    pub schedule_delay: Duration,
    /// `*_EXPORT_TIMEOUT` (ms; 30000).
    pub export_timeout: Duration,
    /// `*_MAX_QUEUE_SIZE` (2048).
    pub max_queue_size: usize,
    /// `*_MAX_EXPORT_BATCH_SIZE` (512; never larger than the queue).
    pub max_export_batch_size: usize,
}

/// A trace sampler from `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Sampler {
    /// `always_on`.
    AlwaysOn,
    /// `always_off`.
    AlwaysOff,
    /// `traceidratio` with a ratio in `[0, 1]`.
    TraceIdRatio(f64),
    /// `parentbased_always_on` (the default).
    ParentBasedAlwaysOn,
    /// `parentbased_always_off`.
    ParentBasedAlwaysOff,
    /// `parentbased_traceidratio` with a ratio in `[0, 1]`.
    ParentBasedTraceIdRatio(f64),
}

/// A context propagator named in `OTEL_PROPAGATORS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Propagator {
    /// `tracecontext` (W3C `traceparent` / `tracestate`).
    TraceContext,
    /// `baggage` (W3C `baggage`).
    Baggage,
    /// `xray` (`X-Amzn-Trace-Id`).
    XRay,
}

/// CloudWatch Logs destinations named in `OTEL_EXPORTER_OTLP_LOGS_HEADERS`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CloudWatchDestination {
    /// `x-aws-log-group`.
    pub log_group: Option<String>,
    /// `x-aws-log-stream`.
    pub log_stream: Option<String>,
    /// `x-aws-metric-namespace`.
    pub metric_namespace: Option<String>,
}
