//! `InvokeModelWithResponseStream`: folding chunk payloads into [`ResponseFacts`].
//!
//! Each family streams differently (Anthropic and Nova send typed events with content-block
//! indices, the others send partial copies of their non-streaming body), but all of them build
//! the same thing: per candidate, an ordered list of text / reasoning / tool-call blocks plus a
//! finish reason, and usage counts. [`StreamState`] is that shared builder; the family modules
//! only translate their chunks into calls on it.

use serde_json::Value;

use super::json::{self, append_capped};
use super::{
    anthropic, cohere, generic, meta, mistral, nova, openai_compat, semconv, titan, Family,
    Message, Part, ResponseFacts,
};

/// Bedrock appends this object to the last chunk of every stream, whatever the family.
const INVOCATION_METRICS: &str = "amazon-bedrock-invocationMetrics";

/// Most output text (all blocks, all candidates) kept from one stream. Output is bounded by
/// `max_tokens` in practice; this bounds memory when it is not.
const MAX_STREAM_TEXT_BYTES: usize = 32 << 20;

/// Most candidates tracked in one stream (streams normally have exactly one).
const MAX_CHOICES: usize = 64;

/// What a chunk was, so the caller can time the first token and end the span early.
///
/// A chunk is classified by its most significant role: a last chunk that also carries text is
/// [`ChunkKind::Final`] (Titan and Llama often send text and stop reason together, and one-chunk
/// streams exist), so time-to-first-token should key off
/// [`StreamAccumulator::content_seen`] rather than off [`ChunkKind::Content`] alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChunkKind {
    /// Carried output: text, reasoning or tool-call tokens.
    Content,
    /// A recognised event with no output (message start, usage, block stop, ping).
    Metadata,
    /// The family's terminal event, or any chunk bearing Bedrock's invocation metrics. Chunks
    /// pushed afterwards are still folded in.
    Final,
    /// Not JSON, not an object, or not an event this family defines.
    Unknown,
}

/// Accumulates a response stream's chunks into the facts a non-streaming response would give.
#[derive(Debug)]
pub(crate) struct StreamAccumulator {
    family: Family,
    state: StreamState,
}

impl StreamAccumulator {
    /// A fresh accumulator for one stream of `family`.
    pub(crate) fn new(family: Family) -> Self {
        StreamAccumulator {
            family,
            state: StreamState::default(),
        }
    }

    /// Folds one chunk (the event's `bytes`, already base64-decoded) in. Never fails: a chunk
    /// that cannot be understood changes nothing and is reported as [`ChunkKind::Unknown`].
    pub(crate) fn push_chunk(&mut self, chunk: &[u8]) -> ChunkKind {
        let Some(v) = json::parse(chunk).filter(Value::is_object) else {
            return ChunkKind::Unknown;
        };
        let st = &mut self.state;
        let kind = match self.family {
            Family::AnthropicMessages => anthropic::messages_stream(st, &v),
            Family::AnthropicCompletions => anthropic::completions_stream(st, &v),
            Family::TitanText | Family::TitanEmbed => titan::stream(st, &v),
            Family::Nova => nova::stream(st, &v),
            Family::Llama => meta::stream(st, &v),
            Family::CohereCommand | Family::CohereCommandR | Family::CohereEmbed => {
                cohere::stream(st, &v)
            }
            Family::MistralText => mistral::text_stream(st, &v),
            Family::MistralChat | Family::Ai21Jamba | Family::DeepSeek | Family::DeepSeekChat => {
                openai_compat::stream(st, &v)
            }
            Family::Other => generic::stream(st, &v),
        };
        match json::get(&v, INVOCATION_METRICS) {
            Some(m) => {
                st.metrics = Usage::from_invocation_metrics(m);
                ChunkKind::Final
            }
            None => kind,
        }
    }

    /// Whether any output (text, reasoning, tool call) has arrived yet: the time-to-first-token
    /// signal, independent of how the carrying chunk was classified.
    pub(crate) fn content_seen(&self) -> bool {
        self.state.content_seen
    }

