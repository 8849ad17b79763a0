//! OpenTelemetry for Rust AI agents on **Amazon Bedrock AgentCore Observability**.
//!
//! Call [`init`] once at startup and keep the returned [`ObservabilityGuard`]. From then on the
//! agent's traces, logs and metrics go where the environment says: the terminal, any OTLP/HTTP
//! backend, or (with `AGENT_OBSERVABILITY_ENABLED=true`) the CloudWatch OTLP endpoints, reading the
//! same variables as AWS Distro for OpenTelemetry (ADOT) Python in agent mode, plus a `.env` file.
//!
//! ```no_run
//! use agentcore_observability::prelude::*;
//!
//! fn main() -> Result<(), agentcore_observability::InitError> {
//!     let _guard = agentcore_observability::init()?; // reads OTEL_*, AWS_*, .env
//!     let tracer = agentcore_observability::tracer("my-agent");
//!     tracer.in_span("invoke_agent my-agent", |cx| {
//!         cx.span().set_attribute(KeyValue::new("gen_ai.agent.name", "my-agent"));
//!     });
//!     Ok(()) // dropping the guard flushes and shuts down, bounded by a timeout
//! }
//! ```
//!
//! Configure in code instead (code wins over the environment, which wins over `.env`):
//!
//! ```
//! use agentcore_observability::{Config, SpanExporterKind};
//!
//! let config = Config::builder()
//!     .service_name("travel-agent")
//!     .traces_exporters([SpanExporterKind::Console])
//!     .logs_exporters([])
//!     .metrics_exporters([])
//!     .finish()?;
//! let guard = agentcore_observability::init_with(config)?;
//! guard.shutdown()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `aws-profile` | yes | region lookup in `~/.aws/config` (`AWS_PROFILE`) via aws-config when `AWS_REGION` is unset |
//! | `tokio` | yes | `session::spawn` / `session::spawn_blocking`: tokio tasks that keep the caller's session |
//! | `tower` | no | `session::AgentCoreContextLayer`: servers continue the caller's trace and session |
//! | `axum` | no | with `tower`: server span names and `http.route` from axum's `MatchedPath` |
//!
//! # Sessions
//!
//! Every span and log record inside a [`Session`](session::Session) scope carries `session.id`, the
//! attribute AgentCore's Sessions view groups traces by, including after `.await`s and in tasks
//! started with `session::spawn`:
//!
//! ```no_run
//! use agentcore_observability::prelude::*;
//!
//! # async fn run() -> Result<(), agentcore_observability::InitError> {
//! let _guard = agentcore_observability::init()?;
//! Session::new("session-0001")
//!     .user_type("premium")
//!     .scope(async {
//!         let tracer = agentcore_observability::tracer("my-agent");
//!         tracer.in_span("invoke_agent my-agent", |_| {}); // session.id = session-0001
//!     })
//!     .await;
//! # Ok(()) }
//! ```
//!
//! See `docs/configuration.md` for every variable, its default and its ADOT equivalent.

mod error;
mod fan_out;
mod guard;
mod pipeline;
mod resource;

use std::sync::atomic::Ordering;

pub use agentcore_observability_config::{
    Compression, Config, ConfigBuilder, ConfigError, ConfigWarning, LogExporterKind,
    MetricExporterKind, Propagator, Protocol, Sampler, SpanExporterKind, TemporalityPreference,
};
pub use agentcore_observability_exporter::{
    CredentialsSource, DropReason, ExportStats, SignalStats,
};
pub use error::{InitError, TelemetryError};
pub use guard::ObservabilityGuard;

/// Sessions and context: [`Session`](session::Session) scopes, `spawn` (feature `tokio`), the
/// baggage → attribute processors, propagators and `http::HeaderMap` helpers, and (feature `tower`)
/// the server-side `AgentCoreContextLayer`. See `docs/sessions.md`.
pub use agentcore_observability_session as session;

/// The OpenTelemetry API this distro is built on, re-exported so versions always match.
pub use opentelemetry;
/// The OpenTelemetry SDK this distro is built on, re-exported so versions always match.
pub use opentelemetry_sdk;

