//! `init_with()` end to end: spans, logs and metrics leave the process as OTLP/HTTP and the testkit
//! receiver decodes what arrived.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use agentcore_observability::opentelemetry::baggage::BaggageExt as _;
use agentcore_observability::opentelemetry::logs::{
    LogRecord as _, Logger as _, LoggerProvider as _, Severity,
};
use agentcore_observability::opentelemetry::trace::{TraceContextExt as _, Tracer as _};
use agentcore_observability::opentelemetry::{Context, KeyValue};
use agentcore_observability_testkit::OtlpReceiver;

const WAIT: Duration = Duration::from_secs(10);

/// Emits an agent span with a tool child, a log record inside the tool span and a counter.
fn emit_sample_telemetry(guard: &agentcore_observability::ObservabilityGuard) {
    let tracer = agentcore_observability::tracer("peer_agent");
    let logger = guard
        .logger_provider()
        .expect("logs are on")
        .logger("peer_agent");
    tracer.in_span("invoke_agent peer-agent", |cx| {
        cx.span()
            .set_attribute(KeyValue::new("gen_ai.agent.name", "peer-agent"));
        tracer.in_span("execute_tool web_search", |cx| {
            let span = cx.span();
            span.set_attribute(KeyValue::new("gen_ai.tool.name", "web_search"));
            span.set_attribute(KeyValue::new("search.max_results", 3_i64));
            span.add_event(
                "search_completed",
                vec![KeyValue::new("results_count", 3_i64)],
            );
            let mut record = logger.create_log_record();
            record.set_body("tool finished".into());
            record.set_severity_number(Severity::Info);
            logger.emit(record);
        });
    });
    agentcore_observability::meter("peer_agent")
        .u64_counter("agent.invocations")
        .build()
        .add(2, &[KeyValue::new("agent", "peer-agent")]);
}

#[test]
fn spans_logs_and_metrics_arrive_with_the_agent_resource() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let config = common::builder_for(
        &receiver,
        &[
            ("AGENT_OBSERVABILITY_ENABLED", "true"),
            ("OTEL_METRICS_EXPORTER", "otlp"),
            ("OTEL_SERVICE_NAME", "peer-agent"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "aws.log.group.names=/aws/bedrock-agentcore/runtimes/peer-agent,cloud.resource_id=arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/peer",
            ),
        ],
    )
    .finish()
    .expect("config");
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();

    let guard = agentcore_observability::init_with(config).expect("init");
    emit_sample_telemetry(&guard);
    let stats = guard.stats().clone();
    guard.shutdown().expect("clean shutdown");

    let spans = receiver.wait_for_spans(2, WAIT);
    assert_eq!(spans.len(), 2, "{spans:#?}");
    let agent = spans
        .iter()
        .find(|s| s.name() == "invoke_agent peer-agent")
        .expect("agent span");
    let tool = spans
        .iter()
        .find(|s| s.name() == "execute_tool web_search")
        .expect("tool span");
    assert_eq!(tool.parent_span_id_hex(), Some(agent.span_id_hex()));
    assert_eq!(tool.trace_id_hex(), agent.trace_id_hex());
    assert_eq!(agent.parent_span_id_hex(), None);
    assert_eq!(tool.attr_i64("search.max_results"), Some(3));
    assert_eq!(
        tool.event_attr_str("search_completed", "results_count"),
        None,
        "an int, not a string"
    );
    assert_eq!(tool.events().len(), 1);

    // X-Ray-compatible trace id: the first 8 hex digits are the epoch seconds of the trace start.
    let epoch = u64::from_str_radix(&agent.trace_id_hex()[..8], 16).expect("hex");
    assert!(
        epoch >= before && epoch <= before + 60,
        "trace id {} does not start with the time",
        agent.trace_id_hex()
    );

    for (key, value) in [
        ("service.name", "peer-agent"),
        ("aws.local.service", "peer-agent"),
        ("aws.service.type", "gen_ai_agent"),
        (
            "aws.log.group.names",
            "/aws/bedrock-agentcore/runtimes/peer-agent",
        ),
        (
            "cloud.resource_id",
            "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/peer",
        ),
        ("telemetry.sdk.language", "rust"),
        ("telemetry.sdk.name", "opentelemetry"),
        ("telemetry.distro.name", "agentcore-observability"),
    ] {
        assert_eq!(
            agent.resource_attr_str(key),
            Some(value),
            "resource attribute {key}"
        );
    }
    assert_eq!(
        agent.resource_attr_str("telemetry.auto.version"),
        Some(concat!(env!("CARGO_PKG_VERSION"), "-aws"))
    );
    assert!(agent
        .resource_attr_str("service.instance.id")
        .is_some_and(|id| id.len() == 36));

    let logs = receiver.wait_for_logs(1, WAIT);
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].body_str().as_deref(), Some("tool finished"));
    assert_eq!(
        logs[0].trace_id_hex().as_deref(),
        Some(tool.trace_id_hex().as_str())
    );
    assert_eq!(
        logs[0].span_id_hex().as_deref(),
        Some(tool.span_id_hex().as_str())
    );
    assert_eq!(
        logs[0].resource_attr_str("aws.service.type"),
        Some("gen_ai_agent")
    );

    let metrics =
        receiver.wait_for_metrics(|m| m.iter().any(|m| m.name() == "agent.invocations"), WAIT);
    let counter = metrics
        .iter()
        .find(|m| m.name() == "agent.invocations")
        .expect("counter");
    assert_eq!(counter.sum_value(), Some(2.0));
    assert_eq!(
        counter.resource_attr_str("service.name"),
        Some("peer-agent")
    );

    // Agent mode gzips every signal; each request is protobuf.
    let requests = receiver.requests();
    for path in ["/v1/traces", "/v1/logs", "/v1/metrics"] {
        let request = requests
            .iter()
            .find(|r| r.path == path)
            .unwrap_or_else(|| panic!("no request to {path}"));
        assert_eq!(request.content_encoding(), Some("gzip"), "{path}");
        assert_eq!(
            request.content_type(),
            Some("application/x-protobuf"),
            "{path}"
        );
        assert!(request
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("agentcore-observability-rust/")));
    }
    assert_eq!(stats.traces().exported(), 2);
    assert_eq!(stats.logs().exported(), 1);
    assert_eq!(stats.traces().dropped(), 0);
}

