//! The fake Bedrock Runtime and AgentCore data plane, driven by the real AWS SDK clients.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentcore_observability_testkit::{
    BedrockFault, BedrockOperation, FakeBedrock, ModelFamily, PlannedResponse, StreamException,
};
use aws_sdk_bedrockruntime::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_bedrockruntime::config::retry::RetryConfig;
use aws_sdk_bedrockruntime::config::{
    ConfigBag, Credentials, Intercept, Region, RuntimeComponents,
};
use aws_sdk_bedrockruntime::operation::RequestId;
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{
    CachePointBlock, CachePointType, ContentBlock, ContentBlockDelta, ContentBlockStart,
    ConversationRole, ConverseStreamOutput, Message, ResponseStream, StopReason,
    SystemContentBlock, Tool, ToolConfiguration, ToolInputSchema, ToolResultBlock,
    ToolResultContentBlock, ToolSpecification,
};
use aws_smithy_types::Document;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(5);
const PROMPT: &str = "What does the OTLP protocol carry?";
const SYSTEM: &str = "You are a terse assistant.";
const CLAUDE: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const NOVA: &str = "amazon.nova-lite-v1:0";
const TRACEPARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const BAGGAGE: &str = "session.id=peer-session-0001";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn reply(provider: &str) -> String {
    format!("Fake {provider} answer about {PROMPT}")
}

fn runtime(fake: &FakeBedrock, retry: RetryConfig) -> aws_sdk_bedrockruntime::Client {
    let config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version_latest()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .endpoint_url(fake.endpoint())
        .retry_config(retry)
        .build();
    aws_sdk_bedrockruntime::Client::from_conf(config)
}

fn no_retry(fake: &FakeBedrock) -> aws_sdk_bedrockruntime::Client {
    runtime(fake, RetryConfig::disabled())
}

fn user(blocks: Vec<ContentBlock>) -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .set_content(Some(blocks))
        .build()
        .unwrap()
}

fn text(s: &str) -> ContentBlock {
    ContentBlock::Text(s.to_owned())
}

fn cache_point() -> CachePointBlock {
    CachePointBlock::builder()
        .r#type(CachePointType::Default)
        .build()
        .unwrap()
}

fn search_tool() -> ToolConfiguration {
    let schema = Document::Object(
        [("type".to_owned(), Document::String("object".to_owned()))]
            .into_iter()
            .collect(),
    );
    ToolConfiguration::builder()
        .tools(Tool::ToolSpec(
            ToolSpecification::builder()
                .name("web_search")
                .input_schema(ToolInputSchema::Json(schema))
                .build()
                .unwrap(),
        ))
        .build()
        .unwrap()
}

/// Records the HTTP response headers the SDK received.
#[derive(Debug, Clone, Default)]
struct CaptureHeaders(Arc<Mutex<Vec<(String, String)>>>);

impl CaptureHeaders {
    fn get(&self, name: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }
}

impl Intercept for CaptureHeaders {
    fn name(&self) -> &'static str {
        "CaptureHeaders"
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        *self.0.lock().unwrap() = context
            .response()
            .headers()
            .iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        Ok(())
    }
}

