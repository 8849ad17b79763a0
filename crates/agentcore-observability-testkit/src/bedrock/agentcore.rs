//! The AgentCore data plane: `InvokeAgentRuntime`.

use http::HeaderMap;
use serde_json::{json, Value};

use super::fault::{BedrockFault, Reply, ReplyBody, GARBAGE};
use super::text::{deltas, reply_text};
use crate::request::header;

/// The session header of `InvokeAgentRuntime` (request and response).
pub(crate) const SESSION_HEADER: &str = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id";

/// Trace-context headers echoed back on the response (the SDK reads them into
/// `InvokeAgentRuntimeOutput::{trace_id, trace_parent, trace_state, baggage}`).
const ECHOED: [&str; 4] = ["X-Amzn-Trace-Id", "traceparent", "tracestate", "baggage"];

/// Answers an `InvokeAgentRuntime` call.
pub(crate) fn answer(
    runtime_arn: &str,
    qualifier: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    seq: u64,
    fault: Option<&BedrockFault>,
) -> Reply {
    let session_id = header(headers, SESSION_HEADER)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("fake-session-{seq:024}"));
    let payload = serde_json::from_slice::<Value>(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()));
    let prompt = ["prompt", "input", "message", "query"]
        .iter()
        .find_map(|k| payload.get(k).and_then(Value::as_str))
        .or_else(|| payload.as_str())
        .unwrap_or_default();
    let response = reply_text("agent", prompt);
    let sse = header(headers, "accept").is_some_and(|a| a.contains("text/event-stream"));

    let mut reply = if matches!(
        fault,
        Some(BedrockFault::MalformedBody | BedrockFault::MalformedChunk)
    ) {
        Reply::bytes(200, "application/json", GARBAGE.to_vec())
    } else if sse {
        let mut chunks: Vec<Vec<u8>> = deltas(&response)
            .iter()
            .map(|d| format!("data: {}\n\n", Value::String(d.clone())).into_bytes())
            .collect();
        chunks.push(b"data: [DONE]\n\n".to_vec());
        let mut reply = Reply::bytes(200, "text/event-stream", Vec::new());
        reply.body = ReplyBody::Chunks(chunks);
        reply
    } else {
        Reply::json(
            200,
            &json!({
                "response": response,
                "echo": payload,
                "agentRuntimeArn": runtime_arn,
                "qualifier": qualifier,
                "runtimeSessionId": session_id,
            }),
        )
    };
    reply = reply.header(SESSION_HEADER, session_id);
    for name in ECHOED {
        if let Some(value) = header(headers, name) {
            reply = reply.header(name, value);
        }
    }
    reply
}
