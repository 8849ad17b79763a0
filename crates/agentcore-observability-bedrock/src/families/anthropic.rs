//! Anthropic Claude: the Messages API and the legacy Text Completions API.

use serde_json::Value;

use super::json::{self, array, get, i64_of, str_of, string_of, u64_of, MAX_STRINGS};
use super::semconv;
use super::stream::{Slot, StreamState};
use super::{ChunkKind, Message, Part, RequestFacts, ResponseFacts};

pub(super) fn messages_request(body: &Value) -> RequestFacts {
    RequestFacts {
        temperature: json::f64_of(body, "temperature"),
        top_p: json::f64_of(body, "top_p"),
        top_k: i64_of(body, "top_k"),
        max_tokens: i64_of(body, "max_tokens"),
        stop_sequences: json::strings(get(body, "stop_sequences")),
        system: system(get(body, "system")),
        input_messages: array(body, "messages")
            .filter(|m| m.is_object())
            .map(|m| {
                Message::new(
                    str_of(m, "role").unwrap_or("user"),
                    content_parts(get(m, "content")),
                )
            })
            .collect(),
        tool_names: array(body, "tools")
            .filter_map(|t| string_of(t, "name"))
            .take(MAX_STRINGS)
            .collect(),
    }
}

/// `system` is a string or an array of text blocks (the array form carries `cache_control`).
fn system(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(blocks)) => blocks
            .iter()
            .filter_map(|b| string_of(b, "text"))
            .take(MAX_STRINGS)
            .collect(),
        _ => Vec::new(),
    }
}

/// Message `content`: a string, or an array of typed blocks.
fn content_parts(content: Option<&Value>) -> Vec<Part> {
    match content {
        Some(Value::String(s)) => vec![Part::Text(s.clone())],
        Some(Value::Array(blocks)) => blocks
            .iter()
            .take(json::MAX_ITEMS)
            .filter_map(block_part)
            .collect(),
        _ => Vec::new(),
    }
}

fn block_part(b: &Value) -> Option<Part> {
    Some(match str_of(b, "type")? {
        "text" => Part::Text(string_of(b, "text")?),
        "tool_use" | "server_tool_use" => Part::ToolCall {
            id: string_of(b, "id"),
            name: string_of(b, "name").unwrap_or_default(),
            arguments: get(b, "input")
                .cloned()
                .unwrap_or_else(|| Value::Object(Default::default())),
        },
        "tool_result" => Part::ToolResult {
            id: string_of(b, "tool_use_id"),
            content: get(b, "content").cloned().unwrap_or(Value::Null),
        },
        "thinking" => semconv::reasoning(str_of(b, "thinking")?),
        "image" => {
            let src = get(b, "source")?;
            let mime = str_of(src, "media_type");
            match str_of(src, "type") {
                Some("base64") => semconv::blob("image", mime, str_of(src, "data")?),
                Some("url") => semconv::uri("image", mime, str_of(src, "url")?),
                _ => semconv::other(b),
            }
        }
        _ => semconv::other(b),
    })
}

pub(super) fn messages_response(body: &Value) -> ResponseFacts {
    let usage = get(body, "usage");
    let count = |key: &str| usage.and_then(|u| u64_of(u, key));
    let stop_reason = string_of(body, "stop_reason");
    let output_messages = match get(body, "content") {
        Some(content @ Value::Array(_)) => vec![Message {
            role: string_of(body, "role").unwrap_or_else(|| "assistant".into()),
            parts: content_parts(Some(content)),
            finish_reason: stop_reason.clone(),
        }],
        _ => Vec::new(),
    };
    ResponseFacts {
        input_tokens: count("input_tokens"),
        output_tokens: count("output_tokens"),
        cache_read_input_tokens: count("cache_read_input_tokens"),
        cache_creation_input_tokens: count("cache_creation_input_tokens"),
        finish_reasons: stop_reason.into_iter().collect(),
        response_id: string_of(body, "id"),
        response_model: string_of(body, "model"),
        output_messages,
    }
}

