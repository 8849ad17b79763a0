//! Streams end to end: ConverseStream and InvokeModelWithResponseStream for every streamable
//! family, read through the real SDK event receiver while the interceptor's body tap decodes the
//! frames on the side. The span covers the whole stream and ends on the final event, on an
//! error event, or when the caller drops the stream early.

mod bedrock_support;
mod common;

use std::time::{Duration, Instant};

use agentcore_observability::bedrock::attributes as attr;
use agentcore_observability::opentelemetry::context::FutureExt as _;
use agentcore_observability::opentelemetry::trace::{Span as _, TraceContextExt as _, Tracer as _};
use agentcore_observability::opentelemetry::Context;
use agentcore_observability_testkit::opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use agentcore_observability_testkit::{BedrockFault, FakeBedrock, OtlpReceiver};
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseStreamOutput, InferenceConfiguration, Message,
    ResponseStream,
};
use bedrock_support::*;
use serde_json::{json, Value};

const CLAUDE: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const QUESTION: &str = "What does the OTLP protocol carry?";
const ANSWER: &str = "Fake anthropic answer about What does the OTLP protocol carry?";

fn user(text: &str) -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text.into()))
        .build()
        .expect("message")
}

/// Runs `f` inside a root span; returns the root's span id.
fn under_root<F: std::future::Future<Output = ()>>(f: impl FnOnce() -> F) -> String {
    let root = agentcore_observability::tracer("bedrock-test").start("invoke_agent streamer");
    let id = root.span_context().span_id().to_string();
    let cx = Context::current_with_span(root);
    runtime().block_on(f().with_context(cx.clone()));
    cx.span().end();
    id
}

#[test]
fn converse_stream_span_covers_the_whole_stream() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    let delay = Duration::from_millis(15);
    fake.set_stream_event_delay(delay);
    let guard = init(
        &receiver,
        &[(
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
            "span_and_event",
        )],
    );
    let client = runtime_client(&fake);
    let mut events = 0;
    let mut text = String::new();
    let mut consumed_for = Duration::ZERO;
    let root = under_root(|| async {
        let started = Instant::now();
        let mut output = client
            .converse_stream()
            .model_id(CLAUDE)
            .messages(user(QUESTION))
            .inference_config(InferenceConfiguration::builder().max_tokens(200).build())
            .send()
            .await
            .expect("converse stream");
        // The application's stream API is the SDK's, unchanged.
        while let Some(event) = output.stream.recv().await.expect("event") {
            events += 1;
            if let ConverseStreamOutput::ContentBlockDelta(delta) = event {
                if let Some(aws_sdk_bedrockruntime::types::ContentBlockDelta::Text(t)) =
                    delta.delta()
                {
                    text.push_str(t);
                }
            }
        }
        consumed_for = started.elapsed();
    });
    guard.shutdown().expect("shutdown");
    assert_eq!(text, ANSWER);
    assert_eq!(
        events, 14,
        "messageStart, 10 deltas, blockStop, messageStop, metadata"
    );

    let spans = receiver.wait_for_spans(2, WAIT);
    let chat = one(&spans, &format!("chat {CLAUDE}"));
    assert_eq!(chat.parent_span_id_hex().as_deref(), Some(root.as_str()));
    assert_eq!(chat.attr_str(attr::RPC_METHOD), Some("ConverseStream"));
    assert_eq!(chat.status_code(), StatusCode::Unset);
    assert_eq!(chat.attr_i64(attr::GEN_AI_USAGE_INPUT_TOKENS), Some(6));
    assert_eq!(chat.attr_i64(attr::GEN_AI_USAGE_OUTPUT_TOKENS), Some(10));
    assert_eq!(chat.attr_i64(attr::GEN_AI_REQUEST_MAX_TOKENS), Some(200));
    assert_eq!(
        attr_strings(chat, attr::GEN_AI_RESPONSE_FINISH_REASONS),
        Some(vec!["end_turn".to_string()])
    );
    assert_eq!(chat.attr(attr::GEN_AI_RESPONSE_STREAM_CANCELLED), None);
    // The span lasts as long as the stream, not just the initial response.
    let last_event_at = delay * 13;
    assert!(
        chat.duration() >= last_event_at,
        "{:?} < {last_event_at:?}",
        chat.duration()
    );
    assert!(chat.duration() <= consumed_for + Duration::from_millis(50));
    let ttfc = chat
        .attr_f64(attr::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK)
        .expect("time to first chunk");
    assert!(
        ttfc >= delay.as_secs_f64() && ttfc < chat.duration().as_secs_f64(),
        "{ttfc}"
    );
    let output: Value =
        serde_json::from_str(chat.attr_str(attr::GEN_AI_OUTPUT_MESSAGES).expect("output")).unwrap();
    assert_eq!(
        output,
        json!([{"role": "assistant", "finish_reason": "end_turn",
                "parts": [{"type": "text", "content": ANSWER}]}])
    );

    let logs = receiver.wait_for_logs_matching(
        |l| l.iter().any(|l| l.event_name() == Some("gen_ai.choice")),
        WAIT,
    );
    let choice = logs
        .iter()
        .find(|l| l.event_name() == Some("gen_ai.choice"))
        .expect("choice");
    assert_eq!(choice.span_id_hex(), Some(chat.span_id_hex()));
    assert_eq!(
        choice.body_json(),
        Some(json!({"finish_reason": "end_turn", "index": 0,
            "message": {"role": "assistant", "content": [{"text": ANSWER}]}}))
    );

    let metrics = receiver.wait_for_metrics(
        |m| {
            m.iter()
                .any(|m| m.name() == attr::METRIC_TIME_TO_FIRST_CHUNK)
        },
        WAIT,
    );
    let ttfc_points = points_of(&metrics, attr::METRIC_TIME_TO_FIRST_CHUNK);
    assert_eq!(ttfc_points.len(), 1);
    assert_eq!(ttfc_points[0].1, 1);
    assert!((ttfc_points[0].2 - ttfc).abs() < 1e-9);
    assert_eq!(ttfc_points[0].3, attr::TIME_TO_FIRST_CHUNK_BUCKETS.to_vec());
    let duration = points_of(&metrics, attr::METRIC_OPERATION_DURATION);
    assert_eq!(duration.len(), 1);
    assert!(duration[0].2 >= last_event_at.as_secs_f64());
    assert_eq!(points_of(&metrics, attr::METRIC_TOKEN_USAGE).len(), 2);
}

