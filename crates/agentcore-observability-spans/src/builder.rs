//! The span builders returned by [`agent`](crate::agent), [`tool`](crate::tool),
//! [`chat`](crate::chat) and [`custom`](crate::custom).

use std::borrow::Cow;

use opentelemetry::trace::{SpanBuilder, SpanKind};
use opentelemetry::{Array, Context, Key, KeyValue, StringValue, Value};

use crate::attr;
use crate::content::{self, MessageContent};
use crate::span::{ContentKind, EventMeta, GenAiSpan};
use crate::tracer;

/// Room for the attributes a typical GenAI span starts with, so the vector is allocated once.
const TYPICAL_ATTRIBUTES: usize = 8;

/// What every builder has: the kind and the start attributes.
#[derive(Debug)]
struct Common {
    kind: SpanKind,
    attributes: Vec<KeyValue>,
}

impl Common {
    fn new(kind: SpanKind) -> Self {
        Self {
            kind,
            attributes: Vec::with_capacity(TYPICAL_ATTRIBUTES),
        }
    }

    fn push(&mut self, key: &'static str, value: impl Into<Value>) {
        self.attributes
            .push(KeyValue::new(Key::from_static_str(key), value));
    }

    #[inline]
    fn start(
        self,
        name: impl Into<Cow<'static, str>>,
        parent: Context,
        meta: Option<Box<EventMeta>>,
    ) -> GenAiSpan {
        let mut builder = SpanBuilder::from_name(name);
        builder.span_kind = Some(self.kind);
        builder.attributes = Some(self.attributes);
        let span = tracer::start(builder, &parent);
        GenAiSpan::new(parent, span, meta)
    }
}

/// The span name `"{operation} {subject}"`, or the operation alone without a subject.
fn span_name(operation: &str, subject: &str) -> String {
    if subject.is_empty() {
        operation.to_string()
    } else {
        format!("{operation} {subject}")
    }
}

/// Whether content log events are on now, so the span keeps what its events need.
#[inline]
fn log_events_on() -> bool {
    content::logging()
}

/// The methods every builder has.
macro_rules! common_methods {
    () => {
        /// Adds a start attribute (visible to span processors when the span starts).
        pub fn attribute(mut self, key: impl Into<Key>, value: impl Into<Value>) -> Self {
            self.common.attributes.push(KeyValue::new(key, value));
            self
        }

        /// Adds start attributes.
        pub fn attributes(mut self, attributes: impl IntoIterator<Item = KeyValue>) -> Self {
            self.common.attributes.extend(attributes);
            self
        }

        /// The span kind (`INTERNAL` unless said otherwise; `chat` spans are `CLIENT`).
        pub fn kind(mut self, kind: SpanKind) -> Self {
            self.common.kind = kind;
            self
        }

        /// Starts the span as a child of the current context ([`Context::current`]).
        #[inline]
        pub fn start(self) -> GenAiSpan {
            self.start_in(Context::current())
        }

        /// Starts the span as a child of `parent`.
        #[inline]
        pub fn start_with_parent(self, parent: &Context) -> GenAiSpan {
            self.start_in(parent.clone())
        }

        /// Runs `f` with the span started and current (so spans started inside are its children),
        /// then ends it. For synchronous code; async code uses
        /// `fut.with_context(span.context())`.
        pub fn in_span<R>(self, f: impl FnOnce(&GenAiSpan) -> R) -> R {
            let span = self.start();
            let _current = span.context().attach();
            f(&span)
        }
    };
}

/// Builds an `invoke_agent {name}` span (kind `INTERNAL`): see [`agent`](crate::agent).
#[derive(Debug)]
#[must_use = "a span builder does nothing until `start()` is called"]
pub struct AgentSpanBuilder {
    name: String,
    common: Common,
}

impl AgentSpanBuilder {
    pub(crate) fn new(name: String) -> Self {
        Self {
            name,
            common: Common::new(SpanKind::Internal),
        }
    }

    common_methods!();

