//! The GenAI message events ADOT Python's Bedrock instrumentation emits (upstream botocore
//! extension `message_to_event` / `_Choice`), built from the raw JSON so the bodies are the same:
//! the request's content blocks as sent, `tool_calls` in the `{"type":"function","id",
//! "function":{"name","arguments"}}` form, one `gen_ai.tool.message` per tool result, and
//! `gen_ai.choice` as `{"finish_reason","index","message"}`.

use serde_json::{json, Map, Value};

use crate::families::{Family, Message, Part, ResponseFacts};

pub(crate) const SYSTEM_MESSAGE: &str = "gen_ai.system.message";
pub(crate) const USER_MESSAGE: &str = "gen_ai.user.message";
pub(crate) const ASSISTANT_MESSAGE: &str = "gen_ai.assistant.message";
pub(crate) const TOOL_MESSAGE: &str = "gen_ai.tool.message";
pub(crate) const CHOICE: &str = "gen_ai.choice";

/// Most messages turned into events from one request (a long history is cut, newest kept).
const MAX_MESSAGES: usize = 256;

/// One log event: its name and body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Event {
    pub(crate) name: &'static str,
    pub(crate) body: Value,
}

fn event(name: &'static str, body: Map<String, Value>) -> Event {
    Event {
        name,
        body: Value::Object(body),
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Number(_) => true,
    }
}

/// The input events of a request body (Converse, or any InvokeModel family): the system prompt,
/// then one event per message (tool results first, as their own `gen_ai.tool.message`s). A body
/// without `messages` contributes its prompt (`inputText`, `message` or `prompt`) as one user
/// message (Cohere Embed: its `texts`).
pub(crate) fn request_events(body: &Value) -> Vec<Event> {
    let mut out = Vec::new();
    let Some(object) = body.as_object() else {
        return out;
    };
    if let Some(system) = object.get("system").filter(|s| truthy(s)) {
        let content = match system {
            Value::String(s) => json!([{ "text": s }]),
            other => other.clone(),
        };
        let mut b = Map::new();
        b.insert("content".into(), content);
        out.push(event(SYSTEM_MESSAGE, b));
    }
    let messages: Vec<Value> = match object.get("messages").and_then(Value::as_array) {
        Some(m) if !m.is_empty() => {
            let skip = m.len().saturating_sub(MAX_MESSAGES);
            m[skip..].to_vec()
        }
        _ => match ["inputText", "message", "prompt"]
            .iter()
            .find_map(|k| object.get(*k).and_then(Value::as_str))
            .filter(|p| !p.is_empty())
        {
            Some(p) => vec![json!({"role": "user", "content": [{ "text": p }]})],
            // Cohere Embed: the texts to embed, as one user message.
            None => match object.get("texts").and_then(Value::as_array) {
                Some(texts) if !texts.is_empty() => {
                    let blocks: Vec<Value> = texts
                        .iter()
                        .filter_map(Value::as_str)
                        .map(|t| json!({ "text": t }))
                        .collect();
                    vec![json!({"role": "user", "content": blocks})]
                }
                _ => Vec::new(),
            },
        },
    };
    for message in &messages {
        message_events(message, &mut out);
    }
    out
}

fn message_events(message: &Value, out: &mut Vec<Event>) {
    let role = message
        .get("role")
        .and_then(Value::as_str)
        .unwrap_or("user");
    let content = message.get("content");
    let mut body = Map::new();
    if let Some(c) = content.filter(|c| truthy(c)) {
        body.insert("content".into(), c.clone());
    }
    let name = match role {
        "system" => SYSTEM_MESSAGE,
        "assistant" => {
            if let Some(calls) = tool_calls(message) {
                body.insert("tool_calls".into(), Value::Array(calls));
            }
            ASSISTANT_MESSAGE
        }
        "tool" => TOOL_MESSAGE,
        _ => {
            for result in tool_results(content) {
                out.push(event(TOOL_MESSAGE, result));
            }
            USER_MESSAGE
        }
    };
    out.push(event(name, body));
}