/// The names most agents need: the OTel tracing API traits, [`KeyValue`](opentelemetry::KeyValue)
/// and [`Context`](opentelemetry::Context) with its baggage extension, and
/// [`Session`](crate::session::Session) with its future adapters.
pub mod prelude {
    pub use crate::session::{Session, SessionFutureExt};
    pub use opentelemetry::baggage::BaggageExt;
    pub use opentelemetry::trace::{Span, SpanKind, Status, TraceContextExt, Tracer};
    pub use opentelemetry::{Context, KeyValue};
}

/// Reads the configuration from the environment (and `./.env`) and installs telemetry.
///
/// Equivalent to `init_with(Config::from_env()?)`.
///
/// # Errors
/// [`InitError::Config`] for a malformed variable (the message names it, its value and the accepted
/// form), and every error of [`init_with`].
pub fn init() -> Result<ObservabilityGuard, InitError> {
    init_with(Config::from_env()?)
}

/// Installs telemetry as `config` describes: the global tracer and meter providers, the logger
/// provider (held by the guard), the propagator, and the exporters.
///
/// Nothing is sent and no thread waits on the network during this call; export threads start now
/// and the HTTP client on the first export.
///
/// # Errors
/// - [`InitError::AlreadyInitialized`] if a guard from an earlier call is still alive.
/// - [`InitError::Exporter`] for an unusable exporter setting (e.g. an invalid header value).
/// - [`InitError::Unsupported`] for a setting this version cannot honour yet.
pub fn init_with(config: Config) -> Result<ObservabilityGuard, InitError> {
    if config.sdk_disabled {
        return Ok(ObservabilityGuard::disabled());
    }
    if guard::INSTALLED
        .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        return Err(InitError::AlreadyInitialized);
    }
    match install(&config) {
        Ok(guard) => Ok(guard),
        Err(error) => {
            guard::INSTALLED.store(false, Ordering::SeqCst);
            Err(error)
        }
    }
}

fn install(config: &Config) -> Result<ObservabilityGuard, InitError> {
    for warning in &config.warnings {
        tracing::warn!(target: "agentcore_observability", "configuration: {warning}");
    }
    let resource = resource::build(config);
    let stats = ExportStats::default();
    let otlp = agentcore_observability_exporter::otlp::OtlpHttp::with_credentials(
        stats.clone(),
        credentials_source(config),
    );

    // Build everything before installing anything, so an error leaves the process untouched.
    let tracer = pipeline::tracer_provider(config, &resource, &otlp)?;
    let logger = pipeline::logger_provider(config, &resource, &otlp)?;
    let meter = pipeline::meter_provider(config, &resource, &otlp)?;

    opentelemetry::global::set_text_map_propagator(
        agentcore_observability_session::propagation::composite(&config.propagators),
    );
    if let Some(tracer) = &tracer {
        opentelemetry::global::set_tracer_provider(tracer.clone());
    }
    if let Some(meter) = &meter {
        opentelemetry::global::set_meter_provider(meter.clone());
    }
    Ok(ObservabilityGuard::installed(
        guard::Providers {
            tracer,
            logger,
            meter,
        },
        stats,
        config.shutdown_timeout,
    ))
}

/// Static credentials from the configuration sources (e.g. a `.env` file), else aws-config's
/// default chain, resolved lazily on the export thread.
fn credentials_source(config: &Config) -> CredentialsSource {
    match &config.aws_credentials {
        Some(c) => CredentialsSource::Static(aws_credential_types::Credentials::new(
            c.access_key_id.clone(),
            c.secret_access_key.clone(),
            c.session_token.clone(),
            None,
            "agentcore-observability-config",
        )),
        None => CredentialsSource::DefaultChain,
    }
}

/// A tracer from the global provider, named for the instrumentation scope (your agent or crate).
pub fn tracer(scope: &'static str) -> opentelemetry::global::BoxedTracer {
    opentelemetry::global::tracer(scope)
}

/// A meter from the global provider, named for the instrumentation scope.
pub fn meter(scope: &'static str) -> opentelemetry::metrics::Meter {
    opentelemetry::global::meter(scope)
}
