//! Bedrock Agent Runtime `InvokeAgent`: a GenAI `invoke_agent {agentId}` span that lasts until the
//! agent's streamed answer ends.
//!
//! The request is `POST /agents/{agentId}/agentAliases/{agentAliasId}/sessions/{sessionId}/text`
//! with a JSON body (`inputText`, `memoryId`, `enableTrace`, `sessionState`, …); the ids come
//! from the path, the input and memory id from the body. The response is an event stream read
//! through the body tap ([`crate::stream`]); [`AgentStream`] folds its events:
//!
//! - `chunk` (`{"bytes": base64, "attribution"?}`): the answer, in pieces. The first one is the
//!   time to first chunk; with content capture their bytes, concatenated, are the assistant
//!   message.
//! - `trace` (`{"trace": {"<kind>Trace": {"modelInvocationOutput": {"metadata": {"usage":
//!   {"inputTokens", "outputTokens"}}}}}, "agentId", "sessionId", …}`): one per step of the
//!   agent; the usage of every model invocation the agent (and its collaborators) made is summed.
//!   Traces are only sent when the request sets `enableTrace`, so without it the token usage is
//!   unknown and left out (never estimated).
//! - `returnControl` (`{"invocationId", "invocationInputs": [{"functionInvocationInput" |
//!   "apiInvocationInput": …}]}`): the agent hands an action back to the application; with content
//!   capture each input is a `tool_call` part of the assistant message.
//! - `files` and unknown events are passed over; exception events end the span in error (handled
//!   by the tap like every event stream's).
//!
//! Everything here is pure and total: malformed input yields fewer facts, never an error.

use std::collections::HashMap;

use agentcore_observability_spans::content::ContentPolicy;
use opentelemetry::{KeyValue, StringValue, Value as OtelValue};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::attributes as attr;
use crate::events::{self, Event};
use crate::families::{self, ChunkKind, Message, Part, ResponseFacts};
use crate::wire::percent_decode;

/// The SDK's service id (`Metadata::service()`) of `aws-sdk-bedrockagentruntime`.
pub(crate) const SERVICE_ID: &str = "Bedrock Agent Runtime";
/// The operation traced as an agent invocation.
pub(crate) const OPERATION: &str = "InvokeAgent";
/// `gen_ai.operation.name` of the span and its metrics.
pub(crate) const OPERATION_NAME: &str = "invoke_agent";

/// Most answer bytes kept from one stream (content capture only).
const MAX_TEXT_BYTES: usize = 32 << 20;
/// Most `returnControl` invocation inputs kept from one stream (content capture only).
const MAX_TOOL_CALLS: usize = 64;
/// Request bodies larger than this are not parsed (`inputText` is at most 25 KB; a larger body is
/// mostly `sessionState` files).
const MAX_REQUEST_BODY: usize = 32 << 20;

/// What an `InvokeAgent` request says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AgentRequest {
    /// `agentId` (path).
    pub(crate) agent_id: String,
    /// `agentAliasId` (path).
    pub(crate) alias_id: String,
    /// `sessionId` (path).
    pub(crate) session_id: String,
    /// `memoryId` (body), when present.
    pub(crate) memory_id: Option<String>,
    /// `inputText` (body), kept only when content is captured.
    pub(crate) input_text: Option<String>,
}

#[derive(Deserialize)]
struct RequestBody {
    #[serde(rename = "inputText", default)]
    input_text: Option<String>,
    #[serde(rename = "memoryId", default)]
    memory_id: Option<String>,
}

impl AgentRequest {
    /// The request of an `InvokeAgent` call, or `None` for any other operation (or a path that is
    /// not `…/agents/{agentId}/agentAliases/{agentAliasId}/sessions/{sessionId}/text`).
    /// `capture`: keep `inputText`.
    pub(crate) fn parse(
        service_id: &str,
        operation: &str,
        path: &str,
        body: Option<&[u8]>,
        capture: bool,
    ) -> Option<AgentRequest> {
        if service_id != SERVICE_ID || operation != OPERATION {
            return None;
        }
        let (agent_id, alias_id, session_id) = ids_from_path(path)?;
        let body = body
            .filter(|b| b.len() <= MAX_REQUEST_BODY)
            .and_then(|b| serde_json::from_slice::<RequestBody>(b).ok());
        let (input_text, memory_id) = match body {
            Some(b) => (b.input_text, b.memory_id),
            None => (None, None),
        };
        Some(AgentRequest {
            agent_id,
            alias_id,
            session_id,
            memory_id: memory_id.filter(|m| !m.is_empty()),
            input_text: input_text.filter(|t| capture && !t.is_empty()),
        })
    }

