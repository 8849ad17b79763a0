//! Cohere: Command (generate API), Command R / R+ (chat API) and Embed.

use serde_json::Value;

use super::json::{self, array, get, path, str_of, string_of, u64_of, MAX_STRINGS};
use super::semconv;
use super::stream::{Slot, StreamState, Usage};
use super::{ChunkKind, Message, Part, RequestFacts, ResponseFacts};

/// The sampling parameters both text APIs share (`p`/`k` are Cohere's names for top-p/top-k).
fn sampling(body: &Value) -> RequestFacts {
    RequestFacts {
        temperature: json::f64_of(body, "temperature"),
        top_p: json::f64_of(body, "p"),
        top_k: json::i64_of(body, "k"),
        max_tokens: json::i64_of(body, "max_tokens"),
        stop_sequences: json::strings(get(body, "stop_sequences")),
        ..RequestFacts::default()
    }
}

pub(super) fn command_request(body: &Value) -> RequestFacts {
    RequestFacts {
        input_messages: str_of(body, "prompt")
            .map(Message::user_text)
            .into_iter()
            .collect(),
        ..sampling(body)
    }
}

/// `{"id", "generations": [{"id", "text", "finish_reason"}], "prompt"}`: no usage in the
/// body, so no token counts (ADOT estimates `len / 6`).
pub(super) fn command_response(body: &Value) -> ResponseFacts {
    let mut f = ResponseFacts {
        response_id: string_of(body, "id"),
        ..usage_facts(body)
    };
    for g in array(body, "generations").filter(|g| g.is_object()) {
        let reason = string_of(g, "finish_reason");
        f.finish_reasons.extend(reason.clone());
        f.output_messages.push(Message {
            finish_reason: reason,
            ..Message::new(
                "assistant",
                str_of(g, "text")
                    .map(|t| Part::Text(t.to_owned()))
                    .into_iter()
                    .collect(),
            )
        });
    }
    f
}

pub(super) fn command_r_request(body: &Value) -> RequestFacts {
    let mut messages: Vec<Message> = array(body, "chat_history")
        .filter(|m| m.is_object())
        .map(history_message)
        .collect();
    // Results of the tool calls the previous turn asked for.
    let results: Vec<Part> = array(body, "tool_results").map(tool_result).collect();
    if !results.is_empty() {
        messages.push(Message::new("tool", results));
    }
    if let Some(m) = str_of(body, "message").filter(|m| !m.is_empty()) {
        messages.push(Message::user_text(m));
    }
    RequestFacts {
        system: str_of(body, "preamble")
            .map(str::to_owned)
            .into_iter()
            .collect(),
        input_messages: messages,
        tool_names: array(body, "tools")
            .filter_map(|t| string_of(t, "name"))
            .take(MAX_STRINGS)
            .collect(),
        ..sampling(body)
    }
}

/// `chat_history` entries: `{"role": "USER"|"CHATBOT"|"SYSTEM"|"TOOL", "message",
/// "tool_calls"?, "tool_results"?}`.
fn history_message(m: &Value) -> Message {
    let mut parts: Vec<Part> = str_of(m, "message")
        .filter(|t| !t.is_empty())
        .map(|t| Part::Text(t.to_owned()))
        .into_iter()
        .collect();
    parts.extend(array(m, "tool_calls").map(tool_call));
    parts.extend(array(m, "tool_results").map(tool_result));
    Message::new(semconv::role(str_of(m, "role").unwrap_or("USER")), parts)
}

/// `{"name", "parameters"}`; Cohere tool calls have no id.
fn tool_call(c: &Value) -> Part {
    Part::ToolCall {
        id: None,
        name: string_of(c, "name").unwrap_or_default(),
        arguments: get(c, "parameters")
            .cloned()
            .unwrap_or_else(|| Value::Object(Default::default())),
    }
}

/// `{"call": {"name", "parameters"}, "outputs": [...]}`: the outputs are the response.
fn tool_result(r: &Value) -> Part {
    Part::ToolResult {
        id: None,
        content: get(r, "outputs").cloned().unwrap_or(Value::Null),
    }
}

