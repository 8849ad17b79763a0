//! Parsing, defaults and error texts of every variable, fed through `ConfigBuilder::vars` so the
//! process environment is never read or written.

use std::time::Duration;

use agentcore_observability_config::{
    Compression, Config, ConfigError, EndpointSource, LogExporterKind, MetricExporterKind,
    Propagator, Protocol, RegionSource, Sampler, SpanExporterKind, TemporalityPreference,
};

/// Resolves `vars`. Agent-mode cases get the log destination AWS needs unless they set their own
/// logs headers, so each test only states what it is about.
fn cfg(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let mut all = vars.to_vec();
    let agent = vars
        .iter()
        .any(|(k, v)| *k == "AGENT_OBSERVABILITY_ENABLED" && v.eq_ignore_ascii_case("true"));
    if agent && !vars.iter().any(|(k, _)| *k == LOG_DEST.0) {
        all.push(LOG_DEST);
    }
    Config::builder().vars(all).no_dotenv().finish()
}

fn ok(vars: &[(&str, &str)]) -> Config {
    match cfg(vars) {
        Ok(c) => c,
        Err(e) => panic!("{vars:?} should resolve, got: {e}"),
    }
}

fn err(vars: &[(&str, &str)]) -> String {
    match cfg(vars) {
        Ok(c) => panic!("{vars:?} should fail, got {c:?}"),
        Err(e) => e.to_string(),
    }
}

fn warning_messages(c: &Config, variable: &str) -> Vec<String> {
    c.warnings
        .iter()
        .filter(|w| w.variable == variable)
        .map(|w| w.message.clone())
        .collect()
}

const AGENT: (&str, &str) = ("AGENT_OBSERVABILITY_ENABLED", "true");
const US_EAST_1: (&str, &str) = ("AWS_REGION", "us-east-1");
/// The CloudWatch log group and stream that logs (and `awsemf`) to AWS need.
const LOG_DEST: (&str, &str) = (
    "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
    "x-aws-log-group=/aws/bedrock-agentcore/runtimes/a,x-aws-log-stream=runtime-logs",
);

// ---------------------------------------------------------------------------------------------
// Defaults

