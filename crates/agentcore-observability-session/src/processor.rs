//! Baggage → attributes: [`BaggageSpanProcessor`] for spans, [`BaggageLogProcessor`] for log records.

use std::time::Duration;

use agentcore_observability_config::Config;
use opentelemetry::baggage::BaggageExt;
use opentelemetry::logs::{AnyValue, LogRecord as _, Severity};
use opentelemetry::trace::Span as _;
use opentelemetry::{Context, InstrumentationScope, KeyValue};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogProcessor, SdkLogRecord};
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

use crate::keys::BaggageKeyFilter;
use crate::scope::{CONVERSATION_ID, SESSION_ID};

/// The attribute that marks a GenAI span (OTel GenAI semantic conventions).
const GEN_AI_OPERATION_NAME: &str = "gen_ai.operation.name";

/// Copies baggage entries of the **parent** context onto every span when it starts: `session.id`
/// always, plus the keys of `OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS` (exact names, `*`, `prefix.*`).
/// It also sets `gen_ai.conversation.id` to the session id on GenAI spans.
///
/// This is ADOT's `BaggageSpanProcessor`, with three differences: globs, `session.id` copied
/// outside agent mode too, and `gen_ai.conversation.id`. `init()` registers it first, so the
/// attributes are on the span before any other processor sees it.
///
/// **GenAI spans** are spans whose start-time attributes (the span builder's) contain
/// `gen_ai.operation.name`. The SDK gives `on_end` each processor its own copy of the finished span,
/// so a processor cannot add attributes that other processors export; the check therefore happens
/// at start. A span that sets `gen_ai.operation.name` after it started gets no conversation id from
/// here (set it at creation, as the semantic conventions recommend for sampling).
///
/// An attribute the span builder already set is neither replaced nor duplicated. Attributes set
/// later with `set_attribute` are appended by the SDK, so a `session.id` set again after the start
/// appears twice.
///
/// ```
/// use agentcore_observability_session::{BaggageSpanProcessor, Session};
/// use opentelemetry::trace::{Tracer as _, TracerProvider as _};
/// use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
///
/// let exporter = InMemorySpanExporter::default();
/// let provider = SdkTracerProvider::builder()
///     .with_span_processor(BaggageSpanProcessor::new(["tenant.id"]))
///     .with_simple_exporter(exporter.clone())
///     .build();
/// let tracer = provider.tracer("doc");
/// Session::new("s-1")
///     .attribute("tenant.id", "acme")
///     .in_scope(|| tracer.in_span("work", |_| {}));
/// let span = &exporter.get_finished_spans().unwrap()[0];
/// let get = |k: &str| span.attributes.iter().find(|kv| kv.key.as_str() == k).map(|kv| kv.value.to_string());
/// assert_eq!(get("session.id").as_deref(), Some("s-1"));
/// assert_eq!(get("tenant.id").as_deref(), Some("acme"));
/// ```
#[derive(Debug, Clone)]
pub struct BaggageSpanProcessor {
    keys: BaggageKeyFilter,
    conversation_id: bool,
}

impl BaggageSpanProcessor {
    /// Copies `session.id` and the listed keys (exact names or `*` globs).
    pub fn new<I>(keys: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Self::with_filter(BaggageKeyFilter::new(keys))
    }

    /// The processor `init()` installs: `session.id` plus `Config::baggage_span_attribute_keys`
    /// (`OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS`).
    pub fn from_config(config: &Config) -> Self {
        Self::new(&config.baggage_span_attribute_keys)
    }

    /// Copies exactly what `filter` selects (use [`BaggageKeyFilter::exactly`] for ADOT's
    /// behaviour outside agent mode).
    pub fn with_filter(filter: BaggageKeyFilter) -> Self {
        BaggageSpanProcessor {
            keys: filter,
            conversation_id: true,
        }
    }

    /// Whether GenAI spans get `gen_ai.conversation.id` = the session id (default: yes).
    #[must_use]
    pub fn conversation_id(mut self, enabled: bool) -> Self {
        self.conversation_id = enabled;
        self
    }

    /// The keys this processor copies.
    pub fn filter(&self) -> &BaggageKeyFilter {
        &self.keys
    }
}

