//! Bedrock Runtime end to end: real `aws-sdk-bedrockruntime` clients with `BedrockInterceptor`
//! against the testkit's `FakeBedrock`, telemetry installed with `init_with` and decoded by the
//! `OtlpReceiver`: Converse and InvokeModel for every model family (span, parent, attributes,
//! message events, metric points), trace headers on the wire, throttling with SDK retries,
//! malformed bodies.

mod bedrock_support;
mod common;

use std::collections::HashMap;

use agentcore_observability::bedrock::attributes as attr;
use agentcore_observability::bedrock::BedrockInterceptor;
use agentcore_observability::opentelemetry::trace::{TraceContextExt as _, Tracer as _};
use agentcore_observability::opentelemetry::Context;
use agentcore_observability::prelude::*;
use agentcore_observability_testkit::opentelemetry_proto::tonic::trace::v1::span::SpanKind as ProtoKind;
use agentcore_observability_testkit::opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use agentcore_observability_testkit::{BedrockFault, FakeBedrock, OtlpReceiver, ReceivedSpan};
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{
    CachePointBlock, CachePointType, ContentBlock, ConversationRole, InferenceConfiguration,
    Message, SystemContentBlock,
};
use bedrock_support::*;
use serde_json::{json, Value};

const CLAUDE: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const QUESTION: &str = "What does the OTLP protocol carry?";
const SESSION: &str = "session-bedrock-0001";

fn user(text: &str) -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text.into()))
        .build()
        .expect("message")
}

fn inference() -> InferenceConfiguration {
    InferenceConfiguration::builder()
        .max_tokens(200)
        .temperature(0.5)
        .top_p(0.9)
        .stop_sequences("STOP")
        .build()
}

/// Runs `f` on a runtime inside a root span and a session; returns the root span's ids.
fn in_root_span<F: std::future::Future<Output = ()>>(f: impl FnOnce() -> F) -> (String, String) {
    let tracer = agentcore_observability::tracer("bedrock-test");
    let root = tracer.start("invoke_agent travel-agent");
    let ids = (
        root.span_context().trace_id().to_string(),
        root.span_context().span_id().to_string(),
    );
    let cx = Context::current_with_span(root);
    {
        let _attached = cx.clone().attach();
        let future = Session::new(SESSION).scope(f());
        runtime().block_on(future);
    }
    cx.span().end();
    ids
}