#[test]
fn defaults_outside_agent_mode() {
    let c = ok(&[]);
    assert!(!c.sdk_disabled);
    assert!(!c.agent_observability);
    assert_eq!(c.service_name, None);
    assert!(c.resource_attributes.is_empty());
    assert_eq!(c.region, None);
    assert_eq!(c.traces.exporters, vec![SpanExporterKind::Otlp]);
    assert_eq!(c.logs.exporters, vec![LogExporterKind::Otlp]);
    assert_eq!(c.metrics.exporters, vec![MetricExporterKind::Otlp]);
    for (otlp, path) in [
        (&c.traces.otlp, "traces"),
        (&c.logs.otlp, "logs"),
        (&c.metrics.otlp, "metrics"),
    ] {
        assert_eq!(otlp.endpoint, format!("http://localhost:4318/v1/{path}"));
        assert_eq!(otlp.endpoint_source, EndpointSource::Default);
        assert!(otlp.headers.is_empty());
        assert_eq!(otlp.timeout, Duration::from_secs(10));
        assert_eq!(otlp.compression, Compression::None);
        assert_eq!(otlp.protocol, Protocol::HttpProtobuf);
        assert_eq!(otlp.aws_endpoint(), None);
    }
    assert_eq!(c.traces.sampler, Sampler::ParentBasedAlwaysOn);
    assert_eq!(
        c.propagators,
        vec![
            Propagator::Baggage,
            Propagator::XRay,
            Propagator::TraceContext
        ]
    );
    assert_eq!(c.traces.batch.schedule_delay, Duration::from_millis(5000));
    assert_eq!(c.traces.batch.export_timeout, Duration::from_millis(30_000));
    assert_eq!(c.traces.batch.max_queue_size, 2048);
    assert_eq!(c.traces.batch.max_export_batch_size, 512);
    assert_eq!(c.logs.batch.schedule_delay, Duration::from_millis(1000));
    assert_eq!(c.logs.batch.export_timeout, Duration::from_millis(30_000));
    assert_eq!(c.logs.batch.max_queue_size, 2048);
    assert_eq!(c.logs.batch.max_export_batch_size, 512);
    assert_eq!(c.metrics.export_interval, Duration::from_millis(60_000));
    assert_eq!(c.metrics.export_timeout, Duration::from_millis(30_000));
    assert_eq!(c.metrics.temporality, TemporalityPreference::Cumulative);
    assert!(c.baggage_span_attribute_keys.is_empty());
    assert_eq!(c.sigv4_service, None);
    assert!(c.redact_span_attributes.is_empty());
    assert!(!c.capture_message_content);
    assert!(!c.content_extraction_opt_out);
    assert_eq!(c.cloudwatch, Default::default());
    assert_eq!(c.shutdown_timeout, Duration::from_secs(5));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn agent_mode_defaults_us_east_1() {
    let c = ok(&[AGENT, US_EAST_1]);
    assert!(c.agent_observability);
    assert_eq!(c.traces.exporters, vec![SpanExporterKind::Otlp]);
    assert_eq!(c.logs.exporters, vec![LogExporterKind::Otlp]);
    assert_eq!(c.metrics.exporters, vec![MetricExporterKind::AwsEmf]);
    assert_eq!(
        c.traces.otlp.endpoint,
        "https://xray.us-east-1.amazonaws.com/v1/traces"
    );
    assert_eq!(
        c.traces.otlp.endpoint_source,
        EndpointSource::AgentModeRegion
    );
    assert_eq!(
        c.logs.otlp.endpoint,
        "https://logs.us-east-1.amazonaws.com/v1/logs"
    );
    assert_eq!(c.logs.otlp.endpoint_source, EndpointSource::AgentModeRegion);
    // Metrics go through EMF in agent mode: no AWS-derived OTLP endpoint.
    assert_eq!(c.metrics.otlp.endpoint, "http://localhost:4318/v1/metrics");
    assert_eq!(c.metrics.otlp.endpoint_source, EndpointSource::Default);
    for otlp in [&c.traces.otlp, &c.logs.otlp, &c.metrics.otlp] {
        assert_eq!(otlp.compression, Compression::Gzip);
    }
    assert!(c.capture_message_content);
    assert_eq!(
        c.baggage_span_attribute_keys,
        vec!["session.id".to_string()]
    );
    let traces_aws = c.traces.otlp.aws_endpoint().expect("xray endpoint");
    assert_eq!(
        (traces_aws.service, traces_aws.region.as_str()),
        ("xray", "us-east-1")
    );
    let logs_aws = c.logs.otlp.aws_endpoint().expect("logs endpoint");
    assert_eq!(
        (logs_aws.service, logs_aws.region.as_str()),
        ("logs", "us-east-1")
    );
    let region = c.region.expect("region");
    assert_eq!(region.name, "us-east-1");
    assert_eq!(region.source, RegionSource::AwsRegion);
}

#[test]
fn agent_mode_china_partition() {
    let c = ok(&[AGENT, ("AWS_REGION", "cn-north-1")]);
    assert_eq!(
        c.traces.otlp.endpoint,
        "https://xray.cn-north-1.amazonaws.com.cn/v1/traces"
    );
    assert_eq!(
        c.logs.otlp.endpoint,
        "https://logs.cn-north-1.amazonaws.com.cn/v1/logs"
    );
    assert_eq!(
        c.traces.otlp.aws_endpoint().map(|e| e.region),
        Some("cn-north-1".to_string())
    );
}

#[test]
fn agent_mode_values_can_be_overridden() {
    let c = ok(&[
        AGENT,
        US_EAST_1,
        ("OTEL_METRICS_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "none"),
        (
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
            "false",
        ),
        ("OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS", "tenant.id, session.id"),
    ]);
    assert_eq!(c.metrics.exporters, vec![MetricExporterKind::Otlp]);
    assert_eq!(c.traces.otlp.compression, Compression::None);
    assert!(!c.capture_message_content);
    assert_eq!(
        c.baggage_span_attribute_keys,
        vec!["tenant.id", "session.id"]
    );
}

#[test]
fn agent_mode_from_builder() {
    let c = Config::builder()
        .vars([US_EAST_1, LOG_DEST])
        .no_dotenv()
        .agent_observability(true)
        .finish()
        .unwrap();
    assert!(c.agent_observability);
    assert_eq!(
        c.traces.otlp.endpoint_source,
        EndpointSource::AgentModeRegion
    );
    // And code beats the variable.
    let c = Config::builder()
        .vars([AGENT])
        .no_dotenv()
        .agent_observability(false)
        .finish()
        .unwrap();
    assert!(!c.agent_observability);
}

// ---------------------------------------------------------------------------------------------
// Mode switches and booleans

#[test]
fn booleans_are_case_insensitive_and_strict() {
    assert!(ok(&[("OTEL_SDK_DISABLED", "TRUE")]).sdk_disabled);
    assert!(!ok(&[("OTEL_SDK_DISABLED", "False")]).sdk_disabled);
    assert!(ok(&[("AGENT_OBSERVABILITY_ENABLED", "True"), US_EAST_1]).agent_observability);
    assert_eq!(
        err(&[("OTEL_SDK_DISABLED", "yes")]),
        "OTEL_SDK_DISABLED=\"yes\" is invalid: expected true or false"
    );
    assert_eq!(
        err(&[("AGENT_OBSERVABILITY_ENABLED", "1")]),
        "AGENT_OBSERVABILITY_ENABLED=\"1\" is invalid: expected true or false"
    );
    assert!(ok(&[("AWS_GENAI_CONTENT_EXTRACTION_OPT_OUT", "true")]).content_extraction_opt_out);
    assert!(
        ok(&[("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")])
            .capture_message_content
    );
    assert!(
        err(&[("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "on")])
            .starts_with("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=\"on\"")
    );
}

#[test]
fn empty_values_count_as_unset() {
    let c = ok(&[
        ("OTEL_SDK_DISABLED", ""),
        ("OTEL_TRACES_EXPORTER", ""),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "  "),
        ("OTEL_SERVICE_NAME", ""),
    ]);
    assert!(!c.sdk_disabled);
    assert_eq!(c.traces.exporters, vec![SpanExporterKind::Otlp]);
    assert_eq!(c.traces.otlp.timeout, Duration::from_secs(10));
    assert_eq!(c.service_name, None);
}

#[test]
fn sdk_disabled_skips_the_region_requirement() {
    let c = ok(&[AGENT, ("OTEL_SDK_DISABLED", "true")]);
    assert!(c.sdk_disabled);
    assert_eq!(c.traces.otlp.endpoint_source, EndpointSource::Default);
}

// ---------------------------------------------------------------------------------------------
// Resource

#[test]
fn service_name_precedence() {
    let attrs = ("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs");
    assert_eq!(ok(&[attrs]).service_name.as_deref(), Some("from-attrs"));
    assert_eq!(
        ok(&[attrs, ("OTEL_SERVICE_NAME", "from-var")])
            .service_name
            .as_deref(),
        Some("from-var")
    );
    let c = Config::builder()
        .vars([attrs, ("OTEL_SERVICE_NAME", "from-var")])
        .no_dotenv()
        .service_name("from-code")
        .finish()
        .unwrap();
    assert_eq!(c.service_name.as_deref(), Some("from-code"));
    // service.name stays in the attribute list.
    assert_eq!(
        c.resource_attributes,
        vec![("service.name".to_string(), "from-attrs".to_string())]
    );
}

#[test]
fn resource_attributes_are_trimmed_and_decoded() {
    let c = ok(&[(
        "OTEL_RESOURCE_ATTRIBUTES",
        " service.name = my%20agent , aws.log.group.names=%2Faws%2Fbedrock-agentcore%2Fruntimes%2Fa,, x=1=2 ",
    )]);
    assert_eq!(
        c.resource_attributes,
        vec![
            ("service.name".to_string(), "my agent".to_string()),
            (
                "aws.log.group.names".to_string(),
                "/aws/bedrock-agentcore/runtimes/a".to_string()
            ),
            ("x".to_string(), "1=2".to_string()),
        ]
    );
    assert_eq!(c.service_name.as_deref(), Some("my agent"));
}

#[test]
fn resource_attributes_from_code_replace_or_append() {
    let c = Config::builder()
        .vars([("OTEL_RESOURCE_ATTRIBUTES", "a=1,b=2")])
        .no_dotenv()
        .resource_attribute("b", "code")
        .resource_attribute("c", "3")
        .finish()
        .unwrap();
    assert_eq!(
        c.resource_attributes,
        vec![
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "code".to_string()),
            ("c".to_string(), "3".to_string()),
        ]
    );
}

#[test]
fn resource_attribute_errors() {
    let expected = "expected comma-separated key=value pairs, e.g. \
                    service.name=my-agent,aws.log.group.names=/aws/bedrock-agentcore/runtimes/my-agent";
    assert_eq!(
        err(&[("OTEL_RESOURCE_ATTRIBUTES", "service.name=a,oops")]),
        format!("OTEL_RESOURCE_ATTRIBUTES=\"service.name=a,oops\" is invalid: {expected}")
    );
    assert_eq!(
        err(&[("OTEL_RESOURCE_ATTRIBUTES", "=value")]),
        format!("OTEL_RESOURCE_ATTRIBUTES=\"=value\" is invalid: {expected}")
    );
}

// ---------------------------------------------------------------------------------------------
// Exporters

#[test]
fn exporter_lists() {
    let c = ok(&[
        ("OTEL_TRACES_EXPORTER", " OTLP , console,otlp"),
        ("OTEL_LOGS_EXPORTER", "console"),
        ("OTEL_METRICS_EXPORTER", "awsemf,console"),
        US_EAST_1,
        LOG_DEST,
    ]);
    assert_eq!(
        c.traces.exporters,
        vec![SpanExporterKind::Otlp, SpanExporterKind::Console]
    );
    assert_eq!(c.logs.exporters, vec![LogExporterKind::Console]);
    assert_eq!(
        c.metrics.exporters,
        vec![MetricExporterKind::AwsEmf, MetricExporterKind::Console]
    );
    let c = ok(&[
        ("OTEL_TRACES_EXPORTER", "none"),
        ("OTEL_LOGS_EXPORTER", "NONE"),
        ("OTEL_METRICS_EXPORTER", "none,none"),
    ]);
    assert!(c.traces.exporters.is_empty());
    assert!(c.logs.exporters.is_empty());
    assert!(c.metrics.exporters.is_empty());
}

#[test]
fn exporter_errors() {
    assert_eq!(
        err(&[("OTEL_TRACES_EXPORTER", "otlp,zipkin")]),
        "OTEL_TRACES_EXPORTER=\"otlp,zipkin\" is invalid: expected one or more of otlp, console \
         (comma-separated), or none"
    );
    // awsemf is a metrics-only pseudo exporter.
    assert_eq!(
        err(&[("OTEL_LOGS_EXPORTER", "awsemf")]),
        "OTEL_LOGS_EXPORTER=\"awsemf\" is invalid: expected one or more of otlp, console \
         (comma-separated), or none"
    );
    assert_eq!(
        err(&[("OTEL_METRICS_EXPORTER", "prometheus")]),
        "OTEL_METRICS_EXPORTER=\"prometheus\" is invalid: expected one or more of otlp, console, \
         awsemf (comma-separated), or none"
    );
    assert_eq!(
        err(&[("OTEL_METRICS_EXPORTER", "none,otlp")]),
        "OTEL_METRICS_EXPORTER=\"none,otlp\" is invalid: expected none on its own, or a \
         comma-separated list without none, e.g. otlp,console"
    );
}

#[test]
fn exporters_from_code_win() {
    let c = Config::builder()
        .vars([
            ("OTEL_TRACES_EXPORTER", "bogus"),
            ("OTEL_LOGS_EXPORTER", "bogus"),
            ("OTEL_METRICS_EXPORTER", "bogus"),
            US_EAST_1,
            LOG_DEST,
        ])
        .no_dotenv()
        .traces_exporters([SpanExporterKind::Console])
        .logs_exporters([])
        .metrics_exporters([MetricExporterKind::AwsEmf])
        .finish()
        .unwrap();
    assert_eq!(c.traces.exporters, vec![SpanExporterKind::Console]);
    assert!(c.logs.exporters.is_empty());
    assert_eq!(c.metrics.exporters, vec![MetricExporterKind::AwsEmf]);
}

// ---------------------------------------------------------------------------------------------
// Endpoints

#[test]
fn base_endpoint_gets_signal_paths() {
    for base in ["http://collector:4318", "http://collector:4318/"] {
        let c = ok(&[("OTEL_EXPORTER_OTLP_ENDPOINT", base)]);
        assert_eq!(c.traces.otlp.endpoint, "http://collector:4318/v1/traces");
        assert_eq!(c.logs.otlp.endpoint, "http://collector:4318/v1/logs");
        assert_eq!(c.metrics.otlp.endpoint, "http://collector:4318/v1/metrics");
        assert_eq!(c.traces.otlp.endpoint_source, EndpointSource::BaseVariable);
    }
    let c = ok(&[(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "https://gw.example.com/otlp/",
    )]);
    assert_eq!(c.logs.otlp.endpoint, "https://gw.example.com/otlp/v1/logs");
}

#[test]
fn signal_endpoint_is_used_as_is() {
    let c = ok(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://base:4318"),
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://traces:9999/custom",
        ),
    ]);
    assert_eq!(c.traces.otlp.endpoint, "http://traces:9999/custom");
    assert_eq!(
        c.traces.otlp.endpoint_source,
        EndpointSource::SignalVariable
    );
    assert_eq!(c.logs.otlp.endpoint, "http://base:4318/v1/logs");
}

#[test]
fn endpoint_precedence_with_code() {
    let vars = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://env-base:4318"),
        (
            "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
            "http://env-logs:4318/v1/logs",
        ),
    ];
    let c = Config::builder()
        .vars(vars)
        .no_dotenv()
        .endpoint("http://code-base:4318/")
        .traces_endpoint("http://code-traces/x")
        .finish()
        .unwrap();
    // code signal > env signal > code base > env base
    assert_eq!(c.traces.otlp.endpoint, "http://code-traces/x");
    assert_eq!(c.traces.otlp.endpoint_source, EndpointSource::Code);
    assert_eq!(c.logs.otlp.endpoint, "http://env-logs:4318/v1/logs");
    assert_eq!(c.logs.otlp.endpoint_source, EndpointSource::SignalVariable);
    assert_eq!(c.metrics.otlp.endpoint, "http://code-base:4318/v1/metrics");
    assert_eq!(c.metrics.otlp.endpoint_source, EndpointSource::BaseVariable);
}

