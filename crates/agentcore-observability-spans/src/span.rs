//! [`GenAiSpan`]: a started span with GenAI-aware recording methods.

use std::borrow::Cow;

use std::sync::{Mutex, PoisonError};

use opentelemetry::global::BoxedSpan;
use opentelemetry::logs::AnyValue;
use opentelemetry::trace::{Span as _, SpanContext, SpanRef, Status, TraceContextExt as _};
use opentelemetry::{Array, Context, Key, KeyValue, StringValue, Value};

use crate::attr;
use crate::content::{self, MessageContent, REDACTED};
use crate::response::{ChatResponse, Usage};

/// Which content attribute (and which log events) a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContentKind {
    Input,
    SystemInstructions,
    Output,
    ToolArguments,
    ToolResult,
}

impl ContentKind {
    fn attribute(self) -> &'static str {
        match self {
            ContentKind::Input => attr::GEN_AI_INPUT_MESSAGES,
            ContentKind::SystemInstructions => attr::GEN_AI_SYSTEM_INSTRUCTIONS,
            ContentKind::Output => attr::GEN_AI_OUTPUT_MESSAGES,
            ContentKind::ToolArguments => attr::GEN_AI_TOOL_CALL_ARGUMENTS,
            ContentKind::ToolResult => attr::GEN_AI_TOOL_CALL_RESULT,
        }
    }
}

/// What content log events need to know about their span; kept only when log events are on.
#[derive(Debug, Default)]
pub(crate) struct EventMeta {
    pub(crate) tool_name: Option<String>,
    pub(crate) call_id: Option<String>,
    pub(crate) provider: Option<String>,
}

/// A started GenAI span. It is **ended when dropped** (or by [`end`](Self::end)), so its lifetime
/// is the operation's: keep it in a variable for as long as the work runs.
///
/// It is `Send + Sync`: it can be moved into a task, or shared by reference between threads.
/// Children started with [`start`](crate::ToolSpanBuilder::start) inside
/// `span.context().attach()` (sync code) or a future run `.with_context(span.context())` (async
/// code, `opentelemetry::context::FutureExt`) are its children.
///
/// The span stays in the `GenAiSpan` until [`context`](Self::context) is first called, which moves
/// it into an OpenTelemetry [`Context`] (an allocation the SDK needs for that); leaf spans that
/// never become a parent cost no allocation beyond the SDK's own.
///
/// ```
/// use agentcore_observability_spans as spans;
///
/// let span = spans::tool("web_search").call_id("call-1").start();
/// span.set_attribute(opentelemetry::KeyValue::new("search.results_count", 3));
/// match "12 results".parse::<u32>() {
///     Ok(_) => span.set_ok(),
///     Err(error) => span.record_error(&error), // error.type = ParseIntError, `exception` event
/// }
/// span.end();
/// ```
#[derive(Debug)]
pub struct GenAiSpan {
    state: Mutex<State>,
    meta: Option<Box<EventMeta>>,
}

/// Where the span is: held here with the context it was started in, or moved into a context.
// The SDK span is held inline on purpose: boxing it is the allocation this type exists to avoid.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum State {
    Held {
        parent: Context,
        span: AnySpan,
    },
    Shared(Context),
    /// Only while moving the span into a context.
    Moving,
}

impl GenAiSpan {
    #[inline]
    pub(crate) fn new(parent: Context, span: AnySpan, meta: Option<Box<EventMeta>>) -> Self {
        Self {
            state: Mutex::new(State::Held { parent, span }),
            meta,
        }
    }

    /// Runs `f` on the span, wherever it is; `None` only in the instant it moves into a context.
    fn with<R>(&self, f: impl FnOnce(Target<'_>) -> R) -> Option<R> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match &mut *state {
            State::Held { span, .. } => Some(f(Target::Held(span))),
            State::Shared(cx) => Some(f(Target::Shared(cx.span()))),
            State::Moving => None,
        }
    }

    /// A [`Context`] with this span active: the parent for spans started in it. Attach it in sync
    /// code (`let _g = span.context().attach();`) or run a future in it
    /// (`fut.with_context(span.context())`).
    pub fn context(&self) -> Context {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let State::Shared(cx) = &*state {
            return cx.clone();
        }
        let cx = match std::mem::replace(&mut *state, State::Moving) {
            State::Held { parent, span } => match span {
                AnySpan::Sdk(span) => parent.with_span(span),
                AnySpan::Boxed(span) => parent.with_span(span),
            },
            State::Shared(cx) => cx,
            State::Moving => Context::new(),
        };
        *state = State::Shared(cx.clone());
        cx
    }

