//! [`Usage`] and [`ChatResponse`]: what a model call returned.

use crate::content::{self, MessageContent};

/// Token counts of a model call; only the counts that are `Some` are recorded.
///
/// ```
/// use agentcore_observability_spans::Usage;
///
/// let usage = Usage::new(33, 42).with_cache_read_input_tokens(1024);
/// assert_eq!(usage.output_tokens, Some(42));
/// let partial = Usage { input_tokens: Some(7), ..Usage::default() };
/// assert_eq!(partial.output_tokens, None);
/// ```
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Usage {
    /// `gen_ai.usage.input_tokens`.
    pub input_tokens: Option<u64>,
    /// `gen_ai.usage.output_tokens`.
    pub output_tokens: Option<u64>,
    /// `gen_ai.usage.cache_read.input_tokens`: input tokens served from the provider's cache.
    pub cache_read_input_tokens: Option<u64>,
    /// `gen_ai.usage.cache_creation.input_tokens`: input tokens written to the provider's cache.
    pub cache_creation_input_tokens: Option<u64>,
}

impl Usage {
    /// Input and output token counts.
    pub fn new(input_tokens: u64, output_tokens: u64) -> Self {
        Self {
            input_tokens: Some(input_tokens),
            output_tokens: Some(output_tokens),
            ..Self::default()
        }
    }

    /// With the count of input tokens read from the cache.
    pub fn with_cache_read_input_tokens(mut self, tokens: u64) -> Self {
        self.cache_read_input_tokens = Some(tokens);
        self
    }

    /// With the count of input tokens written to the cache.
    pub fn with_cache_creation_input_tokens(mut self, tokens: u64) -> Self {
        self.cache_creation_input_tokens = Some(tokens);
        self
    }
}

/// A model response, for [`GenAiSpan::record_response`](crate::GenAiSpan::record_response).
///
/// ```
/// use agentcore_observability_spans::ChatResponse;
///
/// let response = ChatResponse::new()
///     .id("msg_01")
///     .model("anthropic.claude-3-haiku-20240307-v1:0")
///     .finish_reasons(["end_turn"])
///     .output_messages(r#"[{"role":"assistant","parts":[{"type":"text","content":"Hi"}]}]"#);
/// # drop(response);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatResponse {
    pub(crate) id: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) finish_reasons: Vec<String>,
    pub(crate) output: Option<MessageContent<'static>>,
}

impl ChatResponse {
    /// An empty response.
    pub fn new() -> Self {
        Self::default()
    }

    /// `gen_ai.response.id`.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// `gen_ai.response.model`: the model that actually answered.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// `gen_ai.response.finish_reasons`, one per choice (`stop`, `end_turn`, `tool_use`, …).
    pub fn finish_reasons<I>(mut self, reasons: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.finish_reasons = reasons.into_iter().map(Into::into).collect();
        self
    }

    /// The output messages (content: `gen_ai.output.messages` and/or `gen_ai.choice` events, as
    /// the content policy says). A JSON value, or text (usually the JSON array already
    /// serialized). Dropped here, without a copy, when content capture is off.
    pub fn output_messages<'a>(mut self, messages: impl Into<MessageContent<'a>>) -> Self {
        if content::capturing() {
            self.output = Some(messages.into().into_owned());
        }
        self
    }
}