#[test]
fn agent_mode_base_endpoint_beats_region() {
    let c = ok(&[
        AGENT,
        US_EAST_1,
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
    ]);
    assert_eq!(c.traces.otlp.endpoint, "http://collector:4318/v1/traces");
    assert_eq!(c.logs.otlp.endpoint, "http://collector:4318/v1/logs");
    assert_eq!(c.traces.otlp.endpoint_source, EndpointSource::BaseVariable);
    // A signal variable beats the region too, and only for its signal.
    let c = ok(&[
        AGENT,
        US_EAST_1,
        ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://l:1/v1/logs"),
    ]);
    assert_eq!(c.logs.otlp.endpoint_source, EndpointSource::SignalVariable);
    assert_eq!(
        c.traces.otlp.endpoint_source,
        EndpointSource::AgentModeRegion
    );
}

#[test]
fn endpoint_errors() {
    let expected = "expected an absolute http:// or https:// URL, e.g. http://localhost:4318";
    assert_eq!(
        err(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318")]),
        format!("OTEL_EXPORTER_OTLP_ENDPOINT=\"localhost:4318\" is invalid: {expected}")
    );
    assert_eq!(
        err(&[(
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "ftp://host/v1/metrics"
        )]),
        format!(
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=\"ftp://host/v1/metrics\" is invalid: {expected}"
        )
    );
    let e = Config::builder()
        .vars(Vec::<(String, String)>::new())
        .no_dotenv()
        .logs_endpoint("not a url")
        .finish()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("ConfigBuilder::logs_endpoint=\"not a url\" is invalid: {expected}")
    );
}

