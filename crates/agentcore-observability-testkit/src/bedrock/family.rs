//! [`ModelFamily`]: which native request/response format an `InvokeModel` body uses.

use serde_json::Value;

/// The native body format of a Bedrock model, as the fake picks it for `InvokeModel` and
/// `InvokeModelWithResponseStream` (see the [module docs](crate::bedrock) for the wire formats).
///
/// Picked by [`ModelFamily::detect`] from the model id (after stripping an ARN prefix and a
/// cross-region inference-profile prefix such as `us.` or `global.`) and, where one provider
/// has two formats, from the request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ModelFamily {
    /// `anthropic.*` with `messages`: the Anthropic Messages API.
    AnthropicMessages,
    /// `anthropic.*` with `prompt`: the legacy Text Completions API (`completion`).
    AnthropicCompletions,
    /// `amazon.titan-text*` / `amazon.titan-tg1*`: `inputText` → `results[]`.
    TitanText,
    /// `amazon.titan-embed*`: `inputText` → `embedding`.
    TitanEmbed,
    /// `amazon.nova*`: `messages` + `inferenceConfig` → `output.message`.
    Nova,
    /// `meta.llama*`: `prompt` → `generation`.
    Llama,
    /// `cohere.command-text*` / `cohere.command-light*`: `prompt` → `generations[]`.
    CohereCommand,
    /// `cohere.command-r*`: `message` → `text`.
    CohereCommandR,
    /// `cohere.embed*`: `texts` → `embeddings`.
    CohereEmbed,
    /// `mistral.*` with `prompt`: `outputs[]`.
    MistralText,
    /// `mistral.*` with `messages`: `choices[]` with a `message`.
    MistralChat,
    /// `ai21.jamba*`: `messages` → `choices[]` + `usage`.
    Ai21Jamba,
    /// `deepseek.*`: `prompt` (or `messages`) → `choices[]` with `text`.
    DeepSeek,
}

/// Cross-region inference-profile prefixes (`us.anthropic.claude-…`).
const GEO_PREFIXES: &[&str] = &[
    "us", "eu", "apac", "us-gov", "global", "jp", "au", "ca", "ap",
];

impl ModelFamily {
    /// Every family, in declaration order.
    pub const ALL: [ModelFamily; 13] = [
        ModelFamily::AnthropicMessages,
        ModelFamily::AnthropicCompletions,
        ModelFamily::TitanText,
        ModelFamily::TitanEmbed,
        ModelFamily::Nova,
        ModelFamily::Llama,
        ModelFamily::CohereCommand,
        ModelFamily::CohereCommandR,
        ModelFamily::CohereEmbed,
        ModelFamily::MistralText,
        ModelFamily::MistralChat,
        ModelFamily::Ai21Jamba,
        ModelFamily::DeepSeek,
    ];

    /// The family for `model_id` (a model id, an inference-profile id such as
    /// `us.anthropic.claude-3-haiku-20240307-v1:0`, or an ARN ending in either) and the request
    /// body. With an id that names no known provider (e.g. a provisioned-model ARN), the body's
    /// shape decides (`anthropic_version`, `inputText`, `texts`, `message`, `inferenceConfig`).
    /// `None` when neither tells: the fake then answers `400 ValidationException`.
    pub fn detect(model_id: &str, body: Option<&Value>) -> Option<ModelFamily> {
        let id = base_model_id(model_id).to_ascii_lowercase();
        let has = |key: &str| body.and_then(|b| b.get(key)).is_some();
        if id.starts_with("anthropic.") {
            return Some(if has("prompt") && !has("messages") {
                ModelFamily::AnthropicCompletions
            } else {
                ModelFamily::AnthropicMessages
            });
        }
        if id.starts_with("amazon.titan-embed") {
            return Some(ModelFamily::TitanEmbed);
        }
        if id.starts_with("amazon.titan") {
            return Some(ModelFamily::TitanText);
        }
        if id.starts_with("amazon.nova") {
            return Some(ModelFamily::Nova);
        }
        if id.starts_with("meta.llama") {
            return Some(ModelFamily::Llama);
        }
        if id.starts_with("cohere.command-r") {
            return Some(ModelFamily::CohereCommandR);
        }
        if id.starts_with("cohere.command") {
            return Some(ModelFamily::CohereCommand);
        }
        if id.starts_with("cohere.embed") {
            return Some(ModelFamily::CohereEmbed);
        }
        if id.starts_with("mistral.") {
            return Some(if has("messages") {
                ModelFamily::MistralChat
            } else {
                ModelFamily::MistralText
            });
        }
        if id.starts_with("ai21.") {
            return Some(ModelFamily::Ai21Jamba);
        }
        if id.starts_with("deepseek.") {
            return Some(ModelFamily::DeepSeek);
        }
        // Unknown id: sniff the body.
        if has("anthropic_version") {
            return Some(if has("messages") {
                ModelFamily::AnthropicMessages
            } else {
                ModelFamily::AnthropicCompletions
            });
        }
        if has("inputText") {
            return Some(if has("textGenerationConfig") {
                ModelFamily::TitanText
            } else {
                ModelFamily::TitanEmbed
            });
        }
        if has("texts") {
            return Some(ModelFamily::CohereEmbed);
        }
        if has("message") {
            return Some(ModelFamily::CohereCommandR);
        }
        if has("messages") && (has("inferenceConfig") || has("schemaVersion")) {
            return Some(ModelFamily::Nova);
        }
        None
    }