#[test]
fn converse_gets_a_client_span_with_attributes_events_metrics_and_trace_headers() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    let guard = init(
        &receiver,
        &[(
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
            "span_and_event",
        )],
    );
    let client = runtime_client(&fake);

    let (trace_id, root_id) = in_root_span(|| async {
        let reply = client
            .converse()
            .model_id(CLAUDE)
            .system(SystemContentBlock::Text(
                "You are a terse assistant.".into(),
            ))
            .system(SystemContentBlock::CachePoint(
                CachePointBlock::builder()
                    .r#type(CachePointType::Default)
                    .build()
                    .expect("cache point"),
            ))
            .messages(user(QUESTION))
            .inference_config(inference())
            .send()
            .await
            .expect("converse");
        // The call site's view is unchanged.
        assert_eq!(reply.stop_reason().as_str(), "end_turn");
    });
    guard.shutdown().expect("shutdown");

    let spans = receiver.wait_for_spans(2, WAIT);
    let chat = one(&spans, &format!("chat {CLAUDE}"));
    assert_eq!(chat.kind(), ProtoKind::Client);
    assert_eq!(chat.trace_id_hex(), trace_id);
    assert_eq!(chat.parent_span_id_hex().as_deref(), Some(root_id.as_str()));
    assert_eq!(chat.status_code(), StatusCode::Unset);
    assert_eq!(
        chat.scope_name,
        agentcore_observability::bedrock::SCOPE_NAME
    );

    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    let port = fake.local_addr().port();
    for (key, want) in [
        (attr::GEN_AI_SYSTEM, "aws.bedrock"),
        (attr::GEN_AI_PROVIDER_NAME, "aws.bedrock"),
        (attr::GEN_AI_OPERATION_NAME, "chat"),
        (attr::GEN_AI_REQUEST_MODEL, CLAUDE),
        (attr::RPC_SYSTEM, "aws-api"),
        (attr::RPC_SERVICE, "Bedrock Runtime"),
        (attr::RPC_METHOD, "Converse"),
        (attr::AWS_REGION, "us-east-1"),
        (attr::SERVER_ADDRESS, "127.0.0.1"),
        (attr::AWS_REQUEST_ID, calls[0].request_id.as_str()),
        ("session.id", SESSION),
        ("gen_ai.conversation.id", SESSION),
    ] {
        assert_eq!(chat.attr_str(key), Some(want), "{key}");
    }
    for (key, want) in [
        (attr::SERVER_PORT, i64::from(port)),
        (attr::GEN_AI_REQUEST_MAX_TOKENS, 200),
        (attr::GEN_AI_USAGE_INPUT_TOKENS, 11),
        (attr::GEN_AI_USAGE_OUTPUT_TOKENS, 10),
        (attr::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, 5),
        (attr::GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, 6),
        (attr::RETRY_ATTEMPTS, 0),
        (attr::HTTP_STATUS_CODE, 200),
        (attr::HTTP_RESPONSE_STATUS_CODE, 200),
    ] {
        assert_eq!(chat.attr_i64(key), Some(want), "{key}");
    }
    assert_eq!(chat.attr_f64(attr::GEN_AI_REQUEST_TEMPERATURE), Some(0.5));
    assert_eq!(chat.attr_f64(attr::GEN_AI_REQUEST_TOP_P), Some(0.9));
    assert_eq!(
        attr_strings(chat, attr::GEN_AI_REQUEST_STOP_SEQUENCES),
        Some(vec!["STOP".to_string()])
    );
    assert_eq!(
        attr_strings(chat, attr::GEN_AI_RESPONSE_FINISH_REASONS),
        Some(vec!["end_turn".to_string()])
    );
    assert_eq!(chat.attr(attr::AWS_AUTH_ACCESS_KEY), None, "off by default");
    assert_eq!(chat.attr(attr::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK), None);
    let input: Value =
        serde_json::from_str(chat.attr_str(attr::GEN_AI_INPUT_MESSAGES).expect("input")).unwrap();
    assert_eq!(
        input,
        json!([{"role": "user", "parts": [{"type": "text", "content": QUESTION}]}])
    );
    let output: Value =
        serde_json::from_str(chat.attr_str(attr::GEN_AI_OUTPUT_MESSAGES).expect("output")).unwrap();
    assert_eq!(output[0]["finish_reason"], "end_turn");
    assert_eq!(
        output[0]["parts"][0]["content"],
        "Fake anthropic answer about What does the OTLP protocol carry?"
    );
    assert_eq!(
        chat.attr_str(attr::GEN_AI_SYSTEM_INSTRUCTIONS),
        Some(r#"[{"content":"You are a terse assistant.","type":"text"}]"#)
    );

    // The request carried the chat span's context, after signing.
    let call = &calls[0];
    assert_eq!(
        call.traceparent(),
        Some(format!("00-{trace_id}-{}-01", chat.span_id_hex()).as_str())
    );
    assert_eq!(
        call.xray_trace_id(),
        Some(
            format!(
                "Root=1-{}-{};Parent={};Sampled=1",
                &trace_id[..8],
                &trace_id[8..],
                chat.span_id_hex()
            )
            .as_str()
        )
    );
    assert!(call
        .baggage()
        .is_some_and(|b| b.contains("session.id=session-bedrock-0001")));
    let signed = call.header("authorization").expect("signed");
    assert!(!signed.contains("traceparent") && !signed.contains("baggage"));

    // ADOT's message events, correlated with the span.
    let logs = receiver.wait_for_logs(3, WAIT);
    let events: HashMap<&str, _> = logs
        .iter()
        .filter_map(|l| l.event_name().map(|n| (n, l)))
        .collect();
    for name in [
        "gen_ai.system.message",
        "gen_ai.user.message",
        "gen_ai.choice",
    ] {
        let log = events
            .get(name)
            .unwrap_or_else(|| panic!("{name} in {logs:?}"));
        assert_eq!(log.attr_str("gen_ai.system"), Some("aws.bedrock"), "{name}");
        assert_eq!(log.trace_id_hex().as_deref(), Some(trace_id.as_str()));
        assert_eq!(log.span_id_hex(), Some(chat.span_id_hex()));
    }
    assert_eq!(
        events["gen_ai.system.message"].body_json(),
        Some(
            json!({"content": [{"text": "You are a terse assistant."}, {"cachePoint": {"type": "default"}}]})
        )
    );
    assert_eq!(
        events["gen_ai.user.message"].body_json(),
        Some(json!({"content": [{"text": QUESTION}]}))
    );
    assert_eq!(
        events["gen_ai.choice"].body_json(),
        Some(json!({"finish_reason": "end_turn", "index": 0, "message": {
            "role": "assistant",
            "content": [{"text": "Fake anthropic answer about What does the OTLP protocol carry?"}]
        }}))
    );

    // Metrics: ADOT's attribute sets and bucket boundaries.
    let metrics = receiver.wait_for_metrics(
        |m| {
            m.iter().any(|m| m.name() == attr::METRIC_TOKEN_USAGE)
                && m.iter()
                    .any(|m| m.name() == attr::METRIC_OPERATION_DURATION)
        },
        WAIT,
    );
    let base = vec![
        "gen_ai.operation.name=chat".to_string(),
        format!("gen_ai.request.model={CLAUDE}"),
        "gen_ai.system=aws.bedrock".to_string(),
        "server.address=127.0.0.1".to_string(),
        format!("server.port={port}"),
    ];
    let duration = points_of(&metrics, attr::METRIC_OPERATION_DURATION);
    assert_eq!(duration.len(), 1, "{duration:?}");
    assert_eq!(duration[0].0, base);
    assert_eq!(duration[0].1, 1);
    assert_eq!(duration[0].3, attr::DURATION_BUCKETS.to_vec());
    let mut tokens = points_of(&metrics, attr::METRIC_TOKEN_USAGE);
    tokens.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    let with_type = |t: &str| {
        let mut v = base.clone();
        v.push(format!("gen_ai.token.type={t}"));
        v.sort();
        v
    };
    assert_eq!(
        (tokens[0].0.clone(), tokens[0].2),
        (with_type("input"), 11.0)
    );
    assert_eq!(
        (tokens[1].0.clone(), tokens[1].2),
        (with_type("output"), 10.0)
    );
    assert_eq!(tokens[0].3, attr::TOKEN_BUCKETS.to_vec());
    assert!(
        metrics
            .iter()
            .all(|m| m.name() != attr::METRIC_TIME_TO_FIRST_CHUNK),
        "no time to first chunk without a stream"
    );
}

