//! GenAI span helpers for [agentcore-observability](https://docs.rs/agentcore-observability):
//! agent, tool and model-call spans that follow the OpenTelemetry GenAI semantic conventions, so
//! the Amazon Bedrock AgentCore Observability dashboards (and any GenAI-aware backend) recognise
//! them.
//!
//! | helper | span name | kind | attributes set |
//! |---|---|---|---|
//! | [`agent(name)`](agent) | `invoke_agent {name}` | INTERNAL | `gen_ai.operation.name=invoke_agent`, `gen_ai.agent.name` (+ `.id`, `.description`, `.provider`) |
//! | [`tool(name)`](tool) | `execute_tool {name}` | INTERNAL | `gen_ai.operation.name=execute_tool`, `gen_ai.tool.name` (+ `.call_id`, `.tool_type`, `.description`, `.arguments`) |
//! | [`chat(model)`](chat) | `chat {model}` | CLIENT | `gen_ai.operation.name=chat`, `gen_ai.request.model` (+ `.provider`, `.temperature`, `.top_p`, `.max_tokens`, `.stop_sequences`, `.input_messages`) |
//! | [`custom(name)`](custom) | `name` | INTERNAL (`.kind(..)`) | only yours |
//!
//! Every builder takes `.attribute(key, value)` and starts with `.start()` (child of the current
//! context), `.start_with_parent(&cx)` or `.in_span(|span| ..)`. The [`GenAiSpan`] it returns ends
//! when dropped and records results: [`record_usage`](GenAiSpan::record_usage),
//! [`record_response`](GenAiSpan::record_response),
//! [`record_result_value`](GenAiSpan::record_result_value),
//! [`record_error`](GenAiSpan::record_error), [`set_ok`](GenAiSpan::set_ok).
//!
//! ```
//! use agentcore_observability_spans::{self as spans, ChatResponse, Usage};
//!
//! let agent = spans::agent("travel-agent").id("agent-7").start();
//! let _current = agent.context().attach(); // the spans below are its children
//!
//! let chat = spans::chat("anthropic.claude-3-haiku-20240307-v1:0")
//!     .provider("aws.bedrock")
//!     .temperature(0.5)
//!     .max_tokens(200)
//!     .input_messages(r#"[{"role":"user","parts":[{"type":"text","content":"Weekend trip?"}]}]"#)
//!     .start();
//! chat.record_usage(Usage::new(33, 42));
//! chat.record_response(ChatResponse::new().id("msg_01").finish_reasons(["tool_use"]));
//! chat.end();
//!
//! let tool = spans::tool("web_search")
//!     .call_id("call-1")
//!     .tool_type("function")
//!     .arguments(r#"{"query":"weekend trips"}"#)
//!     .start();
//! tool.record_result_value(r#"["San Juan Islands"]"#);
//! tool.set_ok();
//! ```
//!
//! **Content** (prompts, completions, tool arguments and results) is recorded only as the process
//! [content policy](content) says: off until `init()` installs one (agent mode turns it on),
//! as span attributes, log events or both, cut to a per-value cap, with `AWS_REDACT_SPAN_ATTRIBUTES`
//! applied. When capture is off the helpers do not even convert the values they are given.
//!
//! **Tracer.** Spans use the instrumentation scope `agentcore_observability`, on the provider
//! `init()` installed ([`install_tracer_provider`]) or, before that, the global provider at the
//! time each span starts, so helpers called before `init()` work once it has run.
//!
//! Conventions: OpenTelemetry semantic conventions for GenAI as of **v1.41.0**
//! (<https://github.com/open-telemetry/semantic-conventions/tree/v1.41.0/docs/gen-ai>), since
//! continued in <https://github.com/open-telemetry/semantic-conventions-genai>. See [`attr`].

#[doc(hidden)]
pub mod __private;
pub mod attr;
mod builder;
pub mod content;
mod response;
mod span;
#[cfg(test)]
mod tests;
mod tracer;

pub use builder::{AgentSpanBuilder, ChatSpanBuilder, CustomSpanBuilder, ToolSpanBuilder};
pub use content::{ContentDestination, ContentPolicy, MessageContent, RedactionRules};
pub use response::{ChatResponse, Usage};
pub use span::GenAiSpan;
pub use tracer::{install_tracer_provider, scope, uninstall_tracer_provider, SCOPE_NAME};

/// An agent invocation: span `invoke_agent {name}`, kind INTERNAL, `gen_ai.operation.name =
/// invoke_agent`, `gen_ai.agent.name = name`. Use `.kind(SpanKind::Client)` for a call to a
/// remote agent.
///
/// ```
/// let span = agentcore_observability_spans::agent("travel-agent").id("agent-7").start();
/// # drop(span);
/// ```
pub fn agent(name: impl Into<String>) -> AgentSpanBuilder {
    AgentSpanBuilder::new(name.into())
}

/// A tool execution: span `execute_tool {name}`, kind INTERNAL, `gen_ai.operation.name =
/// execute_tool`, `gen_ai.tool.name = name`.
///
/// ```
/// let result = agentcore_observability_spans::tool("calculator").in_span(|span| {
///     span.record_result_value("4");
///     2 + 2
/// });
/// assert_eq!(result, 4);
/// ```
pub fn tool(name: impl Into<String>) -> ToolSpanBuilder {
    ToolSpanBuilder::new(name.into())
}

/// A model call: span `chat {model}` (or `{operation} {model}`), kind CLIENT,
/// `gen_ai.operation.name = chat`, `gen_ai.request.model = model`.
///
/// ```
/// use agentcore_observability_spans::Usage;
///
/// let span = agentcore_observability_spans::chat("amazon.nova-lite-v1:0")
///     .provider("aws.bedrock")
///     .start();
/// span.record_usage(Usage::new(6, 9));
/// ```
pub fn chat(model: impl Into<String>) -> ChatSpanBuilder {
    ChatSpanBuilder::new(model.into())
}

/// A span with any name and your own attributes, kind INTERNAL unless `.kind(..)` says otherwise.
///
/// ```
/// let span = agentcore_observability_spans::custom("custom span web search tool")
///     .attribute("search.query", "OpenTelemetry distro for AgentCore")
///     .attribute("search.max_results", 3)
///     .start();
/// span.add_event("search_completed", vec![opentelemetry::KeyValue::new("results_count", 3)]);
/// span.set_ok();
/// ```
pub fn custom(name: impl Into<String>) -> CustomSpanBuilder {
    CustomSpanBuilder::new(name.into())
}
