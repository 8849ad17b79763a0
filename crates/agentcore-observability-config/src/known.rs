//! The catalogue of variable names, so that set-but-ignored variables produce a warning instead of
//! silently doing nothing: a misspelt `OTEL_*` name, a Python-only knob, or a standard variable
//! this distro does not implement.

use crate::source::Sources;
use crate::ConfigWarning;

/// Every variable this crate reads and honours.
pub(crate) const HONOURED: &[&str] = &[
    "AGENT_OBSERVABILITY_CONTENT_MAX_BYTES",
    "AGENT_OBSERVABILITY_ENABLED",
    "AGENT_OBSERVABILITY_RESOURCE_DETECTION_TIMEOUT",
    "AGENT_OBSERVABILITY_RESOURCE_DETECTORS",
    "AGENT_OBSERVABILITY_TRACING_SUBSCRIBER",
    "AWS_ACCESS_KEY_ID",
    "AWS_CONFIG_FILE",
    "AWS_DEFAULT_REGION",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
    "AWS_GENAI_CONTENT_EXTRACTION_OPT_OUT",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_PROFILE",
    "AWS_REDACT_SPAN_ATTRIBUTES",
    "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SIGV4_SERVICE",
    "ECS_CONTAINER_METADATA_URI_V4",
    "KUBERNETES_SERVICE_HOST",
    "KUBERNETES_SERVICE_PORT",
    "OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS",
    "OTEL_BLRP_EXPORT_TIMEOUT",
    "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_BLRP_MAX_QUEUE_SIZE",
    "OTEL_BLRP_SCHEDULE_DELAY",
    "OTEL_BSP_EXPORT_TIMEOUT",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_BSP_SCHEDULE_DELAY",
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
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_SDK_DISABLED",
    "OTEL_SERVICE_NAME",
    "OTEL_TRACES_EXPORTER",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
];

/// Recognised variables that this distro does not implement. Setting one gives a warning: the
/// user expects an effect that will not happen. (Standard OTel SDK knobs, TLS files, and ADOT
/// features with no Rust counterpart.)
pub(crate) const UNSUPPORTED: &[&str] = &[
    "AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG",
    "OTEL_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "OTEL_CONFIG_FILE",
    "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_EXPERIMENTAL_CONFIG_FILE",
    "OTEL_EXPERIMENTAL_RESOURCE_DETECTORS",
    "OTEL_EXPORTER_JAEGER_AGENT_HOST",
    "OTEL_EXPORTER_JAEGER_AGENT_PORT",
    "OTEL_EXPORTER_JAEGER_ENDPOINT",
    "OTEL_EXPORTER_JAEGER_PASSWORD",
    "OTEL_EXPORTER_JAEGER_TIMEOUT",
    "OTEL_EXPORTER_JAEGER_USER",
    "OTEL_EXPORTER_OTLP_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_CLIENT_KEY",
    "OTEL_EXPORTER_OTLP_INSECURE",
    "OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY",
    "OTEL_EXPORTER_OTLP_LOGS_INSECURE",
    "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY",
    "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION",
    "OTEL_EXPORTER_OTLP_METRICS_INSECURE",
    "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
    "OTEL_EXPORTER_OTLP_TRACES_INSECURE",
    "OTEL_EXPORTER_PROMETHEUS_HOST",
    "OTEL_EXPORTER_PROMETHEUS_PORT",
    "OTEL_EXPORTER_ZIPKIN_ENDPOINT",
    "OTEL_EXPORTER_ZIPKIN_TIMEOUT",
    "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "OTEL_LOG_LEVEL",
    "OTEL_METRICS_EXEMPLAR_FILTER",
    "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "OTEL_SPAN_EVENT_COUNT_LIMIT",
    "OTEL_SPAN_LINK_COUNT_LIMIT",
];

/// ADOT switches whose agent-mode value is `false`; only `true` asks for something we lack, so
/// `false` (often copied from ADOT samples) stays quiet.
const UNSUPPORTED_WHEN_TRUE: &[&str] = &[
    "OTEL_AWS_APPLICATION_SIGNALS_ENABLED",
    "OTEL_AWS_APP_SIGNALS_ENABLED",
    "OTEL_METRICS_ADD_APPLICATION_SIGNALS_DIMENSIONS",
];

/// Warnings for every set variable that is read but has no effect, sorted by name (the sources
/// iterate in name order).
pub(crate) fn warnings(src: &Sources) -> Vec<ConfigWarning> {
    let mut out = Vec::new();
    for (name, value) in src.iter() {
        if let Some(message) = warning_for(name, value) {
            out.push(ConfigWarning::new(name, message));
        }
    }
    out
}