    /// The span's trace id, span id and flags.
    pub fn span_context(&self) -> SpanContext {
        self.with(|span| span.span_context())
            .unwrap_or_else(SpanContext::empty_context)
    }

    /// Whether the span records anything (false when sampled out, or before telemetry is set up).
    pub fn is_recording(&self) -> bool {
        self.with(|span| span.is_recording()).unwrap_or(false)
    }

    /// Sets one attribute (replacing an earlier value of the same key).
    pub fn set_attribute(&self, kv: KeyValue) {
        self.with(|mut span| span.set_attribute(kv));
    }

    /// Sets several attributes.
    pub fn set_attributes(&self, attributes: impl IntoIterator<Item = KeyValue>) {
        let attributes: Vec<KeyValue> = attributes.into_iter().collect();
        self.with(|mut span| {
            for kv in attributes {
                span.set_attribute(kv);
            }
        });
    }

    /// Adds a span event.
    pub fn add_event(&self, name: impl Into<Cow<'static, str>>, attributes: Vec<KeyValue>) {
        let name = name.into();
        self.with(|span| span.add_event(name, attributes));
    }

    /// Sets the status to OK. Per the OpenTelemetry specification OK is final: a later error
    /// status is ignored.
    pub fn set_ok(&self) {
        self.set_status(Status::Ok);
    }

    /// Sets the status (see [`set_ok`](Self::set_ok) and [`record_error`](Self::record_error)).
    pub fn set_status(&self, status: Status) {
        self.with(|span| span.set_status(status));
    }

    /// Records a failure: status ERROR with the error's message, `error.type` = the short type
    /// name of `E` (`std::num::ParseIntError` → `ParseIntError`; generics are dropped; `_OTHER` for
    /// a trait object such as `dyn Error`, whose concrete type is unknown) and an `exception`
    /// event with `exception.type` and `exception.message`.
    pub fn record_error<E: std::error::Error + ?Sized>(&self, error: &E) {
        if !self.is_recording() {
            return;
        }
        let error_type = short_type_name(std::any::type_name::<E>());
        self.record_error_message(error_type, &error.to_string());
    }

    /// As [`record_error`](Self::record_error) with an explicit type and message.
    pub fn record_error_message(&self, error_type: &str, message: &str) {
        if !self.is_recording() {
            return;
        }
        self.set_attribute(KeyValue::new(attr::ERROR_TYPE, error_type.to_string()));
        self.add_event(
            attr::event::EXCEPTION,
            vec![
                KeyValue::new(attr::EXCEPTION_TYPE, error_type.to_string()),
                KeyValue::new(attr::EXCEPTION_MESSAGE, message.to_string()),
            ],
        );
        self.set_status(Status::error(message.to_string()));
    }

    /// A tool's result, `gen_ai.tool.call.result` (content: recorded only as the content policy
    /// says; the conversion to `String` is skipped when capture is off).
    pub fn record_result_value(&self, value: impl Into<String>) {
        if content::capturing() {
            let value = value.into();
            self.record_content(ContentKind::ToolResult, MessageContent::from(value), &[]);
        }
    }

    /// A tool's arguments, `gen_ai.tool.call.arguments` (content), when they were not given to the
    /// builder.
    pub fn record_tool_arguments(&self, value: impl Into<String>) {
        if content::capturing() {
            let value = value.into();
            self.record_content(ContentKind::ToolArguments, MessageContent::from(value), &[]);
        }
    }

