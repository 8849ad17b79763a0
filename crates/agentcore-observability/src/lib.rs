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
//!     .resource_detectors([]) // no AWS metadata lookups in this example
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
//! | `tracing` | yes | `init()` installs a global `tracing` subscriber bridging `tracing` spans and events into OpenTelemetry; `tracing_layer()` for your own subscriber |
//! | `macros` | yes | [`instrument_agent`] / [`instrument_tool`]: agent and tool spans around sync and async functions |
//! | `bedrock` | yes | [`bedrock::AwsSdkInterceptor`] (alias [`bedrock::BedrockInterceptor`]): any AWS SDK client traced with one line at client construction (`{service}.{operation}` CLIENT spans, trace context on the request), GenAI spans for Bedrock Runtime, AgentCore ARN/ID attributes |
//! | `aws-resource-detectors` | yes | EC2 (IMDSv2), ECS (task metadata v4), EKS and Lambda resource attributes detected in `init()` outside agent mode, waiting at most 500 ms ([`ResourceDetectionReport`]; `docs/aws.md`) |
//! | `aws-services` | yes | with `bedrock`: the per-service attributes of S3, DynamoDB, SQS, SNS, Lambda, Kinesis, Secrets Manager, Step Functions and Bedrock Agent calls (bucket, table, queue …; `docs/aws-sdk.md`) |
//! | `lambda` | no | `lambda::LambdaLayer` for `lambda_runtime`: an invocation span (`faas.*`, cold start, the invocation's X-Ray trace) and a bounded flush of every signal before each invocation returns (`docs/lambda.md`) |
//! | `grpc` | no | OTLP over gRPC when `OTEL_EXPORTER_OTLP_PROTOCOL` (or a signal's own) is `grpc`: tonic on the export I/O thread, default endpoint `http://localhost:4317`, gzip, headers as metadata, TLS (system roots) for `https://`, the specification's gRPC retries; without it `grpc` fails `init()` with `InitError::Exporter(ExporterError::GrpcNotCompiled)`; never for the CloudWatch endpoints (`ConfigError::GrpcNotSupported`) |
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
//! # GenAI spans
//!
//! [`spans`] starts agent, tool and model-call spans with the OpenTelemetry GenAI names and
//! attributes; prompts and completions are recorded as the content policy says (on in agent mode,
//! as span attributes and log events, 16 KiB per value). See `docs/instrumentation.md`.
//!
//! ```no_run
//! use agentcore_observability::prelude::*;
//!
//! # fn main() -> Result<(), agentcore_observability::InitError> {
//! let _guard = agentcore_observability::init()?;
//! let tool = spans::tool("web_search").call_id("call-1").start();
//! tool.record_result_value("3 results");
//! tool.set_ok();
//! # Ok(()) }
//! ```
//!
//! With the `tracing` feature, `init()` also bridges `tracing` spans and events into OpenTelemetry
//! (see `tracing_layer()` when you have a subscriber of your own).
//!
//! See `docs/configuration.md` for every variable, its default and its ADOT equivalent.

mod detect;
mod error;
mod fan_out;
mod guard;
#[cfg(feature = "lambda")]
pub mod lambda;
mod pipeline;
mod resource;
#[cfg(feature = "tracing")]
mod tracing_bridge;

use std::sync::atomic::Ordering;

pub use agentcore_observability_config::{
    Compression, Config, ConfigBuilder, ConfigError, ConfigWarning, LogExporterKind,
    MetricExporterKind, Propagator, Protocol, Sampler, SpanExporterKind, TemporalityPreference,
};
pub use agentcore_observability_config::{ResourceDetection, ResourceDetector};
pub use agentcore_observability_exporter::{
    CredentialsSource, DropReason, ExportStats, SignalStats,
};
/// `#[instrument_agent]` / `#[instrument_tool]` (feature `macros`): an `invoke_agent` /
/// `execute_tool` span around a function, current across `.await`, with an `Err` return recorded.
#[cfg(feature = "macros")]
pub use agentcore_observability_macros::{instrument_agent, instrument_tool};
pub use detect::{DetectionOutcome, ResourceDetectionReport};
pub use error::{InitError, TelemetryError};
pub use guard::ObservabilityGuard;

/// GenAI span helpers: `spans::agent(..)`, `spans::tool(..)`, `spans::chat(..)`,
/// `spans::custom(..)`, the [`GenAiSpan`](spans::GenAiSpan) they start, and the content policy
/// (`spans::content`): capture, destination, size cap and redaction. See `docs/instrumentation.md`.
pub use agentcore_observability_spans as spans;

/// AWS SDK instrumentation (feature `bedrock`): add
/// [`AwsSdkInterceptor`](bedrock::AwsSdkInterceptor) (also named
/// [`BedrockInterceptor`](bedrock::BedrockInterceptor)) where any `aws-sdk-*` client is built and
/// every call gets a CLIENT span carrying the caller's trace context to the service: Bedrock
/// Runtime calls a GenAI span, metrics and (with content capture) message events, streams traced
/// to their end; other services a `{service}.{operation}` span with, under feature
/// `aws-services`, their resource attributes (S3 bucket, DynamoDB tables, SQS queue …):
/// `aws_sdk_s3::config::Builder::from(&sdk_config)
/// .interceptor(agentcore_observability::bedrock::AwsSdkInterceptor::new())`. See
/// `docs/bedrock.md` and `docs/aws-sdk.md`.
#[cfg(feature = "bedrock")]
pub use agentcore_observability_bedrock as bedrock;

