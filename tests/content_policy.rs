//! The content policy end to end: whether prompts, completions, tool arguments and results are
//! captured, where they go (span attributes, log events, both), the per-value cap and
//! `AWS_REDACT_SPAN_ATTRIBUTES`, as decoded by the testkit receiver.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use agentcore_observability::prelude::*;
use agentcore_observability::spans::attr;
use agentcore_observability_testkit::{OtlpReceiver, ReceivedLog, ReceivedSpan};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(10);

/// Traces and logs to `receiver`, no metrics, with `vars` on top.
fn init(
    receiver: &OtlpReceiver,
    vars: &[(&str, &str)],
) -> agentcore_observability::ObservabilityGuard {
    let mut all = vec![("OTEL_METRICS_EXPORTER", "none")];
    all.extend_from_slice(vars);
    let config = common::builder_for(receiver, &all)
        .finish()
        .expect("config");
    agentcore_observability::init_with(config).expect("init")
}

const AGENT_MODE: (&str, &str) = ("AGENT_OBSERVABILITY_ENABLED", "true");
const CAPTURE: &str = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";

fn input() -> serde_json::Value {
    json!([
        {"role": "system", "parts": [{"type": "text", "content": "You are a terse assistant."}]},
        {"role": "user", "parts": [{"type": "text", "content": "Weekend trip from Seattle?"}]}
    ])
}

fn output() -> serde_json::Value {
    json!([{"role": "assistant", "parts": [{"type": "text", "content": "San Juan Islands."}], "finish_reason": "end_turn"}])
}