#[test]
fn a_stream_dropped_early_ends_its_span_as_cancelled() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    fake.set_stream_event_delay(Duration::from_millis(5));
    let guard = init(&receiver, &[]);
    let client = runtime_client(&fake);
    under_root(|| async {
        let mut output = client
            .converse_stream()
            .model_id("amazon.nova-lite-v1:0")
            .messages(user(QUESTION))
            .send()
            .await
            .expect("converse stream");
        for _ in 0..3 {
            output.stream.recv().await.expect("event").expect("some");
        }
        drop(output);
        let mut output = client
            .invoke_model_with_response_stream()
            .model_id("meta.llama3-8b-instruct-v1:0")
            .body(Blob::new(
                json!({"prompt": QUESTION, "max_gen_len": 64}).to_string(),
            ))
            .send()
            .await
            .expect("invoke stream");
        output.body.recv().await.expect("chunk").expect("some");
    });
    guard.shutdown().expect("shutdown");

    let spans = receiver.wait_for_spans(3, WAIT);
    for name in [
        "chat amazon.nova-lite-v1:0",
        "text_completion meta.llama3-8b-instruct-v1:0",
    ] {
        let span = one(&spans, name);
        assert_eq!(
            span.attr_bool(attr::GEN_AI_RESPONSE_STREAM_CANCELLED),
            Some(true),
            "{name}"
        );
        assert_eq!(span.status_code(), StatusCode::Unset, "{name}");
        assert_eq!(
            span.attr(attr::GEN_AI_RESPONSE_FINISH_REASONS),
            None,
            "{name}"
        );
        assert!(
            span.attr_f64(attr::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK)
                .is_some(),
            "{name}: content arrived before the drop"
        );
    }
    let metrics = receiver.wait_for_metrics(
        |m| {
            m.iter()
                .any(|m| m.name() == attr::METRIC_OPERATION_DURATION)
        },
        WAIT,
    );
    assert_eq!(
        points_of(&metrics, attr::METRIC_OPERATION_DURATION).len(),
        2
    );
}