    /// The facts gathered so far; usable whether or not the stream completed.
    pub(crate) fn finish(self) -> ResponseFacts {
        self.state.into_facts()
    }
}

/// Token counts from one source.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Usage {
    pub(super) input: Option<u64>,
    pub(super) output: Option<u64>,
    pub(super) cache_read: Option<u64>,
    pub(super) cache_write: Option<u64>,
}

impl Usage {
    fn from_invocation_metrics(m: &Value) -> Self {
        Usage {
            input: json::u64_of(m, "inputTokenCount"),
            output: json::u64_of(m, "outputTokenCount"),
            cache_read: json::u64_of(m, "cacheReadInputTokenCount"),
            cache_write: json::u64_of(m, "cacheWriteInputTokenCount"),
        }
    }
}

/// Where a block sits among a candidate's blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    /// Append to the last block of the same kind (families without block indices).
    Last,
    /// A content-block index (Anthropic, Nova).
    Index(u64),
    /// A tool-call index (OpenAI-style `tool_calls[].index`, Cohere `tool_call_delta.index`).
    Tool(u64),
}

#[derive(Debug)]
enum Block {
    Text(String),
    Reasoning(String),
    Tool {
        id: Option<String>,
        name: String,
        /// Partial JSON text from deltas, parsed at the end.
        args: String,
        /// Arguments that arrived whole (Anthropic's `input` at block start, Cohere).
        whole: Option<Value>,
    },
}

#[derive(Debug)]
struct Choice {
    index: u64,
    blocks: Vec<(Slot, Block)>,
    finish_reason: Option<String>,
}

/// The shared builder the family stream parsers write into.
#[derive(Debug)]
pub(super) struct StreamState {
    /// Counts, id and model reported by the family's own fields.
    pub(super) usage: Usage,
    pub(super) response_id: Option<String>,
    pub(super) response_model: Option<String>,
    metrics: Usage,
    choices: Vec<Choice>,
    content_seen: bool,
    budget: usize,
}

impl Default for StreamState {
    fn default() -> Self {
        StreamState {
            usage: Usage::default(),
            response_id: None,
            response_model: None,
            metrics: Usage::default(),
            choices: Vec::new(),
            content_seen: false,
            budget: MAX_STREAM_TEXT_BYTES,
        }
    }
}

impl StreamState {
    fn choice(&mut self, index: u64) -> Option<&mut Choice> {
        let pos = match self.choices.iter().position(|c| c.index == index) {
            Some(pos) => pos,
            None if self.choices.len() < MAX_CHOICES => {
                self.choices.push(Choice {
                    index,
                    blocks: Vec::new(),
                    finish_reason: None,
                });
                self.choices.len() - 1
            }
            None => return None,
        };
        self.choices.get_mut(pos)
    }

    /// Appends output text. Returns whether it carried any.
    pub(super) fn text(&mut self, choice: u64, slot: Slot, text: &str) -> bool {
        self.append(choice, slot, text, false)
    }

    /// Appends reasoning text. Returns whether it carried any.
    pub(super) fn reasoning(&mut self, choice: u64, slot: Slot, text: &str) -> bool {
        self.append(choice, slot, text, true)
    }

    fn append(&mut self, choice: u64, slot: Slot, text: &str, reasoning: bool) -> bool {
        if text.is_empty() {
            return false;
        }
        let mut budget = self.budget;
        let Some(c) = self.choice(choice) else {
            return false;
        };
        let pos = match slot {
            Slot::Last => c.blocks.last().and_then(|(s, b)| {
                let same = matches!(
                    (b, reasoning),
                    (Block::Text(_), false) | (Block::Reasoning(_), true)
                );
                (same && *s == Slot::Last).then_some(c.blocks.len() - 1)
            }),
            _ => c.blocks.iter().rposition(|(s, _)| *s == slot),
        };
        let pos = match pos {
            Some(pos) => pos,
            None if c.blocks.len() < json::MAX_ITEMS => {
                let b = if reasoning {
                    Block::Reasoning(String::new())
                } else {
                    Block::Text(String::new())
                };
                c.blocks.push((slot, b));
                c.blocks.len() - 1
            }
            None => return false,
        };
        let added = match c.blocks.get_mut(pos) {
            Some((_, Block::Text(s) | Block::Reasoning(s))) => append_capped(s, text, &mut budget),
            // A tool block under this index: text cannot join it.
            _ => false,
        };
        self.budget = budget;
        self.content_seen |= added;
        added
    }

