//! The attribute and metric names the interceptor writes, as constants.
//!
//! Standard names follow the OpenTelemetry GenAI, RPC, HTTP and server semantic conventions;
//! `retry_attempts` and `http.status_code` are the names ADOT Python puts on AWS SDK spans, kept so
//! existing queries work. The ones marked *(this crate)* have no convention yet.

/// `gen_ai.system` (`aws.bedrock`): the pre-1.37 provider key ADOT sets; kept for dashboards.
pub const GEN_AI_SYSTEM: &str = "gen_ai.system";
/// `gen_ai.provider.name` (`aws.bedrock`): the current GenAI provider key.
pub const GEN_AI_PROVIDER_NAME: &str = "gen_ai.provider.name";
/// The value of [`GEN_AI_SYSTEM`] and [`GEN_AI_PROVIDER_NAME`].
pub const AWS_BEDROCK: &str = "aws.bedrock";
/// `gen_ai.operation.name`: `chat`, `text_completion`, `embeddings`, or `invoke_agent`
/// (Bedrock Agent Runtime `InvokeAgent`).
pub const GEN_AI_OPERATION_NAME: &str = "gen_ai.operation.name";
/// `gen_ai.request.model`: the `modelId` as sent (model id, inference-profile id or ARN).
pub const GEN_AI_REQUEST_MODEL: &str = "gen_ai.request.model";
/// `gen_ai.request.temperature`
pub const GEN_AI_REQUEST_TEMPERATURE: &str = "gen_ai.request.temperature";
/// `gen_ai.request.top_p`
pub const GEN_AI_REQUEST_TOP_P: &str = "gen_ai.request.top_p";
/// `gen_ai.request.top_k`
pub const GEN_AI_REQUEST_TOP_K: &str = "gen_ai.request.top_k";
/// `gen_ai.request.max_tokens`
pub const GEN_AI_REQUEST_MAX_TOKENS: &str = "gen_ai.request.max_tokens";
/// `gen_ai.request.stop_sequences`
pub const GEN_AI_REQUEST_STOP_SEQUENCES: &str = "gen_ai.request.stop_sequences";
/// `gen_ai.usage.input_tokens`
pub const GEN_AI_USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
/// `gen_ai.usage.output_tokens`
pub const GEN_AI_USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
/// `gen_ai.usage.cache_read.input_tokens`
pub const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
/// `gen_ai.usage.cache_creation.input_tokens`
pub const GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: &str =
    "gen_ai.usage.cache_creation.input_tokens";
/// `gen_ai.response.finish_reasons`
pub const GEN_AI_RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
/// `gen_ai.response.id`
pub const GEN_AI_RESPONSE_ID: &str = "gen_ai.response.id";
/// `gen_ai.response.model`
pub const GEN_AI_RESPONSE_MODEL: &str = "gen_ai.response.model";
/// `gen_ai.response.time_to_first_chunk`: seconds from the start of the call to the first
/// content event of a stream.
pub const GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK: &str = "gen_ai.response.time_to_first_chunk";
/// `gen_ai.response.stream.cancelled` *(this crate)*: `true` when the caller dropped a stream
/// (or a streamed response body) before its last event.
pub const GEN_AI_RESPONSE_STREAM_CANCELLED: &str = "gen_ai.response.stream.cancelled";
/// `gen_ai.input.messages` (content capture, span-attribute destination)
pub const GEN_AI_INPUT_MESSAGES: &str = "gen_ai.input.messages";
/// `gen_ai.output.messages` (content capture, span-attribute destination)
pub const GEN_AI_OUTPUT_MESSAGES: &str = "gen_ai.output.messages";
/// `gen_ai.system_instructions` (content capture, span-attribute destination)
pub const GEN_AI_SYSTEM_INSTRUCTIONS: &str = "gen_ai.system_instructions";
/// `gen_ai.token.type` on `gen_ai.client.token.usage`: `input` or `output`.
pub const GEN_AI_TOKEN_TYPE: &str = "gen_ai.token.type";

