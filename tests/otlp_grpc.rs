//! `init_with()` end to end over OTLP/gRPC (`OTEL_EXPORTER_OTLP_PROTOCOL=grpc`, feature `grpc`):
//! spans, logs and metrics reach the testkit's in-process gRPC receiver, which decodes them into
//! the same records as the HTTP one.

mod common;

use std::time::Duration;

use agentcore_observability::opentelemetry::logs::{
    LogRecord as _, Logger as _, LoggerProvider as _, Severity,
};
use agentcore_observability::opentelemetry::trace::{TraceContextExt as _, Tracer as _};
use agentcore_observability::opentelemetry::KeyValue;
use agentcore_observability_testkit::{OtlpReceiver, PlannedResponse, Signal};

const WAIT: Duration = Duration::from_secs(10);

/// An agent span with a tool child, a log record inside the tool span and a counter.
fn emit_sample_telemetry(guard: &agentcore_observability::ObservabilityGuard) {
    let tracer = agentcore_observability::tracer("grpc_agent");
    let logger = guard
        .logger_provider()
        .expect("logs are on")
        .logger("grpc_agent");
    tracer.in_span("invoke_agent grpc-agent", |cx| {
        cx.span()
            .set_attribute(KeyValue::new("gen_ai.agent.name", "grpc-agent"));
        tracer.in_span("execute_tool lookup", |cx| {
            cx.span()
                .set_attribute(KeyValue::new("gen_ai.tool.name", "lookup"));
            let mut record = logger.create_log_record();
            record.set_body("lookup finished".into());
            record.set_severity_number(Severity::Info);
            logger.emit(record);
        });
    });
    agentcore_observability::meter("grpc_agent")
        .u64_counter("agent.invocations")
        .build()
        .add(4, &[KeyValue::new("agent", "grpc-agent")]);
}

#[test]
fn spans_logs_and_metrics_arrive_over_grpc_with_gzip_and_metadata() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start_grpc().expect("gRPC receiver");
    let config = common::builder_for(
        &receiver,
        &[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "authorization=Bearer%20secret,x-tenant=acme",
            ),
            ("OTEL_METRICS_EXPORTER", "otlp"),
            ("OTEL_SERVICE_NAME", "grpc-agent"),
            ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test"),
        ],
    )
    .finish()
    .expect("config");
    // The base endpoint is used as is over gRPC: no `/v1/traces` path.
    assert_eq!(config.traces.otlp.endpoint, receiver.endpoint());

    let guard = agentcore_observability::init_with(config).expect("init");
    emit_sample_telemetry(&guard);
    let stats = guard.stats().clone();
    guard.shutdown().expect("clean shutdown");

    let spans = receiver.wait_for_spans(2, WAIT);
    assert_eq!(spans.len(), 2, "{spans:#?}");
    let agent = spans
        .iter()
        .find(|s| s.name() == "invoke_agent grpc-agent")
        .expect("agent span");
    let tool = spans
        .iter()
        .find(|s| s.name() == "execute_tool lookup")
        .expect("tool span");
    assert_eq!(agent.attr_str("gen_ai.agent.name"), Some("grpc-agent"));
    assert_eq!(tool.attr_str("gen_ai.tool.name"), Some("lookup"));
    assert_eq!(tool.parent_span_id_hex(), Some(agent.span_id_hex()));
    assert_eq!(agent.resource_attr_str("service.name"), Some("grpc-agent"));
    assert_eq!(
        agent.resource_attr_str("deployment.environment"),
        Some("test")
    );
    assert_eq!(
        agent.resource_attr_str("telemetry.distro.name"),
        Some("agentcore-observability")
    );

    let logs = receiver.wait_for_logs(1, WAIT);
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].body_str().as_deref(), Some("lookup finished"));
    assert_eq!(
        logs[0].span_id_hex().as_deref(),
        Some(tool.span_id_hex().as_str())
    );
    assert_eq!(
        logs[0].resource_attr_str("service.name"),
        Some("grpc-agent")
    );

    let metrics =
        receiver.wait_for_metrics(|m| m.iter().any(|m| m.name() == "agent.invocations"), WAIT);
    let counter = metrics
        .iter()
        .find(|m| m.name() == "agent.invocations")
        .expect("counter");
    assert_eq!(counter.sum_value(), Some(4.0));
    assert_eq!(
        counter.resource_attr_str("service.name"),
        Some("grpc-agent")
    );

    // Every signal went over gRPC, gzipped, with the headers as metadata.
    let requests = receiver.requests();
    for signal in [Signal::Traces, Signal::Logs, Signal::Metrics] {
        let request = requests
            .iter()
            .find(|r| r.signal == signal)
            .unwrap_or_else(|| panic!("no {signal:?} call"));
        assert!(
            request.is_grpc(),
            "{signal:?}: {:?}",
            request.content_type()
        );
        assert_eq!(request.header("grpc-encoding"), Some("gzip"), "{signal:?}");
        assert_eq!(
            request.header("authorization"),
            Some("Bearer secret"),
            "{signal:?}"
        );
        assert_eq!(request.header("x-tenant"), Some("acme"), "{signal:?}");
        assert_eq!(request.grpc_status, Some(0));
    }
    assert_eq!(stats.traces().exported(), 2);
    assert_eq!(stats.logs().exported(), 1);
    assert!(stats.metrics().exported() >= 1);
    assert_eq!(stats.traces().dropped(), 0);
    assert_eq!(stats.traces().skipped_headers(), 0);
}

