//! The OTLP/gRPC exporters (feature `grpc`) against the testkit's in-process gRPC receiver,
//! driven by the SDK's own processors.

#![cfg(feature = "grpc")]

use std::net::{Ipv4Addr, TcpListener};
use std::time::{Duration, Instant};

use agentcore_observability_config::{Config, TemporalityPreference};
use agentcore_observability_exporter::otlp::OtlpHttp;
use agentcore_observability_exporter::{DropReason, ExportStats};
use agentcore_observability_testkit::opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use agentcore_observability_testkit::{OtlpReceiver, PlannedResponse, ReceivedRequest};
use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use opentelemetry::KeyValue;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use prost::Message as _;

const WAIT: Duration = Duration::from_secs(10);

/// A configuration exporting every signal over gRPC to `endpoint`, plus `vars`.
fn config(endpoint: &str, vars: &[(&str, &str)]) -> Config {
    let mut all = vec![
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
    ];
    all.extend_from_slice(vars);
    Config::builder()
        .vars(all)
        .no_dotenv()
        .finish()
        .expect("config")
}

/// A tracer provider exporting synchronously (the simple processor drives the export future with a
/// plain executor on the calling thread) through a gRPC span exporter.
fn tracer_provider(config: &Config, stats: &ExportStats) -> SdkTracerProvider {
    let exporter = OtlpHttp::new(stats.clone())
        .span_exporter(&config.traces.otlp)
        .expect("exporter");
    SdkTracerProvider::builder()
        .with_simple_exporter(exporter)
        .build()
}

fn emit_span(provider: &SdkTracerProvider, name: &'static str) {
    let mut span = provider.tracer("grpc-test").start(name);
    span.set_attribute(KeyValue::new("gen_ai.operation.name", "chat"));
    span.end();
}

#[test]
fn spans_round_trip_from_a_thread_with_no_async_runtime() {
    let receiver = OtlpReceiver::start_grpc().expect("receiver");
    let stats = ExportStats::default();
    let provider = tracer_provider(&config(&receiver.endpoint(), &[]), &stats);
    emit_span(&provider, "no runtime here");

    let spans = receiver.wait_for_spans(1, WAIT);
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].name(), "no runtime here");
    assert_eq!(spans[0].attr_str("gen_ai.operation.name"), Some("chat"));
    let request = &receiver.requests()[0];
    assert!(request.is_grpc(), "{:?}", request.content_type());
    assert_eq!(
        request.path,
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
    );
    assert_eq!(request.grpc_status, Some(0));
    assert!(!request.is_gzip());
    assert!(
        request
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("agentcore-observability-rust/")),
        "{:?}",
        request.header("user-agent")
    );
    // The signal's timeout travels as the gRPC deadline.
    assert!(request.header("grpc-timeout").is_some());
    assert_eq!(stats.traces().exported(), 1);
    assert_eq!(stats.traces().requests(), 1);
    let _ = provider.shutdown();
}

#[test]
fn logs_and_metrics_round_trip_over_one_shared_channel() {
    let receiver = OtlpReceiver::start_grpc().expect("receiver");
    let config = config(&receiver.endpoint(), &[]);
    let stats = ExportStats::default();
    let otlp = OtlpHttp::new(stats.clone());

    let logger_provider = SdkLoggerProvider::builder()
        .with_simple_exporter(otlp.log_exporter(&config.logs.otlp).expect("log exporter"))
        .build();
    let logger = logger_provider.logger("grpc-test");
    let mut record = logger.create_log_record();
    record.set_body("over grpc".into());
    record.set_severity_number(Severity::Warn);
    record.add_attribute("tool", "search");
    logger.emit(record);

    let meter_provider = SdkMeterProvider::builder()
        .with_periodic_exporter(
            otlp.metric_exporter(&config.metrics.otlp, TemporalityPreference::Cumulative)
                .expect("metric exporter"),
        )
        .build();
    meter_provider
        .meter("grpc-test")
        .u64_counter("agent.invocations")
        .build()
        .add(3, &[KeyValue::new("agent", "a")]);
    meter_provider.force_flush().expect("flush");

    let logs = receiver.wait_for_logs(1, WAIT);
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].body_str().as_deref(), Some("over grpc"));
    assert_eq!(logs[0].attr_str("tool"), Some("search"));
    let metrics = receiver.wait_for_metrics(|m| !m.is_empty(), WAIT);
    let counter = metrics
        .iter()
        .find(|m| m.name() == "agent.invocations")
        .expect("counter");
    assert_eq!(counter.sum_value(), Some(3.0));
    assert_eq!(stats.logs().exported(), 1);
    assert_eq!(stats.metrics().exported(), 1);

    // Both signals went over one connection: the factory shares a channel per endpoint.
    let requests = receiver.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert!(
        paths.contains(&"/opentelemetry.proto.collector.logs.v1.LogsService/Export"),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"),
        "{paths:?}"
    );
    let peers: Vec<_> = requests.iter().map(|r| r.remote_addr).collect();
    assert!(peers.windows(2).all(|w| w[0] == w[1]), "{peers:?}");
    let _ = logger_provider.shutdown();
    let _ = meter_provider.shutdown();
}