/// Cohere reports usage under `meta`: `billed_units` (what Bedrock bills, matching its token
/// headers) is preferred over `tokens` (which counts the prompt template too).
fn usage(body: &Value) -> Usage {
    let billed = path(body, &["meta", "billed_units"]);
    let tokens = path(body, &["meta", "tokens"]);
    let count = |key: &str| {
        billed
            .and_then(|b| u64_of(b, key))
            .or_else(|| tokens.and_then(|t| u64_of(t, key)))
    };
    Usage {
        input: count("input_tokens"),
        output: count("output_tokens"),
        ..Usage::default()
    }
}

fn usage_facts(body: &Value) -> ResponseFacts {
    let u = usage(body);
    ResponseFacts {
        input_tokens: u.input,
        output_tokens: u.output,
        ..ResponseFacts::default()
    }
}

/// `{"response_id", "text", "generation_id", "finish_reason", "tool_calls", "meta"}`.
pub(super) fn command_r_response(body: &Value) -> ResponseFacts {
    let reason = string_of(body, "finish_reason");
    let mut parts: Vec<Part> = str_of(body, "text")
        .filter(|t| !t.is_empty())
        .map(|t| Part::Text(t.to_owned()))
        .into_iter()
        .collect();
    parts.extend(array(body, "tool_calls").map(tool_call));
    let has_output = get(body, "text").is_some() || !parts.is_empty() || reason.is_some();
    ResponseFacts {
        response_id: string_of(body, "response_id"),
        finish_reasons: reason.clone().into_iter().collect(),
        output_messages: if has_output {
            vec![Message {
                finish_reason: reason,
                ..Message::new("assistant", parts)
            }]
        } else {
            Vec::new()
        },
        ..usage_facts(body)
    }
}

pub(super) fn embed_request(body: &Value) -> RequestFacts {
    let mut parts: Vec<Part> = array(body, "texts")
        .filter_map(Value::as_str)
        .map(|t| Part::Text(t.to_owned()))
        .collect();
    // Embed v3/v4 image input: data URIs.
    parts.extend(
        array(body, "images")
            .filter_map(Value::as_str)
            .map(|u| semconv::uri("image", None, u)),
    );
    RequestFacts {
        input_messages: if parts.is_empty() {
            Vec::new()
        } else {
            vec![Message::new("user", parts)]
        },
        ..RequestFacts::default()
    }
}

/// `{"id", "embeddings", "response_type", "texts", "meta"?}`.
pub(super) fn embed_response(body: &Value) -> ResponseFacts {
    ResponseFacts {
        response_id: string_of(body, "id"),
        ..usage_facts(body)
    }
}

/// Both streaming dialects. Command R sends typed events (`stream-start`, `text-generation`,
/// `tool-calls-generation`, `tool-calls-chunk`, `stream-end`, citation/search events); Command
/// sends `{"text", "is_finished": false}` chunks. Both end with `is_finished: true`, a
/// `finish_reason` and the full `response`.
pub(super) fn stream(st: &mut StreamState, ev: &Value) -> ChunkKind {
    let event_type = str_of(ev, "event_type");
    let finished = get(ev, "is_finished").and_then(Value::as_bool) == Some(true)
        || event_type == Some("stream-end");
    if finished {
        if let Some(reason) = str_of(ev, "finish_reason") {
            st.finish_reason(0, reason);
        }
        if let Some(resp) = get(ev, "response") {
            final_response(st, resp);
        }
        return ChunkKind::Final;
    }
    let carried = match event_type {
        None | Some("text-generation") => {
            let Some(text) = str_of(ev, "text") else {
                return legacy_generations(st, ev);
            };
            st.text(0, Slot::Last, text)
        }
        Some("tool-calls-generation") => {
            let mut any = false;
            for (i, c) in array(ev, "tool_calls").enumerate() {
                any |= st.tool_start(
                    0,
                    Slot::Tool(i as u64),
                    None,
                    str_of(c, "name"),
                    get(c, "parameters"),
                );
            }
            any
        }
        Some("tool-calls-chunk") => match get(ev, "tool_call_delta") {
            Some(d) => {
                let slot = Slot::Tool(u64_of(d, "index").unwrap_or(0));
                let mut any = false;
                if let Some(name) = str_of(d, "name") {
                    any |= st.tool_start(0, slot, None, Some(name), None);
                }
                any |= st.tool_args(0, slot, str_of(d, "parameters").unwrap_or_default());
                any
            }
            None => false,
        },
        Some("stream-start") => {
            st.response_id = string_of(ev, "generation_id").or(st.response_id.take());
            false
        }
        Some(_) => false,
    };
    if carried {
        ChunkKind::Content
    } else {
        ChunkKind::Metadata
    }
}

