//! Bedrock `InvokeModel` bodies, per model family.
//!
//! `InvokeModel` and `InvokeModelWithResponseStream` carry opaque bytes whose JSON shape is
//! chosen by the model provider, so the GenAI attributes (parameters, token usage, finish
//! reasons, messages) can only be read by knowing each family's request, response and stream
//! chunk formats. This module holds that knowledge and nothing else: it is pure (no I/O, no
//! telemetry), total (every input, however malformed, yields facts, possibly empty) and bounded
//! (see the limits in `json`), so the instrumentation can call it on the request path.
//!
//! # Operation names
//!
//! [`operation_name`] follows the GenAI semantic conventions: `chat` for message-list APIs,
//! `text_completion` for APIs that take one prompt string (even when that string embeds a
//! chat template), `embeddings` for embedding models. ADOT Python 0.21 (upstream botocore
//! instrumentation 0.65b0) instead uses `chat` for every InvokeModel call except `amazon.titan*`,
//! which it calls `text_completion` (embeddings included). The families where we differ:
//!
//! | family | here | ADOT |
//! |---|---|---|
//! | Anthropic legacy completions (`prompt`) | `text_completion` | `chat` |
//! | Titan embeddings | `embeddings` | `text_completion` |
//! | Meta Llama (`prompt`) | `text_completion` | `chat` |
//! | Cohere Command (`prompt`) | `text_completion` | `chat` |
//! | Cohere embed | `embeddings` | `chat` (no other attributes) |
//! | Mistral text (`prompt`) | `text_completion` | `chat` |
//! | DeepSeek R1 (`prompt`) | `text_completion` | `chat` (no other attributes) |
//!
//! # Token counts
//!
//! Only counts the model reports are returned: the body's own usage fields, else (streams) the
//! `amazon-bedrock-invocationMetrics` Bedrock appends to the last chunk. ADOT estimates
//! `ceil(len / 6)` for Cohere and Mistral; an estimate recorded as `gen_ai.usage.*` is worse than
//! none, because the instrumentation can fill the gap from the exact
//! `X-Amzn-Bedrock-{Input,Output}-Token-Count` response headers.

mod anthropic;
mod cohere;
mod generic;
mod json;
mod meta;
mod mistral;
mod nova;
mod openai_compat;
mod semconv;
mod stream;
mod titan;

#[cfg(test)]
mod tests;

use serde_json::Value;

pub(crate) use semconv::{system_instructions_json, to_semconv_json};
pub(crate) use stream::{ChunkKind, StreamAccumulator};

/// The request/response dialect of a Bedrock model.
///
/// A dialect, not a vendor: one vendor can speak several (Claude's Messages and legacy Text
/// Completions APIs), and the right parser is all that matters downstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Family {
    /// Anthropic Claude, Messages API (`anthropic_version` + `messages`).
    AnthropicMessages,
    /// Anthropic Claude, legacy Text Completions API (`prompt`, `max_tokens_to_sample`).
    AnthropicCompletions,
    /// Amazon Titan Text (`inputText` + `textGenerationConfig`).
    TitanText,
    /// Amazon Titan Embeddings (text and multimodal).
    TitanEmbed,
    /// Amazon Nova understanding models (`messages` + `inferenceConfig`).
    Nova,
    /// Meta Llama (`prompt`, `max_gen_len`).
    Llama,
    /// Cohere Command / Command Light (`prompt`, `generations`).
    CohereCommand,
    /// Cohere Command R / R+ (`message`, `chat_history`).
    CohereCommandR,
    /// Cohere Embed (`texts`).
    CohereEmbed,
    /// Mistral prompt API (`prompt`, `outputs`).
    MistralText,
    /// Mistral chat API (`messages`, `choices`), OpenAI-compatible.
    MistralChat,
    /// AI21 Jamba (`messages`, `choices`), OpenAI-compatible.
    Ai21Jamba,
    /// DeepSeek prompt API (R1: `prompt`, `choices[].text`).
    DeepSeek,
    /// DeepSeek messages API (`messages`, `choices[].message`). Split from [`Family::DeepSeek`]
    /// only because the operation name differs (`chat` vs `text_completion`).
    DeepSeekChat,
    /// Anything else. Parsed best-effort as the OpenAI-compatible / Llama-like shapes that
    /// imported models and the remaining providers (OpenAI gpt-oss, Qwen, …) use.
    Other,
}