#[tokio::test]
async fn converse_text_tool_use_and_cache_tokens() {
    let fake = FakeBedrock::start().unwrap();
    let client = no_retry(&fake);

    // Plain text, with trace context headers as an instrumentation would inject them.
    let out = client
        .converse()
        .model_id(CLAUDE)
        .system(SystemContentBlock::Text(SYSTEM.to_owned()))
        .messages(user(vec![text(PROMPT)]))
        .customize()
        .mutate_request(|request| {
            request.headers_mut().insert("traceparent", TRACEPARENT);
            request.headers_mut().insert("baggage", BAGGAGE);
        })
        .send()
        .await
        .unwrap();
    let message = out.output().unwrap().as_message().unwrap();
    assert_eq!(message.content(), [text(&reply("anthropic"))]);
    assert_eq!(out.stop_reason(), &StopReason::EndTurn);
    let usage = out.usage().unwrap();
    assert_eq!(
        (
            usage.input_tokens(),
            usage.output_tokens(),
            usage.total_tokens()
        ),
        (11, 10, 21)
    );
    assert_eq!(usage.cache_read_input_tokens(), Some(0));
    assert_eq!(usage.cache_write_input_tokens(), Some(0));
    assert_eq!(out.metrics().unwrap().latency_ms(), 110);
    assert_eq!(
        out.request_id(),
        Some("00000000-0000-4000-8000-000000000001")
    );

    let calls = fake.wait_for_calls(1, WAIT);
    let call = &calls[0];
    assert_eq!(call.operation, BedrockOperation::Converse);
    assert_eq!(call.model_id.as_deref(), Some(CLAUDE));
    assert_eq!(
        call.path,
        "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse"
    );
    assert_eq!(call.family, Some(ModelFamily::AnthropicMessages));
    assert_eq!(call.status, 200);
    assert_eq!(call.traceparent(), Some(TRACEPARENT));
    assert_eq!(call.baggage(), Some(BAGGAGE));
    assert!(call
        .header("authorization")
        .unwrap()
        .starts_with("AWS4-HMAC-SHA256 Credential=AKIDTEST/"));
    assert_eq!(
        call.json().unwrap()["messages"][0]["content"][0]["text"],
        PROMPT
    );

    // Tool use (Nova), with a cache point after the system prompt.
    let out = client
        .converse()
        .model_id(format!("us.{NOVA}"))
        .system(SystemContentBlock::Text(SYSTEM.to_owned()))
        .system(SystemContentBlock::CachePoint(cache_point()))
        .messages(user(vec![text(PROMPT)]))
        .tool_config(search_tool())
        .send()
        .await
        .unwrap();
    assert_eq!(out.stop_reason(), &StopReason::ToolUse);
    let content = out.output().unwrap().as_message().unwrap().content();
    assert_eq!(content[0], text("Calling web_search."));
    let tool_use = content[1].as_tool_use().unwrap();
    assert_eq!(tool_use.name(), "web_search");
    assert_eq!(tool_use.tool_use_id(), "tooluse_fake000002");
    let Document::Object(input) = tool_use.input() else {
        panic!("{tool_use:?}")
    };
    assert_eq!(input["query"], Document::String(PROMPT.to_owned()));
    let usage = out.usage().unwrap();
    // 2 words of text + 6 of {"query":"What does the OTLP protocol carry?"}
    assert_eq!((usage.input_tokens(), usage.output_tokens()), (11, 8));
    assert_eq!(usage.cache_read_input_tokens(), Some(5));
    assert_eq!(usage.cache_write_input_tokens(), Some(6));

    // The tool result goes back: a text answer.
    let assistant = Message::builder()
        .role(ConversationRole::Assistant)
        .set_content(Some(content.to_vec()))
        .build()
        .unwrap();
    let result = ToolResultBlock::builder()
        .tool_use_id(tool_use.tool_use_id())
        .content(ToolResultContentBlock::Text("three results".to_owned()))
        .build()
        .unwrap();
    let out = client
        .converse()
        .model_id(NOVA)
        .messages(user(vec![text(PROMPT)]))
        .messages(assistant)
        .messages(user(vec![ContentBlock::ToolResult(result)]))
        .tool_config(search_tool())
        .send()
        .await
        .unwrap();
    assert_eq!(out.stop_reason(), &StopReason::EndTurn);
    let message = out.output().unwrap().as_message().unwrap();
    assert_eq!(message.content(), [text(&reply("amazon"))]);
    assert_eq!(fake.calls().len(), 3);
}