/// `tool_calls` of an assistant message: Converse `toolUse` blocks, else Anthropic `tool_use`
/// blocks, else an OpenAI-style `tool_calls` array as sent.
fn tool_calls(message: &Value) -> Option<Vec<Value>> {
    let content = message.get("content").and_then(Value::as_array);
    let converse: Vec<&Value> = content
        .into_iter()
        .flatten()
        .filter_map(|b| b.get("toolUse"))
        .collect();
    let (uses, id_key) = if converse.is_empty() {
        let anthropic: Vec<&Value> = content
            .into_iter()
            .flatten()
            .filter(|b| b.get("type").and_then(Value::as_str) == Some("tool_use"))
            .collect();
        (anthropic, "id")
    } else {
        (converse, "toolUseId")
    };
    if uses.is_empty() {
        return message
            .get("tool_calls")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .cloned();
    }
    Some(
        uses.into_iter()
            .map(|u| {
                let mut call = Map::new();
                call.insert("type".into(), json!("function"));
                if let Some(id) = u.get(id_key).filter(|v| truthy(v)) {
                    call.insert("id".into(), id.clone());
                }
                let mut function = Map::new();
                if let Some(name) = u.get("name").filter(|v| truthy(v)) {
                    function.insert("name".into(), name.clone());
                }
                if let Some(input) = u.get("input").filter(|v| truthy(v)) {
                    function.insert("arguments".into(), input.clone());
                }
                if !function.is_empty() {
                    call.insert("function".into(), Value::Object(function));
                }
                Value::Object(call)
            })
            .collect(),
    )
}

/// One `{"id","content"}` body per tool result of a user message (Converse `toolResult` or
/// Anthropic `tool_result` blocks).
fn tool_results(content: Option<&Value>) -> Vec<Map<String, Value>> {
    let Some(blocks) = content.and_then(Value::as_array) else {
        return Vec::new();
    };
    let converse: Vec<&Value> = blocks.iter().filter_map(|b| b.get("toolResult")).collect();
    let (results, id_key) = if converse.is_empty() {
        let anthropic: Vec<&Value> = blocks
            .iter()
            .filter(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"))
            .collect();
        (anthropic, "tool_use_id")
    } else {
        (converse, "toolUseId")
    };
    results
        .into_iter()
        .map(|r| {
            let mut body = Map::new();
            if let Some(id) = r.get(id_key).filter(|v| truthy(v)) {
                body.insert("id".into(), id.clone());
            }
            if let Some(c) = r.get("content").filter(|v| truthy(v)) {
                body.insert("content".into(), c.clone());
            }
            body
        })
        .collect()
}

fn choice(message: Map<String, Value>, finish_reason: Option<&Value>, index: usize) -> Event {
    let mut body = Map::new();
    body.insert(
        "finish_reason".into(),
        finish_reason.cloned().unwrap_or(Value::Null),
    );
    body.insert("index".into(), json!(index));
    body.insert("message".into(), Value::Object(message));
    event(CHOICE, body)
}

fn text_message(text: Option<&Value>) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(t) = text.filter(|t| !t.is_null()) {
        m.insert("content".into(), t.clone());
    }
    m
}

/// A Converse-shaped message (`{"role","content":[blocks]}`): `tool_calls` replace the content
/// when the message has tool uses (ADOT's `_Choice.from_converse`).
fn converse_message(message: &Value) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(role) = message.get("role").filter(|r| truthy(r)) {
        m.insert("role".into(), role.clone());
    }
    match tool_calls(message) {
        Some(calls) => {
            m.insert("tool_calls".into(), Value::Array(calls));
        }
        None => {
            if let Some(c) = message.get("content") {
                m.insert("content".into(), c.clone());
            }
        }
    }
    m
}

/// The `gen_ai.choice` events of a Converse response body.
pub(crate) fn converse_choices(response: &Value) -> Vec<Event> {
    match response.pointer("/output/message") {
        Some(message) if message.is_object() => vec![choice(
            converse_message(message),
            response.get("stopReason"),
            0,
        )],
        _ => Vec::new(),
    }
}