/// The `response` of the final event: authoritative id and usage, and the output if the
/// deltas were missed.
fn final_response(st: &mut StreamState, resp: &Value) {
    if let Some(id) = string_of(resp, "response_id").or_else(|| string_of(resp, "id")) {
        st.response_id = Some(id);
    }
    let u = usage(resp);
    st.usage.input = u.input.or(st.usage.input);
    st.usage.output = u.output.or(st.usage.output);
    if !st.has_text() {
        if let Some(t) = str_of(resp, "text") {
            st.text(0, Slot::Last, t);
        }
        for (i, g) in array(resp, "generations").enumerate() {
            st.text(i as u64, Slot::Last, str_of(g, "text").unwrap_or_default());
        }
    }
    if !st.has_tool_calls() {
        for (i, c) in array(resp, "tool_calls").enumerate() {
            st.tool_start(
                0,
                Slot::Tool(i as u64),
                None,
                str_of(c, "name"),
                get(c, "parameters"),
            );
        }
    }
}

/// A chunk shaped like the non-streaming generate response (`generations[]`).
fn legacy_generations(st: &mut StreamState, ev: &Value) -> ChunkKind {
    let Some(gens) = get(ev, "generations").and_then(Value::as_array) else {
        return ChunkKind::Unknown;
    };
    let mut kind = ChunkKind::Metadata;
    for (i, g) in gens.iter().take(json::MAX_ITEMS).enumerate() {
        if st.text(i as u64, Slot::Last, str_of(g, "text").unwrap_or_default())
            && kind == ChunkKind::Metadata
        {
            kind = ChunkKind::Content;
        }
        if let Some(reason) = str_of(g, "finish_reason") {
            st.finish_reason(i as u64, reason);
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
    fn command_request_and_response() {
        // Span 14 of the ADOT reference output.
        let f = parse_request(
            Family::CohereCommand,
            br#"{"prompt":"Say hi","max_tokens":200,"temperature":0.5,"p":0.9,"k":0,"stop_sequences":["STOP"],"return_likelihoods":"NONE","num_generations":1}"#,
        );
        assert_eq!(
            (f.max_tokens, f.temperature, f.top_p, f.top_k),
            (Some(200), Some(0.5), Some(0.9), Some(0))
        );
        assert_eq!(f.stop_sequences, vec!["STOP"]);
        assert_eq!(f.input_messages, vec![Message::user_text("Say hi")]);

        let r = parse_response(
            Family::CohereCommand,
            br#"{"id":"5ba5-gen","generations":[{"id":"g1","text":" Hi there, how are you doing today friend","finish_reason":"COMPLETE"},{"id":"g2","text":"Yo","finish_reason":"MAX_TOKENS"}],"prompt":"Say hi"}"#,
        );
        assert_eq!(r.response_id.as_deref(), Some("5ba5-gen"));
        assert_eq!((r.input_tokens, r.output_tokens), (None, None));
        assert_eq!(r.finish_reasons, vec!["COMPLETE", "MAX_TOKENS"]);
        assert_eq!(r.output_messages.len(), 2);
        assert_eq!(
            r.output_messages[1].finish_reason.as_deref(),
            Some("MAX_TOKENS")
        );
    }

    #[test]
    fn command_r_request_with_history_tools_and_results() {
        let f = parse_request(
            Family::CohereCommandR,
            json!({
                "message": "And tomorrow?",
                "preamble": "You are a weather bot.",
                "chat_history": [
                    {"role": "USER", "message": "Weather in Paris?"},
                    {"role": "CHATBOT", "message": "", "tool_calls": [{"name": "weather", "parameters": {"city": "Paris"}}]},
                    {"role": "TOOL", "tool_results": [{"call": {"name": "weather", "parameters": {"city": "Paris"}}, "outputs": [{"temp": 20}]}]},
                    {"role": "CHATBOT", "message": "20 degrees."}
                ],
                "tools": [{"name": "weather", "description": "d", "parameter_definitions": {}}],
                "tool_results": [{"call": {"name": "weather", "parameters": {}}, "outputs": [{"temp": 21}]}],
                "max_tokens": 200, "temperature": 0.5, "p": 0.9, "k": 5, "stop_sequences": ["STOP"]
            })
            .to_string()
            .as_bytes(),
        );
        assert_eq!(f.system, vec!["You are a weather bot."]);
        assert_eq!(f.tool_names, vec!["weather"]);
        assert_eq!(
            (f.max_tokens, f.top_p, f.top_k),
            (Some(200), Some(0.9), Some(5))
        );
        let roles: Vec<_> = f.input_messages.iter().map(|m| m.role.as_str()).collect();
        assert_eq!(
            roles,
            vec!["user", "assistant", "tool", "assistant", "tool", "user"]
        );
        assert_eq!(
            f.input_messages[1].parts,
            vec![Part::ToolCall {
                id: None,
                name: "weather".into(),
                arguments: json!({"city": "Paris"})
            }]
        );
        assert_eq!(
            f.input_messages[2].parts,
            vec![Part::ToolResult {
                id: None,
                content: json!([{"temp": 20}])
            }]
        );
        assert_eq!(f.input_messages[5], Message::user_text("And tomorrow?"));
    }

    #[test]
    fn command_r_response_reports_real_usage_only() {
        let r = parse_response(
            Family::CohereCommandR,
            br#"{"response_id":"r-1","text":"Hello!","generation_id":"g-1","finish_reason":"COMPLETE","chat_history":[]}"#,
        );
        assert_eq!(r.response_id.as_deref(), Some("r-1"));
        assert_eq!((r.input_tokens, r.output_tokens), (None, None));
        assert_eq!(r.finish_reasons, vec!["COMPLETE"]);
        assert_eq!(
            r.output_messages[0].parts,
            vec![Part::Text("Hello!".into())]
        );

        let with_meta = parse_response(
            Family::CohereCommandR,
            br#"{"response_id":"r-2","text":"","finish_reason":"COMPLETE","tool_calls":[{"name":"weather","parameters":{"city":"Oslo"}}],"meta":{"billed_units":{"input_tokens":6,"output_tokens":11},"tokens":{"input_tokens":60,"output_tokens":11}}}"#,
        );
        assert_eq!(
            (with_meta.input_tokens, with_meta.output_tokens),
            (Some(6), Some(11))
        );
        assert_eq!(
            with_meta.output_messages[0].parts,
            vec![Part::ToolCall {
                id: None,
                name: "weather".into(),
                arguments: json!({"city": "Oslo"})
            }]
        );
    }

    #[test]
    fn command_r_stream() {
        let mut acc = StreamAccumulator::new(Family::CohereCommandR);
        let chunks = [
            json!({"is_finished": false, "event_type": "stream-start", "generation_id": "g-9"}),
            json!({"is_finished": false, "event_type": "text-generation", "text": "Hel"}),
            json!({"is_finished": false, "event_type": "text-generation", "text": "lo"}),
            json!({"is_finished": false, "event_type": "citation-generation", "citations": []}),
            json!({"is_finished": true, "event_type": "stream-end", "finish_reason": "COMPLETE",
                   "response": {"response_id": "r-9", "text": "Hello", "generation_id": "g-9", "finish_reason": "COMPLETE"},
                   "amazon-bedrock-invocationMetrics": {"inputTokenCount": 6, "outputTokenCount": 11}}),
        ];
        let kinds: Vec<_> = chunks
            .iter()
            .map(|c| acc.push_chunk(c.to_string().as_bytes()))
            .collect();
        use ChunkKind::*;
        assert_eq!(kinds, vec![Metadata, Content, Content, Metadata, Final]);
        let f = acc.finish();
        assert_eq!(f.response_id.as_deref(), Some("r-9"));
        assert_eq!((f.input_tokens, f.output_tokens), (Some(6), Some(11)));
        assert_eq!(f.finish_reasons, vec!["COMPLETE"]);
        assert_eq!(f.output_messages[0].parts, vec![Part::Text("Hello".into())]);
    }

    #[test]
    fn command_r_stream_tool_calls() {
        let mut acc = StreamAccumulator::new(Family::CohereCommandR);
        acc.push_chunk(br#"{"is_finished":false,"event_type":"tool-calls-chunk","tool_call_delta":{"index":0,"name":"weather"}}"#);
        acc.push_chunk(br#"{"is_finished":false,"event_type":"tool-calls-chunk","tool_call_delta":{"index":0,"parameters":"{\"city\":"}}"#);
        acc.push_chunk(br#"{"is_finished":false,"event_type":"tool-calls-chunk","tool_call_delta":{"index":0,"parameters":"\"Oslo\"}"}}"#);
        acc.push_chunk(br#"{"is_finished":false,"event_type":"tool-calls-generation","tool_calls":[{"name":"weather","parameters":{"city":"Oslo"}}]}"#);
        acc.push_chunk(br#"{"is_finished":true,"event_type":"stream-end","finish_reason":"COMPLETE","response":{"tool_calls":[{"name":"weather","parameters":{"city":"Oslo"}}]}}"#);
        let f = acc.finish();
        assert_eq!(
            f.output_messages[0].parts,
            vec![Part::ToolCall {
                id: None,
                name: "weather".into(),
                arguments: json!({"city": "Oslo"})
            }]
        );
    }

    #[test]
    fn command_stream() {
        let mut acc = StreamAccumulator::new(Family::CohereCommand);
        let k = [
            acc.push_chunk(br#"{"text":" Hi","is_finished":false}"#),
            acc.push_chunk(br#"{"text":" there","is_finished":false}"#),
            acc.push_chunk(br#"{"is_finished":true,"finish_reason":"COMPLETE","response":{"id":"c-1","generations":[{"text":" Hi there","finish_reason":"COMPLETE"}]}}"#),
        ];
        assert_eq!(
            k,
            [ChunkKind::Content, ChunkKind::Content, ChunkKind::Final]
        );
        let f = acc.finish();
        assert_eq!(f.response_id.as_deref(), Some("c-1"));
        assert_eq!(
            f.output_messages[0].parts,
            vec![Part::Text(" Hi there".into())]
        );
        assert_eq!(f.finish_reasons, vec!["COMPLETE"]);
        assert_eq!((f.input_tokens, f.output_tokens), (None, None));
    }

    #[test]
    fn command_stream_generations_shape() {
        let mut acc = StreamAccumulator::new(Family::CohereCommand);
        let k = acc.push_chunk(br#"{"generations":[{"text":"Hi","finish_reason":"COMPLETE"}]}"#);
        assert_eq!(k, ChunkKind::Final);
        assert!(acc.content_seen());
    }

    #[test]
    fn command_stream_final_response_fills_missed_text() {
        let mut acc = StreamAccumulator::new(Family::CohereCommandR);
        acc.push_chunk(br#"{"is_finished":true,"event_type":"stream-end","finish_reason":"MAX_TOKENS","response":{"response_id":"r","text":"all of it"}}"#);
        let f = acc.finish();
        assert_eq!(
            f.output_messages[0].parts,
            vec![Part::Text("all of it".into())]
        );
        assert_eq!(
            f.output_messages[0].finish_reason.as_deref(),
            Some("MAX_TOKENS")
        );
    }

    #[test]
    fn embed() {
        let f = parse_request(
            Family::CohereEmbed,
            br#"{"texts":["a","b",3],"input_type":"search_document","truncate":"NONE"}"#,
        );
        assert_eq!(
            f.input_messages,
            vec![Message::new(
                "user",
                vec![Part::Text("a".into()), Part::Text("b".into())]
            )]
        );
        let r = parse_response(
            Family::CohereEmbed,
            br#"{"embeddings":[[0.1]],"id":"e-1","response_type":"embeddings_floats","texts":["a"]}"#,
        );
        assert_eq!(r.response_id.as_deref(), Some("e-1"));
        assert_eq!(r.input_tokens, None);
        assert!(r.output_messages.is_empty());
        let billed = parse_response(
            Family::CohereEmbed,
            br#"{"id":"e-2","meta":{"billed_units":{"input_tokens":4}}}"#,
        );
        assert_eq!(billed.input_tokens, Some(4));
    }
}
