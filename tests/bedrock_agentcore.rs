//! AgentCore end to end: a real `aws-sdk-bedrockagentcore` client with the same
//! `BedrockInterceptor` type: `InvokeAgentRuntime` with the `runtimeSessionId` ↔ `session.id`
//! mapping and the caller's trace context and baggage carried to the runtime (whose own spans
//! then join the caller's trace), the ARN / ID attributes, errors and retries.

mod bedrock_support;
mod common;

use agentcore_observability::bedrock::attributes as attr;
use agentcore_observability::bedrock::BedrockInterceptor;
use agentcore_observability::opentelemetry::trace::{Span as _, TraceContextExt as _, Tracer as _};
use agentcore_observability::opentelemetry::Context;
use agentcore_observability::prelude::*;
use agentcore_observability::session::propagation;
use agentcore_observability_testkit::opentelemetry_proto::tonic::trace::v1::span::SpanKind as ProtoKind;
use agentcore_observability_testkit::opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use agentcore_observability_testkit::{BedrockCall, BedrockFault, FakeBedrock, OtlpReceiver};
use aws_sdk_bedrockruntime::primitives::Blob;
use bedrock_support::*;
use serde_json::{json, Value};

const ARN: &str =
    "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/travel_agent-AbCdEf1234";
const INVOKE: &str = "Bedrock AgentCore.InvokeAgentRuntime";
/// 45 characters: an id AgentCore accepts as a runtime session id (33 to 256).
const CALLER_SESSION: &str = "6f1c2e0a-3b7d-4e7a-9c1f-2d3e4f5a6b7c-caller01";
const EXPLICIT_SESSION: &str = "explicit-runtime-session-0000000000000000000001";

fn header_map(call: &BedrockCall) -> http::HeaderMap {
    call.headers.clone()
}

async fn invoke(
    client: &aws_sdk_bedrockagentcore::Client,
    runtime_session: Option<&str>,
) -> Result<Value, String> {
    let mut request = client
        .invoke_agent_runtime()
        .agent_runtime_arn(ARN)
        .qualifier("DEFAULT")
        .content_type("application/json")
        .payload(Blob::new(
            json!({"prompt": "plan a trip to Lisbon"}).to_string(),
        ));
    if let Some(id) = runtime_session {
        request = request.runtime_session_id(id);
    }
    let output = request.send().await.map_err(|e| format!("{e:?}"))?;
    let body = output.response.collect().await.map_err(|e| e.to_string())?;
    serde_json::from_slice(&body.into_bytes()).map_err(|e| e.to_string())
}