    /// `gen_ai.agent.id`.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.common.push(attr::GEN_AI_AGENT_ID, id.into());
        self
    }

    /// `gen_ai.agent.description`.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.common
            .push(attr::GEN_AI_AGENT_DESCRIPTION, description.into());
        self
    }

    /// `gen_ai.provider.name` of the model behind the agent (e.g. `aws.bedrock`).
    pub fn provider(mut self, provider: impl Into<String>) -> Self {
        self.common
            .push(attr::GEN_AI_PROVIDER_NAME, provider.into());
        self
    }

    #[inline]
    fn start_in(self, parent: Context) -> GenAiSpan {
        let Self { name, mut common } = self;
        let span_name = span_name(attr::operation::INVOKE_AGENT, &name);
        common.push(attr::GEN_AI_OPERATION_NAME, attr::operation::INVOKE_AGENT);
        if !name.is_empty() {
            common.push(attr::GEN_AI_AGENT_NAME, name);
        }
        common.start(span_name, parent, None)
    }
}

/// Builds an `execute_tool {name}` span (kind `INTERNAL`): see [`tool`](crate::tool).
#[derive(Debug)]
#[must_use = "a span builder does nothing until `start()` is called"]
pub struct ToolSpanBuilder {
    name: String,
    call_id: Option<String>,
    arguments: Option<String>,
    common: Common,
}

impl ToolSpanBuilder {
    pub(crate) fn new(name: String) -> Self {
        Self {
            name,
            call_id: None,
            arguments: None,
            common: Common::new(SpanKind::Internal),
        }
    }

    common_methods!();

    /// `gen_ai.tool.call.id`: the id the model gave the tool call.
    pub fn call_id(mut self, id: impl Into<String>) -> Self {
        self.call_id = Some(id.into());
        self
    }

    /// `gen_ai.tool.type`: `function`, `extension` or `datastore`.
    pub fn tool_type(mut self, tool_type: impl Into<String>) -> Self {
        self.common.push(attr::GEN_AI_TOOL_TYPE, tool_type.into());
        self
    }

    /// `gen_ai.tool.description`.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.common
            .push(attr::GEN_AI_TOOL_DESCRIPTION, description.into());
        self
    }

    /// The arguments the tool was called with, usually JSON: `gen_ai.tool.call.arguments`
    /// (content: recorded as the content policy says; not even converted when capture is off).
    pub fn arguments(mut self, arguments: impl Into<String>) -> Self {
        if content::capturing() {
            self.arguments = Some(arguments.into());
        }
        self
    }

    #[inline]
    fn start_in(self, parent: Context) -> GenAiSpan {
        let Self {
            name,
            call_id,
            arguments,
            mut common,
        } = self;
        let span_name = span_name(attr::operation::EXECUTE_TOOL, &name);
        let meta = log_events_on().then(|| {
            Box::new(EventMeta {
                tool_name: Some(name.clone()),
                call_id: call_id.clone(),
                provider: None,
            })
        });
        common.push(attr::GEN_AI_OPERATION_NAME, attr::operation::EXECUTE_TOOL);
        if !name.is_empty() {
            common.push(attr::GEN_AI_TOOL_NAME, name);
        }
        if let Some(id) = call_id {
            common.push(attr::GEN_AI_TOOL_CALL_ID, id);
        }
        let span = common.start(span_name, parent, meta);
        if let Some(arguments) = arguments {
            span.record_content(
                ContentKind::ToolArguments,
                MessageContent::from(arguments),
                &[],
            );
        }
        span
    }
}

/// Builds a `chat {model}` span (kind `CLIENT`): see [`chat`](crate::chat).
#[derive(Debug)]
#[must_use = "a span builder does nothing until `start()` is called"]
pub struct ChatSpanBuilder {
    model: String,
    operation: Cow<'static, str>,
    provider: Option<String>,
    system_instructions: Option<MessageContent<'static>>,
    input: Option<MessageContent<'static>>,
    common: Common,
}

impl ChatSpanBuilder {
    pub(crate) fn new(model: String) -> Self {
        Self {
            model,
            operation: Cow::Borrowed(attr::operation::CHAT),
            provider: None,
            system_instructions: None,
            input: None,
            common: Common::new(SpanKind::Client),
        }
    }

    common_methods!();

