//! The GenAI semantic-convention JSON for messages, and constructors for the part types that
//! have no [`Part`] variant of their own.
//!
//! Schema: `gen_ai.input.messages` / `gen_ai.output.messages` are arrays of
//! `{"role", "parts": [...], "finish_reason"?}`; `gen_ai.system_instructions` is an array of
//! parts. Parts are `text` (`content`), `tool_call` (`id`, `name`, `arguments`),
//! `tool_call_response` (`id`, `response`), `blob` (`modality`, `mime_type`, `content` base64),
//! `uri` (`modality`, `mime_type`, `uri`), `reasoning` (`content`) or any object with a `type`.

use serde_json::{json, Map, Value};

use super::{Message, Part};

/// `gen_ai.input.messages` / `gen_ai.output.messages` JSON. `finish_reason` is written for the
/// messages that have one (output messages whose candidate reported a reason); it is left out,
/// not invented, when a stream ended before saying why.
pub(crate) fn to_semconv_json(messages: &[Message]) -> Value {
    Value::Array(messages.iter().map(message_json).collect())
}

/// `gen_ai.system_instructions` JSON: one text part per instruction block.
pub(crate) fn system_instructions_json(system: &[String]) -> Value {
    Value::Array(
        system
            .iter()
            .map(|s| json!({"type": "text", "content": s}))
            .collect(),
    )
}

fn message_json(m: &Message) -> Value {
    let mut o = Map::new();
    o.insert("role".into(), Value::String(m.role.clone()));
    o.insert(
        "parts".into(),
        Value::Array(m.parts.iter().map(part_json).collect()),
    );
    if let Some(reason) = &m.finish_reason {
        o.insert("finish_reason".into(), Value::String(reason.clone()));
    }
    Value::Object(o)
}

fn part_json(p: &Part) -> Value {
    match p {
        Part::Text(t) => json!({"type": "text", "content": t}),
        Part::ToolCall {
            id,
            name,
            arguments,
        } => {
            let mut o = Map::new();
            o.insert("type".into(), json!("tool_call"));
            if let Some(id) = id {
                o.insert("id".into(), json!(id));
            }
            o.insert("name".into(), json!(name));
            o.insert("arguments".into(), arguments.clone());
            Value::Object(o)
        }
        Part::ToolResult { id, content } => {
            let mut o = Map::new();
            o.insert("type".into(), json!("tool_call_response"));
            if let Some(id) = id {
                o.insert("id".into(), json!(id));
            }
            o.insert("response".into(), content.clone());
            Value::Object(o)
        }
        Part::Other(v) => typed(v.clone()),
    }
}

/// Guarantees the `type` every part must have; provider blocks normally carry one already.
fn typed(v: Value) -> Value {
    match v {
        Value::Object(o) if o.get("type").is_some_and(Value::is_string) => Value::Object(o),
        other => json!({"type": "unknown", "content": other}),
    }
}

/// A provider block with no convention equivalent, passed through with a `type`.
pub(super) fn other(block: &Value) -> Part {
    Part::Other(typed(block.clone()))
}

/// Inline binary content (base64), e.g. an image in the request.
pub(super) fn blob(modality: &str, mime_type: Option<&str>, content: &str) -> Part {
    let mut o = Map::new();
    o.insert("type".into(), json!("blob"));
    o.insert("modality".into(), json!(modality));
    if let Some(m) = mime_type {
        o.insert("mime_type".into(), json!(m));
    }
    o.insert("content".into(), json!(content));
    Part::Other(Value::Object(o))
}

/// Content referenced by URI (S3 location, URL, data URL).
pub(super) fn uri(modality: &str, mime_type: Option<&str>, uri: &str) -> Part {
    let mut o = Map::new();
    o.insert("type".into(), json!("uri"));
    o.insert("modality".into(), json!(modality));
    if let Some(m) = mime_type {
        o.insert("mime_type".into(), json!(m));
    }
    o.insert("uri".into(), json!(uri));
    Part::Other(Value::Object(o))
}

/// Model reasoning ("thinking") text.
pub(super) fn reasoning(text: &str) -> Part {
    Part::Other(json!({"type": "reasoning", "content": text}))
}

/// Maps a provider role onto the convention's `system` / `user` / `assistant` / `tool`.
pub(super) fn role(provider_role: &str) -> String {
    match provider_role {
        "CHATBOT" | "chatbot" | "model" | "ASSISTANT" => "assistant".into(),
        "USER" => "user".into(),
        "SYSTEM" => "system".into(),
        "TOOL" => "tool".into(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_follow_the_schema() {
        let msgs = vec![
            Message {
                role: "user".into(),
                parts: vec![
                    Part::Text("hi".into()),
                    Part::ToolResult {
                        id: Some("t1".into()),
                        content: json!("sunny"),
                    },
                ],
                finish_reason: None,
            },
            Message {
                role: "assistant".into(),
                parts: vec![
                    Part::ToolCall {
                        id: None,
                        name: "get_weather".into(),
                        arguments: json!({"city": "Paris"}),
                    },
                    reasoning("hmm"),
                    Part::Other(json!([1, 2])),
                ],
                finish_reason: Some("tool_use".into()),
            },
        ];
        assert_eq!(
            to_semconv_json(&msgs),
            json!([
                {"role": "user", "parts": [
                    {"type": "text", "content": "hi"},
                    {"type": "tool_call_response", "id": "t1", "response": "sunny"}
                ]},
                {"role": "assistant", "parts": [
                    {"type": "tool_call", "name": "get_weather", "arguments": {"city": "Paris"}},
                    {"type": "reasoning", "content": "hmm"},
                    {"type": "unknown", "content": [1, 2]}
                ], "finish_reason": "tool_use"}
            ])
        );
    }

    #[test]
    fn system_instructions_are_text_parts() {
        assert_eq!(
            system_instructions_json(&["a".into(), "b".into()]),
            json!([{"type": "text", "content": "a"}, {"type": "text", "content": "b"}])
        );
    }

    #[test]
    fn blob_and_uri_parts() {
        assert_eq!(
            blob("image", Some("image/png"), "AAAA"),
            Part::Other(
                json!({"type": "blob", "modality": "image", "mime_type": "image/png", "content": "AAAA"})
            )
        );
        assert_eq!(
            uri("video", None, "s3://b/k"),
            Part::Other(json!({"type": "uri", "modality": "video", "uri": "s3://b/k"}))
        );
    }
}