#[tokio::test]
async fn converse_stream_decodes_in_the_sdk() {
    let fake = FakeBedrock::start().unwrap();
    fake.set_stream_event_delay(Duration::from_millis(1));
    let client = no_retry(&fake);
    let out = client
        .converse_stream()
        .model_id(NOVA)
        .system(SystemContentBlock::Text(SYSTEM.to_owned()))
        .messages(user(vec![text(PROMPT)]))
        .tool_config(search_tool())
        .send()
        .await
        .unwrap();
    let mut stream = out.stream;
    let (mut kinds, mut text_out, mut tool_input) = (Vec::new(), String::new(), String::new());
    let (mut stop, mut usage, mut tool_name) = (None, None, None);
    while let Some(event) = stream.recv().await.unwrap() {
        kinds.push(match &event {
            ConverseStreamOutput::MessageStart(_) => "messageStart",
            ConverseStreamOutput::ContentBlockStart(_) => "contentBlockStart",
            ConverseStreamOutput::ContentBlockDelta(_) => "contentBlockDelta",
            ConverseStreamOutput::ContentBlockStop(_) => "contentBlockStop",
            ConverseStreamOutput::MessageStop(_) => "messageStop",
            ConverseStreamOutput::Metadata(_) => "metadata",
            _ => "unknown",
        });
        match event {
            ConverseStreamOutput::ContentBlockDelta(delta) => match delta.delta() {
                Some(ContentBlockDelta::Text(t)) => text_out.push_str(t),
                Some(ContentBlockDelta::ToolUse(t)) => tool_input.push_str(t.input()),
                other => panic!("{other:?}"),
            },
            ConverseStreamOutput::ContentBlockStart(start) => {
                if let Some(ContentBlockStart::ToolUse(t)) = start.start() {
                    tool_name = Some(t.name().to_owned());
                }
            }
            ConverseStreamOutput::MessageStop(m) => stop = Some(m.stop_reason().clone()),
            ConverseStreamOutput::Metadata(m) => usage = m.usage().cloned(),
            _ => {}
        }
    }
    assert_eq!(kinds.first(), Some(&"messageStart"));
    assert_eq!(
        kinds.iter().filter(|k| **k == "contentBlockDelta").count(),
        2 + 2
    );
    assert_eq!(kinds[kinds.len() - 2..], ["messageStop", "metadata"]);
    assert_eq!(text_out, "Calling web_search.");
    assert_eq!(tool_name.as_deref(), Some("web_search"));
    assert_eq!(
        serde_json::from_str::<Value>(&tool_input).unwrap(),
        json!({ "query": PROMPT })
    );
    assert_eq!(stop, Some(StopReason::ToolUse));
    let usage = usage.unwrap();
    assert_eq!(
        (
            usage.input_tokens(),
            usage.output_tokens(),
            usage.total_tokens()
        ),
        (11, 8, 19)
    );

    let call = &fake.wait_for_calls(1, WAIT)[0];
    assert_eq!(call.operation, BedrockOperation::ConverseStream);
    assert_eq!(call.stream_exception, None);
}

