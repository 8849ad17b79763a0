//! What happens to GenAI *content*: prompts, completions, system instructions, tool arguments and
//! tool results.
//!
//! One [`ContentPolicy`] decides, for the whole process:
//!
//! - **whether** content is captured at all (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`;
//!   on by default in agent mode, off otherwise, and off until `init()` installs a policy);
//! - **where** it goes ([`ContentDestination`]): span attributes (`gen_ai.input.messages`,
//!   `gen_ai.output.messages`, `gen_ai.system_instructions`, `gen_ai.tool.call.arguments`,
//!   `gen_ai.tool.call.result`), log events correlated with the span (`gen_ai.system.message`,
//!   `gen_ai.user.message`, `gen_ai.assistant.message`, `gen_ai.tool.message`, `gen_ai.choice`), or
//!   both;
//! - **how much** of one value is kept (`AGENT_OBSERVABILITY_CONTENT_MAX_BYTES`, 16 KiB by
//!   default): longer values are cut at a UTF-8 boundary and end with `…[truncated N bytes]`;
//! - which attributes are **redacted** (`AWS_REDACT_SPAN_ATTRIBUTES`, [`RedactionRules`]): the
//!   span processor replaces matching span, event and link attribute values by `"REDACTED"` when
//!   the span ends, and a content log event whose attribute name matches carries `"REDACTED"`.
//!
//! `init()` builds the policy from the configuration and [`install`]s it, with a [`ContentSink`]
//! over the logger provider for the log events (OpenTelemetry 0.33 has no global logger
//! provider). The span helpers and the Bedrock instrumentation read it with [`current`].
//!
//! ```
//! use agentcore_observability_spans::content::{self, ContentDestination, ContentPolicy};
//!
//! // Before init(): nothing is captured.
//! assert!(!content::current().captures());
//!
//! content::install(ContentPolicy::capture(ContentDestination::SpanAttributes).with_max_bytes(Some(8)), None);
//! let policy = content::current();
//! assert_eq!(policy.truncate("0123456789"), "01234567…[truncated 2 bytes]");
//! content::uninstall();
//! ```

mod events;
mod redact;

use std::borrow::Cow;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwapOption;
use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _};
use opentelemetry::trace::SpanContext;
use opentelemetry::Key;
use opentelemetry_sdk::logs::{SdkLogger, SdkLoggerProvider};

pub use agentcore_observability_config::{ContentDestination, DEFAULT_CONTENT_MAX_BYTES};
pub use events::{json_to_any_value, MessageContent};
pub use redact::{RedactionRules, REDACTED};

pub(crate) use events::{
    input_events, output_events, system_instruction_events, tool_call_event, tool_result_event,
};

/// The settings behind a [`ContentPolicy`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Settings {
    pub(crate) capture: bool,
    pub(crate) destination: ContentDestination,
    pub(crate) max_bytes: Option<usize>,
    pub(crate) redaction: RedactionRules,
}

impl Settings {
    pub(crate) fn to_spans(&self) -> bool {
        self.capture && self.destination.to_spans()
    }

    pub(crate) fn to_logs(&self) -> bool {
        self.capture && self.destination.to_logs()
    }

    /// `value` cut to the cap, with the truncation marker.
    pub(crate) fn cap_string(&self, value: String) -> String {
        match self.max_bytes {
            Some(max) => truncate_string(value, max),
            None => value,
        }
    }

    /// A log-event body: the JSON structure when its serialization fits the cap, else the
    /// serialization cut to the cap (a string).
    pub(crate) fn body(&self, value: &serde_json::Value) -> AnyValue {
        if let Some(max) = self
            .max_bytes
            .filter(|&max| max_serialized_len(value, 0) > max)
        {
            let text = value.to_string();
            if text.len() > max {
                return AnyValue::from(truncate_string(text, max));
            }
        }
        json_to_any_value(value)
    }
}

/// Whether, where and how much GenAI content is recorded, and which attributes are redacted.
/// Cheap to clone (one shared allocation). See the [module documentation](self).
///
/// ```
/// use agentcore_observability_spans::content::{ContentDestination, ContentPolicy, RedactionRules};
///
/// let policy = ContentPolicy::capture(ContentDestination::Both)
///     .with_max_bytes(Some(4096))
///     .with_redaction(RedactionRules::new(["user.email"]));
/// assert!(policy.to_span_attributes() && policy.to_log_events());
/// assert!(!ContentPolicy::disabled().captures());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ContentPolicy {
    settings: Arc<Settings>,
}

