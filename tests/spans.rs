//! The GenAI span helpers end to end: each helper's span name, kind, attributes, events and status
//! as decoded by the testkit receiver, errors recorded, parents across `.await`, and helpers used
//! before `init()`.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use agentcore_observability::opentelemetry::context::FutureExt as _;
use agentcore_observability::prelude::*;
use agentcore_observability::spans::attr;
use agentcore_observability_testkit::opentelemetry_proto::tonic::common::v1::{
    any_value::Value as Any, AnyValue,
};
use agentcore_observability_testkit::opentelemetry_proto::tonic::trace::v1::{
    span::SpanKind as WireKind, status::StatusCode,
};
use agentcore_observability_testkit::{OtlpReceiver, ReceivedSpan};

const WAIT: Duration = Duration::from_secs(10);

fn init(receiver: &OtlpReceiver) -> agentcore_observability::ObservabilityGuard {
    let config = common::builder_for(
        receiver,
        &[
            ("OTEL_METRICS_EXPORTER", "none"),
            ("OTEL_LOGS_EXPORTER", "none"),
        ],
    )
    .finish()
    .expect("config");
    agentcore_observability::init_with(config).expect("init")
}

fn by_name(spans: &[ReceivedSpan]) -> HashMap<String, ReceivedSpan> {
    spans
        .iter()
        .map(|s| (s.name().to_string(), s.clone()))
        .collect()
}

fn strings(value: Option<&AnyValue>) -> Vec<String> {
    match value.and_then(|v| v.value.as_ref()) {
        Some(Any::ArrayValue(array)) => array
            .values
            .iter()
            .filter_map(|v| match &v.value {
                Some(Any::StringValue(s)) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        other => panic!("not a string array: {other:?}"),
    }
}

fn event_attr<'a>(span: &'a ReceivedSpan, event: &str, key: &str) -> Option<&'a Any> {
    span.event(event)?
        .attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref())
}

#[derive(Debug)]
struct BackendUnavailable;

impl std::fmt::Display for BackendUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("search backend unavailable")
    }
}

impl std::error::Error for BackendUnavailable {}