/// (model id, request body, expected input and output tokens, checks on the response body)
type InvokeCase = (&'static str, Value, u64, u64, fn(&Value));

fn invoke_cases() -> Vec<InvokeCase> {
    let messages = json!([{ "role": "user", "content": PROMPT }]);
    vec![
        (
            "us.anthropic.claude-3-haiku-20240307-v1:0",
            json!({ "anthropic_version": "bedrock-2023-05-31", "max_tokens": 200, "system": SYSTEM,
                    "messages": [{ "role": "user", "content": [{ "type": "text", "text": PROMPT }] }] }),
            11,
            10,
            |b| {
                assert_eq!(b["type"], "message");
                assert_eq!(
                    b["content"][0],
                    json!({ "type": "text", "text": reply("anthropic") })
                );
                assert_eq!(b["stop_reason"], "end_turn");
                assert_eq!(b["usage"]["input_tokens"], 11);
                assert_eq!(b["usage"]["output_tokens"], 10);
                assert_eq!(b["usage"]["cache_read_input_tokens"], 0);
            },
        ),
        (
            CLAUDE,
            json!({ "anthropic_version": "bedrock-2023-05-31", "max_tokens": 200,
                    "system": [{ "type": "text", "text": SYSTEM, "cache_control": { "type": "ephemeral" } }],
                    "tools": [{ "name": "web_search", "input_schema": { "type": "object" } }],
                    "messages": [{ "role": "user", "content": PROMPT }] }),
            11,
            8,
            |b| {
                assert_eq!(b["content"][1]["type"], "tool_use");
                assert_eq!(b["content"][1]["name"], "web_search");
                assert_eq!(b["content"][1]["input"], json!({ "query": PROMPT }));
                assert_eq!(b["stop_reason"], "tool_use");
                assert_eq!(b["usage"]["cache_read_input_tokens"], 5);
                assert_eq!(b["usage"]["cache_creation_input_tokens"], 6);
            },
        ),
        (
            "anthropic.claude-v2:1",
            json!({ "prompt": format!("\n\nHuman: {PROMPT}\n\nAssistant:"), "max_tokens_to_sample": 200 }),
            6,
            10,
            |b| {
                assert_eq!(b["completion"], reply("anthropic"));
                assert_eq!(b["stop_reason"], "stop_sequence");
            },
        ),
        (
            "amazon.titan-text-express-v1",
            json!({ "inputText": PROMPT, "textGenerationConfig": { "maxTokenCount": 200 } }),
            6,
            10,
            |b| {
                assert_eq!(b["inputTextTokenCount"], 6);
                assert_eq!(b["results"][0]["tokenCount"], 10);
                assert_eq!(b["results"][0]["outputText"], reply("amazon"));
                assert_eq!(b["results"][0]["completionReason"], "FINISH");
            },
        ),
        (
            "amazon.titan-embed-text-v2:0",
            json!({ "inputText": PROMPT, "dimensions": 256 }),
            6,
            0,
            |b| {
                assert_eq!(b["embedding"].as_array().unwrap().len(), 256);
                assert_eq!(b["inputTextTokenCount"], 6);
            },
        ),
        (
            NOVA,
            json!({ "system": [{ "text": SYSTEM }], "inferenceConfig": { "max_new_tokens": 200 },
                    "messages": [{ "role": "user", "content": [{ "text": PROMPT }] }] }),
            11,
            10,
            |b| {
                assert_eq!(
                    b["output"]["message"]["content"][0]["text"],
                    reply("amazon")
                );
                assert_eq!(b["stopReason"], "end_turn");
                assert_eq!(b["usage"]["inputTokens"], 11);
                assert_eq!(b["usage"]["outputTokens"], 10);
            },
        ),
        (
            "meta.llama3-8b-instruct-v1:0",
            json!({ "prompt": format!("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{PROMPT}<|eot_id|><|start_header_id|>assistant<|end_header_id|>"), "max_gen_len": 200 }),
            6,
            10,
            |b| {
                assert_eq!(b["generation"], reply("meta"));
                assert_eq!(b["prompt_token_count"], 6);
                assert_eq!(b["generation_token_count"], 10);
                assert_eq!(b["stop_reason"], "stop");
            },
        ),
        (
            "cohere.command-text-v14",
            json!({ "prompt": PROMPT, "max_tokens": 200 }),
            6,
            10,
            |b| {
                assert_eq!(b["generations"][0]["text"], reply("cohere"));
                assert_eq!(b["generations"][0]["finish_reason"], "COMPLETE");
            },
        ),
        (
            "cohere.command-r-v1:0",
            json!({ "message": PROMPT, "max_tokens": 200 }),
            6,
            10,
            |b| {
                assert_eq!(b["text"], reply("cohere"));
                assert_eq!(b["finish_reason"], "COMPLETE");
                assert!(b["response_id"].is_string());
            },
        ),
        (
            "cohere.embed-english-v3",
            json!({ "texts": [PROMPT, "second text"], "input_type": "search_document" }),
            8,
            0,
            |b| {
                assert_eq!(b["embeddings"].as_array().unwrap().len(), 2);
                assert_eq!(b["response_type"], "embeddings_floats");
                assert!(b["id"].is_string());
            },
        ),
        (
            "mistral.mistral-7b-instruct-v0:2",
            json!({ "prompt": format!("<s>[INST] {PROMPT} [/INST]"), "max_tokens": 200 }),
            6,
            10,
            |b| {
                assert_eq!(b["outputs"][0]["text"], reply("mistral"));
                assert_eq!(b["outputs"][0]["stop_reason"], "stop");
            },
        ),
        (
            "mistral.mistral-large-2407-v1:0",
            json!({ "messages": messages.clone(), "max_tokens": 200 }),
            6,
            10,
            |b| {
                assert_eq!(b["choices"][0]["message"]["content"], reply("mistral"));
                assert_eq!(b["choices"][0]["stop_reason"], "stop");
            },
        ),
        (
            "ai21.jamba-1-5-mini-v1:0",
            json!({ "messages": messages.clone(), "max_tokens": 200 }),
            6,
            10,
            |b| {
                assert_eq!(b["choices"][0]["message"]["content"], reply("ai21"));
                assert_eq!(b["choices"][0]["finish_reason"], "stop");
                assert_eq!(
                    b["usage"],
                    json!({ "prompt_tokens": 6, "completion_tokens": 10, "total_tokens": 16 })
                );
            },
        ),
        (
            "us.deepseek.r1-v1:0",
            json!({ "prompt": format!("<｜begin▁of▁sentence｜><｜User｜>{PROMPT}<｜Assistant｜>"), "max_tokens": 200 }),
            6,
            10,
            |b| {
                assert_eq!(b["choices"][0]["text"], reply("deepseek"));
                assert_eq!(b["choices"][0]["stop_reason"], "stop");
            },
        ),
    ]
}

#[tokio::test]
async fn invoke_model_every_family() {
    let fake = FakeBedrock::start().unwrap();
    let client = no_retry(&fake);
    let cases = invoke_cases();
    for (model, body, input_tokens, output_tokens, check) in &cases {
        let headers = CaptureHeaders::default();
        let out = client
            .invoke_model()
            .model_id(*model)
            .content_type("application/json")
            .body(Blob::new(body.to_string()))
            .customize()
            .interceptor(headers.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{model}: {e:?}"));
        assert_eq!(out.content_type(), "application/json", "{model}");
        let parsed: Value = serde_json::from_slice(out.body().as_ref()).unwrap();
        check(&parsed);
        let count = |name| headers.get(name).map(|v| v.parse::<u64>().unwrap());
        assert_eq!(
            count("X-Amzn-Bedrock-Input-Token-Count"),
            Some(*input_tokens),
            "{model}"
        );
        let expected_output = Some(*output_tokens).filter(|n| *n > 0); // none for embeddings
        assert_eq!(
            count("X-Amzn-Bedrock-Output-Token-Count"),
            expected_output,
            "{model}"
        );
        assert_eq!(
            count("X-Amzn-Bedrock-Invocation-Latency"),
            Some(100 + output_tokens)
        );
        assert_eq!(headers.get("x-amzn-RequestId").as_deref(), out.request_id());
    }
    let families: Vec<_> = fake
        .wait_for_calls(cases.len(), WAIT)
        .iter()
        .map(|c| c.family.unwrap())
        .collect();
    let mut expected = ModelFamily::ALL.to_vec();
    expected.insert(1, ModelFamily::AnthropicMessages); // two Claude cases
    assert_eq!(families, expected);
}

/// Extracts a chunk's share of the reply text, per family.
fn chunk_text(family: ModelFamily, chunk: &Value) -> Option<String> {
    let pointer = match family {
        ModelFamily::AnthropicMessages => "/delta/text",
        ModelFamily::AnthropicCompletions => "/completion",
        ModelFamily::TitanText => "/outputText",
        ModelFamily::Nova => "/contentBlockDelta/delta/text",
        ModelFamily::Llama => "/generation",
        ModelFamily::CohereCommand => "/generations/0/text",
        ModelFamily::CohereCommandR if chunk["event_type"] == "text-generation" => "/text",
        ModelFamily::MistralText => "/outputs/0/text",
        ModelFamily::MistralChat | ModelFamily::Ai21Jamba => "/choices/0/delta/content",
        ModelFamily::DeepSeek => "/choices/0/text",
        _ => return None,
    };
    chunk
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

#[tokio::test]
async fn invoke_model_with_response_stream_every_family() {
    let fake = FakeBedrock::start().unwrap();
    let client = no_retry(&fake);
    let mut streamed = 0;
    for (model, body, input_tokens, output_tokens, _) in invoke_cases() {
        let family = ModelFamily::detect(model, Some(&body)).unwrap();
        let result = client
            .invoke_model_with_response_stream()
            .model_id(model)
            .body(Blob::new(body.to_string()))
            .send()
            .await;
        if !family.supports_streaming() {
            let err = result.unwrap_err();
            assert!(
                err.as_service_error().unwrap().is_validation_exception(),
                "{model}"
            );
            continue;
        }
        let mut stream = result.unwrap().body;
        let mut chunks = Vec::new();
        while let Some(event) = stream.recv().await.unwrap() {
            let ResponseStream::Chunk(part) = event else {
                panic!("{event:?}")
            };
            chunks.push(serde_json::from_slice::<Value>(part.bytes().unwrap().as_ref()).unwrap());
        }
        let text: String = chunks
            .iter()
            .filter_map(|c| chunk_text(family, c))
            .collect();
        let expected = if model == CLAUDE {
            "Calling web_search.".to_owned() // the tool-use Claude case
        } else {
            reply(family.provider())
        };
        assert_eq!(text, expected, "{model}");
        let metrics = &chunks.last().unwrap()["amazon-bedrock-invocationMetrics"];
        assert_eq!(metrics["inputTokenCount"], input_tokens, "{model}");
        assert_eq!(metrics["outputTokenCount"], output_tokens, "{model}");
        assert_eq!(metrics["invocationLatency"], 100 + output_tokens);
        assert_eq!(metrics["firstByteLatency"], 50);
        assert!(chunks[..chunks.len() - 1]
            .iter()
            .all(|c| c.get("amazon-bedrock-invocationMetrics").is_none()));
        streamed += 1;
    }
    assert_eq!(streamed, 12);
    let calls = fake.wait_for_calls(14, WAIT);
    assert!(calls
        .iter()
        .all(|c| c.operation == BedrockOperation::InvokeModelWithResponseStream));
    assert_eq!(calls.iter().filter(|c| c.status == 400).count(), 2);
}

#[tokio::test]
async fn faults_surface_as_sdk_error_types() {
    let fake = FakeBedrock::start().unwrap();
    let client = no_retry(&fake);
    let converse = || {
        client
            .converse()
            .model_id(CLAUDE)
            .messages(user(vec![text(PROMPT)]))
    };
    let invoke = || {
        client
            .invoke_model()
            .model_id("amazon.titan-text-express-v1")
            .body(Blob::new(json!({ "inputText": PROMPT }).to_string()))
    };

    fake.fail_next(BedrockFault::Throttle);
    let err = converse().send().await.unwrap_err();
    let service = err.as_service_error().unwrap();
    assert!(service.is_throttling_exception(), "{service:?}");
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 429);
    assert_eq!(
        service.meta().message(),
        Some("Too many requests, please wait before trying again.")
    );

    fake.fail_next(BedrockFault::ServerError);
    assert!(converse()
        .send()
        .await
        .unwrap_err()
        .as_service_error()
        .unwrap()
        .is_internal_server_exception());
    fake.fail_next(BedrockFault::ServiceUnavailable);
    assert!(invoke()
        .send()
        .await
        .unwrap_err()
        .as_service_error()
        .unwrap()
        .is_service_unavailable_exception());
    fake.fail_next(BedrockFault::Validation);
    assert!(invoke()
        .send()
        .await
        .unwrap_err()
        .as_service_error()
        .unwrap()
        .is_validation_exception());
    fake.fail_next(BedrockFault::MidStreamError { after_events: 0 });
    assert!(invoke()
        .send()
        .await
        .unwrap_err()
        .as_service_error()
        .unwrap()
        .is_model_error_exception());

    // Mid-stream: the stream starts, then an exception frame.
    fake.fail_next(BedrockFault::MidStreamError { after_events: 3 });
    let mut stream = converse_stream(&client).await;
    for _ in 0..3 {
        assert!(stream.recv().await.unwrap().is_some());
    }
    let err = stream.recv().await.unwrap_err();
    assert!(
        err.as_service_error()
            .unwrap()
            .is_model_stream_error_exception(),
        "{err:?}"
    );

    fake.fail_next(BedrockFault::MidStreamException {
        after_events: 1,
        exception: StreamException::Throttling,
    });
    let mut stream = client
        .invoke_model_with_response_stream()
        .model_id(CLAUDE)
        .body(Blob::new(
            json!({ "messages": [{ "role": "user", "content": PROMPT }] }).to_string(),
        ))
        .send()
        .await
        .unwrap()
        .body;
    assert!(matches!(
        stream.recv().await.unwrap(),
        Some(ResponseStream::Chunk(_))
    ));
    let err = stream.recv().await.unwrap_err();
    assert!(
        err.as_service_error().unwrap().is_throttling_exception(),
        "{err:?}"
    );

    // Malformed bodies: InvokeModel hands the garbage over; Converse and streams fail to decode.
    fake.fail_next(BedrockFault::MalformedBody);
    let out = invoke().send().await.unwrap();
    assert!(serde_json::from_slice::<Value>(out.body().as_ref()).is_err());
    fake.fail_next(BedrockFault::MalformedBody);
    assert!(converse().send().await.is_err());
    fake.fail_next(BedrockFault::MalformedBody);
    assert!(converse_stream(&client).await.recv().await.is_err());
    fake.fail_next(BedrockFault::MalformedChunk);
    let mut stream = client
        .invoke_model_with_response_stream()
        .model_id("meta.llama3-8b-instruct-v1:0")
        .body(Blob::new(json!({ "prompt": PROMPT }).to_string()))
        .send()
        .await
        .unwrap()
        .body;
    let Some(ResponseStream::Chunk(first)) = stream.recv().await.unwrap() else {
        panic!()
    };
    assert_eq!(first.bytes().unwrap().as_ref(), b"this chunk is not JSON");
    while stream.recv().await.unwrap().is_some() {}

    // A raw planned answer, and a delay.
    fake.fail_next(BedrockFault::Response(
        PlannedResponse::status(418).body(r#"{"message":"teapot"}"#),
    ));
    let err = converse().send().await.unwrap_err();
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 418);
    fake.fail_next(BedrockFault::Delay(Duration::from_millis(50)));
    let started = std::time::Instant::now();
    converse().send().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(50));

    assert_eq!(fake.pending_faults(), 0);
    let calls = fake.calls();
    let statuses: Vec<u16> = calls.iter().map(|c| c.status).collect();
    assert_eq!(
        statuses,
        [429, 500, 503, 400, 424, 200, 200, 200, 200, 200, 200, 418, 200]
    );
    assert_eq!(
        calls[5].stream_exception.as_deref(),
        Some("modelStreamErrorException")
    );
    assert_eq!(
        calls[6].stream_exception.as_deref(),
        Some("throttlingException")
    );
    assert!(calls.iter().all(|c| c.fault.is_some()));
}

async fn converse_stream(
    client: &aws_sdk_bedrockruntime::Client,
) -> aws_sdk_bedrockruntime::primitives::event_stream::EventReceiver<
    ConverseStreamOutput,
    aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError,
> {
    client
        .converse_stream()
        .model_id(CLAUDE)
        .messages(user(vec![text(PROMPT)]))
        .send()
        .await
        .unwrap()
        .stream
}

#[tokio::test]
async fn throttle_then_success_is_retried_by_the_sdk() {
    let fake = FakeBedrock::start().unwrap();
    let retry = RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(1));
    let client = runtime(&fake, retry);
    fake.fail_next(BedrockFault::Throttle);
    let out = client
        .converse()
        .model_id(CLAUDE)
        .messages(user(vec![text(PROMPT)]))
        .send()
        .await
        .unwrap();
    assert_eq!(out.stop_reason(), &StopReason::EndTurn);
    let calls = fake.wait_for_calls(2, WAIT);
    assert_eq!(
        calls.iter().map(|c| c.status).collect::<Vec<_>>(),
        [429, 200]
    );
    assert_eq!(calls[0].fault, Some(BedrockFault::Throttle));
    assert_eq!(
        calls[1]
            .header("amz-sdk-request")
            .map(|v| v.starts_with("attempt=2")),
        Some(true)
    );
}