impl SpanProcessor for BaggageSpanProcessor {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        let baggage = cx.baggage();
        if baggage.is_empty() {
            return;
        }
        // The builder's attributes, read once and only when something is to be added: the SDK
        // offers no cheaper view than a copy of the span data (its few start attributes, name,
        // scope).
        let mut started: Option<Vec<KeyValue>> = None;
        self.keys.for_each_match(baggage, |key, value| {
            let attributes = started.get_or_insert_with(|| start_attributes(span));
            if !has(attributes, key.as_str()) {
                span.set_attribute(KeyValue::new(key, value.clone()));
            }
        });
        if !self.conversation_id {
            return;
        }
        if let Some(id) = baggage.get(SESSION_ID).filter(|id| !id.as_str().is_empty()) {
            let attributes = started.get_or_insert_with(|| start_attributes(span));
            if has(attributes, GEN_AI_OPERATION_NAME) && !has(attributes, CONVERSATION_ID) {
                span.set_attribute(KeyValue::new(CONVERSATION_ID, id.clone()));
            }
        }
    }

    fn on_end(&self, _span: SpanData) {}

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// The attributes a span was started with.
fn start_attributes(span: &Span) -> Vec<KeyValue> {
    span.exported_data()
        .map(|data| data.attributes)
        .unwrap_or_default()
}

fn has(attributes: &[KeyValue], key: &str) -> bool {
    attributes.iter().any(|kv| kv.key.as_str() == key)
}

/// Copies the same baggage entries as [`BaggageSpanProcessor`] (`session.id` plus
/// `OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS`) from the **current** context onto every log record emitted
/// inside it. ADOT never does this.
///
/// The SDK calls log processors in registration order on the same record, so `init()` registers
/// this one first and the exporting processors after it see the attributes. An attribute the
/// record already has is left alone. It never enables a log event on its own
/// (`event_enabled` is `false`), so it cannot turn on logging that no exporter wants.
///
/// ```
/// use agentcore_observability_session::{BaggageLogProcessor, Session};
/// use opentelemetry::logs::{Logger as _, LoggerProvider as _};
/// use opentelemetry_sdk::logs::{InMemoryLogExporter, SdkLoggerProvider};
///
/// let exporter = InMemoryLogExporter::default();
/// let provider = SdkLoggerProvider::builder()
///     .with_log_processor(BaggageLogProcessor::new(Vec::<String>::new()))
///     .with_simple_exporter(exporter.clone())
///     .build();
/// let logger = provider.logger("doc");
/// Session::new("s-1").in_scope(|| logger.emit(logger.create_log_record()));
/// let logs = exporter.get_emitted_logs().unwrap();
/// let id = logs[0].record.attributes_iter().find(|(k, _)| k.as_str() == "session.id");
/// assert!(id.is_some());
/// ```
#[derive(Debug, Clone)]
pub struct BaggageLogProcessor {
    keys: BaggageKeyFilter,
}

impl BaggageLogProcessor {
    /// Copies `session.id` and the listed keys (exact names or `*` globs).
    pub fn new<I>(keys: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Self::with_filter(BaggageKeyFilter::new(keys))
    }

    /// The processor `init()` installs: `session.id` plus `Config::baggage_span_attribute_keys`.
    pub fn from_config(config: &Config) -> Self {
        Self::new(&config.baggage_span_attribute_keys)
    }

    /// Copies exactly what `filter` selects.
    pub fn with_filter(filter: BaggageKeyFilter) -> Self {
        BaggageLogProcessor { keys: filter }
    }

    /// The keys this processor copies.
    pub fn filter(&self) -> &BaggageKeyFilter {
        &self.keys
    }
}

impl LogProcessor for BaggageLogProcessor {
    fn emit(&self, record: &mut SdkLogRecord, _scope: &InstrumentationScope) {
        Context::map_current(|cx| {
            self.keys.for_each_match(cx.baggage(), |key, value| {
                if !record.attributes_iter().any(|(k, _)| *k == key) {
                    record.add_attribute(key, AnyValue::String(value.clone()));
                }
            });
        });
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }

