//! Property-style check: no variable panics on odd input, alone or combined. Errors are fine;
//! panics are not.

use agentcore_observability_config::Config;

/// Every variable the crate reads, plus families that only produce warnings.
const VARIABLES: &[&str] = &[
    "AGENT_OBSERVABILITY_ENABLED",
    "AWS_CONFIG_FILE",
    "AWS_DEFAULT_REGION",
    "AWS_GENAI_CONTENT_EXTRACTION_OPT_OUT",
    "AWS_PROFILE",
    "AWS_REDACT_SPAN_ATTRIBUTES",
    "AWS_REGION",
    "AWS_SIGV4_SERVICE",
    "AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG",
    "OTEL_AWS_APPLICATION_SIGNALS_ENABLED",
    "OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS",
    "OTEL_BLRP_EXPORT_TIMEOUT",
    "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_BLRP_MAX_QUEUE_SIZE",
    "OTEL_BLRP_SCHEDULE_DELAY",
    "OTEL_BSP_EXPORT_TIMEOUT",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_BSP_SCHEDULE_DELAY",
    "OTEL_EXPORTER_OTLP_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_COMPRESSION",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_HEADERS",
    "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION",
    "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
    "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
    "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL",
    "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT",
    "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION",
    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
    "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
    "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
    "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TIMEOUT",
    "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
    "OTEL_LOGS_EXPORTER",
    "OTEL_METRICS_EXPORTER",
    "OTEL_METRIC_EXPORT_INTERVAL",
    "OTEL_METRIC_EXPORT_TIMEOUT",
    "OTEL_PROPAGATORS",
    "OTEL_PYTHON_DISTRO",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_SDK_DISABLED",
    "OTEL_SERVICE_NAME",
    "OTEL_TRACES_EXPORTER",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_UNKNOWN_THING",
];

fn odd_values() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        " ",
        ",",
        ",,,",
        "=",
        "==",
        "=,=",
        "%",
        "%%",
        "%zz",
        "%4",
        "%ff%fe",
        "a=%",
        "a=%zz",
        "k=v,",
        ",k=v",
        "é",
        "日本語=値",
        "k=é%C3",
        "\u{0}",
        "\t\n\r",
        "\u{feff}true",
        "🦀",
        "true",
        "TRUE",
        "none",
        "none,",
        "otlp,none",
        "0",
        "-1",
        "1.5",
        "NaN",
        "inf",
        "1e400",
        "18446744073709551615",
        "18446744073709551616",
        "999999999999999999999999m",
        "18446744073709551615m",
        "10s",
        "10ms",
        "10 s",
        "s",
        "ms",
        "http://",
        "http://[::1",
        "https://[::1]:4318",
        "http://a b",
        "//x",
        "x:y",
        "us-east-1",
        "cn-north-1",
        "http://localhost:4318/",
        "authorization=Bearer%0D%0Ax",
        "xray",
        "xray-lambda",
        "traceidratio",
        "parentbased_traceidratio",
        "/nonexistent/path/config",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("a".repeat(100_000));
    v.push("k=v,".repeat(10_000));
    v.push("%".repeat(10_001));
    v.push("9".repeat(500));
    v
}

#[test]
fn no_variable_panics_on_odd_values() {
    for variable in VARIABLES {
        for value in odd_values() {
            for agent in [false, true] {
                let mut vars = vec![(variable.to_string(), value.clone())];
                if agent {
                    vars.push(("AGENT_OBSERVABILITY_ENABLED".into(), "true".into()));
                }
                let outcome = std::panic::catch_unwind(|| {
                    let _ = Config::builder().vars(vars).no_dotenv().finish();
                });
                assert!(
                    outcome.is_ok(),
                    "{variable}={:?} panicked (agent mode {agent})",
                    value.chars().take(40).collect::<String>()
                );
            }
        }
    }
}

#[test]
fn all_variables_odd_at_once_do_not_panic() {
    for value in odd_values() {
        let vars: Vec<(String, String)> = VARIABLES
            .iter()
            .map(|v| (v.to_string(), value.clone()))
            .collect();
        let outcome = std::panic::catch_unwind(|| {
            let _ = Config::builder().vars(vars).no_dotenv().finish();
        });
        assert!(
            outcome.is_ok(),
            "all variables = {:?}",
            value.chars().take(40).collect::<String>()
        );
    }
}

#[test]
fn odd_builder_values_do_not_panic() {
    for value in odd_values() {
        let outcome = std::panic::catch_unwind(|| {
            let _ = Config::builder()
                .vars(Vec::<(String, String)>::new())
                .no_dotenv()
                .service_name(value.clone())
                .resource_attribute(value.clone(), value.clone())
                .region(value.clone())
                .endpoint(value.clone())
                .traces_endpoint(value.clone())
                .agent_observability(true)
                .finish();
        });
        assert!(outcome.is_ok());
    }
}

#[test]
fn reading_the_process_environment_does_not_panic() {
    // The only test that reads the real environment: it only checks that the `vars_os` path runs.
    // Its outcome depends on the developer's environment, so only panics are failures.
    let outcome = std::panic::catch_unwind(|| {
        let _ = Config::builder()
            .no_dotenv()
            .profile_region_lookup(false)
            .finish();
    });
    assert!(outcome.is_ok());
}