#[test]
fn missing_region_in_agent_mode() {
    let e = cfg(&[AGENT]).unwrap_err();
    assert_eq!(e, ConfigError::MissingRegion);
    assert_eq!(
        e.to_string(),
        "AGENT_OBSERVABILITY_ENABLED=true needs an AWS region to derive the CloudWatch OTLP \
         endpoints: set AWS_REGION (or AWS_DEFAULT_REGION, or `region` in the AWS profile), or \
         point OTEL_EXPORTER_OTLP_ENDPOINT at your own collector"
    );
    // Only the traces endpoint: logs still need the region.
    assert_eq!(
        cfg(&[
            AGENT,
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c/v1/traces")
        ]),
        Err(ConfigError::MissingRegion)
    );
    // Base endpoint, or both traces and logs endpoints, are enough.
    assert!(cfg(&[AGENT, ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")]).is_ok());
    assert!(cfg(&[
        AGENT,
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c/v1/traces"),
        ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://c/v1/logs"),
    ])
    .is_ok());
    // A signal that is not exported over OTLP needs no endpoint.
    assert!(cfg(&[
        AGENT,
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c/v1/traces"),
        ("OTEL_LOGS_EXPORTER", "none"),
    ])
    .is_ok());
    assert!(cfg(&[AGENT, ("AWS_DEFAULT_REGION", "eu-west-1")]).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Headers and CloudWatch destination

#[test]
fn signal_headers_replace_general_ones() {
    let c = ok(&[
        ("OTEL_EXPORTER_OTLP_HEADERS", "x-a=1, x-b=two%20words"),
        ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x-m=3"),
    ]);
    let general = vec![
        ("x-a".to_string(), "1".to_string()),
        ("x-b".to_string(), "two words".to_string()),
    ];
    assert_eq!(c.traces.otlp.headers, general);
    assert_eq!(c.logs.otlp.headers, general);
    assert_eq!(
        c.metrics.otlp.headers,
        vec![("x-m".to_string(), "3".to_string())]
    );
}

#[test]
fn cloudwatch_destination_from_logs_headers() {
    let c = ok(&[(
        "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
        "X-AWS-Log-Group=/aws/bedrock-agentcore/runtimes/a,x-aws-log-stream=runtime-logs,\
         x-aws-metric-namespace=bedrock-agentcore",
    )]);
    assert_eq!(
        c.cloudwatch.log_group.as_deref(),
        Some("/aws/bedrock-agentcore/runtimes/a")
    );
    assert_eq!(c.cloudwatch.log_stream.as_deref(), Some("runtime-logs"));
    assert_eq!(
        c.cloudwatch.metric_namespace.as_deref(),
        Some("bedrock-agentcore")
    );
    // The headers are still sent with the logs.
    assert_eq!(c.logs.otlp.headers.len(), 3);
    assert_eq!(c.logs.otlp.header("x-aws-log-stream"), Some("runtime-logs"));
    assert!(c.traces.otlp.headers.is_empty());
    // The trace headers do not name the destination.
    let c = ok(&[("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-aws-log-group=g")]);
    assert_eq!(c.cloudwatch.log_group, None);
}

#[test]
fn authorization_in_general_headers_warns() {
    let c = ok(&[("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer abc")]);
    let w = warning_messages(&c, "OTEL_EXPORTER_OTLP_HEADERS");
    assert_eq!(w.len(), 1, "{:?}", c.warnings);
    assert!(w[0].contains("does not switch SigV4 signing off"));
    assert!(!w[0].contains("abc"));
    let c = ok(&[(
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
        "Authorization=Bearer abc",
    )]);
    assert!(c.warnings.is_empty());
    assert_eq!(c.traces.otlp.header("authorization"), Some("Bearer abc"));
}

#[test]
fn header_errors() {
    assert_eq!(
        err(&[(
            "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
            "x-aws-log-group=/aws/x,x-aws-log-stream"
        )]),
        "OTEL_EXPORTER_OTLP_LOGS_HEADERS=\"x-aws-log-group=***,x-aws-log-stream\" is invalid: \
         expected comma-separated key=value pairs, e.g. \
         x-aws-log-group=/aws/...,x-aws-log-stream=runtime-logs"
    );
    let e = err(&[("OTEL_EXPORTER_OTLP_HEADERS", "bad name=secret")]);
    assert!(
        e.starts_with("OTEL_EXPORTER_OTLP_HEADERS=\"bad name=***\" is invalid: expected"),
        "{e}"
    );
    assert!(e.contains("HTTP header names"), "{e}");
    let e = err(&[("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-a=line%0D%0Abreak")]);
    assert!(e.contains("no control characters"), "{e}");
    assert!(!e.contains("break"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Timeouts

#[test]
fn timeouts_and_units() {
    let t = |v: &str| ok(&[("OTEL_EXPORTER_OTLP_TIMEOUT", v)]).traces.otlp.timeout;
    assert_eq!(t("20000"), Duration::from_millis(20_000));
    assert_eq!(t("10s"), Duration::from_secs(10));
    assert_eq!(t("500ms"), Duration::from_millis(500));
    assert_eq!(t("2m"), Duration::from_secs(120));
    let c = ok(&[
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "5s"),
        ("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "20s"),
    ]);
    assert_eq!(c.traces.otlp.timeout, Duration::from_secs(5));
    assert_eq!(c.logs.otlp.timeout, Duration::from_secs(20));
    assert_eq!(c.metrics.otlp.timeout, Duration::from_secs(5));
    let c = Config::builder()
        .vars([("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "ten")])
        .no_dotenv()
        .timeout(Duration::from_secs(3))
        .finish()
        .unwrap();
    assert_eq!(c.traces.otlp.timeout, Duration::from_secs(3));
    assert_eq!(c.metrics.otlp.timeout, Duration::from_secs(3));
}

#[test]
fn timeout_errors() {
    assert_eq!(
        err(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "ten")]),
        "OTEL_EXPORTER_OTLP_TIMEOUT=\"ten\" is invalid: expected a duration in milliseconds such \
         as 10000, or with a unit: 10s, 500ms"
    );
    assert_eq!(
        err(&[("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "0")]),
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT=\"0\" is invalid: expected a duration greater than \
         zero, in milliseconds such as 10000, or with a unit: 10s, 500ms"
    );
    assert!(err(&[("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "10h")]).contains("10s, 500ms"));
}

#[test]
fn small_bare_timeout_warns() {
    let c = ok(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "10")]);
    assert_eq!(c.traces.otlp.timeout, Duration::from_millis(10));
    assert_eq!(
        warning_messages(&c, "OTEL_EXPORTER_OTLP_TIMEOUT"),
        vec![
            "10 is read as 10 ms per the OpenTelemetry specification (ADOT Python reads seconds); \
             write 10s if you meant seconds"
                .to_string()
        ]
    );
    assert!(ok(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "100")])
        .warnings
        .is_empty());
    assert!(ok(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "10s")])
        .warnings
        .is_empty());
    let c = ok(&[("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "30")]);
    assert_eq!(
        warning_messages(&c, "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT").len(),
        1
    );
}

// ---------------------------------------------------------------------------------------------
// Compression and protocol

#[test]
fn compression() {
    let c = ok(&[
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "GZIP"),
        ("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "none"),
    ]);
    assert_eq!(c.traces.otlp.compression, Compression::Gzip);
    assert_eq!(c.logs.otlp.compression, Compression::Gzip);
    assert_eq!(c.metrics.otlp.compression, Compression::None);
    assert_eq!(
        err(&[("OTEL_EXPORTER_OTLP_LOGS_COMPRESSION", "deflate")]),
        "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION=\"deflate\" is invalid: expected gzip or none"
    );
    let c = Config::builder()
        .vars([AGENT, US_EAST_1, LOG_DEST])
        .no_dotenv()
        .compression(Compression::None)
        .finish()
        .unwrap();
    assert_eq!(c.traces.otlp.compression, Compression::None);
    // CloudWatch Logs always gets gzip (as ADOT forces it), with a warning saying so.
    assert_eq!(c.logs.otlp.compression, Compression::Gzip);
    assert_eq!(
        warning_messages(&c, "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION").len(),
        1
    );
}

#[test]
fn protocol() {
    let c = ok(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"),
    ]);
    assert_eq!(c.traces.otlp.protocol, Protocol::HttpJson);
    assert_eq!(c.logs.otlp.protocol, Protocol::Grpc);
    assert_eq!(c.metrics.otlp.protocol, Protocol::Grpc);
    assert_eq!(
        ok(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "HTTP/PROTOBUF")])
            .traces
            .otlp
            .protocol,
        Protocol::HttpProtobuf
    );
    assert_eq!(
        err(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http")]),
        "OTEL_EXPORTER_OTLP_PROTOCOL=\"http\" is invalid: expected http/protobuf, http/json or grpc"
    );
    let c = Config::builder()
        .vars([("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")])
        .no_dotenv()
        .protocol(Protocol::HttpJson)
        .finish()
        .unwrap();
    assert_eq!(c.logs.otlp.protocol, Protocol::HttpJson);
}

// ---------------------------------------------------------------------------------------------
// Propagators

#[test]
fn propagators() {
    assert_eq!(
        ok(&[("OTEL_PROPAGATORS", "TraceContext, xray,tracecontext")]).propagators,
        vec![Propagator::TraceContext, Propagator::XRay]
    );
    assert!(ok(&[("OTEL_PROPAGATORS", "none")]).propagators.is_empty());
    let c = ok(&[("OTEL_PROPAGATORS", "baggage,xray-lambda")]);
    assert_eq!(c.propagators, vec![Propagator::Baggage, Propagator::XRay]);
    assert_eq!(warning_messages(&c, "OTEL_PROPAGATORS").len(), 1);
    let expected = "expected one or more of tracecontext, baggage, xray (comma-separated), or \
                    none; b3, b3multi, jaeger and ottrace are not supported by the Rust distro";
    assert_eq!(
        err(&[("OTEL_PROPAGATORS", "tracecontext,b3")]),
        format!("OTEL_PROPAGATORS=\"tracecontext,b3\" is invalid: {expected}")
    );
    assert_eq!(
        err(&[("OTEL_PROPAGATORS", "w3c")]),
        format!("OTEL_PROPAGATORS=\"w3c\" is invalid: {expected}")
    );
    assert!(err(&[("OTEL_PROPAGATORS", "none,xray")]).contains("none on its own"));
    let c = Config::builder()
        .vars([("OTEL_PROPAGATORS", "b3")])
        .no_dotenv()
        .propagators([Propagator::TraceContext])
        .finish()
        .unwrap();
    assert_eq!(c.propagators, vec![Propagator::TraceContext]);
}

// ---------------------------------------------------------------------------------------------
// Sampler

#[test]
fn samplers() {
    let s = |name: &str, arg: Option<&str>| {
        let mut vars = vec![("OTEL_TRACES_SAMPLER", name)];
        vars.extend(arg.map(|a| ("OTEL_TRACES_SAMPLER_ARG", a)));
        ok(&vars).traces.sampler
    };
    assert_eq!(s("always_on", None), Sampler::AlwaysOn);
    assert_eq!(s("ALWAYS_OFF", None), Sampler::AlwaysOff);
    assert_eq!(
        s("parentbased_always_on", None),
        Sampler::ParentBasedAlwaysOn
    );
    assert_eq!(
        s("parentbased_always_off", None),
        Sampler::ParentBasedAlwaysOff
    );
    assert_eq!(s("traceidratio", None), Sampler::TraceIdRatio(1.0));
    assert_eq!(s("traceidratio", Some("0.25")), Sampler::TraceIdRatio(0.25));
    assert_eq!(
        s("parentbased_traceidratio", Some(" 0 ")),
        Sampler::ParentBasedTraceIdRatio(0.0)
    );
    // The argument of a sampler without a ratio is not read.
    assert_eq!(s("always_on", Some("abc")), Sampler::AlwaysOn);
}

#[test]
fn sampler_errors_and_fallbacks() {
    let expected = "expected a sampling ratio between 0 and 1, e.g. 0.25";
    assert_eq!(
        err(&[
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "1.5")
        ]),
        format!("OTEL_TRACES_SAMPLER_ARG=\"1.5\" is invalid: {expected}")
    );
    assert_eq!(
        err(&[
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "abc")
        ]),
        format!("OTEL_TRACES_SAMPLER_ARG=\"abc\" is invalid: {expected}")
    );
    for bad in ["NaN", "-0.1", "inf"] {
        assert!(cfg(&[
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", bad)
        ])
        .is_err());
    }
    assert_eq!(
        err(&[("OTEL_TRACES_SAMPLER", "sometimes")]),
        "OTEL_TRACES_SAMPLER=\"sometimes\" is invalid: expected one of always_on, always_off, \
         traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio"
    );
    for remote in ["xray", "jaeger_remote", "parentbased_jaeger_remote"] {
        let c = ok(&[
            ("OTEL_TRACES_SAMPLER", remote),
            ("OTEL_TRACES_SAMPLER_ARG", "endpoint=http://localhost:2000"),
        ]);
        assert_eq!(c.traces.sampler, Sampler::ParentBasedAlwaysOn);
        let w = warning_messages(&c, "OTEL_TRACES_SAMPLER");
        assert_eq!(w.len(), 1);
        assert!(w[0].contains(remote));
    }
    let c = Config::builder()
        .vars([("OTEL_TRACES_SAMPLER", "bogus")])
        .no_dotenv()
        .sampler(Sampler::AlwaysOff)
        .finish()
        .unwrap();
    assert_eq!(c.traces.sampler, Sampler::AlwaysOff);
}

// ---------------------------------------------------------------------------------------------
// Batch processors and metrics

#[test]
fn batch_processors() {
    let c = ok(&[
        ("OTEL_BSP_SCHEDULE_DELAY", "200"),
        ("OTEL_BSP_EXPORT_TIMEOUT", "5s"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "50"),
        ("OTEL_BLRP_SCHEDULE_DELAY", "2s"),
        ("OTEL_BLRP_EXPORT_TIMEOUT", "1000"),
        ("OTEL_BLRP_MAX_QUEUE_SIZE", "4096"),
        ("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "1024"),
    ]);
    assert_eq!(c.traces.batch.schedule_delay, Duration::from_millis(200));
    assert_eq!(c.traces.batch.export_timeout, Duration::from_secs(5));
    assert_eq!(c.traces.batch.max_queue_size, 100);
    assert_eq!(c.traces.batch.max_export_batch_size, 50);
    assert_eq!(c.logs.batch.schedule_delay, Duration::from_secs(2));
    assert_eq!(c.logs.batch.export_timeout, Duration::from_secs(1));
    assert_eq!(c.logs.batch.max_queue_size, 4096);
    assert_eq!(c.logs.batch.max_export_batch_size, 1024);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn batch_larger_than_queue_is_clamped() {
    let c = ok(&[("OTEL_BLRP_MAX_QUEUE_SIZE", "100")]);
    assert_eq!(c.logs.batch.max_export_batch_size, 100);
    assert_eq!(
        warning_messages(&c, "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE"),
        vec![
            "the batch size 512 is larger than OTEL_BLRP_MAX_QUEUE_SIZE=100; 100 is used"
                .to_string()
        ]
    );
}

#[test]
fn batch_errors() {
    assert_eq!(
        err(&[("OTEL_BSP_MAX_QUEUE_SIZE", "0")]),
        "OTEL_BSP_MAX_QUEUE_SIZE=\"0\" is invalid: expected a positive integer, e.g. 2048"
    );
    assert!(err(&[("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "many")])
        .starts_with("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE="));
    assert!(err(&[("OTEL_BSP_SCHEDULE_DELAY", "soon")]).starts_with("OTEL_BSP_SCHEDULE_DELAY="));
}

#[test]
fn metric_reader() {
    let c = ok(&[
        ("OTEL_METRIC_EXPORT_INTERVAL", "15000"),
        ("OTEL_METRIC_EXPORT_TIMEOUT", "5s"),
        ("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "Delta"),
    ]);
    assert_eq!(c.metrics.export_interval, Duration::from_secs(15));
    assert_eq!(c.metrics.export_timeout, Duration::from_secs(5));
    assert_eq!(c.metrics.temporality, TemporalityPreference::Delta);
    assert_eq!(
        ok(&[(
            "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
            "lowmemory"
        )])
        .metrics
        .temporality,
        TemporalityPreference::LowMemory
    );
    assert_eq!(
        err(&[("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "both")]),
        "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=\"both\" is invalid: expected \
         cumulative, delta or lowmemory"
    );
    assert!(
        err(&[("OTEL_METRIC_EXPORT_INTERVAL", "1h")]).starts_with("OTEL_METRIC_EXPORT_INTERVAL=")
    );
    let c = Config::builder()
        .vars([("OTEL_METRIC_EXPORT_INTERVAL", "bogus")])
        .no_dotenv()
        .metric_export_interval(Duration::from_secs(1))
        .shutdown_timeout(Duration::from_millis(1500))
        .finish()
        .unwrap();
    assert_eq!(c.metrics.export_interval, Duration::from_secs(1));
    assert_eq!(c.shutdown_timeout, Duration::from_millis(1500));
}

// ---------------------------------------------------------------------------------------------
// Span processing and AWS switches

#[test]
fn span_processing_lists() {
    let c = ok(&[
        (
            "OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS",
            " tenant.id,,user.id ,tenant.id",
        ),
        (
            "AWS_REDACT_SPAN_ATTRIBUTES",
            "http.request.header.authorization, gen_ai.*",
        ),
        ("AWS_SIGV4_SERVICE", " xray "),
        US_EAST_1,
    ]);
    assert_eq!(c.baggage_span_attribute_keys, vec!["tenant.id", "user.id"]);
    assert_eq!(
        c.redact_span_attributes,
        vec!["http.request.header.authorization", "gen_ai.*"]
    );
    assert_eq!(c.sigv4_service.as_deref(), Some("xray"));
    let c = ok(&[
        AGENT,
        US_EAST_1,
        ("OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS", "tenant.id"),
    ]);
    assert_eq!(
        c.baggage_span_attribute_keys,
        vec!["tenant.id", "session.id"]
    );
}

#[test]
fn capture_content_from_code() {
    let c = Config::builder()
        .vars([
            AGENT,
            US_EAST_1,
            LOG_DEST,
            (
                "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
                "bogus",
            ),
        ])
        .no_dotenv()
        .capture_message_content(false)
        .finish()
        .unwrap();
    assert!(!c.capture_message_content);
}

// ---------------------------------------------------------------------------------------------
// Region

#[test]
fn region_precedence() {
    let c = ok(&[
        ("AWS_REGION", "eu-west-1"),
        ("AWS_DEFAULT_REGION", "us-west-2"),
    ]);
    let r = c.region.unwrap();
    assert_eq!(
        (r.name.as_str(), r.source),
        ("eu-west-1", RegionSource::AwsRegion)
    );
    let r = ok(&[("AWS_DEFAULT_REGION", "us-west-2")]).region.unwrap();
    assert_eq!(
        (r.name.as_str(), r.source),
        ("us-west-2", RegionSource::AwsDefaultRegion)
    );
    let c = Config::builder()
        .vars([("AWS_REGION", "eu-west-1")])
        .no_dotenv()
        .region("ap-south-1")
        .finish()
        .unwrap();
    let r = c.region.unwrap();
    assert_eq!(
        (r.name.as_str(), &r.source),
        ("ap-south-1", &RegionSource::Code)
    );
    assert_eq!(r.dns_suffix(), "amazonaws.com");
}

#[test]
fn region_errors() {
    assert_eq!(
        err(&[("AWS_REGION", "US-EAST-1")]),
        "AWS_REGION=\"US-EAST-1\" is invalid: expected an AWS region name such as us-east-1"
    );
    assert!(err(&[("AWS_DEFAULT_REGION", "us east 1")]).starts_with("AWS_DEFAULT_REGION="));
    let e = Config::builder()
        .vars(Vec::<(String, String)>::new())
        .no_dotenv()
        .region("eu.west")
        .finish()
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("ConfigBuilder::region=\"eu.west\""),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------------------
// Warnings

#[test]
fn warnings_for_ignored_variables_are_sorted() {
    let c = ok(&[
        ("OTEL_SERVCE_NAME", "typo"),
        ("OTEL_PYTHON_DISTRO", "aws_distro"),
        ("OTEL_PYTHON_CONFIGURATOR", "aws_configurator"),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ca.pem"),
        ("AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG", "{version: 1.0}"),
        ("OTEL_AWS_APPLICATION_SIGNALS_ENABLED", "true"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "5"),
        ("HOME", "/root"),
    ]);
    let got: Vec<(&str, &str)> = c
        .warnings
        .iter()
        .map(|w| (w.variable.as_str(), w.message.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG",
                "recognised but not supported by the Rust distro; ignored"
            ),
            (
                "OTEL_AWS_APPLICATION_SIGNALS_ENABLED",
                "Application Signals is not supported by the Rust distro; ignored"
            ),
            (
                "OTEL_EXPORTER_OTLP_CERTIFICATE",
                "recognised but not supported by the Rust distro; ignored"
            ),
            (
                "OTEL_EXPORTER_OTLP_TIMEOUT",
                "5 is read as 5 ms per the OpenTelemetry specification (ADOT Python reads \
                 seconds); write 5s if you meant seconds"
            ),
            (
                "OTEL_PYTHON_CONFIGURATOR",
                "a Python-only variable; ignored by the Rust distro"
            ),
            (
                "OTEL_PYTHON_DISTRO",
                "a Python-only variable; ignored by the Rust distro"
            ),
            (
                "OTEL_SERVCE_NAME",
                "unknown OpenTelemetry variable; check the spelling"
            ),
        ]
    );
    assert_eq!(
        c.warnings[0].to_string(),
        "AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG: recognised but not supported by the Rust distro; ignored"
    );
}

#[test]
fn canonical_agentcore_block_resolves() {
    let c = ok(&[
        AGENT,
        ("AWS_REGION", "us-west-2"),
        ("OTEL_PYTHON_DISTRO", "aws_distro"),
        ("OTEL_PYTHON_CONFIGURATOR", "aws_configurator"),
        (
            "OTEL_RESOURCE_ATTRIBUTES",
            "service.name=travel-agent,aws.log.group.names=/aws/bedrock-agentcore/runtimes/travel-agent-abc",
        ),
        (
            "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
            "x-aws-log-group=/aws/bedrock-agentcore/runtimes/travel-agent-abc,x-aws-log-stream=runtime-logs,x-aws-metric-namespace=bedrock-agentcore",
        ),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_TRACES_EXPORTER", "otlp"),
    ]);
    assert_eq!(c.service_name.as_deref(), Some("travel-agent"));
    assert_eq!(
        c.logs.otlp.endpoint,
        "https://logs.us-west-2.amazonaws.com/v1/logs"
    );
    assert_eq!(c.cloudwatch.log_stream.as_deref(), Some("runtime-logs"));
    assert_eq!(c.metrics.exporters, vec![MetricExporterKind::AwsEmf]);
    assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
}

// ---------------------------------------------------------------------------------------------
// Error order

#[test]
fn first_error_in_documented_order() {
    // Mode switch before resource before exporters before endpoints before headers before timeouts.
    let all_bad = [
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "ten"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "nope"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "nope"),
        ("OTEL_TRACES_EXPORTER", "nope"),
        ("OTEL_RESOURCE_ATTRIBUTES", "nope"),
        ("OTEL_SDK_DISABLED", "nope"),
    ];
    let expected_order = [
        "OTEL_SDK_DISABLED",
        "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_TRACES_EXPORTER",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_TIMEOUT",
    ];
    for (skip, variable) in expected_order.iter().enumerate() {
        let vars: Vec<_> = all_bad
            .iter()
            .copied()
            .filter(|(k, _)| !expected_order[..skip].contains(k))
            .collect();
        match cfg(&vars) {
            Err(ConfigError::InvalidValue { variable: v, .. }) => assert_eq!(v, *variable),
            other => panic!("expected an error on {variable}, got {other:?}"),
        }
    }
}
