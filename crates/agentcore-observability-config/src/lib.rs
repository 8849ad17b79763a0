//! Typed configuration for [agentcore-observability](https://docs.rs/agentcore-observability).
//!
//! It reads the same environment contract as AWS Distro for OpenTelemetry (ADOT) Python in agent mode
//! (`AGENT_OBSERVABILITY_ENABLED=true`): the `OTEL_*` variables of the OpenTelemetry specification, the
//! `AWS_*` variables ADOT reads, and `OTEL_EXPORTER_OTLP_LOGS_HEADERS` with `x-aws-log-group` /
//! `x-aws-log-stream` / `x-aws-metric-namespace`. A `.env` file in the working directory is read too.
//!
//! Precedence, highest first: values set in code on the [`ConfigBuilder`], then the process environment
//! (or the map given to [`ConfigBuilder::vars`]), then the `.env` file, then the defaults (agent-mode
//! defaults included). The process environment is only read, never written.
//!
//! Every malformed value is a [`ConfigError`] naming the variable, the value and the accepted form;
//! harmless oddities are [`ConfigWarning`]s collected in [`Config::warnings`].
//!
//! ```
//! use agentcore_observability_config::{Config, SpanExporterKind};
//!
//! let config = Config::builder()
//!     .vars([
//!         ("AGENT_OBSERVABILITY_ENABLED", "true"),
//!         ("AWS_REGION", "eu-west-1"),
//!         (
//!             "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
//!             "x-aws-log-group=/aws/bedrock-agentcore/runtimes/my-agent,x-aws-log-stream=runtime-logs",
//!         ),
//!     ])
//!     .no_dotenv()
//!     .finish()?;
//! assert_eq!(config.traces.otlp.endpoint, "https://xray.eu-west-1.amazonaws.com/v1/traces");
//! assert_eq!(config.traces.exporters, vec![SpanExporterKind::Otlp]);
//! # Ok::<(), agentcore_observability_config::ConfigError>(())
//! ```

mod aws;
mod builder;
mod content;
mod detection;
mod error;
mod known;
mod model;
mod otlp;
mod parse;
mod pipeline;
mod region;
mod resolve;
mod source;

pub use builder::ConfigBuilder;
pub use detection::{
    KubernetesService, LambdaEnvironment, ResourceDetection, ResourceDetector,
    DEFAULT_IMDS_ENDPOINT, DEFAULT_IMDS_IPV6_ENDPOINT, DEFAULT_RESOURCE_DETECTION_TIMEOUT,
    MAX_RESOURCE_DETECTION_TIMEOUT,
};
pub use error::{ConfigError, ConfigWarning};
pub use model::*;

impl Config {
    /// Reads the configuration from the process environment and `./.env`.
    ///
    /// # Errors
    /// A [`ConfigError`] for the first malformed value found.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::builder().finish()
    }

    /// A builder to set values in code (they override the environment) or to read a given map
    /// instead of the process environment.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }
}