    fn event_enabled(&self, _level: Severity, _target: &str, _name: Option<&str>) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Session;
    use opentelemetry::logs::{Logger as _, LoggerProvider as _};
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState, Tracer as _,
        TracerProvider as _,
    };
    use opentelemetry_sdk::logs::{InMemoryLogExporter, SdkLoggerProvider};
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};

    fn spans_with(
        processor: BaggageSpanProcessor,
        run: impl FnOnce(&dyn Fn(&str)),
    ) -> Vec<SpanData> {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor)
            .with_simple_exporter(exporter.clone())
            .build();
        let tracer = provider.tracer("test");
        run(&|name: &str| tracer.in_span(name.to_string(), |_| {}));
        exporter.get_finished_spans().unwrap_or_default()
    }

    fn attr(span: &SpanData, key: &str) -> Option<String> {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.to_string())
    }

    fn count(span: &SpanData, key: &str) -> usize {
        span.attributes
            .iter()
            .filter(|kv| kv.key.as_str() == key)
            .count()
    }

    #[test]
    fn copies_session_id_and_listed_keys_only() {
        let spans = spans_with(BaggageSpanProcessor::new(["tenant.id", "app.*"]), |span| {
            Session::new("s-1")
                .user_type("premium")
                .attribute("tenant.id", "acme")
                .attribute("app.region", "eu")
                .attribute("apps.no", "x")
                .in_scope(|| span("inside"));
            span("outside");
        });
        let inside = spans.iter().find(|s| s.name == "inside").expect("inside");
        assert_eq!(attr(inside, "session.id").as_deref(), Some("s-1"));
        assert_eq!(attr(inside, "tenant.id").as_deref(), Some("acme"));
        assert_eq!(attr(inside, "app.region").as_deref(), Some("eu"));
        assert_eq!(attr(inside, "user.type"), None, "not listed");
        assert_eq!(attr(inside, "apps.no"), None, "not matching app.*");
        assert_eq!(attr(inside, CONVERSATION_ID), None, "not a GenAI span");
        let outside = spans.iter().find(|s| s.name == "outside").expect("outside");
        assert!(outside.attributes.is_empty(), "{:?}", outside.attributes);
    }

    #[test]
    fn star_copies_everything_and_exactly_nothing_extra() {
        let spans = spans_with(BaggageSpanProcessor::new(["*"]), |span| {
            Session::new("s").user_type("u").in_scope(|| span("all"));
        });
        assert_eq!(spans[0].attributes.len(), 2);
        let spans = spans_with(
            BaggageSpanProcessor::with_filter(BaggageKeyFilter::exactly(Vec::<String>::new())),
            |span| Session::new("s").in_scope(|| span("none")),
        );
        assert!(spans[0].attributes.is_empty());
    }

    #[test]
    fn reads_the_parent_context_not_the_current_one() {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(BaggageSpanProcessor::new(Vec::<String>::new()))
            .with_simple_exporter(exporter.clone())
            .build();
        let tracer = provider.tracer("test");
        let parent = Session::new("explicit").context();
        Session::new("current").in_scope(|| {
            let _span = tracer.start_with_context("child", &parent);
        });
        let spans = exporter.get_finished_spans().unwrap_or_default();
        assert_eq!(attr(&spans[0], "session.id").as_deref(), Some("explicit"));
    }

    #[test]
    fn conversation_id_on_genai_spans_started_with_the_operation() {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(BaggageSpanProcessor::new(Vec::<String>::new()))
            .with_simple_exporter(exporter.clone())
            .build();
        let tracer = provider.tracer("test");
        Session::new("conv-1").in_scope(|| {
            let _chat = tracer
                .span_builder("chat model")
                .with_attributes([KeyValue::new(GEN_AI_OPERATION_NAME, "chat")])
                .start(&tracer);
            let _own = tracer
                .span_builder("chat own")
                .with_attributes([
                    KeyValue::new(GEN_AI_OPERATION_NAME, "chat"),
                    KeyValue::new(CONVERSATION_ID, "mine"),
                    KeyValue::new(SESSION_ID, "builder-set"),
                ])
                .start(&tracer);
        });
        // Outside a session: no conversation id.
        let _plain = tracer
            .span_builder("chat plain")
            .with_attributes([KeyValue::new(GEN_AI_OPERATION_NAME, "chat")])
            .start(&tracer);
        drop(_plain);
        let spans = exporter.get_finished_spans().unwrap_or_default();
        let by = |n: &str| spans.iter().find(|s| s.name == n).expect(n).clone();
        assert_eq!(
            attr(&by("chat model"), CONVERSATION_ID).as_deref(),
            Some("conv-1")
        );
        let own = by("chat own");
        assert_eq!(attr(&own, CONVERSATION_ID).as_deref(), Some("mine"));
        assert_eq!(count(&own, CONVERSATION_ID), 1);
        assert_eq!(
            count(&own, SESSION_ID),
            1,
            "builder value kept, not duplicated"
        );
        assert_eq!(attr(&own, SESSION_ID).as_deref(), Some("builder-set"));
        assert_eq!(attr(&by("chat plain"), CONVERSATION_ID), None);
    }

    #[test]
    fn builder_attributes_are_not_duplicated_outside_sessions_either() {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(BaggageSpanProcessor::new(["tenant.id", "region"]))
            .with_simple_exporter(exporter.clone())
            .build();
        let tracer = provider.tracer("test");
        let cx = Context::new().with_baggage([
            KeyValue::new("tenant.id", "from-baggage"),
            KeyValue::new("region", "eu"),
        ]);
        drop(
            tracer
                .span_builder("no session")
                .with_attributes([KeyValue::new("tenant.id", "from-builder")])
                .start_with_context(&tracer, &cx),
        );
        let spans = exporter.get_finished_spans().unwrap_or_default();
        assert_eq!(count(&spans[0], "tenant.id"), 1);
        assert_eq!(
            attr(&spans[0], "tenant.id").as_deref(),
            Some("from-builder")
        );
        assert_eq!(attr(&spans[0], "region").as_deref(), Some("eu"));
        assert_eq!(attr(&spans[0], SESSION_ID), None);
    }

    #[test]
    fn conversation_id_can_be_turned_off() {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(
                BaggageSpanProcessor::new(Vec::<String>::new()).conversation_id(false),
            )
            .with_simple_exporter(exporter.clone())
            .build();
        let tracer = provider.tracer("test");
        Session::new("conv-1").in_scope(|| {
            drop(
                tracer
                    .span_builder("chat model")
                    .with_attributes([KeyValue::new(GEN_AI_OPERATION_NAME, "chat")])
                    .start(&tracer),
            );
        });
        let spans = exporter.get_finished_spans().unwrap_or_default();
        assert_eq!(attr(&spans[0], CONVERSATION_ID), None);
        assert_eq!(attr(&spans[0], SESSION_ID).as_deref(), Some("conv-1"));
    }

    #[test]
    fn remote_parent_baggage_is_copied() {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(BaggageSpanProcessor::new(Vec::<String>::new()))
            .with_simple_exporter(exporter.clone())
            .build();
        let tracer = provider.tracer("test");
        let remote = SpanContext::new(
            TraceId::from_bytes([1; 16]),
            SpanId::from_bytes([2; 8]),
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        );
        let parent = Context::new()
            .with_remote_span_context(remote)
            .with_baggage([KeyValue::new(SESSION_ID, "remote")]);
        drop(tracer.start_with_context("server", &parent));
        let spans = exporter.get_finished_spans().unwrap_or_default();
        assert_eq!(attr(&spans[0], SESSION_ID).as_deref(), Some("remote"));
        assert_eq!(
            spans[0].span_context.trace_id(),
            TraceId::from_bytes([1; 16])
        );
    }

    #[test]
    fn log_records_get_the_session_before_the_exporter_sees_them() {
        let exporter = InMemoryLogExporter::default();
        let provider = SdkLoggerProvider::builder()
            .with_log_processor(BaggageLogProcessor::new(["tenant.id"]))
            .with_simple_exporter(exporter.clone())
            .build();
        let logger = provider.logger("test");
        Session::new("s-log")
            .attribute("tenant.id", "acme")
            .user_type("u")
            .in_scope(|| {
                let mut record = logger.create_log_record();
                record.add_attribute("tenant.id", "already");
                logger.emit(record);
            });
        logger.emit(logger.create_log_record());
        let logs = exporter.get_emitted_logs().unwrap_or_default();
        assert_eq!(logs.len(), 2);
        let get = |i: usize, key: &str| {
            logs[i]
                .record
                .attributes_iter()
                .filter(|(k, _)| k.as_str() == key)
                .map(|(_, v)| match v {
                    AnyValue::String(s) => s.as_str().to_string(),
                    other => format!("{other:?}"),
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(get(0, SESSION_ID), ["s-log"]);
        assert_eq!(get(0, "tenant.id"), ["already"]);
        assert!(get(0, "user.type").is_empty());
        assert!(get(1, SESSION_ID).is_empty(), "no leak outside the scope");
        assert!(!BaggageLogProcessor::new(["x"]).event_enabled(Severity::Info, "t", None));
    }

    #[test]
    fn from_config_uses_the_configured_keys() {
        let config = Config::builder()
            .vars([("OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS", "tenant.id,app.*")])
            .no_dotenv()
            .finish()
            .expect("config");
        let processor = BaggageSpanProcessor::from_config(&config);
        assert!(processor.filter().matches("session.id"));
        assert!(processor.filter().matches("tenant.id"));
        assert!(processor.filter().matches("app.x"));
        assert!(BaggageLogProcessor::from_config(&config)
            .filter()
            .matches("app.y"));
    }
}