/// One InvokeModel case: model, body, and what the span must say.
struct Case {
    model: &'static str,
    body: Value,
    operation: &'static str,
    finish: Option<&'static str>,
    output_tokens: bool,
    /// The fake's input token count (words of the input text, template markup removed).
    input: i64,
}

fn cases() -> Vec<Case> {
    let q = QUESTION;
    let messages = json!([{"role": "user", "content": q}]);
    vec![
        Case {
            model: CLAUDE,
            body: json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 200,
                "temperature": 0.5, "top_p": 0.9, "stop_sequences": ["STOP"],
                "system": "You are a terse assistant.", "messages": messages}),
            operation: "chat",
            finish: Some("end_turn"),
            output_tokens: true,
            input: 11,
        },
        Case {
            model: "anthropic.claude-v2:1",
            body: json!({"prompt": format!("\n\nHuman: {q}\n\nAssistant:"),
                "max_tokens_to_sample": 200, "temperature": 0.5, "top_p": 0.9}),
            operation: "text_completion",
            finish: Some("stop_sequence"),
            output_tokens: true,
            input: 6,
        },
        Case {
            model: "amazon.titan-text-express-v1",
            body: json!({"inputText": q, "textGenerationConfig": {"maxTokenCount": 200,
                "temperature": 0.5, "topP": 0.9, "stopSequences": ["|"]}}),
            operation: "text_completion",
            finish: Some("FINISH"),
            output_tokens: true,
            input: 6,
        },
        Case {
            model: "amazon.titan-embed-text-v2:0",
            body: json!({"inputText": q, "dimensions": 8}),
            operation: "embeddings",
            finish: None,
            output_tokens: false,
            input: 6,
        },
        Case {
            model: "amazon.nova-lite-v1:0",
            body: json!({"messages": [{"role": "user", "content": [{"text": q}]}],
                "inferenceConfig": {"max_new_tokens": 200, "temperature": 0.5, "topP": 0.9,
                "stopSequences": ["STOP"]}}),
            operation: "chat",
            finish: Some("end_turn"),
            output_tokens: true,
            input: 6,
        },
        Case {
            model: "meta.llama3-8b-instruct-v1:0",
            body: json!({"prompt": q, "max_gen_len": 200, "temperature": 0.5, "top_p": 0.9}),
            operation: "text_completion",
            finish: Some("stop"),
            output_tokens: true,
            input: 6,
        },
        Case {
            model: "cohere.command-r-v1:0",
            body: json!({"message": q, "max_tokens": 200, "temperature": 0.5, "p": 0.9,
                "stop_sequences": ["STOP"]}),
            operation: "chat",
            finish: Some("COMPLETE"),
            output_tokens: true,
            input: 6,
        },
        Case {
            model: "cohere.command-text-v14",
            body: json!({"prompt": q, "max_tokens": 200, "temperature": 0.5, "p": 0.9,
                "stop_sequences": ["STOP"]}),
            operation: "text_completion",
            finish: Some("COMPLETE"),
            output_tokens: true,
            input: 6,
        },
        Case {
            model: "cohere.embed-english-v3",
            body: json!({"texts": [q], "input_type": "search_document"}),
            operation: "embeddings",
            finish: None,
            output_tokens: false,
            input: 6,
        },
        Case {
            model: "mistral.mistral-7b-instruct-v0:2",
            body: json!({"prompt": format!("<s>[INST] {q} [/INST]"), "max_tokens": 200,
                "temperature": 0.5, "top_p": 0.9, "stop": ["STOP"]}),
            operation: "text_completion",
            finish: Some("stop"),
            output_tokens: true,
            input: 6,
        },
        Case {
            model: "mistral.mistral-large-2407-v1:0",
            body: json!({"messages": messages, "max_tokens": 200, "temperature": 0.5,
                "top_p": 0.9}),
            operation: "chat",
            finish: Some("stop"),
            output_tokens: true,
            input: 6,
        },
        Case {
            model: "ai21.jamba-1-5-mini-v1:0",
            body: json!({"messages": messages, "max_tokens": 200, "temperature": 0.5,
                "top_p": 0.9}),
            operation: "chat",
            finish: Some("stop"),
            output_tokens: true,
            input: 6,
        },
        Case {
            model: "deepseek.r1-v1:0",
            body: json!({"prompt": q, "max_tokens": 200, "temperature": 0.5, "top_p": 0.9}),
            operation: "text_completion",
            finish: Some("stop"),
            output_tokens: true,
            input: 6,
        },
        Case {
            model: "us.anthropic.claude-3-5-haiku-20241022-v1:0",
            body: json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 200,
                "temperature": 0.5, "top_p": 0.9, "messages": messages}),
            operation: "chat",
            finish: Some("end_turn"),
            output_tokens: true,
            input: 6,
        },
        Case {
            model: "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123",
            body: json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 200,
                "temperature": 0.5, "top_p": 0.9, "messages": messages}),
            operation: "chat",
            finish: Some("end_turn"),
            output_tokens: true,
            input: 6,
        },
    ]
}

