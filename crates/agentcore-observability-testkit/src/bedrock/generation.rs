//! The family-independent result of one fake model call, rendered by `converse` and `invoke`.

use serde_json::{json, Map, Value};

use super::text::{json_words, reply_text, words, WordWalk};

/// What the fake model "generated" for a request.
#[derive(Debug, Clone)]
pub(crate) struct Generation {
    /// The request's sequence number (1, 2, …), for ids.
    pub(crate) seq: u64,
    /// The reply text (always present, also before a tool call).
    pub(crate) text: String,
    /// The tool call, when the request offered tools and no tool result is pending.
    pub(crate) tool: Option<ToolCall>,
    pub(crate) input_tokens: u64,
    pub(crate) output_tokens: u64,
    pub(crate) cache_read: u64,
    pub(crate) cache_write: u64,
}

/// A tool call the fake model makes: the first offered tool, input `{"query": <prompt>}`.
#[derive(Debug, Clone)]
pub(crate) struct ToolCall {
    pub(crate) name: String,
    pub(crate) input: Value,
}

impl Generation {
    /// A plain text answer about `focus` (the prompt), with input counts from `walk`.
    pub(crate) fn answer(seq: u64, provider: &str, focus: &str, walk: &WordWalk) -> Generation {
        let text = reply_text(provider, focus);
        let (cache_read, cache_write) = walk.cache_tokens();
        Generation {
            seq,
            output_tokens: words(&text),
            text,
            tool: None,
            input_tokens: walk.total,
            cache_read,
            cache_write,
        }
    }

    /// Like [`answer`](Self::answer), but calling tool `tool` when given: the text becomes
    /// `"Calling <tool>."` and the output tokens add the words of the tool input's compact JSON.
    pub(crate) fn with_tool(
        seq: u64,
        provider: &str,
        focus: &str,
        walk: &WordWalk,
        tool: Option<String>,
    ) -> Generation {
        let mut generation = Generation::answer(seq, provider, focus, walk);
        if let Some(name) = tool {
            let input = json!({ "query": focus });
            generation.text = format!("Calling {name}.");
            generation.output_tokens = words(&generation.text) + json_words(&input);
            generation.tool = Some(ToolCall { name, input });
        }
        generation
    }

    /// A generation with explicit input tokens and no cache (prompt-based families).
    pub(crate) fn for_prompt(
        seq: u64,
        provider: &str,
        focus: &str,
        input_tokens: u64,
    ) -> Generation {
        let walk = WordWalk {
            total: input_tokens,
            before_cache: None,
        };
        Generation::answer(seq, provider, focus, &walk)
    }

    /// `input + output` tokens.
    pub(crate) fn total_tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }

    /// `X-Amzn-Bedrock-Invocation-Latency` / `invocationLatency` / `latencyMs`: `100 + output`.
    pub(crate) fn latency_ms(&self) -> u64 {
        100 + self.output_tokens
    }

    /// `firstByteLatency` of stream invocation metrics: always 50.
    pub(crate) fn first_byte_latency_ms(&self) -> u64 {
        50
    }

    /// A tool-use id with the family's prefix, e.g. `tooluse_fake000001`.
    pub(crate) fn tool_use_id(&self, prefix: &str) -> String {
        format!("{prefix}{:06}", self.seq)
    }

    /// A UUID-shaped response id, distinct per call.
    pub(crate) fn response_id(&self) -> String {
        format!("f0000000-0000-4000-8000-{:012}", self.seq)
    }

    /// Whether the stop reason is a tool call.
    pub(crate) fn is_tool_use(&self) -> bool {
        self.tool.is_some()
    }

    /// `amazon-bedrock-invocationMetrics` for the last stream chunk (cache counts only when
    /// non-zero).
    pub(crate) fn invocation_metrics(&self) -> Value {
        let mut metrics = Map::new();
        metrics.insert("inputTokenCount".into(), self.input_tokens.into());
        metrics.insert("outputTokenCount".into(), self.output_tokens.into());
        metrics.insert("invocationLatency".into(), self.latency_ms().into());
        metrics.insert(
            "firstByteLatency".into(),
            self.first_byte_latency_ms().into(),
        );
        if self.cache_read > 0 {
            metrics.insert("cacheReadInputTokenCount".into(), self.cache_read.into());
        }
        if self.cache_write > 0 {
            metrics.insert("cacheWriteInputTokenCount".into(), self.cache_write.into());
        }
        Value::Object(metrics)
    }

    /// The InvokeModel response headers carrying the counts:
    /// `X-Amzn-Bedrock-Input-Token-Count`, `X-Amzn-Bedrock-Output-Token-Count` (not for
    /// embeddings), `X-Amzn-Bedrock-Invocation-Latency`, and the cache counts when non-zero.
    pub(crate) fn count_headers(&self, embedding: bool) -> Vec<(String, String)> {
        let mut headers = vec![(
            "X-Amzn-Bedrock-Input-Token-Count".to_owned(),
            self.input_tokens.to_string(),
        )];
        if !embedding {
            headers.push((
                "X-Amzn-Bedrock-Output-Token-Count".to_owned(),
                self.output_tokens.to_string(),
            ));
        }
        headers.push((
            "X-Amzn-Bedrock-Invocation-Latency".to_owned(),
            self.latency_ms().to_string(),
        ));
        if self.cache_read > 0 {
            headers.push((
                "X-Amzn-Bedrock-Cache-Read-Input-Token-Count".to_owned(),
                self.cache_read.to_string(),
            ));
        }
        if self.cache_write > 0 {
            headers.push((
                "X-Amzn-Bedrock-Cache-Write-Input-Token-Count".to_owned(),
                self.cache_write.to_string(),
            ));
        }
        headers
    }
}
