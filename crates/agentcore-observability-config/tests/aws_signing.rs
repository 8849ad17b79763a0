//! Which signals are SigV4-signed and for what, the CloudWatch log destination they need, `awsemf`,
//! and static credentials from the configuration sources.

use agentcore_observability_config::{
    Compression, Config, ConfigError, MetricExporterKind, SigV4Source,
};

const LOG_DEST: (&str, &str) = (
    "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
    "x-aws-log-group=/aws/bedrock-agentcore/runtimes/a,x-aws-log-stream=runtime-logs,x-aws-metric-namespace=agents",
);

fn cfg(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::builder()
        .vars(vars.iter().copied())
        .no_dotenv()
        .finish()
}

#[test]
fn agent_mode_signs_traces_for_xray_and_logs_for_logs() {
    let c = cfg(&[
        ("AGENT_OBSERVABILITY_ENABLED", "true"),
        ("AWS_REGION", "eu-central-1"),
        LOG_DEST,
    ])
    .expect("config");
    let traces = c.traces.otlp.sigv4.expect("traces signed");
    assert_eq!(
        (traces.service.as_str(), traces.region.as_str()),
        ("xray", "eu-central-1")
    );
    assert_eq!(traces.source, SigV4Source::AwsEndpoint);
    let logs = c.logs.otlp.sigv4.expect("logs signed");
    assert_eq!(logs.service, "logs");
    assert_eq!(c.logs.otlp.compression, Compression::Gzip);
    // Metrics default to EMF in agent mode, written to the same group and stream.
    let emf = c.metrics.emf.expect("emf destination");
    assert_eq!(emf.endpoint, "https://logs.eu-central-1.amazonaws.com");
    assert_eq!(emf.log_group, "/aws/bedrock-agentcore/runtimes/a");
    assert_eq!(emf.log_stream, "runtime-logs");
    assert_eq!(emf.namespace, "agents");
    assert_eq!(emf.region, "eu-central-1");
}

#[test]
fn the_region_of_a_cloudwatch_url_is_read_from_its_host() {
    let c = cfg(&[(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "https://xray.cn-north-1.amazonaws.com.cn/v1/traces",
    )])
    .expect("config");
    let t = c.traces.otlp.sigv4.expect("signed");
    assert_eq!(
        (t.service.as_str(), t.region.as_str()),
        ("xray", "cn-north-1")
    );
    // A local collector is not signed.
    assert_eq!(c.logs.otlp.sigv4, None);
}

#[test]
fn a_signal_authorization_header_switches_signing_off() {
    let c = cfg(&[
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "https://xray.us-east-1.amazonaws.com/v1/traces",
        ),
        (
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            "Authorization=Bearer abc",
        ),
    ])
    .expect("config");
    assert_eq!(c.traces.otlp.sigv4, None);
}

#[test]
fn aws_sigv4_service_signs_custom_endpoints_with_the_configured_region() {
    let c = cfg(&[
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "https://vpce-0abc-xyz.xray.us-west-2.vpce.amazonaws.com/v1/traces",
        ),
        ("OTEL_LOGS_EXPORTER", "none"),
        ("OTEL_METRICS_EXPORTER", "none"),
        ("AWS_SIGV4_SERVICE", "xray"),
        ("AWS_REGION", "us-west-2"),
    ])
    .expect("config");
    let t = c.traces.otlp.sigv4.expect("signed");
    assert_eq!(
        (t.service.as_str(), t.region.as_str()),
        ("xray", "us-west-2")
    );
    assert_eq!(t.source, SigV4Source::Variable);

    let error = cfg(&[
        ("AWS_SIGV4_SERVICE", "xray"),
        ("OTEL_LOGS_EXPORTER", "none"),
    ])
    .expect_err("no region to sign for");
    assert_eq!(
        error.to_string(),
        "signing http://localhost:4318/v1/traces with AWS_SIGV4_SERVICE=xray needs an AWS region: \
         set AWS_REGION (or AWS_DEFAULT_REGION, or `region` in the AWS profile)"
    );
    let error = cfg(&[("AWS_SIGV4_SERVICE", "x ray"), ("AWS_REGION", "us-east-1")])
        .expect_err("not a service name");
    assert!(
        error
            .to_string()
            .starts_with("AWS_SIGV4_SERVICE=\"x ray\" is invalid"),
        "{error}"
    );
}