#[test]
fn every_helper_arrives_with_its_name_kind_attributes_events_and_status() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let guard = init(&receiver);

    Session::new("session-42").in_scope(|| {
        spans::agent("travel-agent")
            .id("agent-7")
            .description("plans weekend trips")
            .provider("aws.bedrock")
            .in_span(|_agent| {
                let chat = spans::chat("anthropic.claude-3-haiku-20240307-v1:0")
                    .provider("aws.bedrock")
                    .temperature(0.5)
                    .top_p(0.9)
                    .max_tokens(200)
                    .stop_sequences(["STOP"])
                    .input_messages(r#"[{"role":"user","parts":[{"type":"text","content":"hi"}]}]"#)
                    .start();
                chat.record_usage(Usage::new(11, 10).with_cache_read_input_tokens(4));
                chat.record_response(
                    ChatResponse::new()
                        .id("msg-1")
                        .model("anthropic.claude-3-haiku-20240307-v1:0")
                        .finish_reasons(["end_turn"])
                        .output_messages("ignored: capture is off outside agent mode"),
                );
                chat.end();

                let tool = spans::tool("web_search")
                    .call_id("call-1")
                    .tool_type("function")
                    .description("searches the web")
                    .arguments(r#"{"query":"weekend trips"}"#)
                    .start();
                tool.record_result_value("3 results");
                tool.set_ok();
                tool.end();

                let failing = spans::tool("web_search_down").start();
                failing.record_error(&BackendUnavailable);
                drop(failing);

                // The guide's "custom span web search tool" (ADOT reference spans 2 and 3).
                let custom = spans::custom("custom span web search tool")
                    .attribute("search.query", "OpenTelemetry distro for AgentCore")
                    .attribute("search.provider", "duckduckgo")
                    .attribute("search.max_results", 3)
                    .attribute("tool.name", "web_search")
                    .start();
                custom.set_attribute(KeyValue::new("search.results_count", 3));
                custom.add_event("search_completed", vec![KeyValue::new("results_count", 3)]);
                custom.set_ok();
            });
    });
    guard.shutdown().expect("shutdown");

    let spans = by_name(&receiver.wait_for_spans(5, WAIT));
    assert_eq!(spans.len(), 5, "{:?}", spans.keys());

    let agent = &spans["invoke_agent travel-agent"];
    assert_eq!(agent.kind(), WireKind::Internal);
    assert_eq!(agent.scope_name, "agentcore_observability");
    for (key, value) in [
        (attr::GEN_AI_OPERATION_NAME, "invoke_agent"),
        (attr::GEN_AI_AGENT_NAME, "travel-agent"),
        (attr::GEN_AI_AGENT_ID, "agent-7"),
        (attr::GEN_AI_AGENT_DESCRIPTION, "plans weekend trips"),
        (attr::GEN_AI_PROVIDER_NAME, "aws.bedrock"),
        ("session.id", "session-42"),
        // A GenAI span in a session: the baggage processor adds the conversation id.
        ("gen_ai.conversation.id", "session-42"),
    ] {
        assert_eq!(agent.attr_str(key), Some(value), "{key}");
    }
    assert_eq!(agent.status_code(), StatusCode::Unset);

    let chat = &spans["chat anthropic.claude-3-haiku-20240307-v1:0"];
    assert_eq!(chat.kind(), WireKind::Client);
    assert_eq!(chat.attr_str(attr::GEN_AI_OPERATION_NAME), Some("chat"));
    assert_eq!(
        chat.attr_str(attr::GEN_AI_REQUEST_MODEL),
        Some("anthropic.claude-3-haiku-20240307-v1:0")
    );
    assert_eq!(
        chat.attr_str(attr::GEN_AI_PROVIDER_NAME),
        Some("aws.bedrock")
    );
    assert_eq!(chat.attr_str(attr::GEN_AI_SYSTEM), Some("aws.bedrock"));
    assert_eq!(chat.attr_f64(attr::GEN_AI_REQUEST_TEMPERATURE), Some(0.5));
    assert_eq!(chat.attr_f64(attr::GEN_AI_REQUEST_TOP_P), Some(0.9));
    assert_eq!(chat.attr_i64(attr::GEN_AI_REQUEST_MAX_TOKENS), Some(200));
    assert_eq!(
        strings(chat.attr(attr::GEN_AI_REQUEST_STOP_SEQUENCES)),
        ["STOP"]
    );
    assert_eq!(chat.attr_i64(attr::GEN_AI_USAGE_INPUT_TOKENS), Some(11));
    assert_eq!(chat.attr_i64(attr::GEN_AI_USAGE_OUTPUT_TOKENS), Some(10));
    assert_eq!(
        chat.attr_i64(attr::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
        Some(4)
    );
    assert_eq!(
        chat.attr(attr::GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS),
        None
    );
    assert_eq!(chat.attr_str(attr::GEN_AI_RESPONSE_ID), Some("msg-1"));
    assert_eq!(
        chat.attr_str(attr::GEN_AI_RESPONSE_MODEL),
        Some("anthropic.claude-3-haiku-20240307-v1:0")
    );
    assert_eq!(
        strings(chat.attr(attr::GEN_AI_RESPONSE_FINISH_REASONS)),
        ["end_turn"]
    );
    // Content capture is off outside agent mode.
    assert_eq!(chat.attr(attr::GEN_AI_INPUT_MESSAGES), None);
    assert_eq!(chat.attr(attr::GEN_AI_OUTPUT_MESSAGES), None);

    let tool = &spans["execute_tool web_search"];
    assert_eq!(tool.kind(), WireKind::Internal);
    for (key, value) in [
        (attr::GEN_AI_OPERATION_NAME, "execute_tool"),
        (attr::GEN_AI_TOOL_NAME, "web_search"),
        (attr::GEN_AI_TOOL_CALL_ID, "call-1"),
        (attr::GEN_AI_TOOL_TYPE, "function"),
        (attr::GEN_AI_TOOL_DESCRIPTION, "searches the web"),
    ] {
        assert_eq!(tool.attr_str(key), Some(value), "{key}");
    }
    assert_eq!(tool.attr(attr::GEN_AI_TOOL_CALL_ARGUMENTS), None);
    assert_eq!(tool.attr(attr::GEN_AI_TOOL_CALL_RESULT), None);
    assert_eq!(tool.status_code(), StatusCode::Ok);

    let failing = &spans["execute_tool web_search_down"];
    assert_eq!(failing.status_code(), StatusCode::Error);
    assert_eq!(failing.status_message(), "search backend unavailable");
    assert_eq!(
        failing.attr_str(attr::ERROR_TYPE),
        Some("BackendUnavailable")
    );
    assert_eq!(
        failing.event_attr_str("exception", attr::EXCEPTION_TYPE),
        Some("BackendUnavailable")
    );
    assert_eq!(
        failing.event_attr_str("exception", attr::EXCEPTION_MESSAGE),
        Some("search backend unavailable")
    );

    let custom = &spans["custom span web search tool"];
    assert_eq!(custom.kind(), WireKind::Internal);
    assert_eq!(custom.status_code(), StatusCode::Ok);
    assert_eq!(
        custom.attr_str("search.query"),
        Some("OpenTelemetry distro for AgentCore")
    );
    assert_eq!(custom.attr_str("search.provider"), Some("duckduckgo"));
    assert_eq!(custom.attr_i64("search.max_results"), Some(3));
    assert_eq!(custom.attr_i64("search.results_count"), Some(3));
    assert_eq!(custom.attr_str("tool.name"), Some("web_search"));
    assert_eq!(custom.attr(attr::GEN_AI_OPERATION_NAME), None);
    assert_eq!(
        custom.attr("gen_ai.conversation.id"),
        None,
        "not a GenAI span"
    );
    assert_eq!(custom.attr_str("session.id"), Some("session-42"));
    assert!(matches!(
        event_attr(custom, "search_completed", "results_count"),
        Some(Any::IntValue(3))
    ));

    for name in [
        "chat anthropic.claude-3-haiku-20240307-v1:0",
        "execute_tool web_search",
        "execute_tool web_search_down",
        "custom span web search tool",
    ] {
        assert_eq!(
            spans[name].parent_span_id_hex(),
            Some(agent.span_id_hex()),
            "{name}"
        );
        assert_eq!(spans[name].trace_id_hex(), agent.trace_id_hex());
    }
}

#[test]
fn a_span_kept_across_awaits_parents_the_spans_of_its_future() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let guard = init(&receiver);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let agent = spans::agent("async-agent").start();
        async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            let tool = spans::tool("after_await").start();
            tokio::task::yield_now().await;
            tool.set_ok();
        }
        .with_context(agent.context())
        .await;
        // The span moves into a task and ends there.
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            agent.end();
        })
        .await
        .expect("join");
    });
    guard.shutdown().expect("shutdown");

    let spans = by_name(&receiver.wait_for_spans(2, WAIT));
    assert_eq!(
        spans["execute_tool after_await"].parent_span_id_hex(),
        Some(spans["invoke_agent async-agent"].span_id_hex())
    );
}

#[test]
fn helpers_used_before_init_work_once_init_has_run() {
    let _lock = common::exclusive();
    // Before init: no provider, a span that records nothing, and no panic.
    let early = spans::tool("before_init").start();
    assert!(!early.is_recording());
    early.record_error_message("Early", "nothing to record it");
    drop(early);

    let receiver = OtlpReceiver::start().expect("receiver");
    let guard = init(&receiver);
    spans::tool("after_init").start().end();
    guard.shutdown().expect("shutdown");

    // After shutdown the helpers are disconnected again, quietly.
    let late = spans::tool("after_shutdown").start();
    assert!(!late.is_recording());
    drop(late);

    let spans = receiver.wait_for_spans(1, WAIT);
    let names: Vec<&str> = spans.iter().map(ReceivedSpan::name).collect();
    assert_eq!(names, ["execute_tool after_init"]);
}
