//! [`BedrockCall`]: one request the fake received, and how it was answered.

use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use http::HeaderMap;
use serde_json::Value;

use super::family::ModelFamily;
use super::fault::BedrockFault;
use crate::request::{self, percent_decode};

/// The API operation a request was routed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BedrockOperation {
    /// `POST /model/{modelId}/converse`.
    Converse,
    /// `POST /model/{modelId}/converse-stream`.
    ConverseStream,
    /// `POST /model/{modelId}/invoke`.
    InvokeModel,
    /// `POST /model/{modelId}/invoke-with-response-stream`.
    InvokeModelWithResponseStream,
    /// `POST /runtimes/{agentRuntimeArn}/invocations` (AgentCore data plane).
    InvokeAgentRuntime,
    /// `POST /agents/{agentId}/agentAliases/{agentAliasId}/sessions/{sessionId}/text` (Bedrock
    /// Agent Runtime).
    InvokeAgent,
    /// Anything else (answered `404 UnknownOperationException`).
    Unknown,
}

impl BedrockOperation {
    /// The operation name as the SDK and `rpc.method` spell it, e.g. `"ConverseStream"`.
    pub fn name(self) -> &'static str {
        match self {
            BedrockOperation::Converse => "Converse",
            BedrockOperation::ConverseStream => "ConverseStream",
            BedrockOperation::InvokeModel => "InvokeModel",
            BedrockOperation::InvokeModelWithResponseStream => "InvokeModelWithResponseStream",
            BedrockOperation::InvokeAgentRuntime => "InvokeAgentRuntime",
            BedrockOperation::InvokeAgent => "InvokeAgent",
            BedrockOperation::Unknown => "Unknown",
        }
    }

    /// Whether the operation answers with an event stream.
    pub fn is_streaming(self) -> bool {
        matches!(
            self,
            BedrockOperation::ConverseStream
                | BedrockOperation::InvokeModelWithResponseStream
                | BedrockOperation::InvokeAgent
        )
    }
}

/// One request received by [`FakeBedrock`](crate::FakeBedrock), with the answer it got.
#[derive(Debug, Clone)]
pub struct BedrockCall {
    /// The operation the path maps to.
    pub operation: BedrockOperation,
    /// The model id from the path, percent-decoded (`anthropic.claude-3-haiku-20240307-v1:0`,
    /// an inference-profile id or an ARN); `None` for AgentCore and unknown paths.
    pub model_id: Option<String>,
    /// For InvokeModel calls, the family the fake answered as; for Converse calls, the family
    /// the model id alone suggests; `None` when unknown.
    pub family: Option<ModelFamily>,
    /// For InvokeAgentRuntime, the runtime ARN (or id) from the path, percent-decoded.
    pub agent_runtime_arn: Option<String>,
    /// The HTTP method.
    pub method: String,
    /// The raw (still percent-encoded) request path.
    pub path: String,
    /// The raw query string, if any (InvokeAgentRuntime: `qualifier=…&accountId=…`).
    pub query: Option<String>,
    /// All request headers: `traceparent`, `tracestate`, `baggage`, `x-amzn-trace-id` as the
    /// instrumentation injected them, `authorization`, `x-amz-date`, `user-agent`, …
    pub headers: HeaderMap,
    /// The request body as received.
    pub body: Bytes,
    /// The HTTP status answered (`200` also for streams that then sent an exception frame;
    /// `0` for a connection reset).
    pub status: u16,
    /// The `x-amzn-RequestId` sent back: `00000000-0000-4000-8000-NNNNNNNNNNNN`, numbered from 1
    /// per fake.
    pub request_id: String,
    /// The fault this call consumed, if any.
    pub fault: Option<BedrockFault>,
    /// The `:exception-type` sent mid-stream, if any (e.g. `"modelStreamErrorException"`).
    pub stream_exception: Option<String>,
    /// When the request headers arrived.
    pub received_at: Instant,
    /// The client's address.
    pub remote_addr: SocketAddr,
}

impl BedrockCall {
    /// The first value of header `name` (case-insensitive), if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        request::header(&self.headers, name)
    }

    /// Every value of header `name`, in order (invalid UTF-8 values skipped).
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        request::header_all(&self.headers, name)
    }

    /// The W3C `traceparent` header.
    pub fn traceparent(&self) -> Option<&str> {
        self.header("traceparent")
    }

    /// The W3C `tracestate` header.
    pub fn tracestate(&self) -> Option<&str> {
        self.header("tracestate")
    }

    /// The W3C `baggage` header.
    pub fn baggage(&self) -> Option<&str> {
        self.header("baggage")
    }

    /// The X-Ray `X-Amzn-Trace-Id` header (`Root=1-…;Parent=…;Sampled=…`).
    pub fn xray_trace_id(&self) -> Option<&str> {
        self.header("x-amzn-trace-id")
    }

    /// InvokeAgentRuntime: the `X-Amzn-Bedrock-AgentCore-Runtime-Session-Id` request header.
    pub fn runtime_session_id(&self) -> Option<&str> {
        self.header("x-amzn-bedrock-agentcore-runtime-session-id")
    }

    /// InvokeAgent: the `agentId` from the path, percent-decoded.
    pub fn agent_id(&self) -> Option<String> {
        self.agent_path_segment(1)
    }

    /// InvokeAgent: the `agentAliasId` from the path, percent-decoded.
    pub fn agent_alias_id(&self) -> Option<String> {
        self.agent_path_segment(3)
    }

    /// InvokeAgent: the `sessionId` from the path, percent-decoded.
    pub fn agent_session_id(&self) -> Option<String> {
        self.agent_path_segment(5)
    }

    fn agent_path_segment(&self, index: usize) -> Option<String> {
        if self.operation != BedrockOperation::InvokeAgent {
            return None;
        }
        let segment = self.path.trim_start_matches('/').split('/').nth(index)?;
        Some(percent_decode(segment))
    }

    /// The value of query parameter `name`, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query.as_deref()?.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key) == name).then(|| percent_decode(value))
        })
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Whether the answer was 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}