#[test]
fn invoke_model_every_family_gets_parameters_usage_and_finish_reasons() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    let guard = init(
        &receiver,
        &[(
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
            "event_only",
        )],
    );
    let client = runtime_client(&fake);
    let cases = cases();
    in_root_span(|| async {
        for case in &cases {
            let reply = client
                .invoke_model()
                .model_id(case.model)
                .content_type("application/json")
                .body(Blob::new(case.body.to_string()))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{}: {e:?}", case.model));
            assert!(!reply.body().as_ref().is_empty());
        }
    });
    guard.shutdown().expect("shutdown");

    let spans = receiver.wait_for_spans(cases.len() + 1, WAIT);
    let calls = fake.calls();
    assert_eq!(calls.len(), cases.len());
    for (case, call) in cases.iter().zip(&calls) {
        let span = one(&spans, &format!("{} {}", case.operation, case.model));
        let m = case.model;
        assert_eq!(span.kind(), ProtoKind::Client, "{m}");
        assert_eq!(
            span.attr_str(attr::GEN_AI_OPERATION_NAME),
            Some(case.operation)
        );
        assert_eq!(span.attr_str(attr::RPC_METHOD), Some("InvokeModel"), "{m}");
        assert_eq!(span.attr_str(attr::GEN_AI_REQUEST_MODEL), Some(m));
        assert_eq!(
            span.attr_str(attr::AWS_REQUEST_ID),
            Some(call.request_id.as_str())
        );
        // Exact token counts for every family: the body's, else Bedrock's headers.
        assert_eq!(
            span.attr_i64(attr::GEN_AI_USAGE_INPUT_TOKENS),
            Some(case.input),
            "{m} input tokens"
        );
        if case.output_tokens {
            assert_eq!(
                span.attr_i64(attr::GEN_AI_USAGE_OUTPUT_TOKENS),
                Some(10),
                "{m} output tokens"
            );
        } else {
            assert_eq!(span.attr(attr::GEN_AI_USAGE_OUTPUT_TOKENS), None, "{m}");
        }
        assert_eq!(
            attr_strings(span, attr::GEN_AI_RESPONSE_FINISH_REASONS),
            case.finish.map(|f| vec![f.to_string()]),
            "{m} finish reasons"
        );
        if case.operation != "embeddings" {
            assert_eq!(
                span.attr_i64(attr::GEN_AI_REQUEST_MAX_TOKENS),
                Some(200),
                "{m}"
            );
            assert_eq!(
                span.attr_f64(attr::GEN_AI_REQUEST_TEMPERATURE),
                Some(0.5),
                "{m}"
            );
            assert_eq!(span.attr_f64(attr::GEN_AI_REQUEST_TOP_P), Some(0.9), "{m}");
        }
        // event_only: no content on the span.
        assert_eq!(span.attr(attr::GEN_AI_INPUT_MESSAGES), None, "{m}");
        assert_eq!(
            call.traceparent().map(|t| t.contains(&span.span_id_hex())),
            Some(true)
        );
    }

    // A user message and (except embeddings) a choice per call, on that call's span.
    let logs = receiver.wait_for_logs_matching(
        |logs| {
            logs.iter()
                .filter(|l| l.event_name() == Some("gen_ai.choice"))
                .count()
                >= cases.iter().filter(|c| c.finish.is_some()).count()
        },
        WAIT,
    );
    for case in &cases {
        let span = one(&spans, &format!("{} {}", case.operation, case.model));
        let mine: Vec<_> = logs
            .iter()
            .filter(|l| l.span_id_hex() == Some(span.span_id_hex()))
            .collect();
        assert!(
            mine.iter()
                .any(|l| l.event_name() == Some("gen_ai.user.message")),
            "{}: {mine:?}",
            case.model
        );
        let choices = mine
            .iter()
            .filter(|l| l.event_name() == Some("gen_ai.choice"))
            .count();
        assert_eq!(
            choices,
            usize::from(case.finish.is_some()),
            "{}",
            case.model
        );
    }
    let titan = one(&spans, "text_completion amazon.titan-text-express-v1");
    let choice = logs
        .iter()
        .find(|l| {
            l.span_id_hex() == Some(titan.span_id_hex()) && l.event_name() == Some("gen_ai.choice")
        })
        .expect("titan choice");
    assert_eq!(
        choice.body_json(),
        Some(json!({"finish_reason": "FINISH", "index": 0,
            "message": {"content": "Fake amazon answer about What does the OTLP protocol carry?"}}))
    );

    // Token metrics for every family with counts, ADOT's set plus the token type.
    let metrics = receiver.wait_for_metrics(
        |m| m.iter().any(|m| m.name() == attr::METRIC_TOKEN_USAGE),
        WAIT,
    );
    let tokens = points_of(&metrics, attr::METRIC_TOKEN_USAGE);
    for model in [
        "meta.llama3-8b-instruct-v1:0",
        "cohere.command-r-v1:0",
        "mistral.mistral-7b-instruct-v0:2",
    ] {
        for token_type in ["input", "output"] {
            assert!(
                tokens.iter().any(|(a, count, _, _)| *count == 1
                    && a.contains(&format!("gen_ai.request.model={model}"))
                    && a.contains(&format!("gen_ai.token.type={token_type}"))),
                "{model} {token_type}: {tokens:?}"
            );
        }
    }
}