    /// `invoke_agent {agentId}`.
    pub(crate) fn span_name(&self) -> String {
        format!("{OPERATION_NAME} {}", self.agent_id)
    }

    /// The attributes the span starts with (so samplers and the session processor see them).
    pub(crate) fn start_attributes(&self, out: &mut Vec<KeyValue>) {
        let s = |key: &'static str, value: &str| {
            KeyValue::new(key, OtelValue::String(StringValue::from(value.to_owned())))
        };
        out.push(KeyValue::new(attr::GEN_AI_OPERATION_NAME, OPERATION_NAME));
        out.push(KeyValue::new(attr::GEN_AI_PROVIDER_NAME, attr::AWS_BEDROCK));
        out.push(KeyValue::new(attr::GEN_AI_SYSTEM, attr::AWS_BEDROCK));
        out.push(s(attr::GEN_AI_AGENT_ID, &self.agent_id));
        out.push(s(attr::BEDROCK_AGENT_ID, &self.agent_id));
        out.push(s(attr::BEDROCK_AGENT_ALIAS_ID, &self.alias_id));
        out.push(s(attr::SESSION_ID, &self.session_id));
        out.push(s(attr::GEN_AI_CONVERSATION_ID, &self.session_id));
        if let Some(memory) = &self.memory_id {
            out.push(s(attr::GEN_AI_MEMORY_ID, memory));
        }
    }

    /// The captured input, as the content policy asks: the `gen_ai.input.messages` attribute
    /// (set when the span ends) and the `gen_ai.user.message` log event.
    pub(crate) fn content(&self, policy: &ContentPolicy) -> (Vec<KeyValue>, Vec<Event>) {
        let Some(text) = self.input_text.as_deref().filter(|_| policy.captures()) else {
            return (Vec::new(), Vec::new());
        };
        let mut attributes = Vec::new();
        if policy.to_span_attributes() {
            let message = Message {
                role: "user".into(),
                parts: vec![Part::Text(text.to_owned())],
                finish_reason: None,
            };
            let json = families::to_semconv_json(&[message]).to_string();
            attributes.push(KeyValue::new(
                attr::GEN_AI_INPUT_MESSAGES,
                OtelValue::String(policy.truncate(&json).into_owned().into()),
            ));
        }
        let mut log_events = Vec::new();
        if policy.to_log_events() {
            log_events.push(Event {
                name: events::USER_MESSAGE,
                body: json!({ "content": [{ "text": text }] }),
            });
        }
        (attributes, log_events)
    }
}

/// `(agentId, agentAliasId, sessionId)` from `…/agents/{a}/agentAliases/{b}/sessions/{c}/text`,
/// percent-decoded (an endpoint with a path prefix is tolerated).
fn ids_from_path(path: &str) -> Option<(String, String, String)> {
    let segments: Vec<&str> = path.split('/').collect();
    segments.windows(7).rev().find_map(|w| match w {
        ["agents", agent, "agentAliases", alias, "sessions", session, "text"]
            if !agent.is_empty() && !alias.is_empty() && !session.is_empty() =>
        {
            Some((
                percent_decode(agent).into_owned(),
                percent_decode(alias).into_owned(),
                percent_decode(session).into_owned(),
            ))
        }
        _ => None,
    })
}

#[derive(Deserialize)]
struct ChunkPayload {
    #[serde(default)]
    bytes: Option<String>,
}

#[derive(Deserialize)]
struct TracePayload {
    #[serde(default)]
    trace: Option<HashMap<String, Option<TraceStep>>>,
}

/// One member of the `trace` union (`orchestrationTrace`, `preProcessingTrace`, …), itself a
/// union of which only `modelInvocationOutput` is read.
#[derive(Deserialize)]
struct TraceStep {
    #[serde(rename = "modelInvocationOutput", default)]
    model_output: Option<ModelOutput>,
}

#[derive(Deserialize)]
struct ModelOutput {
    #[serde(default)]
    metadata: Option<OutputMetadata>,
}

