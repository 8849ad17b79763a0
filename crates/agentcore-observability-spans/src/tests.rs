//! Unit tests over an in-memory SDK pipeline: what each helper puts on the span, what the content
//! policy records where, and the tracer selection. The policy and the tracer are process-wide, so
//! every test holds [`lock`].

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use opentelemetry::logs::AnyValue;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt as _};
use opentelemetry::{Array, Context, InstrumentationScope, KeyValue, StringValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogProcessor, SdkLogRecord, SdkLoggerProvider};
use opentelemetry_sdk::trace::{SdkTracerProvider, Span, SpanData, SpanProcessor};
use serde_json::json;

use crate::content::{self, ContentDestination, ContentPolicy, ContentSink, RedactionRules};
use crate::{self as spans, attr, ChatResponse, Usage};

static LOCK: Mutex<()> = Mutex::new(());

fn lock() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Debug, Clone, Default)]
struct Collect {
    spans: Arc<Mutex<Vec<SpanData>>>,
    logs: Arc<Mutex<Vec<SdkLogRecord>>>,
}

impl SpanProcessor for Collect {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}
    fn on_end(&self, span: SpanData) {
        self.spans.lock().unwrap().push(span);
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

impl LogProcessor for Collect {
    fn emit(&self, record: &mut SdkLogRecord, _scope: &InstrumentationScope) {
        self.logs.lock().unwrap().push(record.clone());
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
}

/// A pipeline with `policy`, spans and logs collected.
struct Pipeline {
    collect: Collect,
    _lock: MutexGuard<'static, ()>,
}

impl Pipeline {
    fn new(policy: ContentPolicy) -> Self {
        let lock = lock();
        let collect = Collect::default();
        let tracer = SdkTracerProvider::builder()
            .with_span_processor(collect.clone())
            .build();
        let logger = SdkLoggerProvider::builder()
            .with_log_processor(collect.clone())
            .build();
        spans::install_tracer_provider(&tracer);
        content::install(policy, Some(ContentSink::new(&logger)));
        Self {
            collect,
            _lock: lock,
        }
    }

    fn spans(&self) -> Vec<SpanData> {
        self.collect.spans.lock().unwrap().clone()
    }

    fn span(&self, name: &str) -> SpanData {
        self.spans()
            .into_iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no span {name}"))
    }

    fn logs(&self) -> Vec<SdkLogRecord> {
        self.collect.logs.lock().unwrap().clone()
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        spans::uninstall_tracer_provider();
        content::uninstall();
    }
}

fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

fn attr_str(span: &SpanData, key: &str) -> Option<String> {
    attr(span, key).map(|v| v.as_str().into_owned())
}

fn log_attr<'a>(record: &'a SdkLogRecord, key: &str) -> Option<&'a AnyValue> {
    record
        .attributes_iter()
        .find(|(k, _)| k.as_str() == key)
        .map(|(_, v)| v)
}