#[tokio::test]
async fn agentcore_invoke_agent_runtime_round_trip() {
    let fake = FakeBedrock::start().unwrap();
    let config = aws_sdk_bedrockagentcore::Config::builder()
        .behavior_version_latest()
        .region(aws_sdk_bedrockagentcore::config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .endpoint_url(fake.endpoint())
        .build();
    let client = aws_sdk_bedrockagentcore::Client::from_conf(config);
    let arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/peer_agent-AbCdEf1234";
    let session = "peer-session-0001-0123456789abcdef0123";
    let xray = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    let payload = json!({ "prompt": PROMPT });
    let out = client
        .invoke_agent_runtime()
        .agent_runtime_arn(arn)
        .qualifier("DEFAULT")
        .runtime_session_id(session)
        .content_type("application/json")
        .accept("application/json")
        .trace_parent(TRACEPARENT)
        .trace_id(xray)
        .baggage(BAGGAGE)
        .payload(aws_sdk_bedrockagentcore::primitives::Blob::new(
            payload.to_string(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(out.runtime_session_id(), Some(session));
    assert_eq!(out.content_type(), "application/json");
    assert_eq!(out.status_code(), Some(200));
    assert_eq!(out.trace_parent(), Some(TRACEPARENT));
    assert_eq!(out.baggage(), Some(BAGGAGE));
    let body: Value =
        serde_json::from_slice(&out.response.collect().await.unwrap().into_bytes()).unwrap();
    assert_eq!(body["response"], reply("agent"));
    assert_eq!(body["echo"], payload);
    assert_eq!(body["agentRuntimeArn"], arn);
    assert_eq!(body["qualifier"], "DEFAULT");

    let call = &fake.wait_for_calls(1, WAIT)[0];
    assert_eq!(call.operation, BedrockOperation::InvokeAgentRuntime);
    assert_eq!(call.agent_runtime_arn.as_deref(), Some(arn));
    assert!(
        call.path.contains("%3A") && call.path.contains("%2F"),
        "{}",
        call.path
    );
    assert_eq!(call.query_param("qualifier").as_deref(), Some("DEFAULT"));
    assert_eq!(call.runtime_session_id(), Some(session));
    assert_eq!(call.traceparent(), Some(TRACEPARENT));
    assert_eq!(call.xray_trace_id(), Some(xray));
    assert_eq!(call.baggage(), Some(BAGGAGE));

    // Server-sent events when asked for.
    let out = client
        .invoke_agent_runtime()
        .agent_runtime_arn(arn)
        .accept("text/event-stream")
        .payload(aws_sdk_bedrockagentcore::primitives::Blob::new(
            payload.to_string(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(out.content_type(), "text/event-stream");
    let sse = out.response.collect().await.unwrap().into_bytes();
    let sse = String::from_utf8(sse.to_vec()).unwrap();
    assert!(
        sse.starts_with("data: \"Fake\"\n\ndata: \" agent\"\n\n"),
        "{sse}"
    );
    assert!(sse.ends_with("data: [DONE]\n\n"), "{sse}");

    // Without a session id the SDK fills one in (idempotency token); faults apply here too.
    fake.fail_next(BedrockFault::Throttle);
    let err = client
        .invoke_agent_runtime()
        .agent_runtime_arn(arn)
        .payload(aws_sdk_bedrockagentcore::primitives::Blob::new("hello"))
        .customize()
        .config_override(
            aws_sdk_bedrockagentcore::config::Config::builder()
                .retry_config(aws_sdk_bedrockagentcore::config::retry::RetryConfig::disabled()),
        )
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_throttling_exception());
    let calls = fake.wait_for_calls(3, WAIT);
    assert!(calls[2].runtime_session_id().is_some_and(|s| s.len() >= 33));
    assert_eq!(calls[2].status, 429);
}

#[tokio::test]
async fn bad_requests_get_aws_errors_and_never_panic() {
    let fake = FakeBedrock::start().unwrap();
    let http = reqwest::Client::new();
    let post = |path: &str, body: &'static [u8]| {
        http.post(format!("{}{path}", fake.endpoint()))
            .body(body)
            .send()
    };
    let cases: [(&str, &[u8], u16, &str); 9] = [
        (
            "/model/x/unknown-action",
            b"{}",
            404,
            "UnknownOperationException",
        ),
        ("/nothing/here", b"", 404, "UnknownOperationException"),
        (
            "/model/amazon.titan-text-express-v1/invoke",
            b"\xff\xfe not json",
            400,
            "ValidationException",
        ),
        (
            "/model/amazon.titan-text-express-v1/invoke",
            b"{}",
            400,
            "ValidationException",
        ),
        (
            "/model/acme.unknown-v1/invoke",
            b"{\"x\":1}",
            400,
            "ValidationException",
        ),
        (
            "/model/amazon.titan-embed-text-v2%3A0/invoke-with-response-stream",
            b"{\"inputText\":\"hi\"}",
            400,
            "ValidationException",
        ),
        ("/model/%ZZ%/converse", b"[1,2]", 400, "ValidationException"),
        (
            "/model/m/converse-stream",
            b"{\"messages\":\"no\"}",
            400,
            "ValidationException",
        ),
        ("/runtimes/%FF%FE/invocations", b"\x00\x01", 200, ""),
    ];
    for (path, body, status, code) in cases {
        let response = post(path, body).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{path}");
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .map(|v| v.to_str().unwrap().to_owned());
        assert!(
            response.headers().contains_key("x-amzn-requestid"),
            "{path}"
        );
        if code.is_empty() {
            assert_eq!(error_type, None);
        } else {
            assert!(
                error_type.unwrap().starts_with(&format!("{code}:")),
                "{path}"
            );
            let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
            assert!(body["message"].is_string(), "{path}");
        }
    }
    let response = http
        .get(format!("{}/model/x/converse", fake.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);

    // A planned reset closes the connection; the server keeps serving afterwards.
    fake.fail_next(BedrockFault::Response(PlannedResponse::reset()));
    assert!(post("/model/m/converse", b"{\"messages\":[]}")
        .await
        .is_err());
    let ok = post("/model/m/converse", b"{\"messages\":[]}")
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    let body: Value = serde_json::from_slice(&ok.bytes().await.unwrap()).unwrap();
    assert_eq!(
        body["output"]["message"]["content"][0]["text"],
        "Fake model answer about nothing"
    );
    let calls = fake.wait_for_calls(12, WAIT);
    assert_eq!(calls.len(), 12);
    assert_eq!(calls[10].status, 0);
    assert!(calls[10].fault.is_some() && calls[11].fault.is_none());
    // Numbering covers every request, unknown paths included.
    assert_eq!(calls[11].request_id, "00000000-0000-4000-8000-000000000012");
}