#[derive(Deserialize)]
struct OutputMetadata {
    #[serde(default)]
    usage: Option<TokenUsage>,
}

#[derive(Deserialize)]
struct TokenUsage {
    #[serde(rename = "inputTokens", default)]
    input: Option<i64>,
    #[serde(rename = "outputTokens", default)]
    output: Option<i64>,
}

/// Folds the events of one `InvokeAgent` response stream.
#[derive(Debug)]
pub(crate) struct AgentStream {
    capture: bool,
    text: Vec<u8>,
    tool_calls: Vec<Part>,
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    content_seen: bool,
}

fn add(total: &mut Option<u64>, value: Option<i64>) {
    if let Some(v) = value {
        let v = u64::try_from(v).unwrap_or(0);
        *total = Some(total.unwrap_or(0).saturating_add(v));
    }
}

impl AgentStream {
    /// A fresh fold; `capture`: keep the answer text and returned-control inputs.
    pub(crate) fn new(capture: bool) -> Self {
        AgentStream {
            capture,
            text: Vec::new(),
            tool_calls: Vec::new(),
            input_tokens: None,
            output_tokens: None,
            content_seen: false,
        }
    }

    /// Folds one event (`:event-type` and payload). `Content` for a `chunk` with bytes,
    /// `Metadata` for the other known events, `Unknown` otherwise; never `Final` (the stream ends
    /// with its body).
    pub(crate) fn push(&mut self, event_type: &str, payload: &[u8]) -> ChunkKind {
        match event_type {
            "chunk" => self.chunk(payload),
            "trace" => {
                self.trace(payload);
                ChunkKind::Metadata
            }
            "returnControl" => {
                if self.capture {
                    self.return_control(payload);
                }
                ChunkKind::Metadata
            }
            "files" => ChunkKind::Metadata,
            _ => ChunkKind::Unknown,
        }
    }

    fn chunk(&mut self, payload: &[u8]) -> ChunkKind {
        let Ok(chunk) = serde_json::from_slice::<ChunkPayload>(payload) else {
            return ChunkKind::Unknown;
        };
        let Some(encoded) = chunk.bytes.filter(|b| !b.is_empty()) else {
            return ChunkKind::Metadata;
        };
        self.content_seen = true;
        if self.capture {
            if let Ok(bytes) = aws_smithy_types::base64::decode(&encoded) {
                let room = MAX_TEXT_BYTES.saturating_sub(self.text.len());
                self.text
                    .extend_from_slice(bytes.get(..room.min(bytes.len())).unwrap_or(&[]));
            }
        }
        ChunkKind::Content
    }

    fn trace(&mut self, payload: &[u8]) {
        let Ok(part) = serde_json::from_slice::<TracePayload>(payload) else {
            return;
        };
        let usages = part
            .trace
            .into_iter()
            .flat_map(HashMap::into_values)
            .flatten()
            .filter_map(|step| step.model_output?.metadata?.usage);
        for usage in usages {
            add(&mut self.input_tokens, usage.input);
            add(&mut self.output_tokens, usage.output);
        }
    }

    fn return_control(&mut self, payload: &[u8]) {
        let Ok(value) = serde_json::from_slice::<Value>(payload) else {
            return;
        };
        let id = value
            .get("invocationId")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let inputs = value
            .get("invocationInputs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for input in inputs {
            if self.tool_calls.len() >= MAX_TOOL_CALLS {
                return;
            }
            if let Some(call) = tool_call(input, id.clone()) {
                self.tool_calls.push(call);
            }
        }
    }

    /// Whether a `chunk` with content has arrived (time to first chunk).
    pub(crate) fn content_seen(&self) -> bool {
        self.content_seen
    }

    /// The facts of the stream so far: summed usage (when any trace reported it) and, with
    /// content capture, the assistant message.
    pub(crate) fn finish(self) -> ResponseFacts {
        let mut parts = Vec::with_capacity(1 + self.tool_calls.len());
        if !self.text.is_empty() {
            parts.push(Part::Text(String::from_utf8_lossy(&self.text).into_owned()));
        }
        parts.extend(self.tool_calls);
        let output_messages = if parts.is_empty() {
            Vec::new()
        } else {
            vec![Message {
                role: "assistant".into(),
                parts,
                finish_reason: None,
            }]
        };
        ResponseFacts {
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            output_messages,
            ..ResponseFacts::default()
        }
    }
}