/// One message of a conversation, shaped for `gen_ai.input.messages` / `gen_ai.output.messages`.
#[derive(Default, Debug, Clone, PartialEq)]
pub(crate) struct Message {
    /// `system`, `user`, `assistant` or `tool` (providers' own roles are mapped onto these where
    /// they differ, e.g. Cohere's `CHATBOT`).
    pub(crate) role: String,
    /// The message content, in order.
    pub(crate) parts: Vec<Part>,
    /// Output messages only: why generation stopped, verbatim from the provider. Kept per message
    /// because multi-candidate responses (Titan `results`, Cohere `generations`, `choices`) stop
    /// for different reasons.
    pub(crate) finish_reason: Option<String>,
}

/// One part of a [`Message`]; mirrors the semantic-convention part types.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Part {
    /// `{"type":"text","content":…}`
    Text(String),
    /// `{"type":"tool_call","id":…,"name":…,"arguments":…}`; `arguments` is the parsed JSON when
    /// the provider sent a JSON string that parses, else the string itself.
    ToolCall {
        /// Provider's call id (absent for Cohere, which has none).
        id: Option<String>,
        /// Tool name.
        name: String,
        /// Call arguments.
        arguments: Value,
    },
    /// `{"type":"tool_call_response","id":…,"response":…}`
    ToolResult {
        /// The id of the call this answers.
        id: Option<String>,
        /// The tool output, as sent.
        content: Value,
    },
    /// Any other semantic-convention part (`blob`, `uri`, `reasoning`, …) or a provider block
    /// with no convention equivalent; always an object with a string `type`.
    Other(Value),
}

impl Message {
    fn new(role: impl Into<String>, parts: Vec<Part>) -> Self {
        Message {
            role: role.into(),
            parts,
            finish_reason: None,
        }
    }

    fn user_text(text: &str) -> Self {
        Message::new("user", vec![Part::Text(text.to_owned())])
    }
}

/// What a request body says about the call.
#[derive(Default, Debug, Clone, PartialEq)]
pub(crate) struct RequestFacts {
    /// `gen_ai.request.temperature`
    pub(crate) temperature: Option<f64>,
    /// `gen_ai.request.top_p`
    pub(crate) top_p: Option<f64>,
    /// `gen_ai.request.top_k`
    pub(crate) top_k: Option<i64>,
    /// `gen_ai.request.max_tokens`
    pub(crate) max_tokens: Option<i64>,
    /// `gen_ai.request.stop_sequences`
    pub(crate) stop_sequences: Vec<String>,
    /// `gen_ai.system_instructions`: instructions sent apart from the messages (Anthropic and
    /// Nova `system`, Cohere `preamble`). System messages inside an OpenAI-style message list
    /// stay in `input_messages`, as the conventions ask.
    pub(crate) system: Vec<String>,
    /// `gen_ai.input.messages`
    pub(crate) input_messages: Vec<Message>,
    /// Names of the tools offered to the model.
    pub(crate) tool_names: Vec<String>,
}

/// What a response body (or a whole stream) says about the call.
#[derive(Default, Debug, Clone, PartialEq)]
pub(crate) struct ResponseFacts {
    /// `gen_ai.usage.input_tokens`; `None` when the model did not report it (never estimated).
    pub(crate) input_tokens: Option<u64>,
    /// `gen_ai.usage.output_tokens`; `None` when the model did not report it (never estimated).
    pub(crate) output_tokens: Option<u64>,
    /// `gen_ai.usage.cache_read.input_tokens`
    pub(crate) cache_read_input_tokens: Option<u64>,
    /// `gen_ai.usage.cache_creation.input_tokens`
    pub(crate) cache_creation_input_tokens: Option<u64>,
    /// `gen_ai.response.finish_reasons`, verbatim, one per candidate that reported one.
    pub(crate) finish_reasons: Vec<String>,
    /// `gen_ai.response.id`
    pub(crate) response_id: Option<String>,
    /// `gen_ai.response.model`, for the families that echo it (Anthropic, OpenAI-compatible).
    pub(crate) response_model: Option<String>,
    /// `gen_ai.output.messages`; each carries its own `finish_reason`.
    pub(crate) output_messages: Vec<Message>,
}