/// The `gen_ai.choice` events of an InvokeModel response body of `family`; `facts` (what the
/// families parser read) serve the families ADOT has no shape for.
pub(crate) fn invoke_choices(
    family: Family,
    response: &Value,
    facts: &ResponseFacts,
) -> Vec<Event> {
    let first = |key: &str| response.get(key).and_then(|a| a.get(0));
    match family {
        Family::TitanEmbed | Family::CohereEmbed => Vec::new(),
        Family::Nova => converse_choices(response),
        Family::AnthropicMessages => {
            if !response.is_object() {
                return Vec::new();
            }
            vec![choice(
                converse_message(response),
                response.get("stop_reason"),
                0,
            )]
        }
        Family::AnthropicCompletions => {
            simple(response.get("completion"), response.get("stop_reason"))
        }
        Family::TitanText => match first("results") {
            Some(r) => simple(r.get("outputText"), r.get("completionReason")),
            None => Vec::new(),
        },
        Family::CohereCommandR => simple(response.get("text"), response.get("finish_reason")),
        Family::CohereCommand => match first("generations") {
            Some(g) => simple(g.get("text"), g.get("finish_reason")),
            None => Vec::new(),
        },
        Family::Llama => simple(response.get("generation"), response.get("stop_reason")),
        Family::MistralText => match first("outputs") {
            Some(o) => simple(o.get("text"), o.get("stop_reason")),
            None => Vec::new(),
        },
        _ => match response.get("choices").and_then(Value::as_array) {
            Some(choices) if !choices.is_empty() => choices
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let message = match c.get("message") {
                        Some(m) if m.is_object() => {
                            let mut out = Map::new();
                            for key in ["role", "content", "tool_calls"] {
                                if let Some(v) = m.get(key).filter(|v| truthy(v)) {
                                    out.insert(key.into(), v.clone());
                                }
                            }
                            out
                        }
                        _ => text_message(c.get("text")),
                    };
                    choice(message, c.get("finish_reason").or(c.get("stop_reason")), i)
                })
                .collect(),
            _ => facts_choices(facts),
        },
    }
}

fn simple(text: Option<&Value>, finish_reason: Option<&Value>) -> Vec<Event> {
    if text.is_none() && finish_reason.is_none() {
        return Vec::new();
    }
    vec![choice(text_message(text), finish_reason, 0)]
}

/// `gen_ai.choice` events from accumulated facts (streams, and families ADOT has no shape for):
/// per output message, a Converse-shaped message (text blocks), or its `tool_calls`.
pub(crate) fn facts_choices(facts: &ResponseFacts) -> Vec<Event> {
    facts
        .output_messages
        .iter()
        .enumerate()
        .filter(|(_, m)| !m.parts.is_empty() || m.finish_reason.is_some())
        .map(|(i, m)| {
            let reason = m.finish_reason.as_ref().map(|r| json!(r));
            choice(message_body(m), reason.as_ref(), i)
        })
        .collect()
}

