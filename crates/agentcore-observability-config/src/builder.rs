//! [`ConfigBuilder`]: values set in code, and where the environment is read from.

use std::path::PathBuf;
use std::time::Duration;

use crate::{
    Compression, Config, ConfigError, LogExporterKind, MetricExporterKind, Propagator, Protocol,
    Sampler, SpanExporterKind,
};

/// Where the `.env` file is looked for.
#[derive(Debug, Clone, Default)]
pub(crate) enum DotEnvSource {
    /// `./.env` if it exists.
    #[default]
    WorkingDirectory,
    /// This file; it must exist.
    Path(PathBuf),
    /// No `.env` file is read.
    Disabled,
}

/// Builds a [`Config`]: values set here win over the environment, which wins over `.env`.
///
/// ```
/// use std::time::Duration;
/// use agentcore_observability_config::{Config, SpanExporterKind};
///
/// let config = Config::builder()
///     .vars([("OTEL_SERVICE_NAME", "from-env")])
///     .no_dotenv()
///     .service_name("travel-agent")
///     .traces_exporters([SpanExporterKind::Console])
///     .shutdown_timeout(Duration::from_secs(2))
///     .finish()?;
/// assert_eq!(config.service_name.as_deref(), Some("travel-agent"));
/// # Ok::<(), agentcore_observability_config::ConfigError>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "a builder does nothing until `finish()` is called"]
pub struct ConfigBuilder {
    pub(crate) vars: Option<Vec<(String, String)>>,
    pub(crate) dotenv: DotEnvSource,
    pub(crate) profile_region_lookup: Option<bool>,
    pub(crate) overrides: Overrides,
}

/// Values set in code. `None` means "not set in code".
#[derive(Debug, Clone, Default)]
pub(crate) struct Overrides {
    pub(crate) sdk_disabled: Option<bool>,
    pub(crate) agent_observability: Option<bool>,
    pub(crate) service_name: Option<String>,
    pub(crate) resource_attributes: Vec<(String, String)>,
    pub(crate) region: Option<String>,
    pub(crate) traces_exporters: Option<Vec<SpanExporterKind>>,
    pub(crate) logs_exporters: Option<Vec<LogExporterKind>>,
    pub(crate) metrics_exporters: Option<Vec<MetricExporterKind>>,
    pub(crate) endpoint: Option<String>,
    pub(crate) traces_endpoint: Option<String>,
    pub(crate) logs_endpoint: Option<String>,
    pub(crate) metrics_endpoint: Option<String>,
    pub(crate) protocol: Option<Protocol>,
    pub(crate) compression: Option<Compression>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) sampler: Option<Sampler>,
    pub(crate) propagators: Option<Vec<Propagator>>,
    pub(crate) capture_message_content: Option<bool>,
    pub(crate) metric_export_interval: Option<Duration>,
    pub(crate) shutdown_timeout: Option<Duration>,
    pub(crate) sigv4_service: [Option<String>; 3],
    pub(crate) content_destination: Option<crate::ContentDestination>,
    pub(crate) content_max_bytes: Option<Option<usize>>,
    pub(crate) install_tracing_subscriber: Option<bool>,
    pub(crate) resource_detectors: Option<Vec<crate::ResourceDetector>>,
    pub(crate) resource_detection_timeout: Option<Duration>,
}

impl ConfigBuilder {
    /// Read these variables instead of the process environment (the `.env` file is still read
    /// unless [`no_dotenv`](Self::no_dotenv) is called). This is how tests feed a configuration
    /// without touching global state.
    pub fn vars<K, V>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        self.vars = Some(
            vars.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// Read the `.env` file at `path` (it must exist) instead of `./.env`.
    pub fn dotenv_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.dotenv = DotEnvSource::Path(path.into());
        self
    }

    /// Read no `.env` file.
    pub fn no_dotenv(mut self) -> Self {
        self.dotenv = DotEnvSource::Disabled;
        self
    }