/// Guesses the family from the model id, falling back to the request body's shape.
///
/// Accepts plain model ids, cross-region inference-profile ids (`us.`, `eu.`, `apac.`,
/// `global.`, `us-gov.` …) and ARNs of foundation models, inference profiles and custom models,
/// because all of them embed `provider.model`. Application-inference-profile, provisioned and
/// imported-model ARNs embed nothing, so only the body can tell; the body also separates dialects
/// a model speaks more than one of (Claude, Mistral, DeepSeek).
pub(crate) fn family_of(model_id: &str, request_body: Option<&Value>) -> Family {
    // Model ids are short; a huge one is garbage and need not be scanned in full.
    let id: String = model_id
        .chars()
        .take(2048)
        .collect::<String>()
        .to_ascii_lowercase();
    let body = request_body.filter(|b| b.is_object());
    let has = |key: &str| body.and_then(|b| json::get(b, key)).is_some();

    if provider_model(&id, "anthropic").is_some() {
        return if has("prompt") && !has("messages") {
            Family::AnthropicCompletions
        } else {
            Family::AnthropicMessages
        };
    }
    if let Some(model) = provider_model(&id, "amazon") {
        return if model.starts_with("titan-embed") {
            Family::TitanEmbed
        } else if model.starts_with("titan-image") {
            Family::Other
        } else if model.starts_with("titan") {
            Family::TitanText
        } else if model.starts_with("nova") {
            // Canvas (images), Reel (video), Sonic (bidirectional speech) and the multimodal
            // embeddings model share the prefix but not the messages dialect.
            if ["canvas", "reel", "sonic", "embed"]
                .iter()
                .any(|m| model.contains(m))
            {
                Family::Other
            } else {
                Family::Nova
            }
        } else {
            Family::Other
        };
    }
    if let Some(model) = provider_model(&id, "meta") {
        return if model.starts_with("llama") {
            Family::Llama
        } else {
            Family::Other
        };
    }
    if let Some(model) = provider_model(&id, "cohere") {
        return if model.starts_with("embed") {
            Family::CohereEmbed
        } else if model.starts_with("command-r") || (has("message") && !has("prompt")) {
            Family::CohereCommandR
        } else if model.starts_with("command") {
            Family::CohereCommand
        } else {
            Family::Other
        };
    }
    if let Some(model) = provider_model(&id, "mistral") {
        return if has("messages") {
            Family::MistralChat
        } else if has("prompt") {
            Family::MistralText
        } else if model.starts_with("pixtral") {
            // Pixtral only speaks the chat dialect.
            Family::MistralChat
        } else {
            Family::MistralText
        };
    }
    if let Some(model) = provider_model(&id, "ai21") {
        return if model.starts_with("jamba") {
            Family::Ai21Jamba
        } else {
            Family::Other
        };
    }
    if provider_model(&id, "deepseek").is_some() {
        return if has("messages") {
            Family::DeepSeekChat
        } else {
            Family::DeepSeek
        };
    }
    // Known providers with no family of their own: the body shape must not override the id.
    if [
        "openai",
        "qwen",
        "writer",
        "stability",
        "twelvelabs",
        "luma",
    ]
    .iter()
    .any(|p| provider_model(&id, p).is_some())
    {
        return Family::Other;
    }
    body.map_or(Family::Other, family_from_body)
}

/// The model name after `provider.` when `provider.` starts a segment of the id (the id itself,
/// a profile's region prefix, or an ARN's resource path), so `us.anthropic.claude…` and
/// `…:foundation-model/anthropic.claude…` match but `notanthropic.x` does not.
fn provider_model<'a>(id: &'a str, provider: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(pos) = id.get(from..)?.find(provider) {
        let start = from + pos;
        let end = start + provider.len();
        let boundary = start == 0 || matches!(id.as_bytes().get(start - 1), Some(b'.' | b'/'));
        if boundary && id.as_bytes().get(end) == Some(&b'.') {
            return id.get(end + 1..);
        }
        from = end;
    }
    None
}