#[test]
fn throttled_calls_are_retried_and_the_span_says_so() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    let guard = init(&receiver, &[]);
    let client = runtime_client(&fake);
    let nova = "amazon.nova-lite-v1:0";

    in_root_span(|| async {
        // Throttled once, then answered: one span, retry_attempts=1, no error.
        fake.fail_next(BedrockFault::Throttle);
        client
            .converse()
            .model_id(CLAUDE)
            .messages(user(QUESTION))
            .send()
            .await
            .expect("retried to success");
        // Throttled on every attempt: ERROR with the service's error code.
        fake.fail_with([
            BedrockFault::Throttle,
            BedrockFault::Throttle,
            BedrockFault::Throttle,
        ]);
        let error = client
            .converse()
            .model_id(nova)
            .messages(user(QUESTION))
            .send()
            .await
            .expect_err("throttled");
        assert!(error
            .as_service_error()
            .is_some_and(|e| e.is_throttling_exception()));
        // Not retried: a validation error.
        fake.fail_next(BedrockFault::Validation);
        let _ = client
            .converse()
            .model_id("meta.llama3-8b-instruct-v1:0")
            .messages(user(QUESTION))
            .send()
            .await
            .expect_err("invalid");
    });
    guard.shutdown().expect("shutdown");

    let spans = receiver.wait_for_spans(4, WAIT);
    let recovered = one(&spans, &format!("chat {CLAUDE}"));
    assert_eq!(recovered.status_code(), StatusCode::Unset);
    assert_eq!(recovered.attr_i64(attr::RETRY_ATTEMPTS), Some(1));
    assert_eq!(recovered.attr_i64(attr::HTTP_STATUS_CODE), Some(200));
    assert_eq!(recovered.attr(attr::ERROR_TYPE), None);
    assert_eq!(recovered.attr_i64(attr::GEN_AI_USAGE_INPUT_TOKENS), Some(6));

    let throttled = one(&spans, &format!("chat {nova}"));
    assert_eq!(throttled.status_code(), StatusCode::Error);
    assert!(
        throttled
            .status_message()
            .starts_with("ThrottlingException: "),
        "{}",
        throttled.status_message()
    );
    assert_eq!(
        throttled.attr_str(attr::ERROR_TYPE),
        Some("ThrottlingException")
    );
    assert_eq!(throttled.attr_i64(attr::RETRY_ATTEMPTS), Some(2));
    assert_eq!(throttled.attr_i64(attr::HTTP_STATUS_CODE), Some(429));
    assert_eq!(throttled.attr(attr::GEN_AI_USAGE_INPUT_TOKENS), None);
    assert_eq!(
        throttled.event_attr_str("exception", "exception.type"),
        Some("ThrottlingException")
    );
    let throttled_calls: Vec<_> = fake
        .calls()
        .into_iter()
        .filter(|c| c.model_id.as_deref() == Some(nova))
        .collect();
    assert_eq!(throttled_calls.len(), 3);
    // Every attempt carries the same span context.
    for call in &throttled_calls {
        assert!(call
            .traceparent()
            .is_some_and(|t| t.contains(&throttled.span_id_hex())));
    }

    let invalid = one(&spans, "chat meta.llama3-8b-instruct-v1:0");
    assert_eq!(
        invalid.attr_str(attr::ERROR_TYPE),
        Some("ValidationException")
    );
    assert_eq!(invalid.attr_i64(attr::RETRY_ATTEMPTS), Some(0));
    assert_eq!(invalid.attr_i64(attr::HTTP_STATUS_CODE), Some(400));

    let metrics = receiver.wait_for_metrics(
        |m| {
            m.iter()
                .any(|m| m.name() == attr::METRIC_OPERATION_DURATION)
        },
        WAIT,
    );
    let durations = points_of(&metrics, attr::METRIC_OPERATION_DURATION);
    assert!(
        durations.iter().any(|(a, count, _, _)| *count == 1
            && a.contains(&"error.type=ThrottlingException".to_string())
            && a.contains(&format!("gen_ai.request.model={nova}"))),
        "{durations:?}"
    );
}