/// A chat call and a tool call with content, in a session.
fn agent_turn() {
    Session::new("s-content").in_scope(|| {
        let chat = spans::chat("anthropic.claude-3-haiku-20240307-v1:0")
            .provider("aws.bedrock")
            .input_messages(input())
            .start();
        chat.record_response(
            ChatResponse::new()
                .finish_reasons(["end_turn"])
                .output_messages(output()),
        );
        chat.end();
        let tool = spans::tool("web_search")
            .call_id("call-1")
            .arguments(r#"{"query":"weekend trips"}"#)
            .start();
        tool.record_result_value(r#"["San Juan Islands"]"#);
        tool.end();
    });
}

fn by_name(spans: &[ReceivedSpan]) -> HashMap<String, ReceivedSpan> {
    spans
        .iter()
        .map(|s| (s.name().to_string(), s.clone()))
        .collect()
}

fn content_events(logs: &[ReceivedLog]) -> Vec<ReceivedLog> {
    logs.iter()
        .filter(|l| l.event_name().is_some_and(|n| n.starts_with("gen_ai.")))
        .cloned()
        .collect()
}

fn names(logs: &[ReceivedLog]) -> Vec<&str> {
    logs.iter().filter_map(ReceivedLog::event_name).collect()
}

const CHAT: &str = "chat anthropic.claude-3-haiku-20240307-v1:0";
const TOOL: &str = "execute_tool web_search";

/// Runs `agent_turn` under `vars`; returns the spans by name and the content log events.
fn run(
    vars: &[(&str, &str)],
    expected_events: usize,
) -> (HashMap<String, ReceivedSpan>, Vec<ReceivedLog>) {
    let receiver = OtlpReceiver::start().expect("receiver");
    let guard = init(&receiver, vars);
    agent_turn();
    guard.shutdown().expect("shutdown");
    let spans = by_name(&receiver.wait_for_spans(2, WAIT));
    let logs = if expected_events == 0 {
        receiver.logs()
    } else {
        receiver.wait_for_logs_matching(|l| content_events(l).len() >= expected_events, WAIT)
    };
    (spans, content_events(&logs))
}

fn assert_content_on_spans(spans: &HashMap<String, ReceivedSpan>) {
    let chat = &spans[CHAT];
    let recorded: serde_json::Value =
        serde_json::from_str(chat.attr_str(attr::GEN_AI_INPUT_MESSAGES).expect("input")).unwrap();
    assert_eq!(recorded, input());
    let recorded: serde_json::Value =
        serde_json::from_str(chat.attr_str(attr::GEN_AI_OUTPUT_MESSAGES).expect("output")).unwrap();
    assert_eq!(recorded, output());
    let tool = &spans[TOOL];
    assert_eq!(
        tool.attr_str(attr::GEN_AI_TOOL_CALL_ARGUMENTS),
        Some(r#"{"query":"weekend trips"}"#)
    );
    assert_eq!(
        tool.attr_str(attr::GEN_AI_TOOL_CALL_RESULT),
        Some(r#"["San Juan Islands"]"#)
    );
}

fn assert_no_content_on_spans(spans: &HashMap<String, ReceivedSpan>) {
    for (name, key) in [
        (CHAT, attr::GEN_AI_INPUT_MESSAGES),
        (CHAT, attr::GEN_AI_OUTPUT_MESSAGES),
        (TOOL, attr::GEN_AI_TOOL_CALL_ARGUMENTS),
        (TOOL, attr::GEN_AI_TOOL_CALL_RESULT),
    ] {
        assert_eq!(spans[name].attr(key), None, "{name} {key}");
    }
}

/// The five content events, each correlated with its span, in the session, with the provider or
/// the tool name, and the bodies of the semantic conventions' events.
fn assert_content_events(spans: &HashMap<String, ReceivedSpan>, events: &[ReceivedLog]) {
    assert_eq!(
        names(events),
        [
            "gen_ai.system.message",
            "gen_ai.user.message",
            "gen_ai.choice",
            "gen_ai.assistant.message",
            "gen_ai.tool.message"
        ]
    );
    for (index, event) in events.iter().enumerate() {
        let span = if index < 3 {
            &spans[CHAT]
        } else {
            &spans[TOOL]
        };
        assert_eq!(event.trace_id_hex(), Some(span.trace_id_hex()), "{index}");
        assert_eq!(event.span_id_hex(), Some(span.span_id_hex()), "{index}");
        assert_eq!(event.attr_str("session.id"), Some("s-content"), "{index}");
        assert_eq!(event.scope_name, "agentcore_observability");
        if index < 3 {
            assert_eq!(
                event.attr_str(attr::GEN_AI_PROVIDER_NAME),
                Some("aws.bedrock")
            );
            assert_eq!(event.attr_str(attr::GEN_AI_SYSTEM), Some("aws.bedrock"));
        } else {
            assert_eq!(event.attr_str(attr::GEN_AI_TOOL_NAME), Some("web_search"));
        }
    }
    assert_eq!(
        events[1].body_json(),
        Some(json!({"parts": [{"type": "text", "content": "Weekend trip from Seattle?"}]}))
    );
    assert_eq!(
        events[2].body_json(),
        Some(json!({
            "index": 0,
            "finish_reason": "end_turn",
            "message": {"role": "assistant", "parts": [{"type": "text", "content": "San Juan Islands."}]}
        }))
    );
    assert_eq!(
        events[3].body_json(),
        Some(json!({"tool_calls": [{"id": "call-1", "type": "function",
            "function": {"name": "web_search", "arguments": {"query": "weekend trips"}}}]}))
    );
    assert_eq!(
        events[4].body_json(),
        Some(json!({"id": "call-1", "content": ["San Juan Islands"]}))
    );
}

#[test]
fn agent_mode_keeps_content_on_spans_and_also_emits_log_events() {
    let _lock = common::exclusive();
    let (spans, events) = run(&[AGENT_MODE], 5);
    assert_content_on_spans(&spans);
    assert_content_events(&spans, &events);
}

#[test]
fn capture_off_records_no_content_anywhere() {
    let _lock = common::exclusive();
    for vars in [
        vec![AGENT_MODE, (CAPTURE, "false")],
        vec![AGENT_MODE, (CAPTURE, "NO_CONTENT")],
        vec![], // outside agent mode the default is off
    ] {
        let (spans, events) = run(&vars, 0);
        assert_no_content_on_spans(&spans);
        assert!(events.is_empty(), "{vars:?}: {:?}", names(&events));
        // The other attributes are still there.
        assert_eq!(
            spans[TOOL].attr_str(attr::GEN_AI_TOOL_CALL_ID),
            Some("call-1")
        );
    }
}

#[test]
fn span_only_records_span_attributes_only() {
    let _lock = common::exclusive();
    for vars in [
        vec![(CAPTURE, "span_only")],
        vec![(CAPTURE, "true")], // outside agent mode `true` means spans
        vec![AGENT_MODE, ("AWS_GENAI_CONTENT_EXTRACTION_OPT_OUT", "true")],
    ] {
        let (spans, events) = run(&vars, 0);
        assert_content_on_spans(&spans);
        assert!(events.is_empty(), "{vars:?}: {:?}", names(&events));
    }
}

#[test]
fn event_only_records_log_events_only() {
    let _lock = common::exclusive();
    let (spans, events) = run(&[(CAPTURE, "Event_Only")], 5);
    assert_no_content_on_spans(&spans);
    assert_content_events(&spans, &events);
}

#[test]
fn span_and_event_outside_agent_mode_records_both() {
    let _lock = common::exclusive();
    let (spans, events) = run(&[(CAPTURE, "SPAN_AND_EVENT")], 5);
    assert_content_on_spans(&spans);
    assert_content_events(&spans, &events);
}

#[test]
fn values_over_the_cap_are_cut_with_a_marker() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let guard = init(
        &receiver,
        &[
            (CAPTURE, "span_and_event"),
            ("AGENT_OBSERVABILITY_CONTENT_MAX_BYTES", "10"),
        ],
    );
    let tool = spans::tool("big").start();
    tool.record_result_value(format!("{}{}", "ü".repeat(5), "x".repeat(1000))); // 1010 bytes
    tool.end();
    guard.shutdown().expect("shutdown");

    let spans = receiver.wait_for_spans(1, WAIT);
    assert_eq!(
        spans[0].attr_str(attr::GEN_AI_TOOL_CALL_RESULT),
        Some("üüüüü…[truncated 1000 bytes]")
    );
    let logs = receiver.wait_for_logs_matching(|l| !content_events(l).is_empty(), WAIT);
    let event = &content_events(&logs)[0];
    assert_eq!(event.event_name(), Some("gen_ai.tool.message"));
    let body = event.body_str().expect("body");
    // The event body ({"content": "..."}) is over the cap too: a cut JSON string, marked.
    assert!(body.starts_with(r#"{"content""#), "{body}");
    assert!(body.contains("…[truncated "), "{body}");
    assert!(body.len() < 60, "{body}");
}

#[test]
fn redaction_covers_span_event_and_link_attributes_and_content_events() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let guard = init(
        &receiver,
        &[
            (CAPTURE, "span_and_event"),
            (
                "AWS_REDACT_SPAN_ATTRIBUTES",
                "user.email, *.secret, gen_ai.tool.call.result",
            ),
        ],
    );
    let linked = spans::custom("linked").start();
    let link_to = linked.span_context();
    linked.end();

    let span = spans::custom("custom span with secrets")
        .attribute("user.email", "someone@example.com")
        .attribute("user.name", "someone")
        .start();
    span.add_event(
        "login",
        vec![
            KeyValue::new("api.secret", "s3cr3t"),
            KeyValue::new("api.region", "us-east-1"),
        ],
    );
    span.context().span().add_link(
        link_to,
        vec![KeyValue::new("user.email", "other@example.com")],
    );
    span.end();

    let tool = spans::tool("lookup").arguments("visible arguments").start();
    tool.record_result_value("secret result");
    tool.end();

    // Plain OTel API spans are redacted too: the rules run in the span processor.
    agentcore_observability::tracer("plain").in_span("plain span", |cx| {
        cx.span()
            .set_attribute(KeyValue::new("db.secret", "hunter2"));
    });
    guard.shutdown().expect("shutdown");

    let spans = by_name(&receiver.wait_for_spans(4, WAIT));
    let custom = &spans["custom span with secrets"];
    assert_eq!(custom.attr_str("user.email"), Some("REDACTED"));
    assert_eq!(custom.attr_str("user.name"), Some("someone"));
    assert_eq!(
        custom.event_attr_str("login", "api.secret"),
        Some("REDACTED")
    );
    assert_eq!(
        custom.event_attr_str("login", "api.region"),
        Some("us-east-1")
    );
    let link = &custom.links()[0];
    let link_attr = link.attributes.iter().find(|kv| kv.key == "user.email");
    assert_eq!(
        link_attr
            .and_then(|kv| kv.value.as_ref())
            .and_then(agentcore_observability_testkit::value::as_str),
        Some("REDACTED")
    );
    assert_eq!(spans["plain span"].attr_str("db.secret"), Some("REDACTED"));

    let tool = &spans["execute_tool lookup"];
    assert_eq!(
        tool.attr_str(attr::GEN_AI_TOOL_CALL_RESULT),
        Some("REDACTED")
    );
    assert_eq!(
        tool.attr_str(attr::GEN_AI_TOOL_CALL_ARGUMENTS),
        Some("visible arguments")
    );

    let logs = receiver.wait_for_logs_matching(|l| content_events(l).len() >= 2, WAIT);
    let events = content_events(&logs);
    let result = events
        .iter()
        .find(|e| e.event_name() == Some("gen_ai.tool.message"))
        .expect("tool message");
    assert_eq!(result.body_str().as_deref(), Some("REDACTED"));
    let call = events
        .iter()
        .find(|e| e.event_name() == Some("gen_ai.assistant.message"))
        .expect("tool call");
    assert!(call
        .body_str()
        .unwrap_or_default()
        .contains("visible arguments"));
}