#[test]
fn agent_span() {
    let p = Pipeline::new(ContentPolicy::disabled());
    spans::agent("travel-agent")
        .id("agent-7")
        .description("plans trips")
        .provider("aws.bedrock")
        .attribute("custom.key", 5)
        .start()
        .end();
    let span = p.span("invoke_agent travel-agent");
    assert_eq!(span.span_kind, SpanKind::Internal);
    assert_eq!(span.instrumentation_scope.name(), spans::SCOPE_NAME);
    assert_eq!(
        span.instrumentation_scope.version(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    for (key, value) in [
        (attr::GEN_AI_OPERATION_NAME, "invoke_agent"),
        (attr::GEN_AI_AGENT_NAME, "travel-agent"),
        (attr::GEN_AI_AGENT_ID, "agent-7"),
        (attr::GEN_AI_AGENT_DESCRIPTION, "plans trips"),
        (attr::GEN_AI_PROVIDER_NAME, "aws.bedrock"),
    ] {
        assert_eq!(attr_str(&span, key).as_deref(), Some(value), "{key}");
    }
    assert_eq!(attr(&span, "custom.key"), Some(&Value::I64(5)));
    assert_eq!(span.status, Status::Unset);
}

#[test]
fn tool_span_without_capture_records_no_content() {
    let p = Pipeline::new(ContentPolicy::disabled());
    let span = spans::tool("web_search")
        .call_id("call-1")
        .tool_type("function")
        .description("searches the web")
        .arguments(r#"{"q":"x"}"#)
        .start();
    span.record_result_value("results");
    span.set_ok();
    span.end();
    let span = p.span("execute_tool web_search");
    assert_eq!(span.span_kind, SpanKind::Internal);
    assert_eq!(
        attr_str(&span, attr::GEN_AI_OPERATION_NAME).as_deref(),
        Some("execute_tool")
    );
    assert_eq!(
        attr_str(&span, attr::GEN_AI_TOOL_NAME).as_deref(),
        Some("web_search")
    );
    assert_eq!(
        attr_str(&span, attr::GEN_AI_TOOL_CALL_ID).as_deref(),
        Some("call-1")
    );
    assert_eq!(
        attr_str(&span, attr::GEN_AI_TOOL_TYPE).as_deref(),
        Some("function")
    );
    assert_eq!(
        attr_str(&span, attr::GEN_AI_TOOL_DESCRIPTION).as_deref(),
        Some("searches the web")
    );
    assert_eq!(attr(&span, attr::GEN_AI_TOOL_CALL_ARGUMENTS), None);
    assert_eq!(attr(&span, attr::GEN_AI_TOOL_CALL_RESULT), None);
    assert_eq!(span.status, Status::Ok);
    assert!(p.logs().is_empty());
}

#[test]
fn tool_content_on_spans_only() {
    let p = Pipeline::new(ContentPolicy::capture(ContentDestination::SpanAttributes));
    let span = spans::tool("calc").arguments(r#"{"a":2}"#).start();
    span.record_result_value("4");
    drop(span);
    let span = p.span("execute_tool calc");
    assert_eq!(
        attr_str(&span, attr::GEN_AI_TOOL_CALL_ARGUMENTS).as_deref(),
        Some(r#"{"a":2}"#)
    );
    assert_eq!(
        attr_str(&span, attr::GEN_AI_TOOL_CALL_RESULT).as_deref(),
        Some("4")
    );
    assert!(p.logs().is_empty(), "span_only emits no log events");
}

#[test]
fn tool_content_as_log_events_only() {
    let p = Pipeline::new(ContentPolicy::capture(ContentDestination::LogEvents));
    let span = spans::tool("calc")
        .call_id("c-9")
        .arguments(r#"{"a":2}"#)
        .start();
    span.record_result_value("not json");
    let ids = span.span_context();
    drop(span);
    let span = p.span("execute_tool calc");
    assert_eq!(attr(&span, attr::GEN_AI_TOOL_CALL_ARGUMENTS), None);
    assert_eq!(attr(&span, attr::GEN_AI_TOOL_CALL_RESULT), None);
    let logs = p.logs();
    let names: Vec<_> = logs.iter().map(|r| r.event_name()).collect();
    assert_eq!(
        names,
        [
            Some(attr::event::ASSISTANT_MESSAGE),
            Some(attr::event::TOOL_MESSAGE)
        ]
    );
    for record in &logs {
        let trace = record.trace_context().expect("correlated with the span");
        assert_eq!(trace.trace_id, ids.trace_id());
        assert_eq!(trace.span_id, ids.span_id());
        assert_eq!(
            log_attr(record, attr::GEN_AI_TOOL_NAME),
            Some(&AnyValue::from("calc"))
        );
    }
    let call = crate::content::json_to_any_value(&json!({
        "tool_calls": [{"id": "c-9", "type": "function", "function": {"name": "calc", "arguments": {"a": 2}}}]
    }));
    assert_eq!(logs[0].body(), Some(&call));
    let result = crate::content::json_to_any_value(&json!({"id": "c-9", "content": "not json"}));
    assert_eq!(logs[1].body(), Some(&result));
}

#[test]
fn chat_span_attributes_and_content_both_ways() {
    let p = Pipeline::new(ContentPolicy::capture(ContentDestination::Both));
    let input = json!([
        {"role": "system", "parts": [{"type": "text", "content": "be brief"}]},
        {"role": "user", "parts": [{"type": "text", "content": "hi"}]}
    ]);
    let span = spans::chat("anthropic.claude-3-haiku")
        .provider("aws.bedrock")
        .temperature(0.5)
        .top_p(0.9)
        .max_tokens(200)
        .stop_sequences(["STOP", "END"])
        .input_messages(&input)
        .start();
    span.record_usage(Usage {
        input_tokens: Some(11),
        output_tokens: Some(10),
        cache_read_input_tokens: None,
        cache_creation_input_tokens: Some(3),
    });
    span.record_response(
        ChatResponse::new()
            .id("msg-1")
            .model("anthropic.claude-3-haiku-v2")
            .finish_reasons(["end_turn"])
            .output_messages(
                json!([{"role": "assistant", "parts": [{"type": "text", "content": "hello"}]}]),
            ),
    );
    drop(span);

    let span = p.span("chat anthropic.claude-3-haiku");
    assert_eq!(span.span_kind, SpanKind::Client);
    assert_eq!(
        attr_str(&span, attr::GEN_AI_OPERATION_NAME).as_deref(),
        Some("chat")
    );
    assert_eq!(
        attr_str(&span, attr::GEN_AI_REQUEST_MODEL).as_deref(),
        Some("anthropic.claude-3-haiku")
    );
    assert_eq!(
        attr_str(&span, attr::GEN_AI_PROVIDER_NAME).as_deref(),
        Some("aws.bedrock")
    );
    assert_eq!(
        attr_str(&span, attr::GEN_AI_SYSTEM).as_deref(),
        Some("aws.bedrock")
    );
    assert_eq!(
        attr(&span, attr::GEN_AI_REQUEST_TEMPERATURE),
        Some(&Value::F64(0.5))
    );
    assert_eq!(
        attr(&span, attr::GEN_AI_REQUEST_TOP_P),
        Some(&Value::F64(0.9))
    );
    assert_eq!(
        attr(&span, attr::GEN_AI_REQUEST_MAX_TOKENS),
        Some(&Value::I64(200))
    );
    assert_eq!(
        attr(&span, attr::GEN_AI_REQUEST_STOP_SEQUENCES),
        Some(&Value::Array(Array::String(vec![
            StringValue::from("STOP"),
            StringValue::from("END")
        ])))
    );
    assert_eq!(
        attr(&span, attr::GEN_AI_USAGE_INPUT_TOKENS),
        Some(&Value::I64(11))
    );
    assert_eq!(
        attr(&span, attr::GEN_AI_USAGE_OUTPUT_TOKENS),
        Some(&Value::I64(10))
    );
    assert_eq!(
        attr(&span, attr::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
        None
    );
    assert_eq!(
        attr(&span, attr::GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS),
        Some(&Value::I64(3))
    );
    assert_eq!(
        attr_str(&span, attr::GEN_AI_RESPONSE_ID).as_deref(),
        Some("msg-1")
    );
    assert_eq!(
        attr_str(&span, attr::GEN_AI_RESPONSE_MODEL).as_deref(),
        Some("anthropic.claude-3-haiku-v2")
    );
    assert_eq!(
        attr(&span, attr::GEN_AI_RESPONSE_FINISH_REASONS),
        Some(&Value::Array(Array::String(vec![StringValue::from(
            "end_turn"
        )])))
    );
    let recorded: serde_json::Value =
        serde_json::from_str(&attr_str(&span, attr::GEN_AI_INPUT_MESSAGES).unwrap()).unwrap();
    assert_eq!(recorded, input);
    assert!(attr_str(&span, attr::GEN_AI_OUTPUT_MESSAGES)
        .unwrap()
        .contains("hello"));

    let logs = p.logs();
    let names: Vec<_> = logs.iter().filter_map(|r| r.event_name()).collect();
    assert_eq!(
        names,
        [
            attr::event::SYSTEM_MESSAGE,
            attr::event::USER_MESSAGE,
            attr::event::CHOICE
        ]
    );
    for record in &logs {
        assert_eq!(
            log_attr(record, attr::GEN_AI_PROVIDER_NAME),
            Some(&AnyValue::from("aws.bedrock"))
        );
        assert_eq!(
            log_attr(record, attr::GEN_AI_SYSTEM),
            Some(&AnyValue::from("aws.bedrock"))
        );
    }
    let choice = crate::content::json_to_any_value(&json!({
        "index": 0, "finish_reason": "end_turn",
        "message": {"role": "assistant", "parts": [{"type": "text", "content": "hello"}]}
    }));
    assert_eq!(logs[2].body(), Some(&choice));
}

#[test]
fn chat_operation_override_and_custom_kind() {
    let p = Pipeline::new(ContentPolicy::disabled());
    spans::chat("amazon.titan-text-express-v1")
        .operation("text_completion")
        .start()
        .end();
    spans::custom("custom span web search tool")
        .kind(SpanKind::Producer)
        .attribute("search.max_results", 3)
        .start()
        .end();
    let span = p.span("text_completion amazon.titan-text-express-v1");
    assert_eq!(
        attr_str(&span, attr::GEN_AI_OPERATION_NAME).as_deref(),
        Some("text_completion")
    );
    let custom = p.span("custom span web search tool");
    assert_eq!(custom.span_kind, SpanKind::Producer);
    assert_eq!(
        custom.attributes.len(),
        1,
        "a custom span has only its own attributes"
    );
}

#[test]
fn empty_names_give_the_bare_operation() {
    let p = Pipeline::new(ContentPolicy::disabled());
    spans::agent("").start().end();
    spans::tool(String::new()).start().end();
    let agent = p.span("invoke_agent");
    assert_eq!(attr(&agent, attr::GEN_AI_AGENT_NAME), None);
    p.span("execute_tool");
}

#[derive(Debug)]
struct SearchError;

impl std::fmt::Display for SearchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("search backend unavailable")
    }
}

impl std::error::Error for SearchError {}

#[test]
fn errors_are_recorded_with_type_status_and_event() {
    let p = Pipeline::new(ContentPolicy::disabled());
    let span = spans::tool("web_search").start();
    span.record_error(&SearchError);
    drop(span);
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(SearchError);
    let span = spans::tool("dyn").start();
    span.record_error(boxed.as_ref());
    drop(span);
    let span = spans::tool("explicit").start();
    span.record_error_message("Timeout", "took too long");
    drop(span);

    let span = p.span("execute_tool web_search");
    assert_eq!(span.status, Status::error("search backend unavailable"));
    assert_eq!(
        attr_str(&span, attr::ERROR_TYPE).as_deref(),
        Some("SearchError")
    );
    let event = &span.events.events[0];
    assert_eq!(event.name, "exception");
    assert!(event
        .attributes
        .contains(&KeyValue::new(attr::EXCEPTION_TYPE, "SearchError")));
    assert!(event.attributes.contains(&KeyValue::new(
        attr::EXCEPTION_MESSAGE,
        "search backend unavailable"
    )));
    assert_eq!(
        attr_str(&p.span("execute_tool dyn"), attr::ERROR_TYPE).as_deref(),
        Some("_OTHER")
    );
    let explicit = p.span("execute_tool explicit");
    assert_eq!(
        attr_str(&explicit, attr::ERROR_TYPE).as_deref(),
        Some("Timeout")
    );
    assert_eq!(explicit.status, Status::error("took too long"));
}

#[test]
fn content_is_capped_with_a_marker() {
    let p =
        Pipeline::new(ContentPolicy::capture(ContentDestination::Both).with_max_bytes(Some(10)));
    let span = spans::tool("t").start();
    span.record_result_value("é".repeat(20)); // 40 bytes
    drop(span);
    let span = p.span("execute_tool t");
    assert_eq!(
        attr_str(&span, attr::GEN_AI_TOOL_CALL_RESULT).as_deref(),
        Some("ééééé…[truncated 30 bytes]")
    );
    let logs = p.logs();
    let Some(AnyValue::String(body)) = logs[0].body() else {
        panic!(
            "an oversized body is a truncated string: {:?}",
            logs[0].body()
        )
    };
    assert!(body.as_str().contains("…[truncated "), "{body}");
}

#[test]
fn redacted_content_keys_are_redacted_in_log_events_too() {
    let p = Pipeline::new(
        ContentPolicy::capture(ContentDestination::LogEvents)
            .with_redaction(RedactionRules::new(["gen_ai.tool.call.*"])),
    );
    let span = spans::tool("t").arguments("secret args").start();
    span.record_result_value("secret result");
    drop(span);
    let logs = p.logs();
    assert_eq!(logs.len(), 2);
    for record in logs {
        assert_eq!(record.body(), Some(&AnyValue::from(content::REDACTED)));
    }
}

#[test]
fn children_and_in_span() {
    let p = Pipeline::new(ContentPolicy::disabled());
    let value = spans::agent("a").in_span(|agent| {
        spans::tool("inner").start().end();
        let explicit = spans::custom("explicit").start_with_parent(&agent.context());
        explicit.end();
        7
    });
    assert_eq!(value, 7);
    let agent = p.span("invoke_agent a");
    for child in ["execute_tool inner", "explicit"] {
        let child = p.span(child);
        assert_eq!(child.parent_span_id, agent.span_context.span_id());
        assert_eq!(child.span_context.trace_id(), agent.span_context.trace_id());
    }
    // After in_span the agent's context is no longer current.
    assert!(!Context::current().has_active_span());
}

#[test]
fn spans_started_before_a_provider_is_installed_work_once_it_is() {
    let _lock = lock();
    spans::uninstall_tracer_provider();
    // Nothing installed, global provider a no-op: a non-recording span, no panic.
    let early = spans::tool("early").start();
    assert!(!early.is_recording());
    early.record_result_value("x");
    early.record_usage(Usage::new(1, 2));
    drop(early);

    let collect = Collect::default();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(collect.clone())
        .build();
    spans::install_tracer_provider(&provider);
    spans::tool("late").start().end();
    spans::uninstall_tracer_provider();
    let names: Vec<_> = collect
        .spans
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.name.to_string())
        .collect();
    assert_eq!(names, ["execute_tool late"]);
}

#[test]
fn without_an_installed_provider_spans_go_to_the_global_one() {
    let _lock = lock();
    spans::uninstall_tracer_provider();
    let collect = Collect::default();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(collect.clone())
        .build();
    opentelemetry::global::set_tracer_provider(provider.clone());
    spans::custom("via global").start().end();
    opentelemetry::global::set_tracer_provider(
        opentelemetry::trace::noop::NoopTracerProvider::new(),
    );
    let spans = collect.spans.lock().unwrap().clone();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].instrumentation_scope.name(), spans::SCOPE_NAME);
}

#[test]
fn redaction_of_span_event_and_link_attributes() {
    let _lock = lock();
    let collect = Collect::default();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(collect.clone())
        .build();
    spans::install_tracer_provider(&provider);
    let linked = spans::custom("linked").start();
    let link = linked.span_context();
    drop(linked);
    let span = spans::custom("redacted")
        .attribute("user.email", "a@b.c")
        .attribute("kept", "yes")
        .start();
    span.add_event("e", vec![KeyValue::new("token.secret", "t")]);
    span.context()
        .span()
        .add_link(link, vec![KeyValue::new("user.email", "x@y.z")]);
    drop(span);
    spans::uninstall_tracer_provider();

    let mut data = collect
        .spans
        .lock()
        .unwrap()
        .iter()
        .find(|s| s.name == "redacted")
        .cloned()
        .unwrap();
    let rules = RedactionRules::new(["user.email", "*.secret"]);
    assert_eq!(rules.redact_span(&mut data), 3);
    assert_eq!(attr(&data, "user.email"), Some(&Value::from("REDACTED")));
    assert_eq!(attr(&data, "kept"), Some(&Value::from("yes")));
    assert_eq!(
        data.events.events[0].attributes[0].value,
        Value::from("REDACTED")
    );
    assert_eq!(
        data.links.links[0].attributes[0].value,
        Value::from("REDACTED")
    );
    assert_eq!(RedactionRules::default().redact_span(&mut data), 0);
}

#[test]
fn policy_from_config() {
    let config = agentcore_observability_config::Config::builder()
        .vars([
            (
                "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
                "EVENT_ONLY",
            ),
            ("AGENT_OBSERVABILITY_CONTENT_MAX_BYTES", "100"),
            ("AWS_REDACT_SPAN_ATTRIBUTES", "a,b*"),
        ])
        .no_dotenv()
        .finish()
        .unwrap();
    let policy = ContentPolicy::from_config(&config);
    assert!(policy.captures());
    assert_eq!(policy.destination(), ContentDestination::LogEvents);
    assert_eq!(policy.max_bytes(), Some(100));
    assert!(policy.redaction().matches("bx"));
}

#[test]
fn current_policy_follows_install_and_uninstall() {
    let _lock = lock();
    content::uninstall();
    assert!(!content::current().captures());
    content::install(ContentPolicy::capture(ContentDestination::Both), None);
    assert!(content::current().to_log_events());
    content::uninstall();
    assert_eq!(content::current(), ContentPolicy::disabled());
}

#[test]
fn log_events_need_a_sink() {
    let _lock = lock();
    let collect = Collect::default();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(collect.clone())
        .build();
    spans::install_tracer_provider(&provider);
    content::install(ContentPolicy::capture(ContentDestination::Both), None);
    let span = spans::tool("no sink").start();
    span.record_result_value("r");
    drop(span);
    content::uninstall();
    spans::uninstall_tracer_provider();
    let spans = collect.spans.lock().unwrap().clone();
    assert_eq!(
        attr_str(&spans[0], attr::GEN_AI_TOOL_CALL_RESULT).as_deref(),
        Some("r"),
        "span attributes do not need a sink"
    );
}