#[test]
fn an_unavailable_receiver_is_retried() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start_grpc().expect("gRPC receiver");
    receiver.respond_with([PlannedResponse::grpc(14).grpc_message("restarting")]);
    let config = common::builder_for(
        &receiver,
        &[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_LOGS_EXPORTER", "none"),
            ("OTEL_METRICS_EXPORTER", "none"),
        ],
    )
    .finish()
    .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    agentcore_observability::tracer("retry").in_span("after a retry", |_| {});
    let stats = guard.stats().clone();
    guard.shutdown().expect("clean shutdown");

    let spans = receiver.wait_for_spans(1, WAIT);
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].name(), "after a retry");
    let statuses: Vec<_> = receiver.requests().iter().map(|r| r.grpc_status).collect();
    assert_eq!(statuses, [Some(14), Some(0)]);
    assert_eq!(stats.traces().requests(), 2);
    assert_eq!(stats.traces().exported(), 1);
    assert_eq!(stats.traces().dropped(), 0);
}

#[test]
fn each_signal_keeps_its_own_protocol() {
    let _lock = common::exclusive();
    let grpc = OtlpReceiver::start_grpc().expect("gRPC receiver");
    let http = OtlpReceiver::start().expect("HTTP receiver");
    // Base endpoint and protocol: OTLP/HTTP; traces alone: gRPC to their own endpoint.
    let grpc_endpoint = grpc.endpoint();
    let config = common::builder_for(
        &http,
        &[
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &grpc_endpoint),
            ("OTEL_METRICS_EXPORTER", "none"),
        ],
    )
    .finish()
    .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    emit_sample_telemetry(&guard);
    guard.shutdown().expect("clean shutdown");

    assert_eq!(grpc.wait_for_spans(2, WAIT).len(), 2);
    let logs = http.wait_for_logs(1, WAIT);
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].body_str().as_deref(), Some("lookup finished"));

    assert!(grpc.logs().is_empty());
    assert!(grpc
        .requests()
        .iter()
        .all(|r| r.signal == Signal::Traces && r.is_grpc()));
    assert!(http.spans().is_empty());
    let log_request = http
        .requests()
        .into_iter()
        .find(|r| r.signal == Signal::Logs)
        .expect("logs over HTTP");
    assert_eq!(log_request.path, "/v1/logs");
    assert!(log_request.is_protobuf());
    assert_eq!(log_request.grpc_status, None);
}

#[test]
fn grpc_to_a_cloudwatch_endpoint_fails_init_with_the_fix() {
    let _lock = common::exclusive();
    let error = agentcore_observability::Config::builder()
        .vars([
            ("AGENT_OBSERVABILITY_ENABLED", "true"),
            ("AWS_REGION", "us-east-1"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            (
                "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
                "x-aws-log-group=/aws/bedrock-agentcore/runtimes/a,x-aws-log-stream=runtime-logs",
            ),
        ])
        .no_dotenv()
        .finish()
        .expect_err("CloudWatch speaks OTLP/HTTP only");
    let message = error.to_string();
    assert!(
        message.starts_with("OTEL_EXPORTER_OTLP_PROTOCOL=\"grpc\""),
        "{message}"
    );
    assert!(message.contains("use http/protobuf"), "{message}");
}
