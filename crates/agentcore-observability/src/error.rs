//! Errors of [`init`](crate::init) and of the guard's explicit `flush()` / `shutdown()`.

use agentcore_observability_config::ConfigError;
use agentcore_observability_exporter::otlp::ExporterError;

/// Why [`init`](crate::init) installed nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// The configuration is invalid; the message names the variable, its value and the accepted form.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// `init()` was already called and its guard is still alive.
    #[error(
        "agentcore_observability::init() was already called and its guard is still alive; \
         call init() once at startup, or drop/shut down the first guard before calling it again"
    )]
    AlreadyInitialized,
    /// An exporter could not be built from its configuration.
    #[error(transparent)]
    Exporter(#[from] ExporterError),
    /// The configuration asks for something this version cannot do yet; the message says what to
    /// set instead. Raised rather than sending data that would be rejected.
    #[error("{what} is not supported by this version of agentcore-observability: {hint}")]
    Unsupported {
        /// What was asked for.
        what: String,
        /// What to configure instead.
        hint: String,
    },
}

/// A flush or shutdown that did not complete cleanly. Telemetry problems never panic and never
/// propagate into the agent on their own; this is only returned from the explicit calls.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TelemetryError {
    /// The operation did not finish within the time allowed; pending data may be lost.
    #[error("telemetry {operation} did not finish within {timeout:?}")]
    Timeout {
        /// `flush` or `shutdown`.
        operation: &'static str,
        /// The time allowed.
        timeout: std::time::Duration,
    },
    /// One or more providers reported errors (joined in the message).
    #[error("telemetry {operation} failed: {message}")]
    Failed {
        /// `flush` or `shutdown`.
        operation: &'static str,
        /// What the providers reported.
        message: String,
    },
}
