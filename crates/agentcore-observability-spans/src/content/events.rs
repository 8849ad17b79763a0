//! Content values and the GenAI log events built from them.
//!
//! Event names and bodies follow the GenAI event conventions of semantic conventions v1.28–v1.36
//! (the shape ADOT's Bedrock instrumentation emits): one event per message, the role in the event
//! name, the rest of the message as the body.

use std::borrow::Cow;
use std::collections::HashMap;

use opentelemetry::logs::AnyValue;
use opentelemetry::Key;
use serde_json::{Map, Value};

use crate::attr::event;

/// A content value handed to the helpers: JSON (`serde_json::Value`, borrowed or owned) or text
/// (usually JSON already serialized, e.g. the messages array of the semantic conventions).
///
/// Borrowed forms cost nothing when content capture is off.
///
/// ```
/// use agentcore_observability_spans::content::MessageContent;
///
/// let json = serde_json::json!([{"role": "user", "parts": [{"type": "text", "content": "hi"}]}]);
/// assert_eq!(
///     MessageContent::from(&json).to_json_string(),
///     r#"[{"parts":[{"content":"hi","type":"text"}],"role":"user"}]"#
/// );
/// assert_eq!(MessageContent::from("plain text").to_json_string(), "plain text");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum MessageContent<'a> {
    /// A JSON value.
    Json(Cow<'a, Value>),
    /// Text, recorded as is.
    Text(Cow<'a, str>),
}

impl MessageContent<'_> {
    /// An owned copy (no copy when already owned).
    pub fn into_owned(self) -> MessageContent<'static> {
        match self {
            MessageContent::Json(v) => MessageContent::Json(Cow::Owned(v.into_owned())),
            MessageContent::Text(t) => MessageContent::Text(Cow::Owned(t.into_owned())),
        }
    }

    /// The value as a span attribute string: JSON serialized, text as is.
    pub fn to_json_string(&self) -> String {
        match self {
            MessageContent::Json(v) => v.to_string(),
            MessageContent::Text(t) => t.to_string(),
        }
    }

    /// The value as JSON: text that parses as JSON is parsed, other text becomes a JSON string.
    pub(crate) fn to_value(&self) -> Value {
        match self {
            MessageContent::Json(v) => v.as_ref().clone(),
            MessageContent::Text(t) => parse_or_string(t),
        }
    }
}

/// `text` parsed as JSON when it is JSON, else a JSON string.
pub(crate) fn parse_or_string(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

impl From<Value> for MessageContent<'static> {
    fn from(value: Value) -> Self {
        MessageContent::Json(Cow::Owned(value))
    }
}

impl<'a> From<&'a Value> for MessageContent<'a> {
    fn from(value: &'a Value) -> Self {
        MessageContent::Json(Cow::Borrowed(value))
    }
}

impl<'a> From<&'a str> for MessageContent<'a> {
    fn from(text: &'a str) -> Self {
        MessageContent::Text(Cow::Borrowed(text))
    }
}

impl<'a> From<&'a String> for MessageContent<'a> {
    fn from(text: &'a String) -> Self {
        MessageContent::Text(Cow::Borrowed(text.as_str()))
    }
}

impl From<String> for MessageContent<'static> {
    fn from(text: String) -> Self {
        MessageContent::Text(Cow::Owned(text))
    }
}

/// Deeper JSON is rendered as a string instead of nested maps.
const MAX_DEPTH: usize = 32;

/// A JSON value as a log-record [`AnyValue`]: objects become maps (`null` members are left out),
/// arrays lists, integers `Int` (beyond `i64`: `Double`), other numbers `Double`; `null` elsewhere
/// becomes the string `"null"`. Nesting deeper than 32 levels is kept as a JSON string.
///
/// ```
/// use agentcore_observability_spans::content::json_to_any_value;
/// use opentelemetry::logs::AnyValue;
///
/// assert_eq!(json_to_any_value(&serde_json::json!(3)), AnyValue::Int(3));
/// ```
pub fn json_to_any_value(value: &Value) -> AnyValue {
    convert(value, 0)
}