#[tokio::test(flavor = "current_thread")]
async fn exports_from_inside_a_current_thread_runtime() {
    let receiver = OtlpReceiver::start_grpc().expect("receiver");
    let stats = ExportStats::default();
    let provider = tracer_provider(&config(&receiver.endpoint(), &[]), &stats);
    emit_span(&provider, "current thread");
    assert_eq!(receiver.wait_for_spans(1, WAIT).len(), 1);
    assert_eq!(stats.traces().exported(), 1);
    let _ = provider.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_from_inside_a_multi_thread_runtime_with_a_batch_processor() {
    let receiver = OtlpReceiver::start_grpc().expect("receiver");
    let stats = ExportStats::default();
    let exporter = OtlpHttp::new(stats.clone())
        .span_exporter(&config(&receiver.endpoint(), &[]).traces.otlp)
        .expect("exporter");
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .build();
    emit_span(&provider, "one");
    emit_span(&provider, "two");
    provider.force_flush().expect("flush");
    assert_eq!(receiver.wait_for_spans(2, WAIT).len(), 2);
    assert_eq!(stats.traces().exported(), 2);
    let _ = provider.shutdown();
}

#[test]
fn gzip_and_headers_travel_as_grpc_encoding_and_metadata() {
    let receiver = OtlpReceiver::start_grpc().expect("receiver");
    let stats = ExportStats::default();
    let config = config(
        &receiver.endpoint(),
        &[
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "Authorization=Bearer%20token,x-tenant=acme,content-type=text/plain",
            ),
        ],
    );
    let provider = tracer_provider(&config, &stats);
    emit_span(&provider, "compressed");

    assert_eq!(receiver.wait_for_spans(1, WAIT)[0].name(), "compressed");
    let request = &receiver.requests()[0];
    assert_eq!(request.header("grpc-encoding"), Some("gzip"));
    assert!(request.is_gzip());
    assert_eq!(request.header("authorization"), Some("Bearer token"));
    assert_eq!(request.header("x-tenant"), Some("acme"));
    // `content-type` is gRPC's own: the configured one is left out, counted and logged.
    assert!(request.is_grpc());
    assert_eq!(stats.traces().skipped_headers(), 1);
    let _ = provider.shutdown();
}

#[test]
fn unavailable_is_retried_until_accepted() {
    let receiver = OtlpReceiver::start_grpc().expect("receiver");
    receiver.respond_with([PlannedResponse::grpc(14).grpc_message("warming up")]);
    let stats = ExportStats::default();
    let provider = tracer_provider(&config(&receiver.endpoint(), &[]), &stats);
    emit_span(&provider, "retried");

    assert_eq!(receiver.wait_for_spans(1, WAIT).len(), 1);
    let statuses: Vec<_> = receiver.requests().iter().map(|r| r.grpc_status).collect();
    assert_eq!(statuses, [Some(14), Some(0)]);
    assert_eq!(stats.traces().requests(), 2);
    assert_eq!(stats.traces().exported(), 1);
    assert_eq!(stats.traces().dropped(), 0);
    let _ = provider.shutdown();
}

fn gap(requests: &[ReceivedRequest]) -> Duration {
    requests[1].received_at - requests[0].received_at
}

#[test]
fn resource_exhausted_with_retry_info_waits_the_delay_it_names() {
    let receiver = OtlpReceiver::start_grpc().expect("receiver");
    receiver.respond_with([PlannedResponse::grpc(8).retry_info(Duration::from_millis(100))]);
    let stats = ExportStats::default();
    let provider = tracer_provider(&config(&receiver.endpoint(), &[]), &stats);
    emit_span(&provider, "throttled");

    assert_eq!(receiver.wait_for_spans(1, WAIT).len(), 1);
    let requests = receiver.requests();
    assert_eq!(requests.len(), 2);
    // 100 ms as asked, not the default back-off (1 s ± 20 %, so at least 800 ms).
    let waited = gap(&requests);
    assert!(
        (Duration::from_millis(100)..Duration::from_millis(800)).contains(&waited),
        "{waited:?}"
    );
    assert_eq!(stats.traces().exported(), 1);
    let _ = provider.shutdown();
}