impl Default for ContentPolicy {
    /// The same as [`ContentPolicy::disabled`].
    fn default() -> Self {
        Self::disabled()
    }
}

impl ContentPolicy {
    /// Nothing is captured (the policy before `init()`, and outside agent mode by default).
    pub fn disabled() -> Self {
        static DISABLED: OnceLock<Arc<Settings>> = OnceLock::new();
        let settings = DISABLED.get_or_init(|| {
            Arc::new(Settings {
                capture: false,
                destination: ContentDestination::SpanAttributes,
                max_bytes: Some(DEFAULT_CONTENT_MAX_BYTES),
                redaction: RedactionRules::default(),
            })
        });
        Self {
            settings: Arc::clone(settings),
        }
    }

    /// Content is captured to `destination`, with the default 16 KiB cap and no redaction.
    pub fn capture(destination: ContentDestination) -> Self {
        Self {
            settings: Arc::new(Settings {
                capture: true,
                destination,
                max_bytes: Some(DEFAULT_CONTENT_MAX_BYTES),
                redaction: RedactionRules::default(),
            }),
        }
    }

    /// The policy the configuration asks for: `capture_message_content`, `content_destination`,
    /// `content_max_bytes` and `redact_span_attributes`.
    pub fn from_config(config: &agentcore_observability_config::Config) -> Self {
        Self {
            settings: Arc::new(Settings {
                capture: config.capture_message_content,
                destination: config.content_destination,
                max_bytes: config.content_max_bytes,
                redaction: RedactionRules::from_config(config),
            }),
        }
    }

    fn edit(mut self, f: impl FnOnce(&mut Settings)) -> Self {
        f(Arc::make_mut(&mut self.settings));
        self
    }

    /// The same policy with capture switched on or off.
    pub fn with_capture(self, capture: bool) -> Self {
        self.edit(|s| s.capture = capture)
    }

    /// The same policy with another destination.
    pub fn with_destination(self, destination: ContentDestination) -> Self {
        self.edit(|s| s.destination = destination)
    }

    /// The same policy with another per-value cap in bytes (`None`: no cap).
    pub fn with_max_bytes(self, max_bytes: Option<usize>) -> Self {
        self.edit(|s| s.max_bytes = max_bytes)
    }

    /// The same policy with these redaction rules.
    pub fn with_redaction(self, redaction: RedactionRules) -> Self {
        self.edit(|s| s.redaction = redaction)
    }

    /// Whether content is captured at all.
    pub fn captures(&self) -> bool {
        self.settings.capture
    }

    /// Where captured content goes (meaningful only when [`captures`](Self::captures)).
    pub fn destination(&self) -> ContentDestination {
        self.settings.destination
    }

    /// Whether content is captured and recorded as span attributes.
    pub fn to_span_attributes(&self) -> bool {
        self.settings.to_spans()
    }

    /// Whether content is captured and emitted as log events.
    pub fn to_log_events(&self) -> bool {
        self.settings.to_logs()
    }

    /// The per-value cap in bytes (`None`: no cap).
    pub fn max_bytes(&self) -> Option<usize> {
        self.settings.max_bytes
    }

    /// The redaction rules.
    pub fn redaction(&self) -> &RedactionRules {
        &self.settings.redaction
    }

    /// The body of a content log event holding `value`: the JSON structure itself (as an
    /// [`AnyValue`] map / list / scalar) when its serialization fits the per-value cap, else that
    /// serialization cut to the cap with the truncation marker, as a string.
    ///
    /// The size check is cheap: `value` is only serialized when an upper bound of its length is
    /// over the cap.
    ///
    /// ```
    /// use agentcore_observability_spans::content::{ContentDestination, ContentPolicy};
    /// use opentelemetry::logs::AnyValue;
    ///
    /// let policy = ContentPolicy::capture(ContentDestination::LogEvents).with_max_bytes(Some(8));
    /// let body = policy.log_body(&serde_json::json!({"content": "a long answer"}));
    /// assert_eq!(body, AnyValue::from("{\"conten…[truncated 19 bytes]".to_owned()));
    /// assert!(matches!(policy.log_body(&serde_json::json!(1)), AnyValue::Int(1)));
    /// ```
    pub fn log_body(&self, value: &serde_json::Value) -> AnyValue {
        self.settings.body(value)
    }