fn convert(value: &Value, depth: usize) -> AnyValue {
    match value {
        Value::Null => AnyValue::from("null"),
        Value::Bool(b) => AnyValue::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => AnyValue::Int(i),
            None => AnyValue::Double(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => AnyValue::from(s.clone()),
        _ if depth >= MAX_DEPTH => AnyValue::from(value.to_string()),
        Value::Array(items) => AnyValue::ListAny(Box::new(
            items.iter().map(|v| convert(v, depth + 1)).collect(),
        )),
        Value::Object(map) => {
            let mut out: HashMap<Key, AnyValue> = HashMap::with_capacity(map.len());
            for (k, v) in map.iter().filter(|(_, v)| !v.is_null()) {
                out.insert(Key::new(k.clone()), convert(v, depth + 1));
            }
            AnyValue::Map(Box::new(out))
        }
    }
}

/// The event of a message role.
fn event_for_role(role: &str) -> Option<&'static str> {
    match role {
        "system" | "developer" => Some(event::SYSTEM_MESSAGE),
        "user" | "human" => Some(event::USER_MESSAGE),
        "assistant" | "model" | "ai" => Some(event::ASSISTANT_MESSAGE),
        "tool" | "function" => Some(event::TOOL_MESSAGE),
        _ => None,
    }
}

/// One input message: a known role names the event and leaves the body; anything else is a user
/// message (an object keeps its fields, other values become `{"content": value}`).
fn input_event(message: Value) -> (&'static str, Value) {
    match message {
        Value::Object(mut map) => {
            let known = map
                .get("role")
                .and_then(Value::as_str)
                .and_then(event_for_role);
            match known {
                Some(name) => {
                    map.remove("role");
                    (name, Value::Object(map))
                }
                None => (event::USER_MESSAGE, Value::Object(map)),
            }
        }
        other => (event::USER_MESSAGE, content_body(other)),
    }
}

fn content_body(content: Value) -> Value {
    let mut map = Map::new();
    map.insert("content".into(), content);
    Value::Object(map)
}

/// Input messages (an array of messages, one message, or any value) as events.
pub(crate) fn input_events(messages: Value) -> Vec<(&'static str, Value)> {
    match messages {
        Value::Array(items) => items.into_iter().map(input_event).collect(),
        other => vec![input_event(other)],
    }
}

/// System instructions as one `gen_ai.system.message` event with `{"content": …}`.
pub(crate) fn system_instruction_events(instructions: Value) -> Vec<(&'static str, Value)> {
    vec![(event::SYSTEM_MESSAGE, content_body(instructions))]
}

/// Output messages as `gen_ai.choice` events: `{"index", "finish_reason", "message"}`. The finish
/// reason is the message's own `finish_reason`, else the response's reason at the same index.
pub(crate) fn output_events(
    messages: Value,
    finish_reasons: &[String],
) -> Vec<(&'static str, Value)> {
    let items = match messages {
        Value::Array(items) => items,
        other => vec![other],
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, message)| {
            let (message, own_reason) = match message {
                Value::Object(mut map) => {
                    let reason = map.remove("finish_reason");
                    (Value::Object(map), reason)
                }
                other => (content_body(other), None),
            };
            let reason =
                own_reason.or_else(|| finish_reasons.get(index).map(|r| Value::String(r.clone())));
            let mut body = Map::new();
            body.insert("index".into(), Value::from(index));
            if let Some(reason) = reason {
                body.insert("finish_reason".into(), reason);
            }
            body.insert("message".into(), message);
            (event::CHOICE, Value::Object(body))
        })
        .collect()
}

/// A tool call's arguments as the `gen_ai.assistant.message` that asked for it:
/// `{"tool_calls": [{"id", "type": "function", "function": {"name", "arguments"}}]}`.
pub(crate) fn tool_call_event(
    name: Option<&str>,
    call_id: Option<&str>,
    arguments: Value,
) -> (&'static str, Value) {
    let mut function = Map::new();
    if let Some(name) = name {
        function.insert("name".into(), Value::from(name));
    }
    function.insert("arguments".into(), arguments);
    let mut call = Map::new();
    if let Some(id) = call_id {
        call.insert("id".into(), Value::from(id));
    }
    call.insert("type".into(), Value::from("function"));
    call.insert("function".into(), Value::Object(function));
    let mut body = Map::new();
    body.insert("tool_calls".into(), Value::Array(vec![Value::Object(call)]));
    (event::ASSISTANT_MESSAGE, Value::Object(body))
}

