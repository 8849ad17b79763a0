//! A fake Amazon Bedrock Runtime (plus the AgentCore data plane and Bedrock Agent Runtime
//! `InvokeAgent`) on a loopback port, for driving the real `aws-sdk-bedrockruntime` /
//! `aws-sdk-bedrockagentcore` / `aws-sdk-bedrockagentruntime` clients offline.
//!
//! Start it with [`FakeBedrock::start`], point the SDK's `endpoint_url` at
//! [`FakeBedrock::endpoint`], and read back every request with [`FakeBedrock::calls`]: the
//! operation, model id, headers (the `traceparent` / `tracestate` / `baggage` /
//! `X-Amzn-Trace-Id` an instrumentation injects), body and the status answered. Script
//! failures with [`FakeBedrock::fail_next`].
//!
//! ```
//! use std::time::Duration;
//! use agentcore_observability_testkit::{BedrockFault, FakeBedrock};
//!
//! let fake = FakeBedrock::start().unwrap();
//! fake.fail_next(BedrockFault::Throttle);
//! // aws_sdk_bedrockruntime::Config::builder().endpoint_url(fake.endpoint())…
//! let calls = fake.wait_for_calls(0, Duration::from_millis(10));
//! assert!(calls.is_empty());
//! ```
//!
//! # The fake model
//!
//! Everything is deterministic. Token counts are **word counts** (whitespace-separated):
//!
//! * *input tokens*: the words of the request's input text: for message bodies the `system`
//!   part and every message (text blocks, string contents, tool-result text, and the compact
//!   JSON of tool inputs / JSON tool results); for prompt bodies the prompt with template markup
//!   (`<|…|>` tokens and Llama 3 role headers, `[INST]`, `<s>`, `Human:`/`Assistant:`,
//!   DeepSeek `<｜…｜>`) removed.
//! * *reply*: `"Fake <provider> answer about <up to 8 first words of the last user turn>"`,
//!   `<provider>` being `anthropic`, `amazon`, `meta`, `cohere`, `mistral`, `ai21`, `deepseek`
//!   (Converse: the provider of the model id, else its first dot-separated segment).
//!   *Output tokens* are its words.
//! * *tool use* (Converse, Anthropic Messages, Nova): when the request offers tools
//!   (`toolConfig.tools[].toolSpec`, Anthropic `tools[]`) and the last user message carries no
//!   tool result, the reply is `"Calling <first tool>."` plus a tool call
//!   `{"query": <last user text>}`; output tokens add the words of that input's compact JSON;
//!   the stop reason is `tool_use`.
//! * *cache tokens* (Converse `cachePoint` blocks, Nova `cachePoint`, Anthropic
//!   `cache_control`): read = words before the first marker, write = words after it (each at
//!   least 1); `0` without a marker. Input tokens still count all words.
//! * *latency*: `latencyMs` / `invocationLatency` / `X-Amzn-Bedrock-Invocation-Latency` =
//!   `100 + output tokens`; `firstByteLatency` = `50`.
//! * ids: request ids `00000000-0000-4000-8000-NNNNNNNNNNNN` (N = call number from 1), tool-use
//!   ids `tooluse_fakeNNNNNN` (Converse, Nova) / `toolu_bdrk_fakeNNNNNN` (Anthropic).
//!
//! # Wire formats
//!
//! Every answer has `x-amzn-RequestId`. Errors are restJson1: status, `x-amzn-ErrorType:
//! <Code>:http://internal.amazon.com/coral/com.amazon.bedrock/`, body `{"message": …}`.
//! Event streams are `content-type: application/vnd.amazon.eventstream`, one frame per HTTP
//! chunk, each with `:message-type event`, `:event-type <name>`, `:content-type
//! application/json` (exceptions: `:message-type exception`, `:exception-type <name>`).
//!
//! **Converse** (`application/json`): `{output:{message:{role:"assistant",
//! content:[{text}, {toolUse:{toolUseId,name,input}}?]}}, stopReason:"end_turn"|"tool_use",
//! usage:{inputTokens,outputTokens,totalTokens,cacheReadInputTokens,cacheWriteInputTokens},
//! metrics:{latencyMs}}`.
//!
//! **ConverseStream** events: `messageStart {role}` → `contentBlockDelta
//! {contentBlockIndex:0, delta:{text}}` per word → `contentBlockStop {contentBlockIndex:0}` →
//! (tool: `contentBlockStart {contentBlockIndex:1, start:{toolUse:{toolUseId,name}}}` → two
//! `contentBlockDelta {contentBlockIndex:1, delta:{toolUse:{input:<JSON text part>}}}` →
//! `contentBlockStop {contentBlockIndex:1}`) → `messageStop {stopReason}` → `metadata
//! {usage:{…as Converse}, metrics:{latencyMs}}`.
//!
//! **InvokeModel** (`application/json`, plus `X-Amzn-Bedrock-Input-Token-Count`,
//! `X-Amzn-Bedrock-Output-Token-Count` (not for embeddings), `X-Amzn-Bedrock-Invocation-Latency`,
//! and `X-Amzn-Bedrock-Cache-{Read,Write}-Input-Token-Count` when non-zero) and
//! **InvokeModelWithResponseStream** (`chunk` events, payload `{"bytes": base64(chunk JSON)}`,
//! the last chunk carrying `"amazon-bedrock-invocationMetrics": {inputTokenCount,
//! outputTokenCount, invocationLatency, firstByteLatency[, cacheReadInputTokenCount,
//! cacheWriteInputTokenCount]}`; response header `X-Amzn-Bedrock-Content-Type:
//! application/json`), per [`ModelFamily`]:
//!
//! | family | request input | InvokeModel body | stream chunks (in order) |
//! |---|---|---|---|
//! | AnthropicMessages | `messages`, `system`, `tools` | `{id, type:"message", role, model, content:[{type:"text",text}, {type:"tool_use",id,name,input}?], stop_reason:"end_turn"\|"tool_use", stop_sequence:null, usage:{input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens}}` | `message_start{message:{…, usage:{input_tokens, output_tokens:1, cache_…}}}`, `content_block_start{index:0}`, `content_block_delta{index:0, delta:{type:"text_delta",text}}`×words, `content_block_stop`, (tool: `content_block_start{index:1, content_block:{type:"tool_use",id,name,input:{}}}`, 2×`content_block_delta{delta:{type:"input_json_delta",partial_json}}`, `content_block_stop`), `message_delta{delta:{stop_reason}, usage:{output_tokens}}`, `message_stop` |
//! | AnthropicCompletions | `prompt` | `{type:"completion", completion, stop_reason:"stop_sequence", stop:"\n\nHuman:"}` | `{type:"completion", completion:<word>, stop_reason:null}`×words, then `{completion:"", stop_reason:"stop_sequence", stop}` |
//! | TitanText | `inputText` | `{inputTextTokenCount, results:[{tokenCount, outputText, completionReason:"FINISH"}]}` | `{outputText:<word>, index:0, totalOutputTextTokenCount, completionReason, inputTextTokenCount}` per word; `inputTextTokenCount` only on the first (else null), `totalOutputTextTokenCount` and `completionReason:"FINISH"` only on the last |
//! | TitanEmbed | `inputText`, `dimensions` | `{embedding:[f64; dimensions or 8], inputTextTokenCount}` | not streamable: `400 ValidationException` |
//! | Nova | `messages`, `system`, `toolConfig` | `{output:{message:{role, content:[{text}, {toolUse}?]}}, stopReason, usage:{inputTokens, outputTokens, totalTokens, cacheReadInputTokenCount, cacheWriteInputTokenCount}}` | `{messageStart:{role}}`, `{contentBlockDelta:{delta:{text}, contentBlockIndex:0}}`×words, `{contentBlockStop}`, (tool: `{contentBlockStart:{start:{toolUse:{toolUseId,name}}}}`, `{contentBlockDelta:{delta:{toolUse:{input}}}}`, `{contentBlockStop}`), `{messageStop:{stopReason}}`, `{metadata:{usage:{inputTokens, outputTokens, cacheRead…Count, cacheWrite…Count}, metrics:{}, trace:{}}}` |
//! | Llama | `prompt` | `{generation, prompt_token_count, generation_token_count, stop_reason:"stop"}` | `{generation:<word>, prompt_token_count (first chunk, else null), generation_token_count:<running count>, stop_reason (null, last "stop")}` |
//! | CohereCommand | `prompt` | `{id, generations:[{id, text, finish_reason:"COMPLETE"}], prompt}` | `{generations:[{text:<word>, index:0, is_finished:false}]}`×words, then `{generations:[{id, text:"", index:0, is_finished:true, finish_reason:"COMPLETE"}]}` |
//! | CohereCommandR | `message`, `preamble`, `chat_history` | `{response_id, text, generation_id, chat_history, finish_reason:"COMPLETE"}` | `{event_type:"stream-start", generation_id, is_finished:false}`, `{event_type:"text-generation", text, is_finished:false}`×words, `{event_type:"stream-end", is_finished:true, finish_reason:"COMPLETE", response:{response_id, text, generation_id, finish_reason}}` |
//! | CohereEmbed | `texts` | `{embeddings:[[f64;8] per text], id, response_type:"embeddings_floats", texts}` | not streamable: `400 ValidationException` |
//! | MistralText | `prompt` | `{outputs:[{text, stop_reason:"stop"}]}` | `{outputs:[{text:<word>, stop_reason:null}]}`×words, `{outputs:[{text:"", stop_reason:"stop"}]}` |
//! | MistralChat | `messages` | `{id, object:"chat.completion", model, choices:[{index:0, message:{role, content, tool_calls:null}, stop_reason:"stop", finish_reason:"stop"}]}` | `{id, object:"chat.completion.chunk", choices:[{index:0, delta:{role?, content:<word>}, stop_reason:null, finish_reason:null}]}`×words, last with `delta:{content:""}`, `stop_reason`/`finish_reason:"stop"` |
//! | Ai21Jamba | `messages` | `{id, choices:[{index:0, message:{role, content, tool_calls:null}, finish_reason:"stop"}], usage:{prompt_tokens, completion_tokens, total_tokens}}` | `{id, choices:[{index:0, delta:{role?, content:<word>}, finish_reason:null}]}`×words, `{id, choices:[{index:0, delta:{}, finish_reason:"stop"}], usage:{…}}` |
//! | DeepSeek | `prompt` or `messages` | `{choices:[{text, stop_reason:"stop"}]}` | `{choices:[{text:<word>, stop_reason:null}]}`×words, `{choices:[{text:"", stop_reason:"stop"}]}` |
//!
//! The stream's word deltas concatenate to the reply text (`"Fake"`, `" anthropic"`, …).
//! Bad requests get `400 ValidationException`: a body that is not a JSON object, a missing
//! required input key (the "request input" column's first key), a model id naming no known
//! family (`The provided model identifier is invalid.`), streaming an embedding model.
//!
//! **InvokeAgentRuntime** (`POST /runtimes/{url-encoded ARN}/invocations[?qualifier=…]`):
//! `200 application/json` `{response:"Fake agent answer about <payload prompt/input/message/
//! query>", echo:<payload JSON or text>, agentRuntimeArn, qualifier, runtimeSessionId}` with
//! `X-Amzn-Bedrock-AgentCore-Runtime-Session-Id` (the request's, or
//! `fake-session-NNN…` (36 chars)), and the request's `X-Amzn-Trace-Id`, `traceparent`,
//! `tracestate`, `baggage` echoed back as response headers. With `Accept: text/event-stream`
//! the body is server-sent events instead: `data: "<word>"` per word, then `data: [DONE]`.
//!
//! # InvokeAgent
//!
//! **InvokeAgent** (`POST /agents/{agentId}/agentAliases/{agentAliasId}/sessions/{sessionId}/text`,
//! JSON body with `inputText`, `enableTrace`, `memoryId`, …) answers `200` with an event stream
//! and the headers `x-amzn-bedrock-agent-content-type: application/json`,
//! `x-amz-bedrock-agent-session-id` (the path's) and `x-amz-bedrock-agent-memory-id` (the body's
//! `memoryId`, when given). The agent is scripted with [`AgentScript`]
//! ([`FakeBedrock::script_agent`]); by default it answers `"Fake agent answer about <first 8
//! words of inputText>"`. Events, in order:
//!
//! 1. only when the request sets `"enableTrace": true`, `trace` events (`{agentId, agentAliasId,
//!    agentVersion:"1", sessionId, eventTime, callerChain, trace:{…}}`): per model invocation a
//!    `modelInvocationInput` step, (orchestration only) a `rationale`, and a
//!    `modelInvocationOutput` with `metadata.usage {inputTokens, outputTokens}`; the first
//!    invocation is a `preProcessingTrace`, the others `orchestrationTrace`s (default two
//!    invocations: `(input words + 20, 5)` and `(input words + 40, answer words)`); then an
//!    `orchestrationTrace` `observation` with the `finalResponse`;
//! 2. the answer as `chunk` events `{"bytes": base64(UTF-8 text)}` (default 3, split on
//!    character boundaries; they concatenate to the answer);
//! 3. with [`AgentScript::return_control`], a `returnControl` event `{invocationId,
//!    invocationInputs:[{functionInvocationInput:{actionGroup, function, parameters}}]}`.
//!
//! Faults apply as to the other streams: status faults answer before the stream,
//! [`BedrockFault::MidStreamException`] sends `after_events` events then the exception frame
//! (e.g. [`StreamException::DependencyFailed`]). A body that is not a JSON object gets
//! `400 ValidationException`. The recorded [`BedrockCall`] has the ids
//! ([`BedrockCall::agent_id`], …), the headers and the body as sent.
//!
//! Unknown paths (or non-POST methods) get `404 UnknownOperationException`; nothing panics on
//! bad input.