    /// Opens a tool call (or completes its id/name if the slot already has one). Counts as
    /// content: the model has started emitting the call.
    pub(super) fn tool_start(
        &mut self,
        choice: u64,
        slot: Slot,
        id: Option<&str>,
        name: Option<&str>,
        whole: Option<&Value>,
    ) -> bool {
        let Some(c) = self.choice(choice) else {
            return false;
        };
        let existing = match slot {
            Slot::Last => None,
            _ => c.blocks.iter().rposition(|(s, _)| *s == slot),
        };
        if let Some(pos) = existing {
            let Some((
                _,
                Block::Tool {
                    id: i,
                    name: n,
                    whole: w,
                    ..
                },
            )) = c.blocks.get_mut(pos)
            else {
                // Text already sits under this index: not a tool call.
                return false;
            };
            if let Some(id) = id.filter(|s| !s.is_empty()) {
                *i = Some(id.to_owned());
            }
            if let Some(name) = name.filter(|s| !s.is_empty()) {
                *n = name.to_owned();
            }
            if let Some(v) = whole {
                *w = Some(v.clone());
            }
        } else if c.blocks.len() < json::MAX_ITEMS {
            c.blocks.push((
                slot,
                Block::Tool {
                    id: id.map(str::to_owned),
                    name: name.unwrap_or_default().to_owned(),
                    args: String::new(),
                    whole: whole.cloned(),
                },
            ));
        } else {
            return false;
        }
        self.content_seen = true;
        true
    }

    /// Appends partial tool-call argument JSON, opening the call if the start was missed.
    pub(super) fn tool_args(&mut self, choice: u64, slot: Slot, partial: &str) -> bool {
        if partial.is_empty() {
            return false;
        }
        let exists = self.choice(choice).is_some_and(|c| {
            c.blocks
                .iter()
                .any(|(s, b)| *s == slot && matches!(b, Block::Tool { .. }))
        });
        if !exists && !self.tool_start(choice, slot, None, None, None) {
            return false;
        }
        let mut budget = self.budget;
        let added = self
            .choice(choice)
            .and_then(|c| c.blocks.iter_mut().rev().find(|(s, _)| *s == slot))
            .is_some_and(|(_, b)| match b {
                Block::Tool { args, .. } => append_capped(args, partial, &mut budget),
                _ => false,
            });
        self.budget = budget;
        self.content_seen |= added;
        added
    }

    /// Records a candidate's finish reason (last one wins).
    pub(super) fn finish_reason(&mut self, choice: u64, reason: &str) {
        if let Some(c) = self.choice(choice) {
            c.finish_reason = Some(reason.to_owned());
        }
    }

    /// Whether any tool call has been accumulated (Cohere repeats them in its final event).
    pub(super) fn has_tool_calls(&self) -> bool {
        self.choices.iter().any(|c| {
            c.blocks
                .iter()
                .any(|(_, b)| matches!(b, Block::Tool { .. }))
        })
    }

    /// Whether any output text has been accumulated.
    pub(super) fn has_text(&self) -> bool {
        self.choices
            .iter()
            .any(|c| c.blocks.iter().any(|(_, b)| matches!(b, Block::Text(_))))
    }