#[test]
fn json_protocol_sends_otlp_json() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let config = common::builder_for(
        &receiver,
        &[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ("OTEL_LOGS_EXPORTER", "none"),
            ("OTEL_METRICS_EXPORTER", "none"),
        ],
    )
    .finish()
    .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    agentcore_observability::tracer("json").in_span("json span", |_| {});
    guard.shutdown().expect("shutdown");

    let spans = receiver.wait_for_spans(1, WAIT);
    assert_eq!(spans.len(), 1);
    let request = receiver
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/traces")
        .expect("a traces request");
    assert_eq!(request.content_type(), Some("application/json"));
    assert_eq!(
        request.content_encoding(),
        None,
        "no compression outside agent mode"
    );
    // OTLP/JSON: camelCase field names and hex-encoded ids, as the spec requires.
    let json: serde_json::Value = serde_json::from_slice(&request.body).expect("json body");
    let span = &json["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    assert_eq!(
        span["traceId"].as_str(),
        Some(spans[0].trace_id_hex().as_str())
    );
    assert_eq!(span["name"].as_str(), Some("json span"));
}

#[test]
fn failed_exports_are_counted_not_thrown() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    // 400 is final (5xx and 429 would be retried): the batch is dropped and counted.
    receiver.respond_with([agentcore_observability_testkit::PlannedResponse::status(
        400,
    )]);
    let config = common::builder_for(
        &receiver,
        &[
            ("OTEL_LOGS_EXPORTER", "none"),
            ("OTEL_METRICS_EXPORTER", "none"),
        ],
    )
    .finish()
    .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    let tracer = agentcore_observability::tracer("faults");
    tracer.in_span("first", |_| {});
    // The error reaches flush() only if the batch was exported by it rather than by the
    // processor's timer; either way it is counted below, never thrown into the agent.
    let _ = guard.flush();
    tracer.in_span("second", |_| {});
    guard.flush().expect("the receiver answers 200 again");
    let stats = guard.stats().clone();
    guard.shutdown().expect("shutdown");

    assert_eq!(
        stats.traces().dropped_by_reason(),
        vec![(agentcore_observability::DropReason::HttpStatus(400), 1)]
    );
    assert_eq!(stats.traces().exported(), 1);
    assert_eq!(stats.traces().requests(), 2);
    let names: Vec<String> = receiver
        .spans()
        .iter()
        .map(|s| s.name().to_string())
        .collect();
    assert!(names.contains(&"second".to_string()), "{names:?}");
}

#[test]
fn an_unreachable_endpoint_is_counted_and_shutdown_stays_bounded() {
    let _lock = common::exclusive();
    // A port nobody listens on: bind, note the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let config = agentcore_observability::Config::builder()
        .vars([
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("http://127.0.0.1:{port}"),
            ),
            ("OTEL_LOGS_EXPORTER", "none".to_string()),
            ("OTEL_METRICS_EXPORTER", "none".to_string()),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2s".to_string()),
        ])
        .no_dotenv()
        .shutdown_timeout(Duration::from_secs(5))
        .finish()
        .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    agentcore_observability::tracer("unreachable").in_span("lost", |_| {});
    let stats = guard.stats().clone();
    let started = std::time::Instant::now();
    let _ = guard.shutdown();
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "shutdown took {:?}",
        started.elapsed()
    );
    assert_eq!(
        stats.traces().dropped_by_reason(),
        vec![(agentcore_observability::DropReason::Connection, 1)]
    );
}

#[test]
fn trace_context_propagates_with_the_configured_propagators() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let config = common::builder_for(
        &receiver,
        &[
            ("OTEL_LOGS_EXPORTER", "none"),
            ("OTEL_METRICS_EXPORTER", "none"),
        ],
    )
    .finish()
    .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    let mut headers = std::collections::HashMap::new();
    agentcore_observability::tracer("propagation").in_span("outgoing call", |cx| {
        let cx = cx.with_baggage([KeyValue::new("session.id", "s-1")]);
        agentcore_observability::opentelemetry::global::get_text_map_propagator(|p| {
            p.inject_context(&cx, &mut headers)
        });
    });
    guard.shutdown().expect("shutdown");
    let span = &receiver.wait_for_spans(1, WAIT)[0];
    let trace = span.trace_id_hex();
    assert_eq!(
        headers.get("traceparent"),
        Some(&format!("00-{trace}-{}-01", span.span_id_hex()))
    );
    assert_eq!(
        headers.get("x-amzn-trace-id"),
        Some(&format!(
            "Root=1-{}-{};Parent={};Sampled=1",
            &trace[..8],
            &trace[8..],
            span.span_id_hex()
        ))
    );
    assert_eq!(
        headers.get("baggage").map(String::as_str),
        Some("session.id=s-1")
    );
    let _ = Context::current();
}