#[test]
fn malformed_bodies_never_fail_the_call_and_keep_what_is_known() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    let guard = init(
        &receiver,
        &[(
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
            "span_and_event",
        )],
    );
    let client = runtime_client(&fake);
    let nova = "amazon.nova-micro-v1:0";
    let body = json!({"messages": [{"role": "user", "content": [{"text": QUESTION}]}],
        "inferenceConfig": {"max_new_tokens": 50}});

    in_root_span(|| async {
        // A 200 whose body is not JSON: InvokeModel hands it over as is.
        fake.fail_next(BedrockFault::MalformedBody);
        let reply = client
            .invoke_model()
            .model_id(nova)
            .body(Blob::new(body.to_string()))
            .send()
            .await
            .expect("the call is not failed by the instrumentation");
        assert_eq!(reply.body().as_ref(), br#"{"this is": not json"#);
        // A request body that is not JSON: the service rejects it, the instrumentation copes.
        let _ = client
            .invoke_model()
            .model_id("meta.llama3-8b-instruct-v1:0")
            .body(Blob::new(&b"\xff\xfe not json {"[..]))
            .send()
            .await
            .expect_err("rejected by the service");
        // Converse with a garbage 200: the SDK's own parse error.
        fake.fail_next(BedrockFault::MalformedBody);
        let _ = client
            .converse()
            .model_id(CLAUDE)
            .messages(user(QUESTION))
            .send()
            .await
            .expect_err("the SDK cannot parse it");
    });
    guard.shutdown().expect("shutdown");

    let spans = receiver.wait_for_spans(4, WAIT);
    let malformed = one(&spans, &format!("chat {nova}"));
    assert_eq!(malformed.status_code(), StatusCode::Unset);
    assert_eq!(
        malformed.attr_i64(attr::GEN_AI_REQUEST_MAX_TOKENS),
        Some(50)
    );
    assert_eq!(malformed.attr(attr::GEN_AI_RESPONSE_FINISH_REASONS), None);
    assert_eq!(malformed.attr(attr::GEN_AI_OUTPUT_MESSAGES), None);
    assert!(malformed.attr(attr::GEN_AI_INPUT_MESSAGES).is_some());

    let rejected = one(&spans, "text_completion meta.llama3-8b-instruct-v1:0");
    assert_eq!(
        rejected.attr_str(attr::ERROR_TYPE),
        Some("ValidationException")
    );
    assert_eq!(rejected.attr(attr::GEN_AI_REQUEST_MAX_TOKENS), None);

    let unparsable = one(&spans, &format!("chat {CLAUDE}"));
    assert_eq!(unparsable.status_code(), StatusCode::Error);
    assert_eq!(unparsable.attr_str(attr::ERROR_TYPE), Some("ResponseError"));
    assert_eq!(unparsable.attr_i64(attr::HTTP_STATUS_CODE), Some(200));
}