    /// Whether the region may be looked up in the shared AWS config file when neither `AWS_REGION`
    /// nor `AWS_DEFAULT_REGION` is set (default: yes when the `aws-profile` feature is on, unless
    /// [`vars`](Self::vars) was given without `AWS_CONFIG_FILE`).
    pub fn profile_region_lookup(mut self, enabled: bool) -> Self {
        self.profile_region_lookup = Some(enabled);
        self
    }

    /// Install nothing: `init()` returns a no-op guard (as `OTEL_SDK_DISABLED=true`).
    pub fn sdk_disabled(mut self, disabled: bool) -> Self {
        self.overrides.sdk_disabled = Some(disabled);
        self
    }

    /// Switch the Bedrock AgentCore agent-mode defaults on or off (as `AGENT_OBSERVABILITY_ENABLED`).
    pub fn agent_observability(mut self, enabled: bool) -> Self {
        self.overrides.agent_observability = Some(enabled);
        self
    }

    /// The service name (as `OTEL_SERVICE_NAME`).
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.overrides.service_name = Some(name.into());
        self
    }

    /// Add a resource attribute; it wins over the same key in `OTEL_RESOURCE_ATTRIBUTES`.
    pub fn resource_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.overrides
            .resource_attributes
            .push((key.into(), value.into()));
        self
    }

    /// The AWS region (as `AWS_REGION`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.overrides.region = Some(region.into());
        self
    }

    /// The trace exporters (as `OTEL_TRACES_EXPORTER`); an empty list means none.
    pub fn traces_exporters(
        mut self,
        exporters: impl IntoIterator<Item = SpanExporterKind>,
    ) -> Self {
        self.overrides.traces_exporters = Some(exporters.into_iter().collect());
        self
    }

    /// The log exporters (as `OTEL_LOGS_EXPORTER`); an empty list means none.
    pub fn logs_exporters(mut self, exporters: impl IntoIterator<Item = LogExporterKind>) -> Self {
        self.overrides.logs_exporters = Some(exporters.into_iter().collect());
        self
    }

    /// The metric exporters (as `OTEL_METRICS_EXPORTER`); an empty list means none.
    pub fn metrics_exporters(
        mut self,
        exporters: impl IntoIterator<Item = MetricExporterKind>,
    ) -> Self {
        self.overrides.metrics_exporters = Some(exporters.into_iter().collect());
        self
    }

    /// The base OTLP endpoint (as `OTEL_EXPORTER_OTLP_ENDPOINT`; `/v1/<signal>` is appended).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.overrides.endpoint = Some(url.into());
        self
    }

    /// The traces URL, used as is (as `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`).
    pub fn traces_endpoint(mut self, url: impl Into<String>) -> Self {
        self.overrides.traces_endpoint = Some(url.into());
        self
    }

    /// The logs URL, used as is (as `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`).
    pub fn logs_endpoint(mut self, url: impl Into<String>) -> Self {
        self.overrides.logs_endpoint = Some(url.into());
        self
    }

    /// The metrics URL, used as is (as `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`).
    pub fn metrics_endpoint(mut self, url: impl Into<String>) -> Self {
        self.overrides.metrics_endpoint = Some(url.into());
        self
    }

    /// The OTLP protocol of every signal (as `OTEL_EXPORTER_OTLP_PROTOCOL`).
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.overrides.protocol = Some(protocol);
        self
    }

    /// The compression of every signal (as `OTEL_EXPORTER_OTLP_COMPRESSION`).
    pub fn compression(mut self, compression: Compression) -> Self {
        self.overrides.compression = Some(compression);
        self
    }

    /// The export deadline of every signal (as `OTEL_EXPORTER_OTLP_TIMEOUT`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.overrides.timeout = Some(timeout);
        self
    }

    /// The trace sampler (as `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`).
    pub fn sampler(mut self, sampler: Sampler) -> Self {
        self.overrides.sampler = Some(sampler);
        self
    }

    /// The propagators, in order (as `OTEL_PROPAGATORS`); an empty list means none.
    pub fn propagators(mut self, propagators: impl IntoIterator<Item = Propagator>) -> Self {
        self.overrides.propagators = Some(propagators.into_iter().collect());
        self
    }

    /// Whether prompts and completions are captured (as
    /// `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`).
    pub fn capture_message_content(mut self, capture: bool) -> Self {
        self.overrides.capture_message_content = Some(capture);
        self
    }

    /// How often metrics are exported (as `OTEL_METRIC_EXPORT_INTERVAL`).
    pub fn metric_export_interval(mut self, interval: Duration) -> Self {
        self.overrides.metric_export_interval = Some(interval);
        self
    }

    /// Sign every signal's requests for this SigV4 service (as `AWS_SIGV4_SERVICE`), e.g. for a
    /// VPC endpoint or a signing proxy. CloudWatch OTLP endpoints are recognised without it.
    pub fn sigv4_service(mut self, service: impl Into<String>) -> Self {
        let service = service.into();
        self.overrides.sigv4_service =
            [Some(service.clone()), Some(service.clone()), Some(service)];
        self
    }

    /// Sign trace requests for this SigV4 service (e.g. `xray` behind a VPC endpoint).
    pub fn traces_sigv4_service(mut self, service: impl Into<String>) -> Self {
        self.overrides.sigv4_service[0] = Some(service.into());
        self
    }

    /// Sign log requests for this SigV4 service (e.g. `logs` behind a VPC endpoint).
    pub fn logs_sigv4_service(mut self, service: impl Into<String>) -> Self {
        self.overrides.sigv4_service[1] = Some(service.into());
        self
    }

    /// Sign metric requests for this SigV4 service (e.g. `monitoring` behind a VPC endpoint).
    pub fn metrics_sigv4_service(mut self, service: impl Into<String>) -> Self {
        self.overrides.sigv4_service[2] = Some(service.into());
        self
    }

    /// Where captured GenAI content goes: span attributes, log events or both (as the
    /// `span_only` / `event_only` / `span_and_event` values of
    /// `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`). Implies capture on.
    pub fn content_destination(mut self, destination: crate::ContentDestination) -> Self {
        self.overrides.content_destination = Some(destination);
        self
    }

    /// The largest captured content value, in bytes, before it is cut with a visible marker;
    /// `None` for no cap (as `AGENT_OBSERVABILITY_CONTENT_MAX_BYTES`, where `0` means no cap).
    pub fn content_max_bytes(mut self, max: Option<usize>) -> Self {
        self.overrides.content_max_bytes = Some(max);
        self
    }

    /// Whether `init()` installs the global `tracing` subscriber bridging `tracing` spans and
    /// events into OpenTelemetry (as `AGENT_OBSERVABILITY_TRACING_SUBSCRIBER`; default yes).
    pub fn install_tracing_subscriber(mut self, install: bool) -> Self {
        self.overrides.install_tracing_subscriber = Some(install);
        self
    }

    /// The AWS resource detectors `init()` runs (as `AGENT_OBSERVABILITY_RESOURCE_DETECTORS`); an
    /// empty list turns detection off. Default: none in agent mode, all otherwise.
    pub fn resource_detectors(
        mut self,
        detectors: impl IntoIterator<Item = crate::ResourceDetector>,
    ) -> Self {
        self.overrides.resource_detectors = Some(detectors.into_iter().collect());
        self
    }

    /// The longest `init()` waits for resource detection (as
    /// `AGENT_OBSERVABILITY_RESOURCE_DETECTION_TIMEOUT`; default 500 ms, clamped to 5 s).
    pub fn resource_detection_timeout(mut self, timeout: Duration) -> Self {
        self.overrides.resource_detection_timeout = Some(timeout);
        self
    }

    /// How long dropping the guard may take to flush and shut down (default 5 s).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.overrides.shutdown_timeout = Some(timeout);
        self
    }

    /// Reads the environment and the `.env` file, applies the values set in code, derives the
    /// defaults and validates the result.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first malformed variable, its value and the accepted form; an
    /// unreadable `.env` file; or agent mode without a region or an explicit endpoint.
    pub fn finish(self) -> Result<Config, ConfigError> {
        crate::resolve::resolve(self)
    }
}