    fn into_facts(mut self) -> ResponseFacts {
        self.choices.sort_by_key(|c| c.index);
        let finish_reasons = self
            .choices
            .iter()
            .filter_map(|c| c.finish_reason.clone())
            .collect();
        let output_messages = self
            .choices
            .into_iter()
            .map(|c| Message {
                role: "assistant".into(),
                parts: c.blocks.into_iter().map(|(_, b)| block_part(b)).collect(),
                finish_reason: c.finish_reason,
            })
            .collect();
        // The family's own counts are exact and specific; Bedrock's metrics fill the gaps.
        ResponseFacts {
            input_tokens: self.usage.input.or(self.metrics.input),
            output_tokens: self.usage.output.or(self.metrics.output),
            cache_read_input_tokens: self.usage.cache_read.or(self.metrics.cache_read),
            cache_creation_input_tokens: self.usage.cache_write.or(self.metrics.cache_write),
            finish_reasons,
            response_id: self.response_id,
            response_model: self.response_model,
            output_messages,
        }
    }
}

fn block_part(b: Block) -> Part {
    match b {
        Block::Text(t) => Part::Text(t),
        Block::Reasoning(t) => semconv::reasoning(&t),
        Block::Tool {
            id,
            name,
            args,
            whole,
        } => {
            let arguments = if !args.is_empty() {
                json::arguments_from_str(&args)
            } else {
                whole.unwrap_or_else(|| Value::Object(Default::default()))
            };
            Part::ToolCall {
                id,
                name,
                arguments,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_appends_to_the_last_text_block_and_blocks_keep_order() {
        let mut st = StreamState::default();
        assert!(st.text(0, Slot::Last, "Hel"));
        assert!(st.text(0, Slot::Last, "lo"));
        assert!(!st.text(0, Slot::Last, ""));
        assert!(st.tool_start(0, Slot::Tool(0), Some("c1"), Some("f"), None));
        assert!(st.tool_args(0, Slot::Tool(0), "{\"a\""));
        assert!(st.tool_args(0, Slot::Tool(0), ":1}"));
        assert!(st.text(0, Slot::Last, "!"));
        st.finish_reason(0, "stop");
        let f = st.into_facts();
        assert_eq!(f.finish_reasons, vec!["stop"]);
        assert_eq!(
            f.output_messages[0].parts,
            vec![
                Part::Text("Hello".into()),
                Part::ToolCall {
                    id: Some("c1".into()),
                    name: "f".into(),
                    arguments: json!({"a": 1})
                },
                Part::Text("!".into()),
            ]
        );
    }

    #[test]
    fn tool_args_without_start_open_a_call() {
        let mut st = StreamState::default();
        assert!(st.tool_args(0, Slot::Index(3), "{}"));
        assert!(st.has_tool_calls());
    }

    #[test]
    fn text_budget_bounds_memory() {
        let mut st = StreamState {
            budget: 10,
            ..StreamState::default()
        };
        assert!(st.text(0, Slot::Last, "0123456789abc"));
        assert!(!st.text(0, Slot::Last, "more"));
        assert!(!st.tool_args(0, Slot::Tool(0), "{}"));
        let f = st.into_facts();
        assert_eq!(
            f.output_messages[0].parts[0],
            Part::Text("0123456789".into())
        );
    }

    #[test]
    fn candidates_are_capped_and_sorted() {
        let mut st = StreamState::default();
        for i in (0..1000u64).rev() {
            st.text(i, Slot::Last, "x");
        }
        let f = st.into_facts();
        assert_eq!(f.output_messages.len(), MAX_CHOICES);
    }

    #[test]
    fn metrics_fill_only_gaps() {
        let mut acc = StreamAccumulator::new(Family::Other);
        acc.state.usage.input = Some(5);
        let kind = acc.push_chunk(
            br#"{"amazon-bedrock-invocationMetrics":{"inputTokenCount":7,"outputTokenCount":9,"invocationLatency":100,"firstByteLatency":20}}"#,
        );
        assert_eq!(kind, ChunkKind::Final);
        let f = acc.finish();
        assert_eq!((f.input_tokens, f.output_tokens), (Some(5), Some(9)));
    }
}