#[test]
fn invoke_agent_runtime_carries_the_session_and_the_trace_to_the_runtime() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    let guard = init(&receiver, &[("OTEL_LOGS_EXPORTER", "none")]);
    let client = agentcore_client_with(&fake, BedrockInterceptor::new());

    let tracer = agentcore_observability::tracer("caller-agent");
    let root = tracer.start("invoke_agent caller-agent");
    let root_id = root.span_context().span_id().to_string();
    let trace_id = root.span_context().trace_id().to_string();
    let cx = Context::current_with_span(root);
    let answer = {
        let _attached = cx.clone().attach();
        // No runtimeSessionId given: the caller's session.id becomes the runtime session.
        let future = Session::new(CALLER_SESSION)
            .user_type("premium")
            .scope(async { invoke(&client, None).await });
        runtime().block_on(future).expect("invoke")
    };
    cx.span().end();
    assert_eq!(answer["runtimeSessionId"], CALLER_SESSION);

    // What the runtime received.
    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.runtime_session_id(), Some(CALLER_SESSION));
    let baggage = call.baggage().expect("baggage");
    assert!(
        baggage.contains(&format!("session.id={CALLER_SESSION}")),
        "{baggage}"
    );
    assert!(baggage.contains("user.type=premium"), "{baggage}");

    // The runtime agent (here: this process, standing in) continues the caller's context.
    let runtime_cx = propagation::extract_with_context(&Context::new(), &header_map(call));
    tracer
        .start_with_context("invoke_agent travel-agent", &runtime_cx)
        .end();
    guard.shutdown().expect("shutdown");

    let spans = receiver.wait_for_spans(3, WAIT);
    let invoke = one(&spans, INVOKE);
    assert_eq!(invoke.kind(), ProtoKind::Client);
    assert_eq!(invoke.trace_id_hex(), trace_id);
    assert_eq!(
        invoke.parent_span_id_hex().as_deref(),
        Some(root_id.as_str())
    );
    assert_eq!(invoke.status_code(), StatusCode::Unset);
    for (key, want) in [
        (attr::RPC_SYSTEM, "aws-api"),
        (attr::RPC_SERVICE, "Bedrock AgentCore"),
        (attr::RPC_METHOD, "InvokeAgentRuntime"),
        (attr::AWS_REGION, "us-west-2"),
        (attr::AGENTCORE_RUNTIME_ARN, ARN),
        (attr::SESSION_ID, CALLER_SESSION),
        (attr::AWS_REQUEST_ID, call.request_id.as_str()),
    ] {
        assert_eq!(invoke.attr_str(key), Some(want), "{key}");
    }
    assert_eq!(invoke.attr_i64(attr::HTTP_STATUS_CODE), Some(200));
    assert_eq!(invoke.attr(attr::GEN_AI_OPERATION_NAME), None);
    assert_eq!(
        call.traceparent(),
        Some(format!("00-{trace_id}-{}-01", invoke.span_id_hex()).as_str())
    );

    let remote = one(&spans, "invoke_agent travel-agent");
    assert_eq!(
        remote.trace_id_hex(),
        trace_id,
        "the runtime joins the caller's trace"
    );
    assert_eq!(remote.parent_span_id_hex(), Some(invoke.span_id_hex()));
    assert_eq!(remote.attr_str("session.id"), Some(CALLER_SESSION));
}

#[test]
fn runtime_session_rules() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    let guard = init(
        &receiver,
        &[
            ("OTEL_LOGS_EXPORTER", "none"),
            ("OTEL_METRICS_EXPORTER", "none"),
        ],
    );
    let client = agentcore_client_with(&fake, BedrockInterceptor::new());
    let not_filled = agentcore_client_with(
        &fake,
        BedrockInterceptor::new().runtime_session_from_caller(false),
    );
    let rt = runtime();
    let names = ["explicit", "short", "none", "opted-out"];
    for name in names {
        let root = agentcore_observability::tracer("caller").start(name);
        let cx = Context::current_with_span(root);
        let _attached = cx.clone().attach();
        let result = match name {
            // An explicit runtimeSessionId wins over the caller's session.
            "explicit" => rt.block_on(
                Session::new(CALLER_SESSION).scope(invoke(&client, Some(EXPLICIT_SESSION))),
            ),
            // Too short for AgentCore: not sent; the SDK's random runtime session goes out.
            "short" => rt.block_on(Session::new("short-session").scope(invoke(&client, None))),
            // No session anywhere: the span gets the runtime session sent.
            "none" => rt.block_on(invoke(&client, None)),
            _ => rt.block_on(Session::new(CALLER_SESSION).scope(invoke(&not_filled, None))),
        };
        result.expect("invoke");
        drop(_attached);
        cx.span().end();
    }
    guard.shutdown().expect("shutdown");

    let calls = fake.calls();
    assert_eq!(calls.len(), 4);
    let spans = receiver.wait_for_spans(8, WAIT);
    let invokes: Vec<_> = names
        .iter()
        .map(|name| {
            let root = one(&spans, name);
            spans
                .iter()
                .find(|s| s.parent_span_id_hex() == Some(root.span_id_hex()))
                .unwrap_or_else(|| panic!("{name}: no InvokeAgentRuntime span"))
        })
        .collect();

    // explicit
    assert_eq!(calls[0].runtime_session_id(), Some(EXPLICIT_SESSION));
    assert_eq!(
        invokes[0].attr_str(attr::SESSION_ID),
        Some(EXPLICIT_SESSION)
    );
    assert!(calls[0]
        .baggage()
        .is_some_and(|b| b.contains(&format!("session.id={EXPLICIT_SESSION}"))
            && !b.contains(CALLER_SESSION)));
    // short: the SDK's random runtime session goes out; the span keeps the caller's session.
    let random = calls[1]
        .runtime_session_id()
        .expect("the SDK always sends one");
    assert_eq!(random.len(), 36, "{random}");
    assert_eq!(invokes[1].attr_str(attr::SESSION_ID), Some("short-session"));
    assert!(calls[1]
        .baggage()
        .is_some_and(|b| b.contains("session.id=short-session")));
    // none: the span and the baggage get the runtime session actually sent.
    let sent = calls[2].runtime_session_id().expect("sent");
    assert_eq!(invokes[2].attr_str(attr::SESSION_ID), Some(sent));
    assert_eq!(
        calls[2].baggage(),
        Some(format!("session.id={sent}").as_str())
    );
    // opted out: like short.
    let random = calls[3].runtime_session_id().expect("sent");
    assert_ne!(random, CALLER_SESSION);
    assert_eq!(invokes[3].attr_str(attr::SESSION_ID), Some(CALLER_SESSION));
}

