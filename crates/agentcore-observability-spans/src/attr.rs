//! Names from the OpenTelemetry GenAI semantic conventions that the helpers write.
//!
//! Written against the GenAI conventions as of semantic conventions **v1.41.0**
//! (<https://github.com/open-telemetry/semantic-conventions/tree/v1.41.0/docs/gen-ai>), the last
//! release before the GenAI conventions moved to their own repository
//! (<https://github.com/open-telemetry/semantic-conventions-genai>). They are all still in
//! *Development* status, so they are spelled out here rather than taken from
//! `opentelemetry-semantic-conventions`, where they sit behind a feature and a deprecation note.

/// `gen_ai.operation.name`: `invoke_agent`, `execute_tool`, `chat`, `text_completion`, …
pub const GEN_AI_OPERATION_NAME: &str = "gen_ai.operation.name";
/// `gen_ai.provider.name`: e.g. `aws.bedrock`, `openai`, `anthropic`.
pub const GEN_AI_PROVIDER_NAME: &str = "gen_ai.provider.name";
/// `gen_ai.system`: the key `gen_ai.provider.name` replaced; still read by dashboards built on
/// semantic conventions up to v1.36 (and set by ADOT's Bedrock instrumentation).
pub const GEN_AI_SYSTEM: &str = "gen_ai.system";
/// `gen_ai.agent.name`.
pub const GEN_AI_AGENT_NAME: &str = "gen_ai.agent.name";
/// `gen_ai.agent.id`.
pub const GEN_AI_AGENT_ID: &str = "gen_ai.agent.id";
/// `gen_ai.agent.description`.
pub const GEN_AI_AGENT_DESCRIPTION: &str = "gen_ai.agent.description";
/// `gen_ai.tool.name`.
pub const GEN_AI_TOOL_NAME: &str = "gen_ai.tool.name";
/// `gen_ai.tool.type`: `function`, `extension` or `datastore`.
pub const GEN_AI_TOOL_TYPE: &str = "gen_ai.tool.type";
/// `gen_ai.tool.description`.
pub const GEN_AI_TOOL_DESCRIPTION: &str = "gen_ai.tool.description";
/// `gen_ai.tool.call.id`.
pub const GEN_AI_TOOL_CALL_ID: &str = "gen_ai.tool.call.id";
/// `gen_ai.tool.call.arguments` (content: subject to the content policy).
pub const GEN_AI_TOOL_CALL_ARGUMENTS: &str = "gen_ai.tool.call.arguments";
/// `gen_ai.tool.call.result` (content: subject to the content policy).
pub const GEN_AI_TOOL_CALL_RESULT: &str = "gen_ai.tool.call.result";
/// `gen_ai.request.model`.
pub const GEN_AI_REQUEST_MODEL: &str = "gen_ai.request.model";
/// `gen_ai.request.temperature`.
pub const GEN_AI_REQUEST_TEMPERATURE: &str = "gen_ai.request.temperature";
/// `gen_ai.request.top_p`.
pub const GEN_AI_REQUEST_TOP_P: &str = "gen_ai.request.top_p";
/// `gen_ai.request.max_tokens`.
pub const GEN_AI_REQUEST_MAX_TOKENS: &str = "gen_ai.request.max_tokens";
/// `gen_ai.request.stop_sequences` (string array).
pub const GEN_AI_REQUEST_STOP_SEQUENCES: &str = "gen_ai.request.stop_sequences";
/// `gen_ai.response.id`.
pub const GEN_AI_RESPONSE_ID: &str = "gen_ai.response.id";
/// `gen_ai.response.model`.
pub const GEN_AI_RESPONSE_MODEL: &str = "gen_ai.response.model";
/// `gen_ai.response.finish_reasons` (string array).
pub const GEN_AI_RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
/// `gen_ai.usage.input_tokens`.
pub const GEN_AI_USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
/// `gen_ai.usage.output_tokens`.
pub const GEN_AI_USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
/// `gen_ai.usage.cache_read.input_tokens`.
pub const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
/// `gen_ai.usage.cache_creation.input_tokens`.
pub const GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: &str =
    "gen_ai.usage.cache_creation.input_tokens";
/// `gen_ai.input.messages` (content: subject to the content policy).
pub const GEN_AI_INPUT_MESSAGES: &str = "gen_ai.input.messages";
/// `gen_ai.output.messages` (content: subject to the content policy).
pub const GEN_AI_OUTPUT_MESSAGES: &str = "gen_ai.output.messages";
/// `gen_ai.system_instructions` (content: subject to the content policy).
pub const GEN_AI_SYSTEM_INSTRUCTIONS: &str = "gen_ai.system_instructions";
/// `error.type`: the short type name of the error recorded.
pub const ERROR_TYPE: &str = "error.type";
/// `exception.type`, on the `exception` event.
pub const EXCEPTION_TYPE: &str = "exception.type";
/// `exception.message`, on the `exception` event.
pub const EXCEPTION_MESSAGE: &str = "exception.message";

/// Values of `gen_ai.operation.name`.
pub mod operation {
    /// An agent invocation (`invoke_agent {gen_ai.agent.name}`).
    pub const INVOKE_AGENT: &str = "invoke_agent";
    /// A tool execution (`execute_tool {gen_ai.tool.name}`).
    pub const EXECUTE_TOOL: &str = "execute_tool";
    /// A chat completion (`chat {gen_ai.request.model}`).
    pub const CHAT: &str = "chat";
    /// A text completion (`text_completion {gen_ai.request.model}`).
    pub const TEXT_COMPLETION: &str = "text_completion";
    /// An embeddings call.
    pub const EMBEDDINGS: &str = "embeddings";
    /// A multimodal content generation call.
    pub const GENERATE_CONTENT: &str = "generate_content";
}

/// Event names: the span event of a recorded error, and the GenAI log events that carry content
/// when the content destination includes log events (semantic conventions v1.28–v1.36 event
/// names, the ones ADOT's Bedrock instrumentation emits).
pub mod event {
    /// The span event of a recorded error.
    pub const EXCEPTION: &str = "exception";
    /// A system message (system instructions) sent to the model.
    pub const SYSTEM_MESSAGE: &str = "gen_ai.system.message";
    /// A user message sent to the model.
    pub const USER_MESSAGE: &str = "gen_ai.user.message";
    /// An assistant message sent to the model (chat history, or a tool call's arguments).
    pub const ASSISTANT_MESSAGE: &str = "gen_ai.assistant.message";
    /// A tool message: what a tool returned.
    pub const TOOL_MESSAGE: &str = "gen_ai.tool.message";
    /// One choice (output message) of a model response.
    pub const CHOICE: &str = "gen_ai.choice";
}