fn message_body(m: &Message) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("role".into(), json!(m.role));
    let calls: Vec<Value> = m
        .parts
        .iter()
        .filter_map(|p| match p {
            Part::ToolCall {
                id,
                name,
                arguments,
            } => {
                let mut call = Map::new();
                call.insert("type".into(), json!("function"));
                if let Some(id) = id {
                    call.insert("id".into(), json!(id));
                }
                call.insert(
                    "function".into(),
                    json!({"name": name, "arguments": arguments}),
                );
                Some(Value::Object(call))
            }
            _ => None,
        })
        .collect();
    if !calls.is_empty() {
        out.insert("tool_calls".into(), Value::Array(calls));
        return out;
    }
    let blocks: Vec<Value> = m
        .parts
        .iter()
        .filter_map(|p| match p {
            Part::Text(t) => Some(json!({ "text": t })),
            Part::Other(v) => Some(v.clone()),
            _ => None,
        })
        .collect();
    out.insert("content".into(), Value::Array(blocks));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(events: &[Event]) -> Vec<&'static str> {
        events.iter().map(|e| e.name).collect()
    }

    #[test]
    fn converse_request_events_match_adot() {
        let body = json!({
            "system": [{"text": "You are a terse assistant."}],
            "messages": [
                {"role": "user", "content": [{"text": "What does the OTLP protocol carry?"}]},
                {"role": "assistant", "content": [
                    {"text": "Calling web_search."},
                    {"toolUse": {"toolUseId": "t1", "name": "web_search", "input": {"query": "otlp"}}}
                ]},
                {"role": "user", "content": [
                    {"toolResult": {"toolUseId": "t1", "content": [{"json": {"results": ["r0"]}}]}}
                ]}
            ],
            "inferenceConfig": {"maxTokens": 200}
        });
        let events = request_events(&body);
        assert_eq!(
            names(&events),
            [
                SYSTEM_MESSAGE,
                USER_MESSAGE,
                ASSISTANT_MESSAGE,
                TOOL_MESSAGE,
                USER_MESSAGE
            ]
        );
        assert_eq!(
            events[0].body,
            json!({"content": [{"text": "You are a terse assistant."}]})
        );
        assert_eq!(
            events[2].body["tool_calls"],
            json!([{"type": "function", "id": "t1",
                    "function": {"name": "web_search", "arguments": {"query": "otlp"}}}])
        );
        assert_eq!(
            events[3].body,
            json!({"id": "t1", "content": [{"json": {"results": ["r0"]}}]})
        );
    }

    #[test]
    fn prompt_families_become_one_user_message() {
        let events = request_events(&json!({"prompt": "hello", "max_gen_len": 5}));
        assert_eq!(names(&events), [USER_MESSAGE]);
        assert_eq!(events[0].body, json!({"content": [{"text": "hello"}]}));
        let titan = request_events(&json!({"inputText": "embed me"}));
        let cohere = request_events(&json!({"texts": ["a", "b"], "input_type": "search_query"}));
        assert_eq!(
            cohere[0].body,
            json!({"content": [{"text": "a"}, {"text": "b"}]})
        );
        assert_eq!(titan[0].body, json!({"content": [{"text": "embed me"}]}));
        let anthropic = request_events(&json!({"system": "be brief", "messages": [
            {"role": "user", "content": "hi"}
        ]}));
        assert_eq!(
            anthropic[0].body,
            json!({"content": [{"text": "be brief"}]})
        );
        assert_eq!(anthropic[1].body, json!({"content": "hi"}));
        assert!(request_events(&json!([1])).is_empty());
        assert!(request_events(&json!({})).is_empty());
    }

    #[test]
    fn choices() {
        let converse = json!({
            "output": {"message": {"role": "assistant", "content": [{"text": "Fake answer"}]}},
            "stopReason": "end_turn"
        });
        assert_eq!(
            converse_choices(&converse)[0].body,
            json!({"finish_reason": "end_turn", "index": 0,
                   "message": {"role": "assistant", "content": [{"text": "Fake answer"}]}})
        );
        let titan = json!({"results": [{"outputText": "t", "completionReason": "FINISH"}]});
        assert_eq!(
            invoke_choices(Family::TitanText, &titan, &ResponseFacts::default())[0].body,
            json!({"finish_reason": "FINISH", "index": 0, "message": {"content": "t"}})
        );
        let claude = json!({"role": "assistant", "stop_reason": "tool_use", "content": [
            {"type": "text", "text": "x"},
            {"type": "tool_use", "id": "tu1", "name": "f", "input": {"a": 1}}
        ]});
        let c = invoke_choices(
            Family::AnthropicMessages,
            &claude,
            &ResponseFacts::default(),
        );
        assert_eq!(
            c[0].body["message"],
            json!({"role": "assistant", "tool_calls": [
                {"type": "function", "id": "tu1", "function": {"name": "f", "arguments": {"a": 1}}}
            ]})
        );
        let jamba = json!({"choices": [{"message": {"role": "assistant", "content": "j"}, "finish_reason": "stop"}]});
        assert_eq!(
            invoke_choices(Family::Ai21Jamba, &jamba, &ResponseFacts::default())[0].body,
            json!({"finish_reason": "stop", "index": 0, "message": {"role": "assistant", "content": "j"}})
        );
        assert!(invoke_choices(
            Family::TitanEmbed,
            &json!({"embedding": [0.1]}),
            &ResponseFacts::default()
        )
        .is_empty());
        assert!(invoke_choices(Family::Llama, &json!({}), &ResponseFacts::default()).is_empty());
    }

    #[test]
    fn choices_from_stream_facts() {
        let facts = ResponseFacts {
            output_messages: vec![Message {
                role: "assistant".into(),
                parts: vec![Part::Text("hello".into())],
                finish_reason: Some("end_turn".into()),
            }],
            ..ResponseFacts::default()
        };
        assert_eq!(
            facts_choices(&facts)[0].body,
            json!({"finish_reason": "end_turn", "index": 0,
                   "message": {"role": "assistant", "content": [{"text": "hello"}]}})
        );
        assert!(facts_choices(&ResponseFacts::default()).is_empty());
    }
}
