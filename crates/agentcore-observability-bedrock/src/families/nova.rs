//! Amazon Nova understanding models (Micro, Lite, Pro, Premier): the Converse-like
//! `messages-v1` schema.

use serde_json::Value;

use super::json::{self, array, get, path, str_of, string_of, u64_of, MAX_STRINGS};
use super::semconv;
use super::stream::{Slot, StreamState, Usage};
use super::{ChunkKind, Message, Part, RequestFacts, ResponseFacts};

pub(super) fn request(body: &Value) -> RequestFacts {
    let cfg = get(body, "inferenceConfig").unwrap_or(&Value::Null);
    RequestFacts {
        // Nova documents snake_case keys for InvokeModel and accepts Converse's camelCase too.
        temperature: json::f64_of(cfg, "temperature"),
        top_p: json::first_f64(cfg, &["topP", "top_p"]),
        top_k: json::first_i64(cfg, &["topK", "top_k"]),
        max_tokens: json::first_i64(cfg, &["max_new_tokens", "maxTokens"]),
        stop_sequences: json::strings(get(cfg, "stopSequences")),
        system: array(body, "system")
            .filter_map(|b| string_of(b, "text"))
            .take(MAX_STRINGS)
            .collect(),
        input_messages: array(body, "messages")
            .filter(|m| m.is_object())
            .map(|m| {
                Message::new(
                    str_of(m, "role").unwrap_or("user"),
                    content_parts(get(m, "content")),
                )
            })
            .collect(),
        tool_names: path(body, &["toolConfig", "tools"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| path(t, &["toolSpec", "name"])?.as_str())
            .take(MAX_STRINGS)
            .map(str::to_owned)
            .collect(),
    }
}

/// Content blocks are single-key objects: `text`, `image`, `video`, `document`, `toolUse`,
/// `toolResult`, `reasoningContent`, `cachePoint`.
fn content_parts(content: Option<&Value>) -> Vec<Part> {
    content
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .take(json::MAX_ITEMS)
        .filter_map(block_part)
        .collect()
}

fn block_part(b: &Value) -> Option<Part> {
    if let Some(t) = str_of(b, "text") {
        return Some(Part::Text(t.to_owned()));
    }
    if let Some(u) = get(b, "toolUse") {
        return Some(Part::ToolCall {
            id: string_of(u, "toolUseId"),
            name: string_of(u, "name").unwrap_or_default(),
            arguments: get(u, "input")
                .cloned()
                .unwrap_or_else(|| Value::Object(Default::default())),
        });
    }
    if let Some(r) = get(b, "toolResult") {
        return Some(Part::ToolResult {
            id: string_of(r, "toolUseId"),
            content: get(r, "content").cloned().unwrap_or(Value::Null),
        });
    }
    if let Some(t) = path(b, &["reasoningContent", "reasoningText", "text"]).and_then(Value::as_str)
    {
        return Some(semconv::reasoning(t));
    }
    for modality in ["image", "video"] {
        if let Some(m) = get(b, modality) {
            let mime = str_of(m, "format").map(|f| format!("{modality}/{f}"));
            let src = get(m, "source").unwrap_or(&Value::Null);
            if let Some(bytes) = str_of(src, "bytes") {
                return Some(semconv::blob(modality, mime.as_deref(), bytes));
            }
            if let Some(uri) = path(src, &["s3Location", "uri"]).and_then(Value::as_str) {
                return Some(semconv::uri(modality, mime.as_deref(), uri));
            }
        }
    }
    // `cachePoint` marks a cache boundary; it is not content.
    if get(b, "cachePoint").is_some() {
        return None;
    }
    let o = b.as_object()?;
    // Keep unknown blocks visible, typed by their single key (`document`, …).
    let (key, value) = o.iter().next()?;
    Some(Part::Other(
        serde_json::json!({"type": key, "content": value}),
    ))
}

/// `{"output": {"message": {"role", "content"}}, "stopReason", "usage": {...}}`.
pub(super) fn response(body: &Value) -> ResponseFacts {
    let usage = usage(get(body, "usage"));
    let stop_reason = string_of(body, "stopReason");
    let output_messages = match path(body, &["output", "message"]) {
        Some(m) if m.is_object() => vec![Message {
            role: string_of(m, "role").unwrap_or_else(|| "assistant".into()),
            parts: content_parts(get(m, "content")),
            finish_reason: stop_reason.clone(),
        }],
        _ => Vec::new(),
    };
    ResponseFacts {
        input_tokens: usage.input,
        output_tokens: usage.output,
        cache_read_input_tokens: usage.cache_read,
        cache_creation_input_tokens: usage.cache_write,
        finish_reasons: stop_reason.into_iter().collect(),
        output_messages,
        ..ResponseFacts::default()
    }
}

fn usage(u: Option<&Value>) -> Usage {
    let Some(u) = u else {
        return Usage::default();
    };
    Usage {
        input: u64_of(u, "inputTokens"),
        output: u64_of(u, "outputTokens"),
        cache_read: json::first_u64(u, &["cacheReadInputTokenCount", "cacheReadInputTokens"]),
        cache_write: json::first_u64(u, &["cacheWriteInputTokenCount", "cacheWriteInputTokens"]),
    }
}

/// Stream events: `messageStart`, `contentBlockStart`, `contentBlockDelta`, `contentBlockStop`,
/// `messageStop` (stop reason), then `metadata` (usage) as the last event.
pub(super) fn stream(st: &mut StreamState, ev: &Value) -> ChunkKind {
    let block_slot = |v: &Value| Slot::Index(u64_of(v, "contentBlockIndex").unwrap_or(0));
    if let Some(start) = get(ev, "contentBlockStart").filter(|v| v.is_object()) {
        let slot = block_slot(start);
        let carried = match path(start, &["start", "toolUse"]) {
            Some(t) => st.tool_start(0, slot, str_of(t, "toolUseId"), str_of(t, "name"), None),
            None => false,
        };
        return content_or_metadata(carried);
    }
    if let Some(cbd) = get(ev, "contentBlockDelta") {
        let slot = block_slot(cbd);
        let delta = get(cbd, "delta").unwrap_or(&Value::Null);
        let mut carried = st.text(0, slot, str_of(delta, "text").unwrap_or_default());
        if let Some(input) = path(delta, &["toolUse", "input"]).and_then(Value::as_str) {
            carried |= st.tool_args(0, slot, input);
        }
        let reasoning = path(delta, &["reasoningContent", "text"])
            .or_else(|| path(delta, &["reasoningContent", "reasoningText", "text"]))
            .and_then(Value::as_str);
        carried |= st.reasoning(0, slot, reasoning.unwrap_or_default());
        return content_or_metadata(carried);
    }
    if let Some(stop) = get(ev, "messageStop") {
        if let Some(reason) = str_of(stop, "stopReason") {
            st.finish_reason(0, reason);
        }
        return ChunkKind::Metadata;
    }
    if let Some(meta) = get(ev, "metadata") {
        let u = usage(get(meta, "usage"));
        let s = &mut st.usage;
        s.input = u.input.or(s.input);
        s.output = u.output.or(s.output);
        s.cache_read = u.cache_read.or(s.cache_read);
        s.cache_write = u.cache_write.or(s.cache_write);
        return ChunkKind::Final;
    }
    if get(ev, "messageStart").is_some() || get(ev, "contentBlockStop").is_some() {
        return ChunkKind::Metadata;
    }
    ChunkKind::Unknown
}

fn content_or_metadata(carried: bool) -> ChunkKind {
    if carried {
        ChunkKind::Content
    } else {
        ChunkKind::Metadata
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_request, parse_response, Family, StreamAccumulator};
    use super::*;
    use serde_json::json;

    #[test]
    fn request_reference_values_and_tools() {
        // Span 11 of the ADOT reference output, plus tools and multimodal content.
        let f = parse_request(
            Family::Nova,
            json!({
                "schemaVersion": "messages-v1",
                "system": [{"text": "Be brief."}],
                "messages": [
                    {"role": "user", "content": [
                        {"text": "What is in this picture?"},
                        {"image": {"format": "png", "source": {"bytes": "iVBOR"}}},
                        {"video": {"format": "mp4", "source": {"s3Location": {"uri": "s3://b/v.mp4"}}}},
                        {"cachePoint": {"type": "default"}}
                    ]},
                    {"role": "assistant", "content": [
                        {"toolUse": {"toolUseId": "tu1", "name": "lookup", "input": {"q": "cat"}}}
                    ]},
                    {"role": "user", "content": [
                        {"toolResult": {"toolUseId": "tu1", "content": [{"json": {"a": 1}}], "status": "success"}},
                        {"document": {"format": "pdf", "name": "d"}}
                    ]}
                ],
                "inferenceConfig": {"max_new_tokens": 200, "temperature": 0.5, "top_p": 0.9, "top_k": 20, "stopSequences": ["STOP"]},
                "toolConfig": {"tools": [{"toolSpec": {"name": "lookup", "inputSchema": {"json": {}}}}]}
            })
            .to_string()
            .as_bytes(),
        );
        assert_eq!(f.max_tokens, Some(200));
        assert_eq!(f.temperature, Some(0.5));
        assert_eq!(f.top_p, Some(0.9));
        assert_eq!(f.top_k, Some(20));
        assert_eq!(f.stop_sequences, vec!["STOP"]);
        assert_eq!(f.system, vec!["Be brief."]);
        assert_eq!(f.tool_names, vec!["lookup"]);
        assert_eq!(
            f.input_messages[0].parts,
            vec![
                Part::Text("What is in this picture?".into()),
                semconv::blob("image", Some("image/png"), "iVBOR"),
                semconv::uri("video", Some("video/mp4"), "s3://b/v.mp4"),
            ]
        );
        assert_eq!(
            f.input_messages[1].parts,
            vec![Part::ToolCall {
                id: Some("tu1".into()),
                name: "lookup".into(),
                arguments: json!({"q": "cat"})
            }]
        );
        assert_eq!(
            f.input_messages[2].parts[0],
            Part::ToolResult {
                id: Some("tu1".into()),
                content: json!([{"json": {"a": 1}}])
            }
        );
        assert_eq!(
            f.input_messages[2].parts[1],
            Part::Other(json!({"type": "document", "content": {"format": "pdf", "name": "d"}}))
        );
    }

    #[test]
    fn request_camel_case_config() {
        let f = parse_request(
            Family::Nova,
            br#"{"messages":[],"inferenceConfig":{"maxTokens":50,"topP":0.3,"topK":5}}"#,
        );
        assert_eq!(
            (f.max_tokens, f.top_p, f.top_k),
            (Some(50), Some(0.3), Some(5))
        );
    }

    #[test]
    fn response_with_cache_and_tool_use() {
        let f = parse_response(
            Family::Nova,
            json!({
                "output": {"message": {"role": "assistant", "content": [
                    {"reasoningContent": {"reasoningText": {"text": "hmm"}}},
                    {"text": "Calling."},
                    {"toolUse": {"toolUseId": "tu2", "name": "lookup", "input": {"q": "dog"}}}
                ]}},
                "stopReason": "tool_use",
                "usage": {"inputTokens": 11, "outputTokens": 10, "totalTokens": 21,
                          "cacheReadInputTokenCount": 7, "cacheWriteInputTokenCount": 2}
            })
            .to_string()
            .as_bytes(),
        );
        assert_eq!((f.input_tokens, f.output_tokens), (Some(11), Some(10)));
        assert_eq!(
            (f.cache_read_input_tokens, f.cache_creation_input_tokens),
            (Some(7), Some(2))
        );
        assert_eq!(f.finish_reasons, vec!["tool_use"]);
        assert_eq!(f.output_messages[0].parts.len(), 3);
        assert_eq!(f.output_messages[0].parts[0], semconv::reasoning("hmm"));
        assert_eq!(
            f.output_messages[0].finish_reason.as_deref(),
            Some("tool_use")
        );
    }

    #[test]
    fn stream_text_tool_and_metadata() {
        let mut acc = StreamAccumulator::new(Family::Nova);
        let chunks = [
            json!({"messageStart": {"role": "assistant"}}),
            json!({"contentBlockDelta": {"delta": {"text": "Hel"}, "contentBlockIndex": 0}}),
            json!({"contentBlockDelta": {"delta": {"text": "lo"}, "contentBlockIndex": 0}}),
            json!({"contentBlockStop": {"contentBlockIndex": 0}}),
            json!({"contentBlockStart": {"start": {"toolUse": {"toolUseId": "tu3", "name": "lookup"}}, "contentBlockIndex": 1}}),
            json!({"contentBlockDelta": {"delta": {"toolUse": {"input": "{\"q\":\"x\"}"}}, "contentBlockIndex": 1}}),
            json!({"contentBlockStop": {"contentBlockIndex": 1}}),
            json!({"messageStop": {"stopReason": "tool_use"}}),
            json!({"metadata": {"usage": {"inputTokens": 11, "outputTokens": 10, "cacheReadInputTokenCount": 0},
                   "metrics": {}, "trace": {}},
                   "amazon-bedrock-invocationMetrics": {"inputTokenCount": 11, "outputTokenCount": 10}}),
        ];
        let kinds: Vec<_> = chunks
            .iter()
            .map(|c| acc.push_chunk(c.to_string().as_bytes()))
            .collect();
        use ChunkKind::*;
        assert_eq!(
            kinds,
            vec![Metadata, Content, Content, Metadata, Content, Content, Metadata, Metadata, Final]
        );
        let f = acc.finish();
        assert_eq!((f.input_tokens, f.output_tokens), (Some(11), Some(10)));
        assert_eq!(f.cache_read_input_tokens, Some(0));
        assert_eq!(f.finish_reasons, vec!["tool_use"]);
        assert_eq!(
            f.output_messages[0].parts,
            vec![
                Part::Text("Hello".into()),
                Part::ToolCall {
                    id: Some("tu3".into()),
                    name: "lookup".into(),
                    arguments: json!({"q": "x"})
                }
            ]
        );
    }

    #[test]
    fn stream_unknown_events() {
        let mut acc = StreamAccumulator::new(Family::Nova);
        assert_eq!(
            acc.push_chunk(br#"{"somethingNew":{}}"#),
            ChunkKind::Unknown
        );
        assert_eq!(
            acc.push_chunk(br#"{"contentBlockStart":5}"#),
            ChunkKind::Unknown
        );
        assert_eq!(
            acc.push_chunk(br#"{"contentBlockDelta":{"delta":7}}"#),
            ChunkKind::Metadata
        );
        assert!(!acc.content_seen());
    }
}