    /// A model call's input messages, `gen_ai.input.messages` (content), when they were not given
    /// to the builder.
    pub fn record_input_messages<'a>(&self, messages: impl Into<MessageContent<'a>>) {
        if content::capturing() {
            self.record_content(ContentKind::Input, messages.into(), &[]);
        }
    }

    /// A model call's system instructions, `gen_ai.system_instructions` (content).
    pub fn record_system_instructions<'a>(&self, instructions: impl Into<MessageContent<'a>>) {
        if content::capturing() {
            self.record_content(ContentKind::SystemInstructions, instructions.into(), &[]);
        }
    }

    /// Token usage: `gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`,
    /// `gen_ai.usage.cache_read.input_tokens`, `gen_ai.usage.cache_creation.input_tokens`; only
    /// the counts that are set.
    pub fn record_usage(&self, usage: Usage) {
        for (key, count) in [
            (attr::GEN_AI_USAGE_INPUT_TOKENS, usage.input_tokens),
            (attr::GEN_AI_USAGE_OUTPUT_TOKENS, usage.output_tokens),
            (
                attr::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
                usage.cache_read_input_tokens,
            ),
            (
                attr::GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
                usage.cache_creation_input_tokens,
            ),
        ] {
            if let Some(count) = count {
                self.set_attribute(KeyValue::new(key, i64::try_from(count).unwrap_or(i64::MAX)));
            }
        }
    }

    /// A model response: `gen_ai.response.id`, `gen_ai.response.model`,
    /// `gen_ai.response.finish_reasons` (string array) and the output messages (content).
    pub fn record_response(&self, response: ChatResponse) {
        if !self.is_recording() {
            return;
        }
        let ChatResponse {
            id,
            model,
            finish_reasons,
            output,
        } = response;
        if let Some(id) = id {
            self.set_attribute(KeyValue::new(attr::GEN_AI_RESPONSE_ID, id));
        }
        if let Some(model) = model {
            self.set_attribute(KeyValue::new(attr::GEN_AI_RESPONSE_MODEL, model));
        }
        if !finish_reasons.is_empty() {
            let reasons: Vec<StringValue> = finish_reasons
                .iter()
                .cloned()
                .map(StringValue::from)
                .collect();
            self.set_attribute(KeyValue::new(
                attr::GEN_AI_RESPONSE_FINISH_REASONS,
                Value::Array(Array::String(reasons)),
            ));
        }
        if let Some(output) = output {
            self.record_content(ContentKind::Output, output, &finish_reasons);
        }
    }

    /// Ends the span now (dropping it does the same).
    pub fn end(self) {}

    /// Records one content value as the installed policy says: a span attribute (cut to the cap),
    /// log events through the installed sink, or both. Nothing at all when capture is off or the
    /// span does not record.
    pub(crate) fn record_content(
        &self,
        kind: ContentKind,
        value: MessageContent<'_>,
        finish_reasons: &[String],
    ) {
        let Some(guard) = content::active() else {
            return;
        };
        let Some(settings) = guard.as_deref() else {
            return;
        };
        if !self.is_recording() {
            return;
        }
        if settings.to_spans() {
            self.set_attribute(KeyValue::new(
                kind.attribute(),
                settings.cap_string(value.to_json_string()),
            ));
        }
        if !(settings.to_logs() && content::has_sink()) {
            return;
        }
        let redacted = settings.redaction.matches(kind.attribute());
        let meta = self.meta.as_deref();
        let json = if redacted {
            serde_json::Value::Null
        } else {
            value.to_value()
        };
        let events = match kind {
            ContentKind::Input => content::input_events(json),
            ContentKind::SystemInstructions => content::system_instruction_events(json),
            ContentKind::Output => content::output_events(json, finish_reasons),
            ContentKind::ToolArguments => vec![content::tool_call_event(
                meta.and_then(|m| m.tool_name.as_deref()),
                meta.and_then(|m| m.call_id.as_deref()),
                json,
            )],
            ContentKind::ToolResult => vec![content::tool_result_event(
                meta.and_then(|m| m.call_id.as_deref()),
                json,
            )],
        };
        let attributes = event_attributes(meta);
        let span_context = self.span_context();
        for (name, body) in events {
            let body = if redacted {
                AnyValue::from(REDACTED)
            } else {
                settings.body(&body)
            };
            content::emit_event(&span_context, name, body, attributes.iter().cloned());
        }
    }
}

impl Drop for GenAiSpan {
    fn drop(&mut self) {
        self.with(|span| span.end());
    }
}

/// The span for one operation: held here, or in a context.
enum Target<'a> {
    Held(&'a mut AnySpan),
    Shared(SpanRef<'a>),
}

impl Target<'_> {
    fn span_context(&self) -> SpanContext {
        match self {
            Target::Held(s) => s.span_context().clone(),
            Target::Shared(s) => s.span_context().clone(),
        }
    }

    fn is_recording(&self) -> bool {
        match self {
            Target::Held(s) => s.is_recording(),
            Target::Shared(s) => s.is_recording(),
        }
    }

    fn set_attribute(&mut self, kv: KeyValue) {
        match self {
            Target::Held(s) => s.set_attribute(kv),
            Target::Shared(s) => s.set_attribute(kv),
        }
    }

    fn add_event(self, name: Cow<'static, str>, attributes: Vec<KeyValue>) {
        match self {
            Target::Held(s) => s.add_event(name, attributes),
            Target::Shared(s) => s.add_event(name, attributes),
        }
    }

    fn set_status(self, status: Status) {
        match self {
            Target::Held(s) => s.set_status(status),
            Target::Shared(s) => s.set_status(status),
        }
    }

    fn end(self) {
        match self {
            Target::Held(s) => s.end(),
            Target::Shared(s) => s.end(),
        }
    }
}