#[test]
fn access_key_attribute_is_opt_in() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    let guard = init(&receiver, &[("OTEL_METRICS_EXPORTER", "none")]);
    let client = runtime_client_with(&fake, BedrockInterceptor::new().record_access_key(true));
    runtime().block_on(async {
        client
            .converse()
            .model_id(CLAUDE)
            .messages(user(QUESTION))
            .send()
            .await
            .expect("converse");
    });
    guard.shutdown().expect("shutdown");
    let spans: Vec<ReceivedSpan> = receiver.wait_for_spans(1, WAIT);
    let chat = one(&spans, &format!("chat {CLAUDE}"));
    assert_eq!(chat.attr_str(attr::AWS_AUTH_ACCESS_KEY), Some(ACCESS_KEY));
    assert_eq!(
        chat.parent_span_id_hex(),
        None,
        "no caller span: a root span"
    );
    assert_eq!(chat.attr(attr::SESSION_ID), None);
}

#[test]
fn a_call_abandoned_by_its_caller_still_ends_its_span() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    let guard = init(&receiver, &[("OTEL_METRICS_EXPORTER", "none")]);
    let client = runtime_client(&fake);
    fake.fail_next(BedrockFault::Delay(std::time::Duration::from_secs(2)));
    runtime().block_on(async {
        let call = client
            .converse()
            .model_id(CLAUDE)
            .messages(user(QUESTION))
            .send();
        let timed_out = tokio::time::timeout(std::time::Duration::from_millis(100), call).await;
        assert!(timed_out.is_err(), "the caller gave up");
    });
    guard.shutdown().expect("shutdown");
    let spans = receiver.wait_for_spans(1, WAIT);
    let chat = one(&spans, &format!("chat {CLAUDE}"));
    assert_eq!(
        chat.attr_bool(attr::GEN_AI_RESPONSE_STREAM_CANCELLED),
        Some(true)
    );
    assert!(chat.duration() >= std::time::Duration::from_millis(90));
    assert!(chat.duration() < std::time::Duration::from_secs(2));
}