mod agent;
mod agentcore;
mod call;
mod converse;
mod eventstream;
mod family;
mod fault;
mod generation;
mod invoke;
mod server;
mod text;

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

pub use agent::AgentScript;
pub use call::{BedrockCall, BedrockOperation};
pub use family::{base_model_id, ModelFamily};
pub use fault::{BedrockFault, StreamException};

use crate::http_server::ServerHandle;
use server::Store;

/// A fake Bedrock Runtime + AgentCore data plane on `127.0.0.1`, recording every call.
///
/// Like [`OtlpReceiver`](crate::OtlpReceiver), it runs its own server thread with its own
/// current-thread tokio runtime, so it works from plain `#[test]`s and from any
/// `#[tokio::test]`; all its methods are synchronous and every wait is bounded. Dropping it
/// stops the server. See the [module docs](self) for what it answers.
///
/// ```
/// use agentcore_observability_testkit::FakeBedrock;
///
/// let fake = FakeBedrock::start().unwrap();
/// assert!(fake.endpoint().starts_with("http://127.0.0.1:"));
/// assert!(fake.calls().is_empty());
/// ```
#[derive(Debug)]
pub struct FakeBedrock {
    addr: SocketAddr,
    store: Arc<Store>,
    server: ServerHandle,
}

impl FakeBedrock {
    /// Binds `127.0.0.1` on a free port and starts serving.
    pub fn start() -> std::io::Result<FakeBedrock> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let store = Arc::new(Store::default());
        let server = server::spawn(listener, Arc::clone(&store))?;
        Ok(FakeBedrock {
            addr,
            store,
            server,
        })
    }

    /// The socket address the fake listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (no trailing slash): what the SDK's `endpoint_url` takes.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, in arrival order (recorded when its answer starts; a
    /// stream's events may still be on their way).
    pub fn calls(&self) -> Vec<BedrockCall> {
        self.store.lock().calls.clone()
    }

    /// Waits until at least `at_least` calls were received or `timeout` passes, and returns
    /// all calls received by then (check the length: it may be short after a timeout).
    pub fn wait_for_calls(&self, at_least: usize, timeout: Duration) -> Vec<BedrockCall> {
        self.wait_for_calls_matching(|calls| calls.len() >= at_least, timeout)
    }

    /// Waits until `pred` holds for the calls received or `timeout` passes, and returns all
    /// calls received by then.
    pub fn wait_for_calls_matching(
        &self,
        pred: impl Fn(&[BedrockCall]) -> bool,
        timeout: Duration,
    ) -> Vec<BedrockCall> {
        self.store
            .wait_until(timeout, |s| pred(&s.calls), |s| s.calls.clone())
    }

    /// Queues one fault for the next call to a known operation (after any already queued).
    pub fn fail_next(&self, fault: BedrockFault) {
        self.store.lock().faults.push_back(fault);
    }

    /// Queues several faults, consumed one per call in order.
    pub fn fail_with(&self, faults: impl IntoIterator<Item = BedrockFault>) {
        self.store.lock().faults.extend(faults);
    }

    /// How many queued faults are still unused.
    pub fn pending_faults(&self) -> usize {
        self.store.lock().faults.len()
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.store.lock().faults.clear();
    }

    /// Pauses this long between the chunks of every streamed answer from now on (default: no
    /// pause), e.g. to give time-to-first-token a measurable value. Keep it well under the
    /// SDK's stalled-stream grace period (5 s).
    pub fn set_stream_event_delay(&self, delay: Duration) {
        self.store.lock().event_delay = delay;
    }

    /// Answers every later `InvokeAgent` call as `script` says (until replaced; the default is
    /// [`AgentScript::default`]).
    pub fn script_agent(&self, script: AgentScript) {
        self.store.lock().agent_script = script;
    }

    /// Forgets every recorded call (queued faults and the request numbering are kept).
    pub fn clear(&self) {
        self.store.lock().calls.clear();
    }

    /// Stops the server now (as dropping does); recorded calls stay readable.
    pub fn shutdown(&mut self) {
        self.server.stop();
    }
}