    /// `value` cut to the cap at a UTF-8 boundary, followed by `…[truncated N bytes]` (`N`: the
    /// bytes cut off); borrowed as is when it fits.
    pub fn truncate<'a>(&self, value: &'a str) -> Cow<'a, str> {
        match self.settings.max_bytes {
            Some(max) if value.len() > max => {
                let kept = floor_char_boundary(value, max);
                let cut = value.len() - kept;
                Cow::Owned(format!("{}…[truncated {cut} bytes]", &value[..kept]))
            }
            _ => Cow::Borrowed(value),
        }
    }
}

/// An upper bound of the length of `value` serialized as JSON, without serializing it (every
/// string byte counted as a 6-byte `\u` escape). Saturates; nesting past 32 levels counts as
/// unbounded.
fn max_serialized_len(value: &serde_json::Value, depth: usize) -> usize {
    use serde_json::Value;
    if depth > 32 {
        return usize::MAX;
    }
    let string = |s: &str| s.len().saturating_mul(6).saturating_add(2);
    match value {
        Value::Null | Value::Bool(_) => 5,
        Value::Number(_) => 32,
        Value::String(s) => string(s),
        Value::Array(items) => items.iter().fold(2usize, |acc, v| {
            acc.saturating_add(max_serialized_len(v, depth + 1))
                .saturating_add(1)
        }),
        Value::Object(map) => map.iter().fold(2usize, |acc, (k, v)| {
            acc.saturating_add(string(k))
                .saturating_add(max_serialized_len(v, depth + 1))
                .saturating_add(2)
        }),
    }
}

/// `value` cut to at most `max` bytes at a UTF-8 boundary, followed by `…[truncated N bytes]`;
/// unchanged (and not reallocated) when it fits.
pub fn truncate_string(mut value: String, max: usize) -> String {
    if value.len() <= max {
        return value;
    }
    let kept = floor_char_boundary(&value, max);
    let cut = value.len() - kept;
    value.truncate(kept);
    value.push_str(&format!("…[truncated {cut} bytes]"));
    value
}