#[test]
fn agentcore_errors_retries_ids_and_abandoned_bodies() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    let guard = init(
        &receiver,
        &[
            ("OTEL_LOGS_EXPORTER", "none"),
            ("OTEL_METRICS_EXPORTER", "none"),
        ],
    );
    let client = agentcore_client_with(&fake, BedrockInterceptor::new());
    runtime().block_on(async {
        // Throttled twice, then answered.
        fake.fail_with([BedrockFault::Throttle, BedrockFault::ServiceUnavailable]);
        invoke(&client, Some(EXPLICIT_SESSION))
            .await
            .expect("retried to success");
        // Not retried.
        fake.fail_next(BedrockFault::Validation);
        invoke(&client, None).await.expect_err("invalid");
        // The response body is dropped unread: the span ends, marked as abandoned.
        let output = client
            .invoke_agent_runtime()
            .agent_runtime_arn(ARN)
            .payload(Blob::new("{}"))
            .send()
            .await
            .expect("invoke");
        drop(output);
        // Other operations: the ids of the path; the fake does not know them (404).
        let _ = client
            .get_browser_session()
            .browser_identifier("browser-0001")
            .session_id("browser-session-1")
            .send()
            .await
            .expect_err("unknown to the fake");
        let _ = client
            .list_events()
            .memory_id("memory-0001")
            .actor_id("actor-1")
            .session_id("memory-session-1")
            .send()
            .await
            .expect_err("unknown to the fake");
    });
    guard.shutdown().expect("shutdown");

    let spans = receiver.wait_for_spans(5, WAIT);
    let invokes: Vec<_> = spans.iter().filter(|s| s.name() == INVOKE).collect();
    assert_eq!(invokes.len(), 3);
    let retried = invokes
        .iter()
        .find(|s| s.attr_i64(attr::RETRY_ATTEMPTS) == Some(2))
        .expect("retried span");
    assert_eq!(retried.status_code(), StatusCode::Unset);
    assert_eq!(retried.attr_i64(attr::HTTP_STATUS_CODE), Some(200));
    assert_eq!(retried.attr_str(attr::SESSION_ID), Some(EXPLICIT_SESSION));
    let invalid = invokes
        .iter()
        .find(|s| s.status_code() == StatusCode::Error)
        .expect("failed span");
    assert_eq!(
        invalid.attr_str(attr::ERROR_TYPE),
        Some("ValidationException")
    );
    assert_eq!(invalid.attr_i64(attr::HTTP_STATUS_CODE), Some(400));
    let abandoned = invokes
        .iter()
        .find(|s| s.attr_bool(attr::GEN_AI_RESPONSE_STREAM_CANCELLED) == Some(true))
        .expect("abandoned span");
    assert_eq!(abandoned.status_code(), StatusCode::Unset);

    let browser = one(&spans, "Bedrock AgentCore.GetBrowserSession");
    assert_eq!(
        browser.attr_str(attr::GEN_AI_BROWSER_ID),
        Some("browser-0001")
    );
    assert_eq!(browser.status_code(), StatusCode::Error);
    assert_eq!(
        browser.attr_str(attr::ERROR_TYPE),
        Some("UnknownOperationException")
    );
    let memory = one(&spans, "Bedrock AgentCore.ListEvents");
    assert_eq!(memory.attr_str(attr::GEN_AI_MEMORY_ID), Some("memory-0001"));
}