/// The span as the tracer made it: the SDK's, or the global API's boxed one.
#[allow(clippy::large_enum_variant)] // inline for the same reason as `State`
#[derive(Debug)]
pub(crate) enum AnySpan {
    Sdk(opentelemetry_sdk::trace::Span),
    Boxed(BoxedSpan),
}

macro_rules! delegate {
    ($self:ident, $span:ident => $e:expr) => {
        match $self {
            AnySpan::Sdk($span) => $e,
            AnySpan::Boxed($span) => $e,
        }
    };
}

impl opentelemetry::trace::Span for AnySpan {
    fn add_event_with_timestamp<T>(
        &mut self,
        name: T,
        timestamp: std::time::SystemTime,
        attributes: Vec<KeyValue>,
    ) where
        T: Into<Cow<'static, str>>,
    {
        delegate!(self, s => s.add_event_with_timestamp(name, timestamp, attributes))
    }

    fn span_context(&self) -> &SpanContext {
        delegate!(self, s => s.span_context())
    }

    fn is_recording(&self) -> bool {
        delegate!(self, s => s.is_recording())
    }

    fn set_attribute(&mut self, attribute: KeyValue) {
        delegate!(self, s => s.set_attribute(attribute))
    }

    fn set_status(&mut self, status: Status) {
        delegate!(self, s => s.set_status(status))
    }

    fn update_name<T>(&mut self, new_name: T)
    where
        T: Into<Cow<'static, str>>,
    {
        delegate!(self, s => s.update_name(new_name))
    }

    fn add_link(&mut self, span_context: SpanContext, attributes: Vec<KeyValue>) {
        delegate!(self, s => s.add_link(span_context, attributes))
    }

    fn end_with_timestamp(&mut self, timestamp: std::time::SystemTime) {
        delegate!(self, s => s.end_with_timestamp(timestamp))
    }
}

/// The attributes of a content log event: the provider (both keys) or the tool name.
fn event_attributes(meta: Option<&EventMeta>) -> Vec<(Key, AnyValue)> {
    let mut out = Vec::new();
    if let Some(meta) = meta {
        if let Some(provider) = &meta.provider {
            out.push((
                Key::from_static_str(attr::GEN_AI_PROVIDER_NAME),
                AnyValue::from(provider.clone()),
            ));
            out.push((
                Key::from_static_str(attr::GEN_AI_SYSTEM),
                AnyValue::from(provider.clone()),
            ));
        }
        if let Some(tool) = &meta.tool_name {
            out.push((
                Key::from_static_str(attr::GEN_AI_TOOL_NAME),
                AnyValue::from(tool.clone()),
            ));
        }
    }
    out
}

/// The last path segment of a type name, generics dropped: `core::num::error::ParseIntError` →
/// `ParseIntError`, `my::Wrapper<my::Inner>` → `Wrapper`, `&my::E` → `E`. A trait object
/// (`dyn core::error::Error + Send`) is `_OTHER`, the semantic conventions' value for an error type
/// that cannot be named.
pub(crate) fn short_type_name(full: &str) -> &str {
    let mut name = full.trim_start();
    loop {
        let before = name;
        name = name.trim_start_matches('&').trim_start();
        name = name.strip_prefix("mut ").unwrap_or(name);
        if name == before {
            break;
        }
    }
    if name.starts_with("dyn ") || name.starts_with('(') || name.starts_with('[') {
        return "_OTHER";
    }
    let without_generics = name.split('<').next().unwrap_or(name);
    let last = without_generics
        .rsplit("::")
        .next()
        .unwrap_or(without_generics)
        .trim();
    if last.is_empty() {
        "_OTHER"
    } else {
        last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_type_names() {
        for (full, short) in [
            ("core::num::error::ParseIntError", "ParseIntError"),
            ("std::io::error::Error", "Error"),
            ("my::Wrapper<my::Inner<u8>>", "Wrapper"),
            ("&my::E", "E"),
            ("&mut &my::E", "E"),
            ("dyn core::error::Error", "_OTHER"),
            (
                "dyn core::error::Error + core::marker::Send + core::marker::Sync",
                "_OTHER",
            ),
            ("Plain", "Plain"),
            ("", "_OTHER"),
            ("::", "_OTHER"),
            ("<weird>", "_OTHER"),
        ] {
            assert_eq!(short_type_name(full), short, "{full}");
        }
    }

    #[test]
    fn is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<GenAiSpan>();
    }
}
