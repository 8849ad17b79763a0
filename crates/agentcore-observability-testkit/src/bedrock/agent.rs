//! Bedrock Agent Runtime: `InvokeAgent`, answered by a scripted agent ([`AgentScript`]).

use serde_json::{json, Value};

use super::eventstream::Event;
use super::fault::{shape_stream, BedrockFault, Reply};
use super::text::{reply_text, words};

/// The `eventTime` of every trace event (any valid timestamp; the SDK parses it).
const EVENT_TIME: &str = "2025-01-01T00:00:00Z";

/// How the fake answers `InvokeAgent`, set with
/// [`FakeBedrock::script_agent`](crate::FakeBedrock::script_agent) and used for every later call
/// until replaced. [`AgentScript::default`] is the fake's own agent (see the
/// [module docs](super#invokeagent)).
///
/// ```
/// use agentcore_observability_testkit::AgentScript;
///
/// let script = AgentScript::new()
///     .completion("Your table for two is booked.")
///     .chunks(4)
///     .model_invocations([(120, 15), (340, 42)])
///     .return_control("confirm_booking", [("restaurant", "Tasca")]);
/// assert_eq!(script.completion_text(), Some("Your table for two is booked."));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentScript {
    completion: Option<String>,
    chunks: Option<usize>,
    invocations: Option<Vec<(u64, u64)>>,
    return_control: Option<(String, Vec<(String, String)>)>,
}

impl AgentScript {
    /// The default agent (the same as [`AgentScript::default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// The answer, instead of `"Fake agent answer about <input>"`.
    pub fn completion(mut self, text: impl Into<String>) -> Self {
        self.completion = Some(text.into());
        self
    }

    /// Splits the answer into this many `chunk` events (default 3; at least 1, at most one per
    /// character). The chunks concatenate to the answer exactly.
    pub fn chunks(mut self, chunks: usize) -> Self {
        self.chunks = Some(chunks.max(1));
        self
    }

    /// The model invocations the agent reports, as `(input tokens, output tokens)`, each one
    /// `modelInvocationOutput` trace event with that usage: the first a `preProcessingTrace`,
    /// the others `orchestrationTrace`s. Trace events are only sent when the request sets
    /// `enableTrace`. Default: `(input words + 20, 5)` and `(input words + 40, answer words)`.
    pub fn model_invocations(mut self, usage: impl IntoIterator<Item = (u64, u64)>) -> Self {
        self.invocations = Some(usage.into_iter().collect());
        self
    }

    /// Ends the answer with a `returnControl` event asking the application to run `function`
    /// (action group `fake_actions`) with these string parameters; its `invocationId` is
    /// `fake-invocation-NNNNNN` (N = the request number).
    pub fn return_control<K, V>(
        mut self,
        function: impl Into<String>,
        parameters: impl IntoIterator<Item = (K, V)>,
    ) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let parameters = parameters
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self.return_control = Some((function.into(), parameters));
        self
    }

    /// The scripted answer, if one was set.
    pub fn completion_text(&self) -> Option<&str> {
        self.completion.as_deref()
    }
}

/// The ids from the `InvokeAgent` path.
#[derive(Debug, Clone)]
pub(crate) struct AgentPath {
    pub(crate) agent_id: String,
    pub(crate) alias_id: String,
    pub(crate) session_id: String,
}