/// `rpc.system` (`aws-api`)
pub const RPC_SYSTEM: &str = "rpc.system";
/// `rpc.service`: the SDK's service id (`Bedrock Runtime`, `Bedrock AgentCore` …).
pub const RPC_SERVICE: &str = "rpc.service";
/// `rpc.method`: the operation (`Converse`, `InvokeAgentRuntime` …).
pub const RPC_METHOD: &str = "rpc.method";
/// `aws.region`: from the SigV4 credential scope, else the endpoint host.
pub const AWS_REGION: &str = "aws.region";
/// `aws.request_id`: `x-amzn-RequestId` / `x-amz-request-id` of the last attempt.
pub const AWS_REQUEST_ID: &str = "aws.request_id";
/// `aws.auth.account.access_key`: the signing access key id. Off by default (ADOT always sets
/// it); see `AwsSdkInterceptor::record_access_key`.
pub const AWS_AUTH_ACCESS_KEY: &str = "aws.auth.account.access_key";
/// `server.address`
pub const SERVER_ADDRESS: &str = "server.address";
/// `server.port`
pub const SERVER_PORT: &str = "server.port";
/// `retry_attempts` (ADOT's name): attempts made minus one.
pub const RETRY_ATTEMPTS: &str = "retry_attempts";
/// `http.status_code` (ADOT's name) of the last attempt.
pub const HTTP_STATUS_CODE: &str = "http.status_code";
/// `http.response.status_code` (current HTTP conventions) of the last attempt.
pub const HTTP_RESPONSE_STATUS_CODE: &str = "http.response.status_code";
/// `error.type`: the service error code (`ThrottlingException` …), or the SDK error kind
/// (`TimeoutError`, `DispatchFailure`, `ResponseError`, `ConstructionFailure`).
pub const ERROR_TYPE: &str = "error.type";
/// `session.id`: for `InvokeAgentRuntime`, the runtime session id; for `InvokeAgent`, the
/// agent's `sessionId`.
pub const SESSION_ID: &str = "session.id";

/// `gen_ai.agent.id`: for Bedrock Agent Runtime `InvokeAgent`, the `agentId`.
pub const GEN_AI_AGENT_ID: &str = "gen_ai.agent.id";
/// `gen_ai.conversation.id`: for `InvokeAgent`, the agent's `sessionId` (as `session.id`).
pub const GEN_AI_CONVERSATION_ID: &str = "gen_ai.conversation.id";
/// `aws.bedrock.agent.id` (ADOT's key): the Bedrock Agents `agentId`.
pub const BEDROCK_AGENT_ID: &str = "aws.bedrock.agent.id";
/// `aws.bedrock.agent_alias.id` *(this crate)*: the `agentAliasId` of `InvokeAgent`.
pub const BEDROCK_AGENT_ALIAS_ID: &str = "aws.bedrock.agent_alias.id";

/// `aws.bedrock.agentcore.runtime.arn`
pub const AGENTCORE_RUNTIME_ARN: &str = "aws.bedrock.agentcore.runtime.arn";
/// `aws.bedrock.agentcore.runtime_endpoint.arn`
pub const AGENTCORE_RUNTIME_ENDPOINT_ARN: &str = "aws.bedrock.agentcore.runtime_endpoint.arn";
/// `gen_ai.runtime.id`
pub const GEN_AI_RUNTIME_ID: &str = "gen_ai.runtime.id";
/// `aws.bedrock.agentcore.browser.arn`
pub const AGENTCORE_BROWSER_ARN: &str = "aws.bedrock.agentcore.browser.arn";
/// `gen_ai.browser.id`
pub const GEN_AI_BROWSER_ID: &str = "gen_ai.browser.id";
/// `aws.bedrock.agentcore.code_interpreter.arn`
pub const AGENTCORE_CODE_INTERPRETER_ARN: &str = "aws.bedrock.agentcore.code_interpreter.arn";
/// `gen_ai.code_interpreter.id`
pub const GEN_AI_CODE_INTERPRETER_ID: &str = "gen_ai.code_interpreter.id";
/// `aws.bedrock.agentcore.gateway.arn`
pub const AGENTCORE_GATEWAY_ARN: &str = "aws.bedrock.agentcore.gateway.arn";
/// `gen_ai.gateway.id`
pub const GEN_AI_GATEWAY_ID: &str = "gen_ai.gateway.id";
/// `aws.gateway.target.id`
pub const GATEWAY_TARGET_ID: &str = "aws.gateway.target.id";
/// `aws.bedrock.agentcore.memory.arn`
pub const AGENTCORE_MEMORY_ARN: &str = "aws.bedrock.agentcore.memory.arn";
/// `gen_ai.memory.id`
pub const GEN_AI_MEMORY_ID: &str = "gen_ai.memory.id";
/// `aws.auth.credential_provider`
pub const AUTH_CREDENTIAL_PROVIDER: &str = "aws.auth.credential_provider";
/// `aws.bedrock.agentcore.identity.workload_identity.arn`
pub const AGENTCORE_WORKLOAD_IDENTITY_ARN: &str =
    "aws.bedrock.agentcore.identity.workload_identity.arn";

