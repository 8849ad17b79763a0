//! The OpenAI chat-completions shape (`messages` in; `choices`, `usage` out), which Mistral's
//! chat API, AI21 Jamba, DeepSeek and most imported or newer models speak with small variations:
//! Bedrock's Mistral returns `stop_reason` instead of `finish_reason` and streams `message`
//! instead of `delta`; DeepSeek R1 takes a `prompt` and returns `choices[].text`.

use serde_json::Value;

use super::json::{self, array, get, path, str_of, string_of, u64_of, MAX_STRINGS};
use super::semconv;
use super::stream::{Slot, StreamState, Usage};
use super::{ChunkKind, Message, Part, RequestFacts, ResponseFacts};

pub(super) fn request(body: &Value) -> RequestFacts {
    let mut input_messages: Vec<Message> = array(body, "messages")
        .filter(|m| m.is_object())
        .map(|m| message(m, "user"))
        .collect();
    if input_messages.is_empty() {
        input_messages.extend(str_of(body, "prompt").map(Message::user_text));
    }
    RequestFacts {
        temperature: json::f64_of(body, "temperature"),
        top_p: json::f64_of(body, "top_p"),
        top_k: json::i64_of(body, "top_k"),
        max_tokens: json::first_i64(body, &["max_tokens", "max_completion_tokens"]),
        stop_sequences: json::first_strings(body, &["stop", "stop_sequences"]),
        input_messages,
        tool_names: array(body, "tools")
            .filter_map(|t| {
                path(t, &["function", "name"])
                    .or_else(|| get(t, "name"))?
                    .as_str()
            })
            .take(MAX_STRINGS)
            .map(str::to_owned)
            .collect(),
        ..RequestFacts::default()
    }
}

/// A chat message: `{"role", "content", "tool_calls"?, "tool_call_id"?}`. A `tool` message is
/// the response to the call named by `tool_call_id`.
fn message(m: &Value, default_role: &str) -> Message {
    let role = str_of(m, "role").unwrap_or(default_role);
    if role == "tool" {
        return Message::new(
            "tool",
            vec![Part::ToolResult {
                id: string_of(m, "tool_call_id"),
                content: get(m, "content").cloned().unwrap_or(Value::Null),
            }],
        );
    }
    let mut parts = Vec::new();
    if let Some(r) = str_of(m, "reasoning_content").filter(|r| !r.is_empty()) {
        parts.push(semconv::reasoning(r));
    }
    parts.extend(content_parts(get(m, "content")));
    parts.extend(
        array(m, "tool_calls")
            .filter(|c| c.is_object())
            .map(tool_call),
    );
    Message::new(semconv::role(role), parts)
}