/// The largest char boundary of `s` that is `<= index` (0 is always one).
fn floor_char_boundary(s: &str, index: usize) -> usize {
    let mut i = index.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

static POLICY: ArcSwapOption<Settings> = ArcSwapOption::const_empty();
static SINK: ArcSwapOption<ContentSink> = ArcSwapOption::const_empty();
/// The installed policy's switches, readable with one atomic load on the hot path.
static FLAGS: AtomicU8 = AtomicU8::new(0);
const CAPTURE: u8 = 1;
const TO_LOGS: u8 = 2;

/// Makes `policy` the process-wide policy, and `sink` the destination of content log events
/// (without a sink, log events are not emitted). `init()` calls this.
pub fn install(policy: ContentPolicy, sink: Option<ContentSink>) {
    let flags = if policy.captures() { CAPTURE } else { 0 }
        | if policy.to_log_events() { TO_LOGS } else { 0 };
    SINK.store(sink.map(Arc::new));
    POLICY.store(Some(policy.settings));
    FLAGS.store(flags, Ordering::Release);
}

/// Back to the state before `init()`: nothing captured, no sink. The guard calls this on shutdown.
pub fn uninstall() {
    FLAGS.store(0, Ordering::Release);
    POLICY.store(None);
    SINK.store(None);
}

/// The active policy ([`ContentPolicy::disabled`] until one is installed).
pub fn current() -> ContentPolicy {
    match POLICY.load_full() {
        Some(settings) => ContentPolicy { settings },
        None => ContentPolicy::disabled(),
    }
}

/// The installed settings when content is captured, without touching reference counts.
pub(crate) fn active() -> Option<arc_swap::Guard<Option<Arc<Settings>>>> {
    if !capturing() {
        return None;
    }
    let guard = POLICY.load();
    if guard.as_ref().is_some_and(|s| s.capture) {
        Some(guard)
    } else {
        None
    }
}

/// Whether content is captured right now (one atomic load).
#[inline]
pub(crate) fn capturing() -> bool {
    FLAGS.load(Ordering::Acquire) & CAPTURE != 0
}

/// Whether content goes to log events right now (one atomic load).
#[inline]
pub(crate) fn logging() -> bool {
    FLAGS.load(Ordering::Acquire) & TO_LOGS != 0
}

/// Where content log events go: a logger of the SDK logger provider `init()` built, under the
/// instrumentation scope `agentcore_observability`.
#[derive(Debug, Clone)]
pub struct ContentSink {
    logger: SdkLogger,
}

impl ContentSink {
    /// A sink emitting through `provider` (its processors add `session.id` and export).
    pub fn new(provider: &SdkLoggerProvider) -> Self {
        Self {
            logger: provider.logger_with_scope(crate::tracer::scope().clone()),
        }
    }

    /// Emits one event record named `event_name` with `body` and `attributes`, correlated with
    /// `span` (its trace and span ids) when that is valid.
    pub fn emit(
        &self,
        span: &SpanContext,
        event_name: &'static str,
        body: AnyValue,
        attributes: impl IntoIterator<Item = (Key, AnyValue)>,
    ) {
        let mut record = self.logger.create_log_record();
        record.set_event_name(event_name);
        record.set_timestamp(opentelemetry::time::now());
        record.set_body(body);
        for (key, value) in attributes {
            record.add_attribute(key, value);
        }
        if span.is_valid() {
            record.set_trace_context(span.trace_id(), span.span_id(), Some(span.trace_flags()));
        }
        self.logger.emit(record);
    }
}

/// Emits a content log event through the installed [`ContentSink`] (nothing without one). For
/// instrumentations that build their own event bodies; check
/// [`current().to_log_events()`](ContentPolicy::to_log_events) first.
pub fn emit_event(
    span: &SpanContext,
    event_name: &'static str,
    body: AnyValue,
    attributes: impl IntoIterator<Item = (Key, AnyValue)>,
) {
    if let Some(sink) = SINK.load().as_deref() {
        sink.emit(span, event_name, body, attributes);
    }
}

/// Whether a sink is installed.
pub(crate) fn has_sink() -> bool {
    SINK.load().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_is_utf8_safe_and_marked() {
        assert_eq!(truncate_string("short".into(), 16), "short");
        assert_eq!(
            truncate_string("abcdef".into(), 3),
            "abc…[truncated 3 bytes]"
        );
        // "é" is two bytes: a cut inside it moves back to the boundary.
        assert_eq!(truncate_string("aéb".into(), 2), "a…[truncated 3 bytes]");
        assert_eq!(truncate_string("ééé".into(), 0), "…[truncated 6 bytes]");
        let emoji = "🦀".repeat(10);
        for max in 0..=emoji.len() + 1 {
            let out = truncate_string(emoji.clone(), max);
            assert!(out.starts_with(&emoji[..floor_char_boundary(&emoji, max)]));
        }
    }

    #[test]
    fn serialized_length_bound_holds() {
        for value in [
            serde_json::json!(null),
            serde_json::json!(-1.5e300),
            serde_json::json!(u64::MAX),
            serde_json::json!("\u{1}\"\\é🦀"),
            serde_json::json!({"k\n": [1, true, {"x": "y"}], "": []}),
        ] {
            assert!(
                max_serialized_len(&value, 0) >= value.to_string().len(),
                "{value}"
            );
        }
    }

    #[test]
    fn policy_truncate_borrows_when_it_fits() {
        let policy =
            ContentPolicy::capture(ContentDestination::SpanAttributes).with_max_bytes(Some(4));
        assert!(matches!(policy.truncate("abcd"), Cow::Borrowed("abcd")));
        assert_eq!(policy.truncate("abcde"), "abcd…[truncated 1 bytes]");
        let unlimited = policy.with_max_bytes(None);
        assert_eq!(unlimited.truncate(&"x".repeat(100_000)).len(), 100_000);
    }

    #[test]
    fn builders_do_not_touch_the_shared_disabled_policy() {
        let on = ContentPolicy::disabled().with_capture(true);
        assert!(on.captures());
        assert!(!ContentPolicy::disabled().captures());
        assert_eq!(ContentPolicy::default(), ContentPolicy::disabled());
    }

    #[test]
    fn destinations() {
        let both = ContentPolicy::capture(ContentDestination::Both);
        assert!(both.to_span_attributes() && both.to_log_events());
        let logs = both.clone().with_destination(ContentDestination::LogEvents);
        assert!(!logs.to_span_attributes() && logs.to_log_events());
        let off = logs.with_capture(false);
        assert!(!off.to_span_attributes() && !off.to_log_events());
    }
}