#[test]
fn a_stream_failing_mid_way_ends_its_span_with_the_error() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    let guard = init(&receiver, &[]);
    let client = runtime_client(&fake);
    under_root(|| async {
        fake.fail_next(BedrockFault::MidStreamError { after_events: 3 });
        let mut output = client
            .converse_stream()
            .model_id(CLAUDE)
            .messages(user(QUESTION))
            .send()
            .await
            .expect("the stream starts");
        let mut received = 0;
        let error = loop {
            match output.stream.recv().await {
                Ok(Some(_)) => received += 1,
                Ok(None) => panic!("the stream should fail"),
                Err(e) => break e,
            }
        };
        assert_eq!(received, 3);
        assert!(error
            .as_service_error()
            .is_some_and(|e| e.is_model_stream_error_exception()));

        fake.fail_next(BedrockFault::MidStreamException {
            after_events: 2,
            exception: agentcore_observability_testkit::StreamException::Throttling,
        });
        let mut output = client
            .invoke_model_with_response_stream()
            .model_id("amazon.titan-text-express-v1")
            .body(Blob::new(json!({"inputText": QUESTION}).to_string()))
            .send()
            .await
            .expect("the stream starts");
        while let Ok(Some(_)) = output.body.recv().await {}
    });
    guard.shutdown().expect("shutdown");

    let spans = receiver.wait_for_spans(3, WAIT);
    let chat = one(&spans, &format!("chat {CLAUDE}"));
    assert_eq!(chat.status_code(), StatusCode::Error);
    assert_eq!(
        chat.attr_str(attr::ERROR_TYPE),
        Some("ModelStreamErrorException")
    );
    assert_eq!(chat.attr_i64(attr::HTTP_STATUS_CODE), Some(200));
    assert_eq!(chat.attr(attr::GEN_AI_RESPONSE_STREAM_CANCELLED), None);
    let titan = one(&spans, "text_completion amazon.titan-text-express-v1");
    assert_eq!(
        titan.attr_str(attr::ERROR_TYPE),
        Some("ThrottlingException")
    );
    assert_eq!(titan.status_code(), StatusCode::Error);
    let metrics = receiver.wait_for_metrics(
        |m| {
            m.iter()
                .any(|m| m.name() == attr::METRIC_OPERATION_DURATION)
        },
        WAIT,
    );
    let durations = points_of(&metrics, attr::METRIC_OPERATION_DURATION);
    assert!(
        durations
            .iter()
            .any(|(a, ..)| a.contains(&"error.type=ModelStreamErrorException".to_string())),
        "{durations:?}"
    );
}

/// A streamable family: model, body, operation name, finish reason.
fn streamed() -> Vec<(&'static str, Value, &'static str, &'static str)> {
    let q = QUESTION;
    let messages = json!([{"role": "user", "content": q}]);
    vec![
        (
            CLAUDE,
            json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 200,
                "messages": messages}),
            "chat",
            "end_turn",
        ),
        (
            "anthropic.claude-instant-v1",
            json!({"prompt": format!("\n\nHuman: {q}\n\nAssistant:"),
                "max_tokens_to_sample": 200}),
            "text_completion",
            "stop_sequence",
        ),
        (
            "amazon.titan-text-lite-v1",
            json!({"inputText": q, "textGenerationConfig": {"maxTokenCount": 200}}),
            "text_completion",
            "FINISH",
        ),
        (
            "amazon.nova-pro-v1:0",
            json!({"messages": [{"role": "user", "content": [{"text": q}]}],
                "inferenceConfig": {"max_new_tokens": 200}}),
            "chat",
            "end_turn",
        ),
        (
            "meta.llama3-8b-instruct-v1:0",
            json!({"prompt": q, "max_gen_len": 200}),
            "text_completion",
            "stop",
        ),
        (
            "cohere.command-r-plus-v1:0",
            json!({"message": q, "max_tokens": 200}),
            "chat",
            "COMPLETE",
        ),
        (
            "cohere.command-light-text-v14",
            json!({"prompt": q, "max_tokens": 200}),
            "text_completion",
            "COMPLETE",
        ),
        (
            "mistral.mixtral-8x7b-instruct-v0:1",
            json!({"prompt": format!("<s>[INST] {q} [/INST]"), "max_tokens": 200}),
            "text_completion",
            "stop",
        ),
        (
            "mistral.mistral-large-2402-v1:0",
            json!({"messages": messages, "max_tokens": 200}),
            "chat",
            "stop",
        ),
        (
            "ai21.jamba-1-5-large-v1:0",
            json!({"messages": messages, "max_tokens": 200}),
            "chat",
            "stop",
        ),
        (
            "deepseek.r1-v1:0",
            json!({"prompt": q, "max_tokens": 200}),
            "text_completion",
            "stop",
        ),
    ]
}