fn content_parts(content: Option<&Value>) -> Vec<Part> {
    match content {
        Some(Value::String(s)) if !s.is_empty() => vec![Part::Text(s.clone())],
        Some(Value::Array(items)) => items
            .iter()
            .take(json::MAX_ITEMS)
            .filter_map(|p| match str_of(p, "type") {
                Some("text") => Some(Part::Text(string_of(p, "text")?)),
                Some("image_url") => {
                    let url = path(p, &["image_url", "url"])
                        .or_else(|| get(p, "image_url"))?
                        .as_str()?;
                    Some(semconv::uri("image", None, url))
                }
                _ => Some(semconv::other(p)),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `{"id", "function": {"name", "arguments": "<json string>"}}`.
fn tool_call(c: &Value) -> Part {
    let f = get(c, "function").unwrap_or(c);
    Part::ToolCall {
        id: string_of(c, "id"),
        name: string_of(f, "name").unwrap_or_default(),
        arguments: match get(f, "arguments") {
            Some(Value::String(s)) => json::arguments_from_str(s),
            Some(v) => v.clone(),
            None => Value::Object(Default::default()),
        },
    }
}

fn usage(body: &Value) -> Usage {
    let Some(u) = get(body, "usage") else {
        return Usage::default();
    };
    Usage {
        input: json::first_u64(u, &["prompt_tokens", "input_tokens"]),
        output: json::first_u64(u, &["completion_tokens", "output_tokens"]),
        cache_read: path(u, &["prompt_tokens_details", "cached_tokens"]).and_then(json::as_u64),
        cache_write: None,
    }
}

fn finish_reason(choice: &Value) -> Option<&str> {
    str_of(choice, "finish_reason").or_else(|| str_of(choice, "stop_reason"))
}

/// `{"id", "model", "choices": [{"index", "message" | "text", "finish_reason" | "stop_reason"}],
/// "usage": {"prompt_tokens", "completion_tokens"}}`.
pub(super) fn response(body: &Value) -> ResponseFacts {
    let u = usage(body);
    let mut f = ResponseFacts {
        input_tokens: u.input,
        output_tokens: u.output,
        cache_read_input_tokens: u.cache_read,
        response_id: string_of(body, "id"),
        response_model: string_of(body, "model"),
        ..ResponseFacts::default()
    };
    for c in array(body, "choices").filter(|c| c.is_object()) {
        let reason = finish_reason(c).map(str::to_owned);
        f.finish_reasons.extend(reason.clone());
        let mut m = match get(c, "message").filter(|m| m.is_object()) {
            Some(m) => message(m, "assistant"),
            None => Message::new("assistant", content_parts(get(c, "text"))),
        };
        m.finish_reason = reason;
        f.output_messages.push(m);
    }
    f
}

/// Chunks: `{"choices": [{"index", "delta" | "message" | "text", "finish_reason" |
/// "stop_reason"}], "usage"?, "id"?, "model"?}`.
pub(super) fn stream(st: &mut StreamState, chunk: &Value) -> ChunkKind {
    let mut kind = ChunkKind::Unknown;
    if let Some(id) = string_of(chunk, "id") {
        st.response_id = Some(id);
    }
    if let Some(model) = string_of(chunk, "model") {
        st.response_model = Some(model);
    }
    if get(chunk, "usage").is_some() {
        let u = usage(chunk);
        let s = &mut st.usage;
        s.input = u.input.or(s.input);
        s.output = u.output.or(s.output);
        s.cache_read = u.cache_read.or(s.cache_read);
        kind = ChunkKind::Metadata;
    }
    let Some(choices) = get(chunk, "choices").and_then(Value::as_array) else {
        return kind;
    };
    kind = ChunkKind::Metadata;
    for (i, c) in choices.iter().take(json::MAX_ITEMS).enumerate() {
        let index = u64_of(c, "index").unwrap_or(i as u64);
        let delta = get(c, "delta").or_else(|| get(c, "message"));
        let mut carried = st.text(index, Slot::Last, str_of(c, "text").unwrap_or_default());
        if let Some(d) = delta {
            carried |= st.reasoning(
                index,
                Slot::Last,
                str_of(d, "reasoning_content").unwrap_or_default(),
            );
            carried |= st.text(index, Slot::Last, str_of(d, "content").unwrap_or_default());
            for (j, t) in array(d, "tool_calls").enumerate() {
                let slot = Slot::Tool(u64_of(t, "index").unwrap_or(j as u64));
                let f = get(t, "function").unwrap_or(&Value::Null);
                let (id, name) = (str_of(t, "id"), str_of(f, "name"));
                if id.is_some() || name.is_some() {
                    carried |= st.tool_start(index, slot, id, name, None);
                }
                match get(f, "arguments") {
                    Some(Value::String(s)) => carried |= st.tool_args(index, slot, s),
                    Some(v) if v.is_object() => {
                        carried |= st.tool_start(index, slot, None, None, Some(v))
                    }
                    _ => {}
                }
            }
        }
        if carried && kind == ChunkKind::Metadata {
            kind = ChunkKind::Content;
        }
        if let Some(reason) = finish_reason(c) {
            st.finish_reason(index, reason);
            kind = ChunkKind::Final;
        }
    }
    kind
}

#[cfg(test)]
mod tests {
    use super::super::{parse_request, parse_response, Family, StreamAccumulator};
    use super::*;
    use serde_json::json;

    #[test]
    fn mistral_chat_request_with_tools() {
        let f = parse_request(
            Family::MistralChat,
            json!({
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                                  {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]},
                    {"role": "assistant", "content": "", "tool_calls": [
                        {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{\"q\":\"cat\"}"}}]},
                    {"role": "tool", "tool_call_id": "call_1", "content": "a cat"}
                ],
                "tools": [{"type": "function", "function": {"name": "lookup", "parameters": {}}}],
                "max_tokens": 200, "temperature": 0.5, "top_p": 0.9
            })
            .to_string()
            .as_bytes(),
        );
        assert_eq!(
            (f.max_tokens, f.temperature, f.top_p),
            (Some(200), Some(0.5), Some(0.9))
        );
        assert_eq!(f.tool_names, vec!["lookup"]);
        assert!(
            f.system.is_empty(),
            "in-history system messages stay messages"
        );
        assert_eq!(f.input_messages.len(), 4);
        assert_eq!(
            f.input_messages[0],
            Message::new("system", vec![Part::Text("Be brief.".into())])
        );
        assert_eq!(
            f.input_messages[1].parts[1],
            semconv::uri("image", None, "data:image/png;base64,AAAA")
        );
        assert_eq!(
            f.input_messages[2].parts,
            vec![Part::ToolCall {
                id: Some("call_1".into()),
                name: "lookup".into(),
                arguments: json!({"q": "cat"})
            }]
        );
        assert_eq!(
            f.input_messages[3],
            Message::new(
                "tool",
                vec![Part::ToolResult {
                    id: Some("call_1".into()),
                    content: json!("a cat")
                }]
            )
        );
    }

    #[test]
    fn mistral_chat_bedrock_response_uses_stop_reason() {
        let f = parse_response(
            Family::MistralChat,
            br#"{"choices":[{"index":0,"message":{"role":"assistant","content":"Hello","tool_calls":null},"stop_reason":"stop"}]}"#,
        );
        assert_eq!(f.finish_reasons, vec!["stop"]);
        assert_eq!(
            f.output_messages,
            vec![Message {
                role: "assistant".into(),
                parts: vec![Part::Text("Hello".into())],
                finish_reason: Some("stop".into())
            }]
        );
        assert_eq!((f.input_tokens, f.output_tokens), (None, None));
    }

    #[test]
    fn jamba_request_response_and_stream() {
        let f = parse_request(
            Family::Ai21Jamba,
            br#"{"messages":[{"role":"user","content":"Hi"}],"max_tokens":100,"temperature":0.7,"top_p":0.8,"stop":["\n\n"],"n":1}"#,
        );
        assert_eq!(f.stop_sequences, vec!["\n\n"]);
        assert_eq!(f.max_tokens, Some(100));
        assert_eq!(f.input_messages, vec![Message::user_text("Hi")]);

        let r = parse_response(
            Family::Ai21Jamba,
            br#"{"id":"chatcmpl-1","choices":[{"index":0,"message":{"role":"assistant","content":"Hello!","tool_calls":null},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8},"model":"jamba-1.5-mini","meta":{"requestDurationMillis":120}}"#,
        );
        assert_eq!(r.response_id.as_deref(), Some("chatcmpl-1"));
        assert_eq!(r.response_model.as_deref(), Some("jamba-1.5-mini"));
        assert_eq!((r.input_tokens, r.output_tokens), (Some(5), Some(3)));
        assert_eq!(r.finish_reasons, vec!["stop"]);

        let mut acc = StreamAccumulator::new(Family::Ai21Jamba);
        let k = [
            acc.push_chunk(br#"{"id":"chatcmpl-2","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#),
            acc.push_chunk(br#"{"id":"chatcmpl-2","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}"#),
            acc.push_chunk(br#"{"id":"chatcmpl-2","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":null}]}"#),
            acc.push_chunk(br#"{"id":"chatcmpl-2","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2},"amazon-bedrock-invocationMetrics":{"inputTokenCount":5,"outputTokenCount":2}}"#),
        ];
        assert_eq!(
            k,
            [
                ChunkKind::Metadata,
                ChunkKind::Content,
                ChunkKind::Content,
                ChunkKind::Final
            ]
        );
        let f = acc.finish();
        assert_eq!(f.response_id.as_deref(), Some("chatcmpl-2"));
        assert_eq!((f.input_tokens, f.output_tokens), (Some(5), Some(2)));
        assert_eq!(f.output_messages[0].parts, vec![Part::Text("Hello".into())]);
        assert_eq!(f.finish_reasons, vec!["stop"]);
    }

    #[test]
    fn mistral_chat_stream_with_message_and_tool_calls() {
        let mut acc = StreamAccumulator::new(Family::MistralChat);
        acc.push_chunk(br#"{"choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"stop_reason":null}]}"#);
        acc.push_chunk(br#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","function":{"name":"f","arguments":"{\"a\""}}]}}]}"#);
        acc.push_chunk(br#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]}}]}"#);
        let k = acc.push_chunk(
            br#"{"choices":[{"index":0,"message":{"content":""},"stop_reason":"tool_calls"}]}"#,
        );
        assert_eq!(k, ChunkKind::Final);
        let f = acc.finish();
        assert_eq!(
            f.output_messages[0].parts,
            vec![
                Part::Text("Hi".into()),
                Part::ToolCall {
                    id: Some("c1".into()),
                    name: "f".into(),
                    arguments: json!({"a": 1})
                }
            ]
        );
        assert_eq!(f.finish_reasons, vec!["tool_calls"]);
    }

    #[test]
    fn deepseek_r1_prompt_shape() {
        let f = parse_request(
            Family::DeepSeek,
            br#"{"prompt":"<|begin_of_sentence|><|User|>Hi<|Assistant|><think>\n","max_tokens":512,"temperature":0.6,"top_p":0.9,"stop":["<|end_of_sentence|>"]}"#,
        );
        assert_eq!(f.max_tokens, Some(512));
        assert_eq!(f.stop_sequences, vec!["<|end_of_sentence|>"]);
        assert_eq!(f.input_messages.len(), 1);

        let r = parse_response(
            Family::DeepSeek,
            br#"{"choices":[{"text":"I think... Hello!","stop_reason":"stop"}]}"#,
        );
        assert_eq!(r.finish_reasons, vec!["stop"]);
        assert_eq!(r.output_messages[0].role, "assistant");
        assert_eq!(
            r.output_messages[0].parts,
            vec![Part::Text("I think... Hello!".into())]
        );

        let mut acc = StreamAccumulator::new(Family::DeepSeek);
        assert_eq!(
            acc.push_chunk(br#"{"choices":[{"text":"Hel","stop_reason":null}]}"#),
            ChunkKind::Content
        );
        assert_eq!(
            acc.push_chunk(br#"{"choices":[{"text":"lo","stop_reason":"stop"}],"amazon-bedrock-invocationMetrics":{"inputTokenCount":10,"outputTokenCount":2}}"#),
            ChunkKind::Final
        );
        let f = acc.finish();
        assert_eq!(f.output_messages[0].parts, vec![Part::Text("Hello".into())]);
        assert_eq!((f.input_tokens, f.output_tokens), (Some(10), Some(2)));
    }

    #[test]
    fn deepseek_messages_shape_with_reasoning() {
        let r = parse_response(
            Family::DeepSeekChat,
            br#"{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"42","reasoning_content":"think"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":9,"prompt_tokens_details":{"cached_tokens":4}}}"#,
        );
        assert_eq!(
            r.output_messages[0].parts,
            vec![semconv::reasoning("think"), Part::Text("42".into())]
        );
        assert_eq!(r.cache_read_input_tokens, Some(4));
    }
}