/// A `returnControl` invocation input as a tool call: the function (or `{httpMethod} {apiPath}`)
/// with its parameters (and request-body properties) as a JSON object of name → value.
fn tool_call(input: &Value, id: Option<String>) -> Option<Part> {
    let (function, api) = (
        input.get("functionInvocationInput"),
        input.get("apiInvocationInput"),
    );
    let (name, details) = match (function, api) {
        (Some(f), _) => (f.get("function")?.as_str()?.to_owned(), f),
        (None, Some(a)) => {
            let path = a.get("apiPath")?.as_str()?;
            let name = match a.get("httpMethod").and_then(Value::as_str) {
                Some(method) => format!("{method} {path}"),
                None => path.to_owned(),
            };
            (name, a)
        }
        (None, None) => return None,
    };
    let mut arguments = Map::new();
    let mut collect = |list: Option<&Value>| {
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            if let Some(key) = p.get("name").and_then(Value::as_str) {
                let value = p.get("value").cloned().unwrap_or(Value::Null);
                arguments.insert(key.to_owned(), value);
            }
        }
    };
    collect(details.get("parameters"));
    if let Some(contents) = details
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
    {
        for body in contents.values() {
            collect(body.get("properties"));
        }
    }
    Some(Part::ToolCall {
        id,
        name,
        arguments: Value::Object(arguments),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentcore_observability_spans::content::ContentDestination;

    const PATH: &str = "/agents/AGENT12345/agentAliases/TSTALIASID/sessions/session-1/text";

    fn b64(s: &str) -> String {
        aws_smithy_types::base64::encode(s.as_bytes())
    }

    fn chunk(text: &str) -> Vec<u8> {
        json!({"bytes": b64(text), "attribution": {"citations": []}})
            .to_string()
            .into_bytes()
    }

    fn trace(kind: &str, input: i64, output: i64) -> Vec<u8> {
        json!({
            "agentId": "AGENT12345",
            "sessionId": "session-1",
            "trace": {kind: {"modelInvocationOutput": {
                "traceId": "t-1",
                "rawResponse": {"content": "…"},
                "metadata": {"usage": {"inputTokens": input, "outputTokens": output}}
            }}}
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn requests_of_invoke_agent_only() {
        let body = br#"{"inputText":"Book a table","memoryId":"mem-1","enableTrace":true}"#;
        let request =
            AgentRequest::parse(SERVICE_ID, OPERATION, PATH, Some(body), true).expect("parsed");
        assert_eq!(
            request,
            AgentRequest {
                agent_id: "AGENT12345".into(),
                alias_id: "TSTALIASID".into(),
                session_id: "session-1".into(),
                memory_id: Some("mem-1".into()),
                input_text: Some("Book a table".into()),
            }
        );
        assert_eq!(request.span_name(), "invoke_agent AGENT12345");
        let without_capture =
            AgentRequest::parse(SERVICE_ID, OPERATION, PATH, Some(body), false).expect("parsed");
        assert_eq!(without_capture.input_text, None);
        assert_eq!(without_capture.memory_id.as_deref(), Some("mem-1"));

        assert!(AgentRequest::parse(SERVICE_ID, "Retrieve", PATH, Some(body), true).is_none());
        assert!(AgentRequest::parse("Bedrock Runtime", OPERATION, PATH, None, true).is_none());
        assert!(AgentRequest::parse(SERVICE_ID, OPERATION, "/agents/A/text", None, true).is_none());
        // No or a garbled body: the ids still come from the path.
        let garbled =
            AgentRequest::parse(SERVICE_ID, OPERATION, PATH, Some(b"{nope"), true).expect("parsed");
        assert_eq!((garbled.memory_id, garbled.input_text), (None, None));
    }

    #[test]
    fn path_ids_are_percent_decoded_and_prefixes_tolerated() {
        assert_eq!(
            ids_from_path("/proxy/agents/A%2B1/agentAliases/B/sessions/s%3A1/text"),
            Some(("A+1".into(), "B".into(), "s:1".into()))
        );
        assert_eq!(
            ids_from_path("/agents//agentAliases/B/sessions/s/text"),
            None
        );
        assert_eq!(ids_from_path(""), None);
    }

    #[test]
    fn start_attributes_carry_ids_and_session() {
        let request = AgentRequest {
            agent_id: "A".into(),
            alias_id: "B".into(),
            session_id: "S".into(),
            memory_id: Some("M".into()),
            input_text: None,
        };
        let mut out = Vec::new();
        request.start_attributes(&mut out);
        let get = |k: &str| {
            out.iter()
                .find(|kv| kv.key.as_str() == k)
                .map(|kv| kv.value.as_str().into_owned())
        };
        assert_eq!(
            get("gen_ai.operation.name").as_deref(),
            Some("invoke_agent")
        );
        assert_eq!(get("gen_ai.provider.name").as_deref(), Some("aws.bedrock"));
        assert_eq!(get("gen_ai.system").as_deref(), Some("aws.bedrock"));
        assert_eq!(get("gen_ai.agent.id").as_deref(), Some("A"));
        assert_eq!(get("aws.bedrock.agent.id").as_deref(), Some("A"));
        assert_eq!(get("aws.bedrock.agent_alias.id").as_deref(), Some("B"));
        assert_eq!(get("session.id").as_deref(), Some("S"));
        assert_eq!(get("gen_ai.conversation.id").as_deref(), Some("S"));
        assert_eq!(get("gen_ai.memory.id").as_deref(), Some("M"));
    }

    #[test]
    fn input_content_follows_the_policy() {
        let request = AgentRequest {
            agent_id: "A".into(),
            alias_id: "B".into(),
            session_id: "S".into(),
            memory_id: None,
            input_text: Some("Hello agent".into()),
        };
        let (attrs, events) = request.content(&ContentPolicy::disabled());
        assert!(attrs.is_empty() && events.is_empty());

        let (attrs, events) =
            request.content(&ContentPolicy::capture(ContentDestination::SpanAttributes));
        assert!(events.is_empty());
        assert_eq!(attrs.len(), 1);
        let json: Value = serde_json::from_str(&attrs[0].value.as_str()).unwrap();
        assert_eq!(
            json,
            json!([{"role": "user", "parts": [{"type": "text", "content": "Hello agent"}]}])
        );

        let (attrs, events) =
            request.content(&ContentPolicy::capture(ContentDestination::LogEvents));
        assert!(attrs.is_empty());
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].name, "gen_ai.user.message");
        assert_eq!(
            events[0].body,
            json!({"content": [{"text": "Hello agent"}]})
        );

        let policy = ContentPolicy::capture(ContentDestination::Both).with_max_bytes(Some(10));
        let (attrs, events) = request.content(&policy);
        assert!(attrs[0].value.as_str().contains("[truncated"));
        assert_eq!(events.len(), 1, "log bodies are cut when emitted");
    }

    #[test]
    fn chunks_concatenate_and_traces_sum_usage() {
        let mut stream = AgentStream::new(true);
        assert!(!stream.content_seen());
        assert_eq!(
            stream.push("trace", &trace("preProcessingTrace", 100, 10)),
            ChunkKind::Metadata
        );
        assert!(!stream.content_seen(), "a trace is not a chunk");
        assert_eq!(stream.push("chunk", &chunk("Hello, ")), ChunkKind::Content);
        assert!(stream.content_seen());
        stream.push("trace", &trace("orchestrationTrace", 200, 20));
        stream.push("trace", &trace("postProcessingTrace", 5, 1));
        stream.push("trace", &trace("routingClassifierTrace", 7, 2));
        // A trace step without usage, and a rationale: nothing added.
        stream.push(
            "trace",
            br#"{"trace":{"orchestrationTrace":{"rationale":{"text":"thinking"}}}}"#,
        );
        stream.push(
            "trace",
            br#"{"trace":{"guardrailTrace":{"action":"NONE"}}}"#,
        );
        stream.push("chunk", &chunk("world"));
        assert_eq!(stream.push("files", b"{}"), ChunkKind::Metadata);
        assert_eq!(stream.push("somethingNew", b"{}"), ChunkKind::Unknown);
        let facts = stream.finish();
        assert_eq!(facts.input_tokens, Some(312));
        assert_eq!(facts.output_tokens, Some(33));
        assert_eq!(
            facts.output_messages,
            vec![Message {
                role: "assistant".into(),
                parts: vec![Part::Text("Hello, world".into())],
                finish_reason: None,
            }]
        );
    }

    #[test]
    fn without_traces_usage_is_unknown_and_without_capture_no_text() {
        let mut stream = AgentStream::new(false);
        stream.push("chunk", &chunk("secret answer"));
        assert!(stream.content_seen());
        let facts = stream.finish();
        assert_eq!((facts.input_tokens, facts.output_tokens), (None, None));
        assert!(facts.output_messages.is_empty());
    }

    #[test]
    fn malformed_events_change_nothing() {
        let mut stream = AgentStream::new(true);
        assert_eq!(stream.push("chunk", b"not json"), ChunkKind::Unknown);
        assert_eq!(
            stream.push("chunk", br#"{"bytes":""}"#),
            ChunkKind::Metadata
        );
        assert_eq!(
            stream.push("chunk", br#"{"attribution":{}}"#),
            ChunkKind::Metadata
        );
        assert!(!stream.content_seen());
        // Not base64: counted as a chunk, no text.
        assert_eq!(
            stream.push("chunk", br#"{"bytes":"!!!"}"#),
            ChunkKind::Content
        );
        stream.push("trace", b"[1,2]");
        stream.push("trace", br#"{"trace":{"orchestrationTrace":"oops"}}"#);
        stream.push("trace", br#"{"trace":{"orchestrationTrace":null}}"#);
        stream.push(
            "trace",
            br#"{"trace":{"preProcessingTrace":{"modelInvocationOutput":{"metadata":{"usage":{"inputTokens":-5,"outputTokens":3}}}}}}"#,
        );
        stream.push("returnControl", b"{");
        stream.push("returnControl", br#"{"invocationInputs":[{"other":{}}]}"#);
        let facts = stream.finish();
        assert_eq!(
            (facts.input_tokens, facts.output_tokens),
            (Some(0), Some(3))
        );
        assert!(facts.output_messages.is_empty());
    }

    #[test]
    fn returned_control_becomes_tool_calls() {
        let mut stream = AgentStream::new(true);
        stream.push("chunk", &chunk("Let me check."));
        let payload = json!({
            "invocationId": "inv-1",
            "invocationInputs": [
                {"functionInvocationInput": {
                    "actionGroup": "weather",
                    "function": "get_forecast",
                    "parameters": [
                        {"name": "city", "type": "string", "value": "Lisbon"},
                        {"name": "days", "type": "integer", "value": "3"}
                    ]
                }},
                {"apiInvocationInput": {
                    "actionGroup": "booking",
                    "httpMethod": "POST",
                    "apiPath": "/tables",
                    "parameters": [{"name": "restaurant", "type": "string", "value": "Tasca"}],
                    "requestBody": {"content": {"application/json": {"properties": [
                        {"name": "seats", "type": "integer", "value": "2"}
                    ]}}}
                }}
            ]
        });
        assert_eq!(
            stream.push("returnControl", payload.to_string().as_bytes()),
            ChunkKind::Metadata
        );
        let facts = stream.finish();
        assert_eq!(
            facts.output_messages[0].parts,
            vec![
                Part::Text("Let me check.".into()),
                Part::ToolCall {
                    id: Some("inv-1".into()),
                    name: "get_forecast".into(),
                    arguments: json!({"city": "Lisbon", "days": "3"}),
                },
                Part::ToolCall {
                    id: Some("inv-1".into()),
                    name: "POST /tables".into(),
                    arguments: json!({"restaurant": "Tasca", "seats": "2"}),
                },
            ]
        );
        // Without capture, nothing of it is kept.
        let mut stream = AgentStream::new(false);
        stream.push("returnControl", payload.to_string().as_bytes());
        assert!(stream.finish().output_messages.is_empty());
    }

    #[test]
    fn multibyte_text_split_across_chunks_survives() {
        let mut stream = AgentStream::new(true);
        let word = "Olá ✓".as_bytes();
        let (a, b) = word.split_at(3); // inside the 'á'
        for part in [a, b] {
            let payload = json!({"bytes": aws_smithy_types::base64::encode(part)});
            stream.push("chunk", payload.to_string().as_bytes());
        }
        assert_eq!(
            stream.finish().output_messages[0].parts,
            vec![Part::Text("Olá ✓".into())]
        );
    }
}
