//! AWS SDK instrumentation for [agentcore-observability](https://docs.rs/agentcore-observability),
//! made for Amazon Bedrock Runtime and Bedrock AgentCore: one interceptor,
//! [`AwsSdkInterceptor`] (also named [`BedrockInterceptor`]), added where any `aws-sdk-*` client
//! is built, traces every call; call sites stay as they are. No service SDK crate is a
//! dependency: it reads the serialized HTTP request and the response bytes and headers.
//!
//! ```no_run
//! # async fn run(sdk_config: aws_config::SdkConfig) -> Result<(), Box<dyn std::error::Error>> {
//! use agentcore_observability_bedrock::AwsSdkInterceptor;
//!
//! let config = aws_sdk_bedrockruntime::config::Builder::from(&sdk_config)
//!     .interceptor(AwsSdkInterceptor::new()) // the one line
//!     .build();
//! let client = aws_sdk_bedrockruntime::Client::from_conf(config);
//! // Unchanged: a CLIENT span `chat anthropic.claude-3-haiku-20240307-v1:0`, child of the
//! // current span, with the GenAI attributes, token-usage and duration metrics.
//! let _reply = client
//!     .converse()
//!     .model_id("anthropic.claude-3-haiku-20240307-v1:0")
//!     .send()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! What each call gets:
//!
//! - **Bedrock Runtime** `Converse`, `ConverseStream`, `InvokeModel`,
//!   `InvokeModelWithResponseStream`: a CLIENT span `{gen_ai.operation.name} {model}` (`chat`,
//!   `text_completion`, `embeddings`) with the GenAI request, usage (cache tokens included) and
//!   finish-reason attributes for every model family (exact token counts from Bedrock's
//!   `X-Amzn-Bedrock-*-Token-Count` headers where a body has none), the
//!   `gen_ai.client.token.usage`, `gen_ai.client.operation.duration` and (streams)
//!   `gen_ai.client.operation.time_to_first_chunk` histograms, and, with content capture on, the
//!   `gen_ai.*.message` / `gen_ai.choice` log events and/or the `gen_ai.input.messages` /
//!   `gen_ai.output.messages` attributes, as the content policy says.
//! - **Streams**: the span covers the whole stream. The response body is observed as the SDK
//!   reads it (the event-stream frames are decoded on the side, the bytes pass unchanged), so
//!   usage, finish reason, tool calls and time to first chunk come from the events; the span ends
//!   on the final event, an error event, or, marked `gen_ai.response.stream.cancelled=true`, when
//!   the stream is dropped early.
//! - **AgentCore** (data and control plane): the ARN / ID attributes ADOT records
//!   (`aws.bedrock.agentcore.runtime.arn`, `gen_ai.memory.id` …) from the path and JSON bodies;
//!   for `InvokeAgentRuntime`, `session.id` = the runtime session, filled from the caller's
//!   session when the request has none, and carried to the runtime in the baggage.
//! - **Bedrock Agent Runtime** `InvokeAgent`: a CLIENT span `invoke_agent {agentId}` over the
//!   agent's whole streamed answer, with `gen_ai.agent.id` / `aws.bedrock.agent.id`, the alias,
//!   `session.id` = `gen_ai.conversation.id` = the agent's `sessionId`, `gen_ai.memory.id`, token
//!   usage summed over the agent's trace events (when it sends them: `enableTrace`), time to first
//!   chunk, the GenAI metrics, and the input text / answer (and `returnControl` tool calls) as
//!   captured content.
//! - **S3, DynamoDB, SQS, SNS, Lambda, Kinesis, Secrets Manager, Step Functions, Bedrock
//!   (control plane, Agent, Agent Runtime)**: a `{service}.{operation}` span (`S3.PutObject`,
//!   `DynamoDB.GetItem` …) with the resource attributes ADOT Python's botocore extensions record
//!   (`aws.s3.bucket`, `aws.dynamodb.table.arn`, `aws.sqs.queue.url`, `aws.lambda.function.name`,
//!   `aws.bedrock.knowledge_base.id` …) plus semantic-convention extras (`aws.s3.key`,
//!   `aws.dynamodb.table_names`, `messaging.*`, `aws.extended_request_id`), from the path, query,
//!   headers and small bounded JSON / XML / form bodies, never from streamed bodies. One cargo
//!   feature per family (`s3`, `dynamodb`, `sqs`, `sns`, `lambda`, `kinesis`, `secretsmanager`,
//!   `stepfunctions`, `bedrock-agent`), all in `aws-services`, on by default.
//! - **Every call** (any AWS service): `rpc.system`, `rpc.service`, `rpc.method`, `aws.region`,
//!   `server.address`, `server.port`, `aws.request_id`, `retry_attempts`, the HTTP status,
//!   `error.type` and ERROR status on failure, and `traceparent` / `X-Amzn-Trace-Id` / `baggage`
//!   (the global propagator's headers) on the outgoing request, added after signing.
//!
//! Attribute and metric names are in [`attributes`]; see `docs/bedrock.md` (Bedrock, AgentCore,
//! the generic span) and `docs/aws-sdk.md` (the other services) for the full tables and where this
//! differs from ADOT Python.

mod agent_runtime;
mod agentcore;
pub mod attributes;
mod call;
mod converse;
mod events;
mod families;
mod interceptor;
mod operation;
mod services;
mod stream;
mod telemetry;
mod wire;

pub use interceptor::{AwsSdkInterceptor, BedrockInterceptor};
pub use telemetry::SCOPE_NAME;
