//! `init()` lifecycle: a second call, the disabled SDK, a guard dropped inside async runtimes.

mod common;

use std::time::Duration;

use agentcore_observability::opentelemetry::trace::Tracer as _;
use agentcore_observability::{InitError, SpanExporterKind};
use agentcore_observability_testkit::OtlpReceiver;

const WAIT: Duration = Duration::from_secs(10);

fn quiet_config() -> agentcore_observability::Config {
    agentcore_observability::Config::builder()
        .vars([("OTEL_SERVICE_NAME", "lifecycle")])
        .no_dotenv()
        .traces_exporters([])
        .logs_exporters([])
        .metrics_exporters([])
        .finish()
        .expect("config")
}

#[test]
fn a_second_init_is_an_error_until_the_first_guard_is_gone() {
    let _lock = common::exclusive();
    let first = agentcore_observability::init_with(quiet_config()).expect("first init");
    let second = agentcore_observability::init_with(quiet_config());
    let error = second.expect_err("second init must fail");
    assert!(matches!(error, InitError::AlreadyInitialized));
    assert!(error.to_string().contains("already called"), "{error}");
    drop(first);
    let third = agentcore_observability::init_with(quiet_config()).expect("init after drop");
    third.shutdown().expect("shutdown");
}

#[test]
fn sdk_disabled_installs_nothing_and_sends_nothing() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let config = common::builder_for(&receiver, &[("OTEL_SDK_DISABLED", "true")])
        .finish()
        .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    assert!(!guard.is_enabled());
    assert!(guard.tracer_provider().is_none());
    assert!(guard.logger_provider().is_none());
    guard.flush().expect("flush of nothing");
    // A disabled guard does not hold the "installed" slot.
    let real = agentcore_observability::init_with(quiet_config())
        .expect("init while disabled guard lives");
    drop(real);
    drop(guard);
    assert!(receiver
        .wait_for_requests(1, Duration::from_millis(300))
        .is_empty());
}

#[test]
fn an_exporter_error_leaves_nothing_installed() {
    let _lock = common::exclusive();
    // Config validation refuses such a header, but its fields are public: one edited after
    // validation reaches the exporter, which refuses it when it is built.
    let mut config = agentcore_observability::Config::builder()
        .vars([("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")])
        .no_dotenv()
        .finish()
        .expect("valid config");
    config
        .traces
        .otlp
        .headers
        .push(("bad name".to_string(), "1".to_string()));
    let error =
        agentcore_observability::init_with(config).expect_err("the header is not valid HTTP");
    assert!(error.to_string().contains("bad name"), "{error}");
    // The failed init released the slot.
    agentcore_observability::init_with(quiet_config())
        .expect("init after a failed init")
        .shutdown()
        .expect("shutdown");
}

#[test]
fn cloudwatch_logs_without_a_log_group_fail_at_init_not_with_403_later() {
    let _lock = common::exclusive();
    let config = agentcore_observability::Config::builder()
        .vars([
            ("AGENT_OBSERVABILITY_ENABLED", "true"),
            ("AWS_REGION", "us-west-2"),
        ])
        .no_dotenv()
        .finish();
    let error = config.expect_err("logs to CloudWatch need a group and stream");
    let message = error.to_string();
    assert!(
        message.starts_with(
            "logs to https://logs.us-west-2.amazonaws.com/v1/logs needs x-aws-log-group"
        ),
        "{message}"
    );
}

/// Exports one SigV4-signed span from wherever it is called (signing needs the I/O thread's
/// runtime, never the caller's).
fn export_from_runtime(receiver: &OtlpReceiver) {
    let config = common::builder_for(
        receiver,
        &[
            ("OTEL_LOGS_EXPORTER", "none"),
            ("OTEL_METRICS_EXPORTER", "none"),
            ("AWS_SIGV4_SERVICE", "xray"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDRUNTIME"),
            ("AWS_SECRET_ACCESS_KEY", "runtime-secret"),
        ],
    )
    .finish()
    .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    agentcore_observability::tracer("runtime").in_span("inside a runtime", |_| {});
    // Dropping inside the runtime must neither panic ("cannot drop a runtime…") nor deadlock.
    drop(guard);
}

fn assert_signed_span_arrived(receiver: &OtlpReceiver) {
    assert_eq!(receiver.wait_for_spans(1, WAIT).len(), 1);
    let request = &receiver.requests()[0];
    let verdict = agentcore_observability_testkit::verify_sigv4(
        request,
        "runtime-secret",
        std::time::SystemTime::now(),
        Duration::from_secs(300),
    );
    assert!(verdict.valid, "{:?}", verdict.reason);
}

#[test]
fn works_without_any_runtime() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    export_from_runtime(&receiver);
    assert_signed_span_arrived(&receiver);
}

#[test]
fn works_inside_a_current_thread_runtime() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async { export_from_runtime(&receiver) });
    assert_signed_span_arrived(&receiver);
}

#[test]
fn works_inside_a_multi_thread_runtime() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async { export_from_runtime(&receiver) });
    assert_signed_span_arrived(&receiver);
}

#[test]
fn console_exporter_needs_no_endpoint() {
    let _lock = common::exclusive();
    let config = agentcore_observability::Config::builder()
        .vars(Vec::<(String, String)>::new())
        .no_dotenv()
        .traces_exporters([SpanExporterKind::Console])
        .logs_exporters([])
        .metrics_exporters([])
        .finish()
        .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    agentcore_observability::tracer("console").in_span("printed", |_| {});
    guard.shutdown().expect("shutdown");
}