/// Histogram `gen_ai.client.operation.duration` (s).
pub const METRIC_OPERATION_DURATION: &str = "gen_ai.client.operation.duration";
/// Histogram `gen_ai.client.token.usage` (`{token}`).
pub const METRIC_TOKEN_USAGE: &str = "gen_ai.client.token.usage";
/// Histogram `gen_ai.client.operation.time_to_first_chunk` (s), streams only.
pub const METRIC_TIME_TO_FIRST_CHUNK: &str = "gen_ai.client.operation.time_to_first_chunk";

/// Bucket boundaries of `gen_ai.client.operation.duration` (the GenAI conventions' and ADOT's).
pub const DURATION_BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
/// Bucket boundaries of `gen_ai.client.token.usage` (the GenAI conventions' and ADOT's).
pub const TOKEN_BUCKETS: [f64; 14] = [
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
    16777216.0, 67108864.0,
];
/// Bucket boundaries of `gen_ai.client.operation.time_to_first_chunk`: the GenAI conventions'
/// time-to-first-token set, finer below one second than the duration buckets.
pub const TIME_TO_FIRST_CHUNK_BUCKETS: [f64; 16] = [
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

// Per-service attributes of the generic AWS SDK span (`{service}.{operation}`), each behind its
// service family's cargo feature. ADOT Python's names where it has one, else the semantic
// conventions'; `docs/aws-sdk.md` lists where each value comes from.

/// `aws.extended_request_id` (semantic conventions): S3's `x-amz-id-2`.
pub const AWS_EXTENDED_REQUEST_ID: &str = "aws.extended_request_id";
/// `aws.s3.bucket` (ADOT, semantic conventions): from the virtual-hosted host or the path-style
/// path of the request as sent.
pub const S3_BUCKET: &str = "aws.s3.bucket";
/// `aws.s3.key` (semantic conventions): the object key.
pub const S3_KEY: &str = "aws.s3.key";
/// `aws.s3.copy_source` (semantic conventions): `CopyObject` / `UploadPartCopy` source
/// (`bucket/key`).
pub const S3_COPY_SOURCE: &str = "aws.s3.copy_source";
/// `aws.s3.upload_id` (semantic conventions): the multipart upload id.
pub const S3_UPLOAD_ID: &str = "aws.s3.upload_id";
/// `aws.s3.part_number` (semantic conventions): the multipart part number.
pub const S3_PART_NUMBER: &str = "aws.s3.part_number";
/// `aws.dynamodb.table_names` (semantic conventions, string array): `TableName`, the tables of
/// `RequestItems`, and of `TransactItems`.
pub const DYNAMODB_TABLE_NAMES: &str = "aws.dynamodb.table_names";
/// `aws.dynamodb.table.arn` (ADOT): `Table.TableArn` / `TableDescription.TableArn`, or a
/// `TableName` given as an ARN.
pub const DYNAMODB_TABLE_ARN: &str = "aws.dynamodb.table.arn";
/// `aws.sqs.queue.url` (ADOT): `QueueUrl` of the request or the response.
pub const SQS_QUEUE_URL: &str = "aws.sqs.queue.url";
/// `aws.sqs.queue.name` (ADOT): `QueueName`, else the last path segment of the queue URL.
pub const SQS_QUEUE_NAME: &str = "aws.sqs.queue.name";
/// `messaging.system` (semantic conventions): [`MESSAGING_SYSTEM_AWS_SQS`] on SQS calls.
pub const MESSAGING_SYSTEM: &str = "messaging.system";
/// The value of [`MESSAGING_SYSTEM`] for SQS.
pub const MESSAGING_SYSTEM_AWS_SQS: &str = "aws_sqs";
/// `messaging.destination.name` (semantic conventions): the SQS queue name.
pub const MESSAGING_DESTINATION_NAME: &str = "messaging.destination.name";
/// `messaging.message.id` (semantic conventions): the `MessageId` SQS `SendMessage` answers.
pub const MESSAGING_MESSAGE_ID: &str = "messaging.message.id";
/// `aws.sns.topic.arn` (ADOT): `TopicArn` (or a topic `TargetArn`), CreateTopic's `TopicArn`.
pub const SNS_TOPIC_ARN: &str = "aws.sns.topic.arn";
/// `aws.lambda.function.name` (ADOT): the function name of the `{FunctionName}` path parameter
/// (or body), the bare name when it is given as an ARN.
pub const LAMBDA_FUNCTION_NAME: &str = "aws.lambda.function.name";
/// `aws.lambda.function.arn` (ADOT): a `FunctionName` given as an ARN, else the response's
/// `FunctionArn` / `Configuration.FunctionArn`.
pub const LAMBDA_FUNCTION_ARN: &str = "aws.lambda.function.arn";
/// `aws.lambda.resource_mapping.id` (ADOT): the event-source-mapping `UUID` (path or response).
pub const LAMBDA_RESOURCE_MAPPING_ID: &str = "aws.lambda.resource_mapping.id";
/// `aws.kinesis.stream_name` (ADOT, semantic conventions): `StreamName`, else the name in
/// `StreamARN`.
pub const KINESIS_STREAM_NAME: &str = "aws.kinesis.stream_name";
/// `aws.kinesis.stream.arn` (ADOT): `StreamARN`, or `StreamDescription(Summary).StreamARN`.
pub const KINESIS_STREAM_ARN: &str = "aws.kinesis.stream.arn";
/// `aws.secretsmanager.secret.arn` (ADOT): a `SecretId` given as an ARN, else the response's
/// `ARN` (secret values are never read).
pub const SECRETSMANAGER_SECRET_ARN: &str = "aws.secretsmanager.secret.arn";
/// `aws.stepfunctions.state_machine.arn` (ADOT): `stateMachineArn` of the request or response.
pub const STEPFUNCTIONS_STATE_MACHINE_ARN: &str = "aws.stepfunctions.state_machine.arn";
/// `aws.stepfunctions.activity.arn` (ADOT): `activityArn` of the request or response.
pub const STEPFUNCTIONS_ACTIVITY_ARN: &str = "aws.stepfunctions.activity.arn";
/// `aws.bedrock.guardrail.id` (ADOT): Bedrock control plane `guardrailId` (response), or the
/// `/guardrails/{guardrailIdentifier}` path parameter when it is not an ARN.
pub const BEDROCK_GUARDRAIL_ID: &str = "aws.bedrock.guardrail.id";
/// `aws.bedrock.guardrail.arn` (ADOT): `guardrailArn` (response), or the path parameter when it
/// is an ARN.
pub const BEDROCK_GUARDRAIL_ARN: &str = "aws.bedrock.guardrail.arn";
/// `aws.bedrock.knowledge_base.id` (ADOT): Bedrock Agent / Agent Runtime `knowledgeBaseId`
/// (path, request body or response).
pub const BEDROCK_KNOWLEDGE_BASE_ID: &str = "aws.bedrock.knowledge_base.id";
/// `aws.bedrock.data_source.id` (ADOT): Bedrock Agent `dataSourceId` (path, request body or
/// response).
pub const BEDROCK_DATA_SOURCE_ID: &str = "aws.bedrock.data_source.id";