/// Answers an `InvokeAgent` call. Returns the reply and the exception type sent mid-stream.
pub(crate) fn answer(
    path: &AgentPath,
    body: &[u8],
    seq: u64,
    script: &AgentScript,
    fault: Option<&BedrockFault>,
) -> (Reply, Option<String>) {
    let request: Value = match serde_json::from_slice(body) {
        Ok(request @ Value::Object(_)) => request,
        _ => {
            return (
                Reply::validation("Malformed request body: expected a JSON object."),
                None,
            )
        }
    };
    let input = request
        .get("inputText")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let traced = request.get("enableTrace").and_then(Value::as_bool) == Some(true);
    let completion = script
        .completion
        .clone()
        .unwrap_or_else(|| reply_text("agent", input));

    let mut events = Vec::new();
    if traced {
        let invocations = script.invocations.clone().unwrap_or_else(|| {
            vec![
                (words(input) + 20, 5),
                (words(input) + 40, words(&completion)),
            ]
        });
        events.extend(trace_events(path, &invocations, &completion));
    }
    for piece in split(&completion, script.chunks.unwrap_or(3)) {
        let payload = json!({ "bytes": aws_smithy_types::base64::encode(piece.as_bytes()) });
        events.push(Event::new("chunk", &payload));
    }
    if let Some((function, parameters)) = &script.return_control {
        let parameters: Vec<Value> = parameters
            .iter()
            .map(|(name, value)| json!({"name": name, "type": "string", "value": value}))
            .collect();
        let payload = json!({
            "invocationId": format!("fake-invocation-{seq:06}"),
            "invocationInputs": [{"functionInvocationInput": {
                "actionGroup": "fake_actions",
                "function": function,
                "parameters": parameters,
                "actionInvocationType": "RESULT",
                "agentId": path.agent_id,
            }}],
        });
        events.push(Event::new("returnControl", &payload));
    }
    let (events, exception) = shape_stream(events, fault, false);
    let mut reply = Reply::events(events)
        .header("x-amzn-bedrock-agent-content-type", "application/json")
        .header("x-amz-bedrock-agent-session-id", path.session_id.clone());
    if let Some(memory) = request.get("memoryId").and_then(Value::as_str) {
        reply = reply.header("x-amz-bedrock-agent-memory-id", memory);
    }
    (reply, exception)
}

/// The trace events of a traced answer: per model invocation its input and output steps (the
/// output carrying the usage), then the orchestration's final response.
fn trace_events(path: &AgentPath, invocations: &[(u64, u64)], completion: &str) -> Vec<Event> {
    let trace = |kind: &str, step: Value| {
        Event::new(
            "trace",
            &json!({
                "agentId": path.agent_id,
                "agentAliasId": path.alias_id,
                "agentVersion": "1",
                "sessionId": path.session_id,
                "eventTime": EVENT_TIME,
                "callerChain": [{"agentAliasArn": format!(
                    "arn:aws:bedrock:us-east-1:123456789012:agent-alias/{}/{}",
                    path.agent_id, path.alias_id
                )}],
                "trace": { kind: step },
            }),
        )
    };
    let mut events = Vec::new();
    for (i, (input, output)) in invocations.iter().enumerate() {
        let kind = if i == 0 {
            "preProcessingTrace"
        } else {
            "orchestrationTrace"
        };
        let trace_id = format!("fake-trace-{i}");
        events.push(trace(
            kind,
            json!({"modelInvocationInput": {
                "traceId": trace_id,
                "text": "{\"system\":\"fake prompt\"}",
                "type": if i == 0 { "PRE_PROCESSING" } else { "ORCHESTRATION" },
                "foundationModel": "anthropic.claude-3-haiku-20240307-v1:0",
            }}),
        ));
        if i > 0 {
            events.push(trace(
                kind,
                json!({"rationale": {"traceId": trace_id, "text": "The user wants an answer."}}),
            ));
        }
        events.push(trace(
            kind,
            json!({"modelInvocationOutput": {
                "traceId": trace_id,
                "rawResponse": {"content": "fake raw response"},
                "metadata": {
                    "clientRequestId": format!("fake-client-request-{i}"),
                    "usage": {"inputTokens": input, "outputTokens": output},
                },
            }}),
        ));
    }
    events.push(trace(
        "orchestrationTrace",
        json!({"observation": {
            "traceId": "fake-trace-final",
            "type": "FINISH",
            "finalResponse": {"text": completion},
        }}),
    ));
    events
}

