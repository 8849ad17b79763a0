//! The `tracing` bridge (feature `tracing`): `tracing` spans become OpenTelemetry spans
//! (`tracing-opentelemetry`) and `tracing` events become OpenTelemetry log records
//! (`opentelemetry-appender-tracing`), in the same trace, with `session.id` from the baggage
//! processors.
//!
//! Both layers talk to the providers through two process-wide slots that `init()` fills and the
//! guard empties, not to one provider directly. So the global subscriber is installed once per
//! process and keeps working across a shutdown and a later `init()`, and a layer handed to the
//! application before `init()` starts exporting as soon as `init()` has run.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use agentcore_observability_config::{Config, ConfigWarning};
use arc_swap::ArcSwapOption;
use opentelemetry::global::{BoxedSpan, BoxedTracer};
use opentelemetry::logs::{LoggerProvider, Severity};
use opentelemetry::trace::{noop::NoopTracer, SpanBuilder, Tracer, TracerProvider as _};
use opentelemetry::{Context, InstrumentationScope};
use opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge;
use opentelemetry_sdk::logs::{SdkLogRecord, SdkLogger, SdkLoggerProvider};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::level_filters::LevelFilter;
use tracing::subscriber::Interest;
use tracing::{Metadata, Subscriber};
use tracing_subscriber::layer::{self, Layer, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

/// The variable that turns the global subscriber off; named in the warning.
const SUBSCRIBER_VARIABLE: &str = "AGENT_OBSERVABILITY_TRACING_SUBSCRIBER";

/// The instrumentation scope of spans that come from `tracing`.
const SPAN_SCOPE: &str = "tracing";

/// Crates whose `tracing` output is never bridged: the distro itself, the OpenTelemetry SDK and
/// the transport it exports with (their spans and events would otherwise be exported by the very
/// requests they describe), and the AWS credential machinery used for signing. A name covers the
/// crate and its `_` family (`hyper` covers `hyper_util`, `tokio` covers `tokio_util`).
const INTERNAL_CRATES: &[&str] = &[
    "agentcore_observability",
    "aws_config",
    "aws_credential_types",
    "aws_runtime",
    "aws_sdk_sso",
    "aws_sdk_ssooidc",
    "aws_sdk_sts",
    "aws_sigv4",
    "aws_smithy",
    "aws_types",
    "h2",
    "hyper",
    "opentelemetry",
    "reqwest",
    "rustls",
    "tokio",
    "tracing_opentelemetry",
];

static TRACER: ArcSwapOption<BoxedTracer> = ArcSwapOption::const_empty();
static LOGGER: ArcSwapOption<SdkLogger> = ArcSwapOption::const_empty();
/// Set once our subscriber is the global one.
static SUBSCRIBER_INSTALLED: AtomicBool = AtomicBool::new(false);
/// Set once the application took the layer (so its own global subscriber is expected).
static LAYER_HANDED_OUT: AtomicBool = AtomicBool::new(false);
/// The "already set" notice goes to stderr once per process.
static WARNED: AtomicBool = AtomicBool::new(false);

/// Points the bridge at the providers `init()` built, and installs the global subscriber unless
/// the configuration says not to, one is installed already, or the application set its own. A
/// foreign subscriber is reported on stderr (once) and by the returned warning, for the guard.
pub(crate) fn install(
    tracer: Option<&SdkTracerProvider>,
    logger: Option<&SdkLoggerProvider>,
    config: &Config,
) -> Option<ConfigWarning> {
    TRACER.store(tracer.map(|provider| {
        let scope = InstrumentationScope::builder(SPAN_SCOPE).build();
        Arc::new(BoxedTracer::new(Box::new(
            provider.tracer_with_scope(scope),
        )))
    }));
    LOGGER.store(logger.map(|provider| Arc::new(provider.logger(""))));

    if !config.install_tracing_subscriber || SUBSCRIBER_INSTALLED.load(Ordering::SeqCst) {
        return None;
    }
    let subscriber = tracing_subscriber::registry().with(layer(LevelFilter::INFO));
    if tracing::subscriber::set_global_default(subscriber).is_ok() {
        SUBSCRIBER_INSTALLED.store(true, Ordering::SeqCst);
        return None;
    }
    if LAYER_HANDED_OUT.load(Ordering::SeqCst) {
        // The application composed `tracing_layer()` into its own subscriber: nothing to say.
        return None;
    }
    let message = "a global `tracing` subscriber is already set, so init() did not install its \
                   own and `tracing` spans and events are not sent to OpenTelemetry; add \
                   `agentcore_observability::tracing_layer()` to your subscriber \
                   (docs/instrumentation.md), or set AGENT_OBSERVABILITY_TRACING_SUBSCRIBER=false \
                   to silence this";
    if !WARNED.swap(true, Ordering::SeqCst) {
        eprintln!("agentcore-observability: {message}");
    }
    Some(ConfigWarning::new(SUBSCRIBER_VARIABLE, message))
}

/// Disconnects the bridge from the providers (the guard calls this when it shuts down); the
/// layers stay in place and do nothing until the next `init()`.
pub(crate) fn uninstall() {
    TRACER.store(None);
    LOGGER.store(None);
}

/// The bridge layer handed to the application: as [`layer`], and `init()` then expects a global
/// subscriber of the application's (no warning when it finds one).
pub(crate) fn application_layer<S>(max_level: LevelFilter) -> impl Layer<S>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    LAYER_HANDED_OUT.store(true, Ordering::SeqCst);
    layer(max_level)
}