/// A tool's result as a `gen_ai.tool.message`: `{"id", "content"}`.
pub(crate) fn tool_result_event(call_id: Option<&str>, result: Value) -> (&'static str, Value) {
    let mut body = Map::new();
    if let Some(id) = call_id {
        body.insert("id".into(), Value::from(id));
    }
    body.insert("content".into(), result);
    (event::TOOL_MESSAGE, Value::Object(body))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn input_messages_become_one_event_per_role() {
        let events = input_events(json!([
            {"role": "system", "parts": [{"type": "text", "content": "be brief"}]},
            {"role": "user", "parts": [{"type": "text", "content": "hi"}]},
            {"role": "assistant", "content": "hello"},
            {"role": "tool", "id": "c1", "content": "42"},
            {"role": "narrator", "content": "?"},
            "bare text"
        ]));
        let names: Vec<_> = events.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                event::SYSTEM_MESSAGE,
                event::USER_MESSAGE,
                event::ASSISTANT_MESSAGE,
                event::TOOL_MESSAGE,
                event::USER_MESSAGE,
                event::USER_MESSAGE
            ]
        );
        assert_eq!(
            events[1].1,
            json!({"parts": [{"type": "text", "content": "hi"}]})
        );
        assert_eq!(events[4].1["role"], "narrator", "unknown roles are kept");
        assert_eq!(events[5].1, json!({"content": "bare text"}));
        assert_eq!(input_events(json!("just a prompt")).len(), 1);
    }

    #[test]
    fn output_messages_become_choices() {
        let events = output_events(
            json!([
                {"role": "assistant", "content": "a", "finish_reason": "stop"},
                {"role": "assistant", "content": "b"}
            ]),
            &["ignored".into(), "length".into()],
        );
        assert_eq!(
            events[0].1,
            json!({"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "a"}})
        );
        assert_eq!(events[1].1["finish_reason"], "length");
        let single = output_events(json!("text"), &[]);
        assert_eq!(
            single[0].1,
            json!({"index": 0, "message": {"content": "text"}})
        );
    }

    #[test]
    fn tool_events() {
        let (name, body) = tool_call_event(Some("search"), Some("c1"), json!({"q": "x"}));
        assert_eq!(name, event::ASSISTANT_MESSAGE);
        assert_eq!(
            body,
            json!({"tool_calls": [{"id": "c1", "type": "function", "function": {"name": "search", "arguments": {"q": "x"}}}]})
        );
        let (name, body) = tool_result_event(None, json!("done"));
        assert_eq!(name, event::TOOL_MESSAGE);
        assert_eq!(body, json!({"content": "done"}));
    }

    #[test]
    fn json_conversion() {
        let v = json!({"a": 1, "b": 1.5, "c": [true, null], "d": null, "e": u64::MAX});
        let AnyValue::Map(map) = json_to_any_value(&v) else {
            panic!("map expected")
        };
        assert_eq!(map.get(&Key::new("a")), Some(&AnyValue::Int(1)));
        assert_eq!(map.get(&Key::new("b")), Some(&AnyValue::Double(1.5)));
        assert!(!map.contains_key(&Key::new("d")));
        assert!(matches!(map.get(&Key::new("e")), Some(AnyValue::Double(_))));
        // Deep nesting is cut to a string instead of recursing without bound.
        let mut deep = json!(1);
        for _ in 0..200 {
            deep = json!([deep]);
        }
        let mut any = json_to_any_value(&deep);
        let mut depth = 0;
        while let AnyValue::ListAny(items) = any {
            any = items.into_iter().next().unwrap_or(AnyValue::Int(0));
            depth += 1;
        }
        assert_eq!(depth, MAX_DEPTH);
        assert!(matches!(any, AnyValue::String(_)));
    }

    #[test]
    fn text_that_is_json_is_parsed() {
        assert_eq!(parse_or_string(r#"{"a":1}"#), json!({"a": 1}));
        assert_eq!(parse_or_string("not json"), json!("not json"));
    }
}