#[test]
fn the_service_can_be_set_per_signal_in_code() {
    let c = Config::builder()
        .vars([
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://proxy.internal:4318"),
            LOG_DEST,
        ])
        .no_dotenv()
        .region("ap-south-1")
        .traces_sigv4_service("xray")
        .logs_sigv4_service("logs")
        .finish()
        .expect("config");
    assert_eq!(c.traces.otlp.sigv4.map(|t| t.service), Some("xray".into()));
    assert_eq!(c.logs.otlp.sigv4.map(|t| t.source), Some(SigV4Source::Code));
    assert_eq!(c.metrics.otlp.sigv4, None);
}

#[test]
fn logs_to_cloudwatch_without_group_or_stream_is_an_error() {
    let error = cfg(&[
        ("AGENT_OBSERVABILITY_ENABLED", "true"),
        ("AWS_REGION", "us-east-1"),
        (
            "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
            "x-aws-log-group=/aws/bedrock-agentcore/runtimes/a",
        ),
    ])
    .expect_err("stream missing");
    assert!(matches!(error, ConfigError::MissingLogDestination { .. }));
    let message = error.to_string();
    assert!(
        message.starts_with("logs to https://logs.us-east-1.amazonaws.com/v1/logs needs x-aws-log-group and x-aws-log-stream"),
        "{message}"
    );
    assert!(message.contains("(missing: x-aws-log-stream)"), "{message}");
}

#[test]
fn explicit_awsemf_needs_its_destination_but_the_agent_default_steps_aside() {
    let error = cfg(&[
        ("OTEL_METRICS_EXPORTER", "awsemf"),
        ("AWS_REGION", "us-east-1"),
    ])
    .expect_err("no log group");
    assert!(
        matches!(error, ConfigError::MissingLogDestination { .. }),
        "{error}"
    );
    let error = cfg(&[("OTEL_METRICS_EXPORTER", "awsemf"), LOG_DEST]).expect_err("no region");
    assert_eq!(
        error.to_string(),
        "OTEL_METRICS_EXPORTER=awsemf needs an AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or `region` in the AWS profile)"
    );

    // Agent mode pointed at a collector: the awsemf default cannot work, so it is dropped with a
    // warning instead of failing init.
    let c = cfg(&[
        ("AGENT_OBSERVABILITY_ENABLED", "true"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
    ])
    .expect("config");
    assert!(!c.metrics.exporters.contains(&MetricExporterKind::AwsEmf));
    assert!(c
        .warnings
        .iter()
        .any(|w| w.variable == "OTEL_METRICS_EXPORTER" && w.message.contains("awsemf")));
}

#[test]
fn emf_endpoint_can_be_overridden_like_the_sdk() {
    let c = cfg(&[
        ("OTEL_METRICS_EXPORTER", "awsemf"),
        ("AWS_REGION", "us-east-1"),
        LOG_DEST,
        ("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "http://127.0.0.1:9999"),
    ])
    .expect("config");
    assert_eq!(
        c.metrics.emf.map(|e| e.endpoint),
        Some("http://127.0.0.1:9999".into())
    );
    let error = cfg(&[
        ("OTEL_METRICS_EXPORTER", "awsemf"),
        ("AWS_REGION", "us-east-1"),
        LOG_DEST,
        ("AWS_ENDPOINT_URL", "not a url"),
    ])
    .expect_err("bad url");
    assert!(
        error
            .to_string()
            .starts_with("AWS_ENDPOINT_URL=\"not a url\" is invalid"),
        "{error}"
    );
}

#[test]
fn static_credentials_come_from_the_sources_and_never_print_secrets() {
    let c = cfg(&[
        ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
        ("AWS_SECRET_ACCESS_KEY", "very-secret"),
        ("AWS_SESSION_TOKEN", "token-secret"),
    ])
    .expect("config");
    let creds = c.aws_credentials.clone().expect("credentials");
    assert_eq!(creds.access_key_id, "AKIDTEST");
    assert_eq!(creds.session_token.as_deref(), Some("token-secret"));
    let printed = format!("{c:?}");
    assert!(printed.contains("AKIDTEST"));
    assert!(
        !printed.contains("very-secret") && !printed.contains("token-secret"),
        "{printed}"
    );

    let c = cfg(&[("AWS_ACCESS_KEY_ID", "AKIDTEST")]).expect("config");
    assert_eq!(c.aws_credentials, None);
    assert!(c.warnings.iter().any(|w| w.variable == "AWS_ACCESS_KEY_ID"));
}
