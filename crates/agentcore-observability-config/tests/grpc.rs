//! `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`: the specification's gRPC endpoints, and the error for gRPC
//! towards endpoints that speak OTLP/HTTP only (CloudWatch, SigV4-signed signals).

use agentcore_observability_config::{Config, ConfigError, EndpointSource, Protocol};

const LOG_DEST: (&str, &str) = (
    "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
    "x-aws-log-group=/aws/bedrock-agentcore/runtimes/a,x-aws-log-stream=runtime-logs",
);

fn cfg(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::builder()
        .vars(vars.iter().copied())
        .no_dotenv()
        .finish()
}

#[test]
fn grpc_defaults_to_localhost_4317_for_every_signal() {
    let c = cfg(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]).expect("config");
    for otlp in [&c.traces.otlp, &c.logs.otlp, &c.metrics.otlp] {
        assert_eq!(otlp.protocol, Protocol::Grpc);
        assert_eq!(otlp.endpoint, "http://localhost:4317");
        assert_eq!(otlp.endpoint_source, EndpointSource::Default);
        assert_eq!(otlp.sigv4, None);
    }
}

#[test]
fn grpc_uses_the_base_endpoint_as_is() {
    let c = cfg(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "GRPC"),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "https://collector.example:4317/",
        ),
    ])
    .expect("config");
    for otlp in [&c.traces.otlp, &c.logs.otlp, &c.metrics.otlp] {
        assert_eq!(otlp.endpoint, "https://collector.example:4317/");
        assert_eq!(otlp.endpoint_source, EndpointSource::BaseVariable);
    }
}

#[test]
fn a_signal_of_its_own_protocol_gets_its_own_endpoint_form() {
    let c = cfg(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "http/protobuf"),
        (
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "http://metrics:9000/custom",
        ),
    ])
    .expect("config");
    assert_eq!(c.traces.otlp.protocol, Protocol::Grpc);
    assert_eq!(c.traces.otlp.endpoint, "http://collector:4317");
    // Logs over HTTP get the signal path appended to the same base.
    assert_eq!(c.logs.otlp.protocol, Protocol::HttpProtobuf);
    assert_eq!(c.logs.otlp.endpoint, "http://collector:4317/v1/logs");
    // A signal's own endpoint is used as given, whatever the protocol.
    assert_eq!(c.metrics.otlp.protocol, Protocol::Grpc);
    assert_eq!(c.metrics.otlp.endpoint, "http://metrics:9000/custom");
    assert_eq!(
        c.metrics.otlp.endpoint_source,
        EndpointSource::SignalVariable
    );
}

#[test]
fn only_the_grpc_signal_loses_its_default_path() {
    let c = cfg(&[("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc")]).expect("config");
    assert_eq!(c.traces.otlp.endpoint, "http://localhost:4317");
    assert_eq!(c.logs.otlp.endpoint, "http://localhost:4318/v1/logs");
    assert_eq!(c.metrics.otlp.endpoint, "http://localhost:4318/v1/metrics");
}

#[test]
fn grpc_set_in_code_applies_to_every_signal() {
    let c = Config::builder()
        .vars([("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")])
        .no_dotenv()
        .protocol(Protocol::Grpc)
        .endpoint("http://collector:4317")
        .finish()
        .expect("config");
    assert_eq!(c.logs.otlp.protocol, Protocol::Grpc);
    assert_eq!(c.logs.otlp.endpoint, "http://collector:4317");
}

#[test]
fn grpc_to_a_cloudwatch_endpoint_is_an_error_naming_the_variable() {
    let error = cfg(&[
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "https://xray.us-east-1.amazonaws.com/v1/traces",
        ),
    ])
    .expect_err("gRPC to X-Ray");
    match &error {
        ConfigError::GrpcNotSupported {
            variable,
            value,
            signal,
            endpoint,
            ..
        } => {
            assert_eq!(variable, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
            assert_eq!(value, "grpc");
            assert_eq!(signal, "traces");
            assert_eq!(endpoint, "https://xray.us-east-1.amazonaws.com/v1/traces");
        }
        other => panic!("unexpected {other:?}"),
    }
    let message = error.to_string();
    assert!(
        message.starts_with("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=\"grpc\""),
        "{message}"
    );
    assert!(message.contains("CloudWatch"), "{message}");
    assert!(message.contains("use http/protobuf"), "{message}");
}

#[test]
fn a_cloudwatch_host_without_the_otlp_path_is_refused_too() {
    // As a gRPC endpoint is used as is, the base URL is the bare host.
    let error = cfg(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "https://logs.eu-west-1.amazonaws.com",
        ),
        LOG_DEST,
    ])
    .expect_err("gRPC to CloudWatch Logs");
    assert!(
        matches!(&error, ConfigError::GrpcNotSupported { variable, signal, .. }
            if variable == "OTEL_EXPORTER_OTLP_PROTOCOL" && signal == "traces"),
        "{error}"
    );
}

#[test]
fn agent_mode_with_grpc_points_at_cloudwatch_and_is_refused() {
    let error = cfg(&[
        ("AGENT_OBSERVABILITY_ENABLED", "true"),
        ("AWS_REGION", "us-west-2"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        LOG_DEST,
    ])
    .expect_err("agent mode derives the CloudWatch endpoints");
    let message = error.to_string();
    assert!(
        message.contains("https://xray.us-west-2.amazonaws.com/v1/traces"),
        "{message}"
    );
}

#[test]
fn agent_mode_with_grpc_to_a_collector_is_fine() {
    let c = cfg(&[
        ("AGENT_OBSERVABILITY_ENABLED", "true"),
        ("AWS_REGION", "us-west-2"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
    ])
    .expect("config");
    assert_eq!(c.traces.otlp.endpoint, "http://collector:4317");
    assert_eq!(c.traces.otlp.sigv4, None);
}

#[test]
fn grpc_with_sigv4_signing_is_an_error() {
    let error = cfg(&[
        ("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://vpce.example"),
        ("AWS_SIGV4_SERVICE", "logs"),
        ("AWS_REGION", "us-east-1"),
        LOG_DEST,
    ])
    .expect_err("signed gRPC");
    match &error {
        ConfigError::GrpcNotSupported {
            variable,
            signal,
            reason,
            ..
        } => {
            assert_eq!(variable, "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL");
            assert_eq!(signal, "logs");
            assert!(reason.contains("SigV4"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn grpc_set_in_code_towards_cloudwatch_names_the_builder_method() {
    let error = Config::builder()
        .vars([(
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "https://monitoring.us-east-1.amazonaws.com/v1/metrics",
        )])
        .no_dotenv()
        .protocol(Protocol::Grpc)
        .finish()
        .expect_err("gRPC to CloudWatch metrics");
    assert!(
        matches!(&error, ConfigError::GrpcNotSupported { variable, value, signal, .. }
            if variable == "ConfigBuilder::protocol" && value == "grpc" && signal == "metrics"),
        "{error}"
    );
}

#[test]
fn console_only_signals_are_not_checked() {
    let c = cfg(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "https://xray.us-east-1.amazonaws.com/v1/traces",
        ),
        ("OTEL_TRACES_EXPORTER", "console"),
    ])
    .expect("traces are not exported over OTLP");
    assert_eq!(c.traces.otlp.protocol, Protocol::Grpc);
}

#[test]
fn a_malformed_protocol_is_still_reported_as_such() {
    let error = cfg(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/proto"),
    ])
    .expect_err("bad protocol");
    assert!(
        matches!(&error, ConfigError::InvalidValue { variable, .. }
            if variable == "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"),
        "{error}"
    );
}