fn warning_for(name: &str, value: &str) -> Option<&'static str> {
    if HONOURED.contains(&name) {
        None
    } else if UNSUPPORTED.contains(&name) {
        Some("recognised but not supported by the Rust distro; ignored")
    } else if UNSUPPORTED_WHEN_TRUE.contains(&name) {
        value
            .trim()
            .eq_ignore_ascii_case("true")
            .then_some("Application Signals is not supported by the Rust distro; ignored")
    } else if name.starts_with("OTEL_PYTHON_") {
        Some("a Python-only variable; ignored by the Rust distro")
    } else if name.starts_with("OTEL_AWS_") {
        Some("an ADOT Python variable the Rust distro does not support; ignored")
    } else if name.starts_with("OTEL_") {
        Some("unknown OpenTelemetry variable; check the spelling")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_and_disjoint() {
        for list in [HONOURED, UNSUPPORTED, UNSUPPORTED_WHEN_TRUE] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?} not sorted");
        }
        assert!(HONOURED.iter().all(|n| !UNSUPPORTED.contains(n)));
    }

    #[test]
    fn classification() {
        assert_eq!(warning_for("OTEL_SERVICE_NAME", "x"), None);
        assert_eq!(warning_for("HOME", "x"), None);
        assert_eq!(warning_for("AWS_ACCESS_KEY_ID", "x"), None);
        assert_eq!(
            warning_for("OTEL_AWS_APPLICATION_SIGNALS_ENABLED", "false"),
            None
        );
        assert!(warning_for("OTEL_AWS_APPLICATION_SIGNALS_ENABLED", "TRUE").is_some());
        assert_eq!(
            warning_for("OTEL_SERVCE_NAME", "x"),
            Some("unknown OpenTelemetry variable; check the spelling")
        );
        assert_eq!(
            warning_for("OTEL_PYTHON_DISTRO", "aws_distro"),
            Some("a Python-only variable; ignored by the Rust distro")
        );
        assert!(warning_for("OTEL_LOG_LEVEL", "debug").is_some());
        assert!(warning_for("AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG", "{}").is_some());
    }
}

/// Keeps the guides in step with the code: every configuration variable the README, `docs/` and
/// `.env.template` mention must be one this crate knows (honoured, or recognised and warned about),
/// or one of the AWS SDK's own variables the guides refer to.
#[cfg(test)]
mod docs_in_step {
    use super::*;

    /// AWS SDK and platform variables the guides mention but this crate does not read itself.
    const AWS_SDK_VARIABLES: &[&str] = &[
        "AWS_CONFIG_FILE",
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
        "AWS_PROFILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_XRAY_DAEMON_ADDRESS",
    ];

    fn documents() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut paths = vec![root.join("README.md"), root.join(".env.template")];
        if let Ok(entries) = std::fs::read_dir(root.join("docs")) {
            paths.extend(entries.flatten().map(|e| e.path()));
        }
        paths
            .into_iter()
            .filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(&p).ok()?)))
            .collect()
    }

    /// Whole variable names: upper-case words joined by `_`, starting with a known prefix and not
    /// ending in `_` (a prefix like `OTEL_BSP_` in prose is not a variable).
    fn variables(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let starts_word =
                i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
            if starts_word && bytes[i].is_ascii_uppercase() {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_uppercase()
                        || bytes[i].is_ascii_digit()
                        || bytes[i] == b'_')
                {
                    i += 1;
                }
                let word = &text[start..i];
                // `OTEL_EXPORTER_OTLP_{…}` or `AWS_<NAME>`: a pattern, not a variable.
                let followed_by_pattern = matches!(bytes.get(i), Some(b'{' | b'<' | b'*'));
                let prefixed = ["OTEL_", "AGENT_OBSERVABILITY_", "AWS_"]
                    .iter()
                    .any(|p| word.starts_with(p) && word.len() > p.len());
                if prefixed && !word.ends_with('_') && !followed_by_pattern {
                    out.push(word.to_string());
                }
            } else {
                i += 1;
            }
        }
        out
    }

    fn known(name: &str) -> bool {
        HONOURED.contains(&name)
            || UNSUPPORTED.contains(&name)
            || UNSUPPORTED_WHEN_TRUE.contains(&name)
            || AWS_SDK_VARIABLES.contains(&name)
            // Documented as ignored with a warning, by family.
            || name.starts_with("OTEL_PYTHON_")
            || name.starts_with("OTEL_AWS_")
    }

    #[test]
    fn every_documented_variable_exists() {
        let docs = documents();
        assert!(docs.len() >= 5, "the guides were not found: {docs:?}");
        let mut unknown: Vec<String> = docs
            .iter()
            .flat_map(|(path, text)| {
                variables(text)
                    .into_iter()
                    .filter(|v| !known(v))
                    .map(move |v| format!("{path}: {v}"))
            })
            .collect();
        unknown.sort();
        unknown.dedup();
        assert!(
            unknown.is_empty(),
            "documented but unknown to the config crate:\n{}",
            unknown.join("\n")
        );
    }
}