    /// The provider label used in replies and as `gen_ai.system`-style hints: `"anthropic"`,
    /// `"amazon"`, `"meta"`, `"cohere"`, `"mistral"`, `"ai21"` or `"deepseek"`.
    pub fn provider(self) -> &'static str {
        match self {
            ModelFamily::AnthropicMessages | ModelFamily::AnthropicCompletions => "anthropic",
            ModelFamily::TitanText | ModelFamily::TitanEmbed | ModelFamily::Nova => "amazon",
            ModelFamily::Llama => "meta",
            ModelFamily::CohereCommand | ModelFamily::CohereCommandR | ModelFamily::CohereEmbed => {
                "cohere"
            }
            ModelFamily::MistralText | ModelFamily::MistralChat => "mistral",
            ModelFamily::Ai21Jamba => "ai21",
            ModelFamily::DeepSeek => "deepseek",
        }
    }

    /// Whether the family answers `InvokeModelWithResponseStream` (embedding models do not:
    /// the fake answers `400 ValidationException`, as Bedrock does).
    pub fn supports_streaming(self) -> bool {
        !self.is_embedding()
    }

    /// Whether this is an embedding family (Titan embeddings, Cohere embed).
    pub fn is_embedding(self) -> bool {
        matches!(self, ModelFamily::TitanEmbed | ModelFamily::CohereEmbed)
    }
}

/// The foundation-model id inside `model_id`: the part after the last `/` of an ARN, without a
/// cross-region prefix (`us.`, `eu.`, `apac.`, `global.`, ...).
/// `arn:aws:bedrock:us-east-1:123:inference-profile/us.meta.llama3-8b-instruct-v1:0` →
/// `meta.llama3-8b-instruct-v1:0`.
pub fn base_model_id(model_id: &str) -> &str {
    let id = model_id.rsplit('/').next().unwrap_or(model_id);
    match id.split_once('.') {
        Some((prefix, rest)) if GEO_PREFIXES.contains(&prefix) && rest.contains('.') => rest,
        _ => id,
    }
}

/// The provider label for a Converse model id: the family's provider when the id names one,
/// else the id's first dot-separated segment, else `"model"`.
pub(crate) fn provider_of(model_id: &str) -> String {
    if let Some(family) = ModelFamily::detect(model_id, None) {
        return family.provider().to_owned();
    }
    let base = base_model_id(model_id);
    match base.split_once('.') {
        Some((provider, _)) if !provider.is_empty() => provider.to_owned(),
        _ => "model".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn detects_families_from_ids() {
        let cases = [
            ("anthropic.claude-3-haiku-20240307-v1:0", ModelFamily::AnthropicMessages),
            ("us.anthropic.claude-3-haiku-20240307-v1:0", ModelFamily::AnthropicMessages),
            (
                "arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-sonnet-4-20250514-v1:0",
                ModelFamily::AnthropicMessages,
            ),
            ("amazon.titan-text-express-v1", ModelFamily::TitanText),
            ("amazon.titan-embed-text-v2:0", ModelFamily::TitanEmbed),
            ("amazon.nova-lite-v1:0", ModelFamily::Nova),
            ("meta.llama3-8b-instruct-v1:0", ModelFamily::Llama),
            ("cohere.command-r-v1:0", ModelFamily::CohereCommandR),
            ("cohere.command-text-v14", ModelFamily::CohereCommand),
            ("cohere.embed-english-v3", ModelFamily::CohereEmbed),
            ("mistral.mistral-7b-instruct-v0:2", ModelFamily::MistralText),
            ("ai21.jamba-1-5-mini-v1:0", ModelFamily::Ai21Jamba),
            ("us.deepseek.r1-v1:0", ModelFamily::DeepSeek),
        ];
        for (id, family) in cases {
            assert_eq!(ModelFamily::detect(id, None), Some(family), "{id}");
        }
        assert_eq!(
            ModelFamily::detect("anthropic.claude-v2", Some(&json!({"prompt": "x"}))),
            Some(ModelFamily::AnthropicCompletions)
        );
        assert_eq!(
            ModelFamily::detect(
                "mistral.mistral-large-2407-v1:0",
                Some(&json!({"messages": []}))
            ),
            Some(ModelFamily::MistralChat)
        );
        assert_eq!(
            ModelFamily::detect(
                "arn:aws:bedrock:us-east-1:1:provisioned-model/abc",
                Some(&json!({"anthropic_version": "x", "messages": []}))
            ),
            Some(ModelFamily::AnthropicMessages)
        );
        assert_eq!(ModelFamily::detect("acme.unknown", Some(&json!({}))), None);
        assert_eq!(provider_of("us.amazon.nova-lite-v1:0"), "amazon");
        assert_eq!(provider_of("openai.gpt-oss-20b-1:0"), "openai");
        assert_eq!(provider_of("weird"), "model");
        assert_eq!(
            base_model_id("eu.meta.llama3-2-1b-instruct-v1:0"),
            "meta.llama3-2-1b-instruct-v1:0"
        );
        assert_eq!(base_model_id("us.nothing"), "us.nothing");
    }
}