#[test]
fn invoke_model_streams_of_every_family_end_with_usage_and_finish_reason() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    let guard = init(
        &receiver,
        &[(
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
            "span_only",
        )],
    );
    let client = runtime_client(&fake);
    let cases = streamed();
    let tool_body = json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 200,
        "tools": [{"name": "web_search", "description": "Searches the web.",
                   "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}}],
        "messages": [{"role": "user", "content": QUESTION}]});
    under_root(|| async {
        for (model, body, ..) in &cases {
            let mut output = client
                .invoke_model_with_response_stream()
                .model_id(*model)
                .body(Blob::new(body.to_string()))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{model}: {e:?}"));
            let mut chunks = 0;
            while let Some(event) = output.body.recv().await.expect("chunk") {
                assert!(matches!(event, ResponseStream::Chunk(_)));
                chunks += 1;
            }
            assert!(chunks > 1, "{model}");
        }
        // Tool use, accumulated from Anthropic's input_json_delta events.
        let mut output = client
            .invoke_model_with_response_stream()
            .model_id("us.anthropic.claude-3-5-sonnet-20240620-v1:0")
            .body(Blob::new(tool_body.to_string()))
            .send()
            .await
            .expect("tool stream");
        while output.body.recv().await.expect("chunk").is_some() {}
        // A chunk whose bytes are not JSON: the stream still ends, with what is known.
        fake.fail_next(BedrockFault::MalformedChunk);
        let mut output = client
            .invoke_model_with_response_stream()
            .model_id("amazon.nova-micro-v1:0")
            .body(Blob::new(
                json!({"messages": [{"role": "user", "content": [{"text": QUESTION}]}]})
                    .to_string(),
            ))
            .send()
            .await
            .expect("malformed chunk stream");
        while let Ok(Some(_)) = output.body.recv().await {}
    });
    guard.shutdown().expect("shutdown");

    let spans = receiver.wait_for_spans(cases.len() + 3, WAIT);
    for (model, _, operation, finish) in &cases {
        let span = one(&spans, &format!("{operation} {model}"));
        assert_eq!(
            span.attr_str(attr::RPC_METHOD),
            Some("InvokeModelWithResponseStream"),
            "{model}"
        );
        assert_eq!(
            span.attr_i64(attr::GEN_AI_USAGE_INPUT_TOKENS),
            Some(6),
            "{model}"
        );
        assert_eq!(
            span.attr_i64(attr::GEN_AI_USAGE_OUTPUT_TOKENS),
            Some(10),
            "{model}"
        );
        assert_eq!(
            attr_strings(span, attr::GEN_AI_RESPONSE_FINISH_REASONS),
            Some(vec![finish.to_string()]),
            "{model}"
        );
        assert!(
            span.attr_f64(attr::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK)
                .is_some(),
            "{model}"
        );
        assert_eq!(
            span.attr(attr::GEN_AI_RESPONSE_STREAM_CANCELLED),
            None,
            "{model}"
        );
        let output = span
            .attr_str(attr::GEN_AI_OUTPUT_MESSAGES)
            .unwrap_or_else(|| panic!("{model}: output messages"));
        assert!(
            output.contains("answer about What does the OTLP protocol carry?"),
            "{model}: {output}"
        );
    }
    let tool = one(&spans, "chat us.anthropic.claude-3-5-sonnet-20240620-v1:0");
    assert_eq!(
        attr_strings(tool, attr::GEN_AI_RESPONSE_FINISH_REASONS),
        Some(vec!["tool_use".to_string()])
    );
    let output: Value =
        serde_json::from_str(tool.attr_str(attr::GEN_AI_OUTPUT_MESSAGES).expect("output")).unwrap();
    let call = output[0]["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .find(|p| p["type"] == "tool_call")
        .expect("tool call part");
    assert_eq!(call["name"], "web_search");
    assert_eq!(call["arguments"], json!({"query": QUESTION}));

    let malformed = one(&spans, "chat amazon.nova-micro-v1:0");
    assert_eq!(malformed.status_code(), StatusCode::Unset);
    assert_eq!(malformed.attr_i64(attr::GEN_AI_USAGE_INPUT_TOKENS), Some(6));
}