#[test]
fn resource_exhausted_without_retry_info_and_permanent_errors_are_final() {
    for (code, name) in [(8, "RESOURCE_EXHAUSTED"), (3, "INVALID_ARGUMENT")] {
        let receiver = OtlpReceiver::start_grpc().expect("receiver");
        receiver.respond_with([PlannedResponse::grpc(code)]);
        let stats = ExportStats::default();
        let provider = tracer_provider(&config(&receiver.endpoint(), &[]), &stats);
        emit_span(&provider, "refused");

        let requests = receiver.wait_for_requests(1, WAIT);
        assert_eq!(requests.len(), 1, "{name}");
        assert_eq!(requests[0].grpc_status, Some(code));
        assert!(receiver.spans().is_empty());
        assert_eq!(stats.traces().requests(), 1, "{name}");
        assert_eq!(stats.traces().failed_requests(), 1, "{name}");
        assert_eq!(
            stats.traces().dropped_by_reason(),
            vec![(DropReason::GrpcStatus(code), 1)]
        );
        assert!(DropReason::GrpcStatus(code).to_string().contains(name));
        let _ = provider.shutdown();
    }
}

#[test]
fn partial_success_counts_the_rejected_spans() {
    let receiver = OtlpReceiver::start_grpc().expect("receiver");
    let answer = ExportTraceServiceResponse {
        partial_success: Some(ExportTracePartialSuccess {
            rejected_spans: 1,
            error_message: "span too large".into(),
        }),
    };
    receiver.respond_with([PlannedResponse::grpc(0).body(answer.encode_to_vec())]);
    let stats = ExportStats::default();
    let exporter = OtlpHttp::new(stats.clone())
        .span_exporter(&config(&receiver.endpoint(), &[]).traces.otlp)
        .expect("exporter");
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .build();
    emit_span(&provider, "one");
    emit_span(&provider, "two");
    provider.force_flush().expect("flush");

    assert_eq!(receiver.wait_for_spans(2, WAIT).len(), 2);
    assert_eq!(stats.traces().exported(), 1);
    assert_eq!(
        stats.traces().dropped_by_reason(),
        vec![(DropReason::RejectedByReceiver, 1)]
    );
    let _ = provider.shutdown();
}

#[test]
fn a_receiver_slower_than_the_deadline_is_a_counted_timeout() {
    let receiver = OtlpReceiver::start_grpc().expect("receiver");
    receiver.respond_with([PlannedResponse::grpc(0).delay(Duration::from_secs(3))]);
    let stats = ExportStats::default();
    let provider = tracer_provider(
        &config(
            &receiver.endpoint(),
            &[("OTEL_EXPORTER_OTLP_TIMEOUT", "300ms")],
        ),
        &stats,
    );
    let started = Instant::now();
    emit_span(&provider, "late");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        stats.traces().dropped_by_reason(),
        vec![(DropReason::Timeout, 1)]
    );
    let request = &receiver.wait_for_requests(1, WAIT)[0];
    // At most 300 ms, written in gRPC's units (e.g. `299999u` or `300m`).
    assert!(request.header("grpc-timeout").is_some());
    let _ = provider.shutdown();
}

/// A loopback port with nothing listening on it.
fn closed_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    listener.local_addr().expect("addr").port()
}

#[test]
fn nothing_listening_is_a_counted_connection_drop() {
    let stats = ExportStats::default();
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let provider = tracer_provider(
        &config(&endpoint, &[("OTEL_EXPORTER_OTLP_TIMEOUT", "1500ms")]),
        &stats,
    );
    let started = Instant::now();
    emit_span(&provider, "lost");
    assert!(started.elapsed() < Duration::from_secs(3));
    // Refused connections are UNAVAILABLE, so retried once within the 1.5 s before giving up.
    assert_eq!(stats.traces().requests(), 2);
    assert_eq!(
        stats.traces().dropped_by_reason(),
        vec![(DropReason::Connection, 1)]
    );
    let _ = provider.shutdown();
}

#[test]
fn https_sets_up_tls_and_fails_cleanly_against_a_plaintext_receiver() {
    let receiver = OtlpReceiver::start_grpc().expect("receiver");
    let stats = ExportStats::default();
    let endpoint = format!("https://{}", receiver.local_addr());
    let provider = tracer_provider(
        &config(&endpoint, &[("OTEL_EXPORTER_OTLP_TIMEOUT", "1500ms")]),
        &stats,
    );
    emit_span(&provider, "tls");
    assert!(receiver.spans().is_empty());
    assert_eq!(stats.traces().exported(), 0);
    assert_eq!(
        stats.traces().dropped_by_reason(),
        vec![(DropReason::Connection, 1)]
    );
    let _ = provider.shutdown();
}

#[test]
fn exports_after_shutdown_are_counted_not_sent() {
    let receiver = OtlpReceiver::start_grpc().expect("receiver");
    let stats = ExportStats::default();
    let provider = tracer_provider(&config(&receiver.endpoint(), &[]), &stats);
    provider.shutdown().expect("shutdown");
    emit_span(&provider, "too late");
    assert!(receiver
        .wait_for_requests(1, Duration::from_millis(200))
        .is_empty());
}