/// The bridge as a layer: `tracing` spans at `max_level` and above become OpenTelemetry spans,
/// events become log records; the distro's and the transport's own output is left out (other
/// layers, such as `fmt`, still see it).
fn layer<S>(max_level: LevelFilter) -> impl Layer<S>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    let filter = BridgeFilter { max_level };
    let spans = tracing_opentelemetry::layer()
        .with_tracer(BridgeTracer)
        .with_filter(filter);
    let logs = OpenTelemetryTracingBridge::new(&BridgeLoggerProvider).with_filter(filter);
    spans.and_then(logs)
}

/// Whether the bridge takes spans and events from `target` at `level`.
fn allowed(metadata: &Metadata<'_>, max_level: LevelFilter) -> bool {
    if *metadata.level() > max_level {
        return false;
    }
    let krate = metadata.target().split("::").next().unwrap_or_default();
    !INTERNAL_CRATES.iter().any(|c| {
        krate
            .strip_prefix(c)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('_'))
    })
}

/// The per-layer filter of both bridge layers (per layer, so an application's `fmt` layer still
/// sees what the bridge leaves out).
#[derive(Debug, Clone, Copy)]
struct BridgeFilter {
    max_level: LevelFilter,
}

impl<S> layer::Filter<S> for BridgeFilter {
    fn enabled(&self, metadata: &Metadata<'_>, _cx: &layer::Context<'_, S>) -> bool {
        allowed(metadata, self.max_level)
    }

    fn callsite_enabled(&self, metadata: &'static Metadata<'static>) -> Interest {
        if allowed(metadata, self.max_level) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.max_level)
    }
}

/// The tracer behind the span layer: the installed provider's, else a no-op one.
#[derive(Debug, Clone, Copy)]
struct BridgeTracer;

impl Tracer for BridgeTracer {
    type Span = BoxedSpan;

    fn build_with_context(&self, builder: SpanBuilder, parent_cx: &Context) -> BoxedSpan {
        match TRACER.load().as_deref() {
            Some(tracer) => tracer.build_with_context(builder, parent_cx),
            None => noop_tracer().build_with_context(builder, parent_cx),
        }
    }
}

fn noop_tracer() -> &'static BoxedTracer {
    static NOOP: OnceLock<BoxedTracer> = OnceLock::new();
    NOOP.get_or_init(|| BoxedTracer::new(Box::new(NoopTracer::new())))
}

/// The logger provider behind the log layer.
#[derive(Debug, Clone, Copy)]
struct BridgeLoggerProvider;

impl LoggerProvider for BridgeLoggerProvider {
    type Logger = BridgeLogger;

    fn logger_with_scope(&self, _scope: InstrumentationScope) -> BridgeLogger {
        BridgeLogger
    }
}

/// Emits to the installed logger; off (the appender then skips the event before building a
/// record) when none is installed.
#[derive(Debug, Clone, Copy)]
struct BridgeLogger;

impl opentelemetry::logs::Logger for BridgeLogger {
    type LogRecord = SdkLogRecord;

    fn create_log_record(&self) -> SdkLogRecord {
        // SDK records can only be created by an SDK logger; any one will do (records carry no
        // reference to their logger).
        static FACTORY: OnceLock<SdkLogger> = OnceLock::new();
        FACTORY
            .get_or_init(|| SdkLoggerProvider::builder().build().logger(""))
            .create_log_record()
    }

    fn emit(&self, record: SdkLogRecord) {
        if let Some(logger) = LOGGER.load().as_deref() {
            logger.emit(record);
        }
    }

    fn event_enabled(&self, level: Severity, target: &str, name: Option<&str>) -> bool {
        LOGGER
            .load()
            .as_deref()
            .is_some_and(|logger| logger.event_enabled(level, target, name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_crates_are_left_out() {
        use tracing::Level;
        let cases = [
            ("agentcore_observability_exporter::otlp", Level::WARN, false),
            ("hyper_util::client", Level::INFO, false),
            ("h2::proto", Level::ERROR, false),
            ("opentelemetry_sdk", Level::WARN, false),
            ("my_agent::tools", Level::INFO, true),
            ("my_agent::tools", Level::DEBUG, false),
            ("tokenizer", Level::INFO, true),
            ("hyperparameters", Level::INFO, true),
            ("tokio_util::codec", Level::INFO, false),
        ];
        for (target, level, expected) in cases {
            let metadata = Metadata::new(
                "event",
                target,
                level,
                None,
                None,
                None,
                tracing::field::FieldSet::new(&[], tracing::callsite::Identifier(&CALLSITE)),
                tracing::metadata::Kind::EVENT,
            );
            assert_eq!(
                allowed(&metadata, LevelFilter::INFO),
                expected,
                "{target} {level}"
            );
        }
    }

    struct Callsite;
    static CALLSITE: Callsite = Callsite;
    impl tracing::callsite::Callsite for Callsite {
        fn set_interest(&self, _: Interest) {}
        fn metadata(&self) -> &Metadata<'_> {
            unimplemented!()
        }
    }
}