/// The family for a body whose model id names none (application inference profiles,
/// provisioned throughput, imported models): each family has keys nobody else uses.
fn family_from_body(body: &Value) -> Family {
    let has = |key: &str| json::get(body, key).is_some();
    if has("anthropic_version") || has("max_tokens_to_sample") {
        return if has("prompt") && !has("messages") {
            Family::AnthropicCompletions
        } else {
            Family::AnthropicMessages
        };
    }
    if has("inputText") {
        let embed_keys = [
            "dimensions",
            "normalize",
            "embeddingConfig",
            "embeddingTypes",
            "inputImage",
        ];
        return if !has("textGenerationConfig") && embed_keys.iter().any(|k| has(k)) {
            Family::TitanEmbed
        } else {
            Family::TitanText
        };
    }
    if has("messages") {
        let schema_is_nova =
            json::str_of(body, "schemaVersion").is_some_and(|s| s.starts_with("messages-v"));
        if schema_is_nova || has("inferenceConfig") || has("toolConfig") {
            return Family::Nova;
        }
        return Family::Other;
    }
    if has("texts") {
        return Family::CohereEmbed;
    }
    if json::str_of(body, "message").is_some() || has("chat_history") || has("preamble") {
        return Family::CohereCommandR;
    }
    if has("prompt") {
        if has("max_gen_len") {
            return Family::Llama;
        }
        if ["p", "k", "num_generations", "return_likelihoods"]
            .iter()
            .any(|k| has(k))
        {
            return Family::CohereCommand;
        }
    }
    Family::Other
}

/// `gen_ai.operation.name` for a family; see the module docs for where this differs from ADOT.
pub(crate) fn operation_name(family: Family) -> &'static str {
    match family {
        Family::AnthropicMessages
        | Family::Nova
        | Family::CohereCommandR
        | Family::MistralChat
        | Family::Ai21Jamba
        | Family::DeepSeekChat
        | Family::Other => "chat",
        Family::AnthropicCompletions
        | Family::TitanText
        | Family::Llama
        | Family::CohereCommand
        | Family::MistralText
        | Family::DeepSeek => "text_completion",
        Family::TitanEmbed | Family::CohereEmbed => "embeddings",
    }
}

/// Parses a body with the module's size cap, so callers that need the [`Value`] (for
/// [`family_of`]) parse once and reuse it with [`parse_request_value`].
pub(crate) fn parse_body(body: &[u8]) -> Option<Value> {
    json::parse(body)
}

/// Request facts from raw body bytes; malformed or oversized bodies give empty facts.
#[cfg(test)]
pub(crate) fn parse_request(family: Family, body: &[u8]) -> RequestFacts {
    json::parse(body)
        .map(|v| parse_request_value(family, &v))
        .unwrap_or_default()
}

/// Request facts from an already parsed body.
pub(crate) fn parse_request_value(family: Family, body: &Value) -> RequestFacts {
    if !body.is_object() {
        return RequestFacts::default();
    }
    match family {
        Family::AnthropicMessages => anthropic::messages_request(body),
        Family::AnthropicCompletions => anthropic::completions_request(body),
        Family::TitanText => titan::text_request(body),
        Family::TitanEmbed => titan::embed_request(body),
        Family::Nova => nova::request(body),
        Family::Llama => meta::request(body),
        Family::CohereCommand => cohere::command_request(body),
        Family::CohereCommandR => cohere::command_r_request(body),
        Family::CohereEmbed => cohere::embed_request(body),
        Family::MistralText => mistral::text_request(body),
        Family::MistralChat | Family::Ai21Jamba | Family::DeepSeek | Family::DeepSeekChat => {
            openai_compat::request(body)
        }
        Family::Other => generic::request(body),
    }
}

/// Response facts from a complete (non-streaming) body; malformed bodies give empty facts.
#[cfg(test)]
pub(crate) fn parse_response(family: Family, body: &[u8]) -> ResponseFacts {
    json::parse(body)
        .map(|v| parse_response_value(family, &v))
        .unwrap_or_default()
}

/// Response facts from an already parsed complete (non-streaming) body ([`parse_body`]), so the
/// caller can reuse the [`Value`] (for the choice events); anything but an object gives empty
/// facts.
pub(crate) fn parse_response_value(family: Family, body: &Value) -> ResponseFacts {
    if !body.is_object() {
        return ResponseFacts::default();
    }
    match family {
        Family::AnthropicMessages => anthropic::messages_response(body),
        Family::AnthropicCompletions => anthropic::completions_response(body),
        Family::TitanText => titan::text_response(body),
        Family::TitanEmbed => titan::embed_response(body),
        Family::Nova => nova::response(body),
        Family::Llama => meta::response(body),
        Family::CohereCommand => cohere::command_response(body),
        Family::CohereCommandR => cohere::command_r_response(body),
        Family::CohereEmbed => cohere::embed_response(body),
        Family::MistralText => mistral::text_response(body),
        Family::MistralChat | Family::Ai21Jamba | Family::DeepSeek | Family::DeepSeekChat => {
            openai_compat::response(body)
        }
        Family::Other => generic::response(body),
    }
}