/// Sessions and context: [`Session`](session::Session) scopes, `spawn` (feature `tokio`), the
/// baggage → attribute processors, propagators and `http::HeaderMap` helpers, and (feature `tower`)
/// the server-side `AgentCoreContextLayer`. See `docs/sessions.md`.
pub use agentcore_observability_session as session;

/// The OpenTelemetry API this distro is built on, re-exported so versions always match.
pub use opentelemetry;
/// The OpenTelemetry SDK this distro is built on, re-exported so versions always match.
pub use opentelemetry_sdk;

/// The names most agents need: the OTel tracing API traits, [`KeyValue`](opentelemetry::KeyValue)
/// and [`Context`](opentelemetry::Context) with its baggage extension,
/// [`Session`](crate::session::Session) with its future adapters, and the GenAI span helpers
/// ([`spans`], [`GenAiSpan`](crate::spans::GenAiSpan), [`Usage`](crate::spans::Usage),
/// [`ChatResponse`](crate::spans::ChatResponse)).
pub mod prelude {
    pub use crate::session::{Session, SessionFutureExt};
    pub use crate::spans::{self, ChatResponse, GenAiSpan, Usage};
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
/// Nothing is exported during this call; export threads start now and the HTTP client on the
/// first export. The one network wait is AWS resource detection (feature `aws-resource-detectors`,
/// on by default outside agent mode): it asks the platform's metadata service (ECS, EKS, EC2
/// IMDSv2) for the resource attributes, at most `AGENT_OBSERVABILITY_RESOURCE_DETECTION_TIMEOUT`
/// (500 ms) in all, and costs nothing where the platform is ruled out locally (see
/// [`ObservabilityGuard::resource_detection`]).
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
    let detection = detect::detect(config);
    let resource = resource::build(config, &detection.attributes);
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

    // The span helpers: the SDK tracer, and the content policy with the logger for its events.
    if let Some(tracer) = &tracer {
        spans::install_tracer_provider(tracer);
    }
    spans::content::install(
        spans::ContentPolicy::from_config(config),
        logger.as_ref().map(spans::content::ContentSink::new),
    );
    #[cfg(feature = "tracing")]
    let bridge_warning = tracing_bridge::install(tracer.as_ref(), logger.as_ref(), config);
    #[cfg(not(feature = "tracing"))]
    let bridge_warning: Option<ConfigWarning> = None;
    let warnings = config
        .warnings
        .iter()
        .cloned()
        .chain(bridge_warning)
        .collect();

    Ok(ObservabilityGuard::installed(
        guard::Providers {
            tracer,
            logger,
            meter,
        },
        stats,
        config.shutdown_timeout,
        warnings,
        detection.report,
    ))
}

/// Disconnects the span helpers and the `tracing` bridge from the providers a guard is about to
/// shut down: what is recorded afterwards is dropped quietly until the next `init()`.
pub(crate) fn release_globals() {
    spans::uninstall_tracer_provider();
    spans::content::uninstall();
    #[cfg(feature = "tracing")]
    tracing_bridge::uninstall();
}

/// The `tracing` bridge as a layer for your own subscriber (feature `tracing`): `tracing` spans at
/// INFO and above become OpenTelemetry spans, and events become log records with the trace and
/// span ids of the current span (and `session.id` inside a session). The distro's own output and
/// that of the transport it exports with are left out of the bridge (to avoid feedback loops), but
/// still reach your other layers.
///
/// `init()` installs a subscriber with this layer by itself unless a global subscriber is set
/// already or `AGENT_OBSERVABILITY_TRACING_SUBSCRIBER=false`. Use this when you set up your own
/// subscriber; it can be built before or after `init()`, and starts exporting once `init()` ran:
///
/// ```no_run
/// use tracing_subscriber::layer::SubscriberExt as _;
/// use tracing_subscriber::util::SubscriberInitExt as _;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// tracing_subscriber::registry()
///     // .with(tracing_subscriber::fmt::layer())   // your console output, if you have one
///     .with(agentcore_observability::tracing_layer())
///     .init();
/// let _guard = agentcore_observability::init()?; // finds your subscriber, stays quiet
/// tracing::info!(city = "Seattle", "planning a trip"); // → an OpenTelemetry log record
/// # Ok(()) }
/// ```
#[cfg(feature = "tracing")]
pub fn tracing_layer<S>() -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    tracing_bridge::application_layer(tracing::level_filters::LevelFilter::INFO)
}

/// As [`tracing_layer`], bridging spans and events at `max_level` and above (e.g.
/// `LevelFilter::DEBUG`).
#[cfg(feature = "tracing")]
pub fn tracing_layer_with_max_level<S>(
    max_level: tracing::level_filters::LevelFilter,
) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    tracing_bridge::application_layer(max_level)
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