/// `text` in `n` pieces of about equal length (on char boundaries), concatenating to `text`.
/// An empty text gives no piece.
fn split(text: &str, n: usize) -> Vec<&str> {
    let chars: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    if chars.is_empty() {
        return Vec::new();
    }
    let n = n.clamp(1, chars.len());
    (0..n)
        .map(|k| {
            let start = chars[k * chars.len() / n];
            let end = chars.get((k + 1) * chars.len() / n).copied();
            match end {
                Some(end) => &text[start..end],
                None => &text[start..],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_eventstream::frame::read_message_from;

    fn path() -> AgentPath {
        AgentPath {
            agent_id: "AGENT1".into(),
            alias_id: "ALIAS1".into(),
            session_id: "s-1".into(),
        }
    }

    /// (event type, payload JSON) of every frame.
    fn frames_of(reply: &Reply) -> Vec<(String, Value)> {
        let super::super::fault::ReplyBody::Chunks(chunks) = &reply.body else {
            panic!("not a stream");
        };
        chunks
            .iter()
            .map(|frame| {
                let message = read_message_from(&frame[..]).unwrap();
                let name = message.headers()[0].value().as_string().unwrap().as_str();
                (
                    name.to_owned(),
                    serde_json::from_slice(message.payload()).unwrap(),
                )
            })
            .collect()
    }

    fn text_of(frames: &[(String, Value)]) -> String {
        frames
            .iter()
            .filter(|(name, _)| name == "chunk")
            .map(|(_, p)| {
                let bytes = aws_smithy_types::base64::decode(p["bytes"].as_str().unwrap()).unwrap();
                String::from_utf8(bytes).unwrap()
            })
            .collect()
    }

    #[test]
    fn splits_concatenate_back() {
        assert_eq!(split("abcdefg", 3), ["ab", "cd", "efg"]);
        assert_eq!(split("ab", 5), ["a", "b"]);
        assert_eq!(split("Olá ✓", 2).concat(), "Olá ✓");
        assert!(split("", 3).is_empty());
    }

    #[test]
    fn default_agent_answers_in_chunks_with_traces_when_asked() {
        let body =
            json!({"inputText": "Book a table for two", "enableTrace": true, "memoryId": "m-1"});
        let (reply, exception) = answer(
            &path(),
            body.to_string().as_bytes(),
            7,
            &AgentScript::new(),
            None,
        );
        assert_eq!(exception, None);
        assert_eq!(reply.status, 200);
        assert!(reply
            .headers
            .contains(&("x-amz-bedrock-agent-memory-id".to_owned(), "m-1".to_owned())));
        let frames = frames_of(&reply);
        let names: Vec<&str> = frames.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["trace", "trace", "trace", "trace", "trace", "trace", "chunk", "chunk", "chunk"]
        );
        assert_eq!(
            text_of(&frames),
            "Fake agent answer about Book a table for two"
        );
        let usage: Vec<&Value> = frames
            .iter()
            .filter_map(|(_, p)| {
                p.pointer("/trace/preProcessingTrace/modelInvocationOutput/metadata/usage")
                    .or_else(|| {
                        p.pointer("/trace/orchestrationTrace/modelInvocationOutput/metadata/usage")
                    })
            })
            .collect();
        assert_eq!(
            usage,
            [
                &json!({"inputTokens": 25, "outputTokens": 5}),
                &json!({"inputTokens": 45, "outputTokens": 9})
            ]
        );

        let body = json!({"inputText": "Hi"});
        let (reply, _) = answer(
            &path(),
            body.to_string().as_bytes(),
            8,
            &AgentScript::new(),
            None,
        );
        let frames = frames_of(&reply);
        assert!(
            frames.iter().all(|(n, _)| n == "chunk"),
            "no traces unless enabled"
        );
    }

    #[test]
    fn scripts_and_faults_shape_the_stream() {
        let script = AgentScript::new()
            .completion("Done.")
            .chunks(1)
            .model_invocations([(1, 2)])
            .return_control("confirm", [("id", "42")]);
        let body = json!({"inputText": "x", "enableTrace": true});
        let (reply, _) = answer(&path(), body.to_string().as_bytes(), 3, &script, None);
        let frames = frames_of(&reply);
        let names: Vec<&str> = frames.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["trace", "trace", "trace", "chunk", "returnControl"]);
        assert_eq!(text_of(&frames), "Done.");
        assert_eq!(frames[4].1["invocationId"], "fake-invocation-000003");

        let fault = BedrockFault::MidStreamException {
            after_events: 2,
            exception: super::super::StreamException::Throttling,
        };
        let (reply, exception) =
            answer(&path(), b"{\"inputText\":\"x\"}", 4, &script, Some(&fault));
        assert_eq!(exception.as_deref(), Some("throttlingException"));
        assert_eq!(frames_of(&reply).len(), 3);

        let (reply, _) = answer(&path(), b"[]", 5, &script, None);
        assert_eq!(reply.status, 400);
    }
}