/// Messages API stream events: `message_start`, `content_block_start`, `content_block_delta`,
/// `content_block_stop`, `message_delta`, `message_stop`, `ping`.
pub(super) fn messages_stream(st: &mut StreamState, ev: &Value) -> ChunkKind {
    match str_of(ev, "type") {
        Some("message_start") => {
            let Some(msg) = get(ev, "message") else {
                return ChunkKind::Metadata;
            };
            st.response_id = string_of(msg, "id").or(st.response_id.take());
            st.response_model = string_of(msg, "model").or(st.response_model.take());
            // `usage.output_tokens` here is a running count (usually 1); the real total comes
            // in `message_delta`, so only input-side counts are taken.
            if let Some(u) = get(msg, "usage") {
                take_usage(st, u, false);
            }
            ChunkKind::Metadata
        }
        Some("content_block_start") => {
            let slot = Slot::Index(json::u64_of(ev, "index").unwrap_or(0));
            let Some(block) = get(ev, "content_block") else {
                return ChunkKind::Metadata;
            };
            let carried = match str_of(block, "type") {
                Some("text") => st.text(0, slot, str_of(block, "text").unwrap_or_default()),
                Some("thinking") => {
                    st.reasoning(0, slot, str_of(block, "thinking").unwrap_or_default())
                }
                Some("tool_use" | "server_tool_use") => {
                    // `input` is always `{}` here; real arguments arrive as JSON deltas.
                    let whole = get(block, "input")
                        .filter(|v| v.as_object().is_some_and(|o| !o.is_empty()));
                    st.tool_start(0, slot, str_of(block, "id"), str_of(block, "name"), whole)
                }
                _ => false,
            };
            content_or_metadata(carried)
        }
        Some("content_block_delta") => {
            let slot = Slot::Index(json::u64_of(ev, "index").unwrap_or(0));
            let Some(delta) = get(ev, "delta") else {
                return ChunkKind::Metadata;
            };
            let carried = match str_of(delta, "type") {
                Some("text_delta") => st.text(0, slot, str_of(delta, "text").unwrap_or_default()),
                Some("input_json_delta") => {
                    st.tool_args(0, slot, str_of(delta, "partial_json").unwrap_or_default())
                }
                Some("thinking_delta") => {
                    st.reasoning(0, slot, str_of(delta, "thinking").unwrap_or_default())
                }
                // `signature_delta`, `citations_delta`: not output tokens a user sees.
                _ => false,
            };
            content_or_metadata(carried)
        }
        Some("message_delta") => {
            if let Some(reason) = get(ev, "delta").and_then(|d| str_of(d, "stop_reason")) {
                st.finish_reason(0, reason);
            }
            if let Some(u) = get(ev, "usage") {
                take_usage(st, u, true);
            }
            ChunkKind::Metadata
        }
        Some("message_stop") => ChunkKind::Final,
        Some("content_block_stop" | "ping") => ChunkKind::Metadata,
        _ => ChunkKind::Unknown,
    }
}

fn take_usage(st: &mut StreamState, u: &Value, with_output: bool) {
    let u_ = &mut st.usage;
    u_.input = u64_of(u, "input_tokens").or(u_.input);
    u_.cache_read = u64_of(u, "cache_read_input_tokens").or(u_.cache_read);
    u_.cache_write = u64_of(u, "cache_creation_input_tokens").or(u_.cache_write);
    if with_output {
        u_.output = u64_of(u, "output_tokens").or(u_.output);
    }
}

fn content_or_metadata(carried: bool) -> ChunkKind {
    if carried {
        ChunkKind::Content
    } else {
        ChunkKind::Metadata
    }
}

pub(super) fn completions_request(body: &Value) -> RequestFacts {
    RequestFacts {
        temperature: json::f64_of(body, "temperature"),
        top_p: json::f64_of(body, "top_p"),
        top_k: i64_of(body, "top_k"),
        max_tokens: i64_of(body, "max_tokens_to_sample"),
        stop_sequences: json::strings(get(body, "stop_sequences")),
        input_messages: str_of(body, "prompt")
            .map(Message::user_text)
            .into_iter()
            .collect(),
        ..RequestFacts::default()
    }
}