    /// `gen_ai.provider.name` (e.g. `aws.bedrock`, `openai`), and `gen_ai.system` with the same
    /// value for dashboards that still read the older key.
    pub fn provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = Some(provider.into());
        self
    }

    /// The operation, `chat` unless set: e.g. `text_completion`, `generate_content`,
    /// `embeddings`. It is also the first word of the span name.
    pub fn operation(mut self, operation: impl Into<Cow<'static, str>>) -> Self {
        self.operation = operation.into();
        self
    }

    /// `gen_ai.request.temperature`.
    pub fn temperature(mut self, temperature: f64) -> Self {
        self.common
            .push(attr::GEN_AI_REQUEST_TEMPERATURE, temperature);
        self
    }

    /// `gen_ai.request.top_p`.
    pub fn top_p(mut self, top_p: f64) -> Self {
        self.common.push(attr::GEN_AI_REQUEST_TOP_P, top_p);
        self
    }

    /// `gen_ai.request.max_tokens`.
    pub fn max_tokens(mut self, max_tokens: i64) -> Self {
        self.common
            .push(attr::GEN_AI_REQUEST_MAX_TOKENS, max_tokens);
        self
    }

    /// `gen_ai.request.stop_sequences` (a string array).
    pub fn stop_sequences<I>(mut self, sequences: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<StringValue>,
    {
        let values: Vec<StringValue> = sequences.into_iter().map(Into::into).collect();
        self.common.push(
            attr::GEN_AI_REQUEST_STOP_SEQUENCES,
            Value::Array(Array::String(values)),
        );
        self
    }

    /// The input messages: `gen_ai.input.messages` and/or one log event per message, as the
    /// content policy says. A `serde_json::Value` (borrowed or owned), or text (usually the JSON
    /// messages array already serialized). Dropped here, without a copy, when capture is off.
    pub fn input_messages<'a>(mut self, messages: impl Into<MessageContent<'a>>) -> Self {
        if content::capturing() {
            self.input = Some(messages.into().into_owned());
        }
        self
    }

    /// The system instructions: `gen_ai.system_instructions` and/or a `gen_ai.system.message`
    /// event (content, as [`input_messages`](Self::input_messages)).
    pub fn system_instructions<'a>(mut self, instructions: impl Into<MessageContent<'a>>) -> Self {
        if content::capturing() {
            self.system_instructions = Some(instructions.into().into_owned());
        }
        self
    }

    #[inline]
    fn start_in(self, parent: Context) -> GenAiSpan {
        let Self {
            model,
            operation,
            provider,
            system_instructions,
            input,
            mut common,
        } = self;
        let span_name = span_name(&operation, &model);
        let meta = log_events_on().then(|| {
            Box::new(EventMeta {
                tool_name: None,
                call_id: None,
                provider: provider.clone(),
            })
        });
        common.push(attr::GEN_AI_OPERATION_NAME, operation);
        if !model.is_empty() {
            common.push(attr::GEN_AI_REQUEST_MODEL, model);
        }
        if let Some(provider) = provider {
            common.push(attr::GEN_AI_SYSTEM, provider.clone());
            common.push(attr::GEN_AI_PROVIDER_NAME, provider);
        }
        let span = common.start(span_name, parent, meta);
        if let Some(instructions) = system_instructions {
            span.record_content(ContentKind::SystemInstructions, instructions, &[]);
        }
        if let Some(input) = input {
            span.record_content(ContentKind::Input, input, &[]);
        }
        span
    }
}

/// Builds a span with any name (kind `INTERNAL` unless set): see [`custom`](crate::custom).
#[derive(Debug)]
#[must_use = "a span builder does nothing until `start()` is called"]
pub struct CustomSpanBuilder {
    name: String,
    common: Common,
}

impl CustomSpanBuilder {
    pub(crate) fn new(name: String) -> Self {
        Self {
            name,
            common: Common::new(SpanKind::Internal),
        }
    }

    common_methods!();

    #[inline]
    fn start_in(self, parent: Context) -> GenAiSpan {
        let Self { name, common } = self;
        common.start(name, parent, None)
    }
}