/// `{"completion", "stop_reason", "stop"}`; no id, no usage (the headers have the counts).
pub(super) fn completions_response(body: &Value) -> ResponseFacts {
    let stop_reason = string_of(body, "stop_reason");
    ResponseFacts {
        finish_reasons: stop_reason.clone().into_iter().collect(),
        output_messages: str_of(body, "completion")
            .map(|c| Message {
                finish_reason: stop_reason,
                ..Message::new("assistant", vec![Part::Text(c.to_owned())])
            })
            .into_iter()
            .collect(),
        ..ResponseFacts::default()
    }
}

/// Each chunk is a partial completions body; the last one has a `stop_reason`.
pub(super) fn completions_stream(st: &mut StreamState, chunk: &Value) -> ChunkKind {
    let text = str_of(chunk, "completion");
    let carried = st.text(0, Slot::Last, text.unwrap_or_default());
    if let Some(reason) = str_of(chunk, "stop_reason") {
        st.finish_reason(0, reason);
        return ChunkKind::Final;
    }
    match (carried, text.is_some()) {
        (true, _) => ChunkKind::Content,
        (false, true) => ChunkKind::Metadata,
        (false, false) => ChunkKind::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_request, parse_response, ChunkKind, Family, StreamAccumulator};
    use super::*;
    use serde_json::json;

    fn req(v: Value) -> RequestFacts {
        parse_request(Family::AnthropicMessages, v.to_string().as_bytes())
    }

    #[test]
    fn messages_request_with_tools_blocks_and_system_blocks() {
        let f = req(json!({
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 200, "temperature": 0.5, "top_p": 0.9, "top_k": 250,
            "stop_sequences": ["STOP"],
            "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
            "tools": [{"name": "get_weather", "description": "d", "input_schema": {"type": "object"}}],
            "messages": [
                {"role": "user", "content": "Weather in Paris?"},
                {"role": "assistant", "content": [
                    {"type": "thinking", "thinking": "use the tool", "signature": "sig"},
                    {"type": "text", "text": "Let me check."},
                    {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Paris"}}
                ]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_01", "content": [{"type": "text", "text": "sunny"}]},
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"}},
                    {"type": "document", "source": {"type": "text", "data": "doc"}}
                ]}
            ]
        }));
        assert_eq!(f.max_tokens, Some(200));
        assert_eq!(f.temperature, Some(0.5));
        assert_eq!(f.top_p, Some(0.9));
        assert_eq!(f.top_k, Some(250));
        assert_eq!(f.stop_sequences, vec!["STOP"]);
        assert_eq!(f.system, vec!["Be brief."]);
        assert_eq!(f.tool_names, vec!["get_weather"]);
        assert_eq!(f.input_messages.len(), 3);
        assert_eq!(f.input_messages[0], Message::user_text("Weather in Paris?"));
        assert_eq!(f.input_messages[1].role, "assistant");
        assert_eq!(
            f.input_messages[1].parts,
            vec![
                semconv::reasoning("use the tool"),
                Part::Text("Let me check.".into()),
                Part::ToolCall {
                    id: Some("toolu_01".into()),
                    name: "get_weather".into(),
                    arguments: json!({"city": "Paris"})
                },
            ]
        );
        assert_eq!(
            f.input_messages[2].parts,
            vec![
                Part::ToolResult {
                    id: Some("toolu_01".into()),
                    content: json!([{"type": "text", "text": "sunny"}])
                },
                semconv::blob("image", Some("image/png"), "iVBOR"),
                Part::Other(json!({"type": "document", "source": {"type": "text", "data": "doc"}})),
            ]
        );
    }

    #[test]
    fn messages_request_string_system_and_reference_values() {
        // Span 8 of the ADOT reference output.
        let f = req(json!({
            "anthropic_version": "bedrock-2023-05-31", "max_tokens": 200,
            "temperature": 0.5, "top_p": 0.9, "stop_sequences": ["STOP"],
            "system": "You are terse.",
            "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
        }));
        assert_eq!(f.system, vec!["You are terse."]);
        assert_eq!(f.top_k, None);
        assert_eq!(f.input_messages, vec![Message::user_text("hi")]);
    }

    #[test]
    fn messages_response_with_cache_tokens_and_tool_use() {
        let body = json!({
            "id": "msg_bdrk_01ABC", "type": "message", "role": "assistant",
            "model": "claude-3-haiku-20240307",
            "content": [
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "toolu_bdrk_01", "name": "get_weather", "input": {"city": "Paris"}}
            ],
            "stop_reason": "tool_use", "stop_sequence": null,
            "usage": {"input_tokens": 11, "output_tokens": 10,
                      "cache_creation_input_tokens": 3, "cache_read_input_tokens": 100}
        });
        let f = parse_response(Family::AnthropicMessages, body.to_string().as_bytes());
        assert_eq!(f.input_tokens, Some(11));
        assert_eq!(f.output_tokens, Some(10));
        assert_eq!(f.cache_read_input_tokens, Some(100));
        assert_eq!(f.cache_creation_input_tokens, Some(3));
        assert_eq!(f.finish_reasons, vec!["tool_use"]);
        assert_eq!(f.response_id.as_deref(), Some("msg_bdrk_01ABC"));
        assert_eq!(f.response_model.as_deref(), Some("claude-3-haiku-20240307"));
        assert_eq!(f.output_messages.len(), 1);
        let m = &f.output_messages[0];
        assert_eq!(m.role, "assistant");
        assert_eq!(m.finish_reason.as_deref(), Some("tool_use"));
        assert_eq!(m.parts.len(), 2);
    }

    fn stream(family: Family, chunks: &[Value]) -> (Vec<ChunkKind>, StreamAccumulator) {
        let mut acc = StreamAccumulator::new(family);
        let kinds = chunks
            .iter()
            .map(|c| acc.push_chunk(c.to_string().as_bytes()))
            .collect();
        (kinds, acc)
    }

    #[test]
    fn messages_stream_text_tool_and_usage() {
        let (kinds, acc) = stream(
            Family::AnthropicMessages,
            &[
                json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant",
                    "content": [], "model": "claude-3-haiku-20240307", "stop_reason": null,
                    "usage": {"input_tokens": 11, "output_tokens": 1, "cache_read_input_tokens": 4}}}),
                json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
                json!({"type": "ping"}),
                json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}}),
                json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": " world"}}),
                json!({"type": "content_block_stop", "index": 0}),
                json!({"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}}),
                json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": ""}}),
                json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "{\"city\": \"Pa"}}),
                json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "ris\"}"}}),
                json!({"type": "content_block_stop", "index": 1}),
                json!({"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": null}, "usage": {"output_tokens": 10}}),
                json!({"type": "message_stop", "amazon-bedrock-invocationMetrics": {"inputTokenCount": 11, "outputTokenCount": 10, "invocationLatency": 500, "firstByteLatency": 100}}),
            ],
        );
        use ChunkKind::*;
        assert_eq!(
            kinds,
            vec![
                Metadata, Metadata, Metadata, Content, Content, Metadata, Content, Metadata,
                Content, Content, Metadata, Metadata, Final
            ]
        );
        assert!(acc.content_seen());
        let f = acc.finish();
        assert_eq!(f.input_tokens, Some(11));
        assert_eq!(f.output_tokens, Some(10));
        assert_eq!(f.cache_read_input_tokens, Some(4));
        assert_eq!(f.response_id.as_deref(), Some("msg_1"));
        assert_eq!(f.finish_reasons, vec!["tool_use"]);
        assert_eq!(
            f.output_messages,
            vec![Message {
                role: "assistant".into(),
                parts: vec![
                    Part::Text("Hello world".into()),
                    Part::ToolCall {
                        id: Some("toolu_1".into()),
                        name: "get_weather".into(),
                        arguments: json!({"city": "Paris"})
                    }
                ],
                finish_reason: Some("tool_use".into()),
            }]
        );
    }

    #[test]
    fn messages_stream_thinking_and_metrics_fallback() {
        let (kinds, acc) = stream(
            Family::AnthropicMessages,
            &[
                json!({"type": "message_start", "message": {"id": "msg_2", "usage": {}}}),
                json!({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}}),
                json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Let me think"}}),
                json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "xx"}}),
                json!({"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}}),
                json!({"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "42"}}),
                json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}}),
                json!({"type": "message_stop", "amazon-bedrock-invocationMetrics": {"inputTokenCount": 20, "outputTokenCount": 30}}),
                json!({"type": "some_future_event"}),
            ],
        );
        assert_eq!(kinds[2], ChunkKind::Content);
        assert_eq!(kinds[3], ChunkKind::Metadata);
        assert_eq!(kinds[8], ChunkKind::Unknown);
        let f = acc.finish();
        assert_eq!((f.input_tokens, f.output_tokens), (Some(20), Some(30)));
        assert_eq!(
            f.output_messages[0].parts,
            vec![semconv::reasoning("Let me think"), Part::Text("42".into())]
        );
    }

    #[test]
    fn completions_request_response_and_stream() {
        let f = parse_request(
            Family::AnthropicCompletions,
            json!({"prompt": "\n\nHuman: Hi\n\nAssistant:", "max_tokens_to_sample": 300,
                   "temperature": 0.5, "top_k": 250, "top_p": 1, "stop_sequences": ["\n\nHuman:"],
                   "anthropic_version": "bedrock-2023-05-31"})
            .to_string()
            .as_bytes(),
        );
        assert_eq!(f.max_tokens, Some(300));
        assert_eq!(f.top_p, Some(1.0));
        assert_eq!(f.top_k, Some(250));
        assert_eq!(f.stop_sequences, vec!["\n\nHuman:"]);
        assert_eq!(
            f.input_messages,
            vec![Message::user_text("\n\nHuman: Hi\n\nAssistant:")]
        );

        let r = parse_response(
            Family::AnthropicCompletions,
            br#"{"completion":" Hello!","stop_reason":"stop_sequence","stop":"\n\nHuman:"}"#,
        );
        assert_eq!(r.finish_reasons, vec!["stop_sequence"]);
        assert_eq!(r.input_tokens, None);
        assert_eq!(
            r.output_messages[0].parts,
            vec![Part::Text(" Hello!".into())]
        );
        assert_eq!(
            r.output_messages[0].finish_reason.as_deref(),
            Some("stop_sequence")
        );

        let (kinds, acc) = stream(
            Family::AnthropicCompletions,
            &[
                json!({"completion": " Hel", "stop_reason": null, "stop": null}),
                json!({"completion": "lo", "stop_reason": null, "stop": null}),
                json!({"completion": "", "stop_reason": "stop_sequence", "stop": "\n\nHuman:",
                       "amazon-bedrock-invocationMetrics": {"inputTokenCount": 12, "outputTokenCount": 3}}),
            ],
        );
        assert_eq!(
            kinds,
            vec![ChunkKind::Content, ChunkKind::Content, ChunkKind::Final]
        );
        let f = acc.finish();
        assert_eq!((f.input_tokens, f.output_tokens), (Some(12), Some(3)));
        assert_eq!(
            f.output_messages[0].parts,
            vec![Part::Text(" Hello".into())]
        );
        assert_eq!(f.finish_reasons, vec!["stop_sequence"]);
    }

    #[test]
    fn wrong_types_are_ignored() {
        let f = req(json!({
            "max_tokens": "200", "temperature": [1], "system": 5, "stop_sequences": "END",
            "messages": [5, {"role": 1, "content": {"x": 1}}, {"content": [{"type": "text"}, 3, {"type": "tool_use"}]}],
            "tools": "x"
        }));
        assert_eq!(f.max_tokens, None);
        assert_eq!(f.temperature, None);
        assert_eq!(f.stop_sequences, vec!["END"]);
        assert_eq!(f.input_messages.len(), 2);
        assert_eq!(f.input_messages[0].role, "user");
        assert!(f.input_messages[0].parts.is_empty());
        assert_eq!(
            f.input_messages[1].parts,
            vec![Part::ToolCall {
                id: None,
                name: String::new(),
                arguments: json!({})
            }]
        );
    }
}
