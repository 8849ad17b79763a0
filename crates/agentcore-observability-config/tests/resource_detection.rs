//! Resource detection settings through the public builder: defaults per mode, code over variables,
//! typed errors, warnings, and the platform variables read from the configuration sources.

use std::time::Duration;

use agentcore_observability_config::{
    Config, ConfigError, ResourceDetector, DEFAULT_IMDS_ENDPOINT,
    DEFAULT_RESOURCE_DETECTION_TIMEOUT, MAX_RESOURCE_DETECTION_TIMEOUT,
};
use ResourceDetector::{Ec2, Ecs, Eks, Lambda};

fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::builder().vars(vars.to_vec()).no_dotenv().finish()
}

#[test]
fn on_outside_agent_mode_off_in_agent_mode() {
    let plain = config(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1")]).unwrap();
    assert_eq!(
        plain.resource_detection.detectors,
        vec![Ec2, Ecs, Eks, Lambda]
    );
    assert_eq!(
        plain.resource_detection.timeout,
        DEFAULT_RESOURCE_DETECTION_TIMEOUT
    );
    let agent = config(&[
        ("AGENT_OBSERVABILITY_ENABLED", "true"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
    ])
    .unwrap();
    assert!(agent.resource_detection.detectors.is_empty());
    // Switchable either way.
    let agent_on = config(&[
        ("AGENT_OBSERVABILITY_ENABLED", "true"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
        ("AGENT_OBSERVABILITY_RESOURCE_DETECTORS", "ec2"),
    ])
    .unwrap();
    assert_eq!(agent_on.resource_detection.detectors, vec![Ec2]);
    let plain_off = config(&[("AGENT_OBSERVABILITY_RESOURCE_DETECTORS", "none")]).unwrap();
    assert!(plain_off.resource_detection.detectors.is_empty());
}

#[test]
fn a_vars_map_never_probes_the_real_imds_address_by_default() {
    let c = config(&[]).unwrap();
    assert_eq!(c.resource_detection.detectors, vec![Ecs, Eks, Lambda]);
    assert_eq!(c.resource_detection.imds_endpoint(), DEFAULT_IMDS_ENDPOINT);
    // Asked for explicitly, it does.
    let c = config(&[("AGENT_OBSERVABILITY_RESOURCE_DETECTORS", "all")]).unwrap();
    assert!(c.resource_detection.runs(Ec2));
}

#[test]
fn code_wins_over_variables() {
    let c = Config::builder()
        .vars([
            ("AGENT_OBSERVABILITY_RESOURCE_DETECTORS", "not-a-detector"),
            ("AGENT_OBSERVABILITY_RESOURCE_DETECTION_TIMEOUT", "later"),
        ])
        .no_dotenv()
        .resource_detectors([Lambda])
        .resource_detection_timeout(Duration::from_millis(120))
        .finish()
        .unwrap();
    assert_eq!(c.resource_detection.detectors, vec![Lambda]);
    assert_eq!(c.resource_detection.timeout, Duration::from_millis(120));
}

#[test]
fn bad_values_are_typed_errors_naming_the_variable() {
    let error = config(&[("AGENT_OBSERVABILITY_RESOURCE_DETECTORS", "ec2,gcp")]).unwrap_err();
    assert_eq!(
        error,
        ConfigError::InvalidValue {
            variable: "AGENT_OBSERVABILITY_RESOURCE_DETECTORS".into(),
            value: "ec2,gcp".into(),
            expected: "all, none, or a comma-separated list of ec2, ecs, eks, lambda, e.g. ecs,ec2"
                .into(),
        }
    );
    let error = config(&[("AGENT_OBSERVABILITY_RESOURCE_DETECTION_TIMEOUT", "fast")]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "AGENT_OBSERVABILITY_RESOURCE_DETECTION_TIMEOUT=\"fast\" is invalid: expected a duration \
         in milliseconds such as 10000, or with a unit: 10s, 500ms"
    );
    let error = config(&[
        ("AGENT_OBSERVABILITY_RESOURCE_DETECTORS", "ec2"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254"),
    ])
    .unwrap_err();
    assert!(
        matches!(error, ConfigError::InvalidValue { ref variable, .. } if variable == "AWS_EC2_METADATA_SERVICE_ENDPOINT")
    );
}

#[test]
fn a_long_timeout_is_clamped_with_a_warning() {
    let c = config(&[("AGENT_OBSERVABILITY_RESOURCE_DETECTION_TIMEOUT", "30s")]).unwrap();
    assert_eq!(c.resource_detection.timeout, MAX_RESOURCE_DETECTION_TIMEOUT);
    let warning = c
        .warnings
        .iter()
        .find(|w| w.variable == "AGENT_OBSERVABILITY_RESOURCE_DETECTION_TIMEOUT")
        .expect("a warning");
    assert!(warning.message.contains("5000 ms is used"), "{warning}");
}

#[test]
fn platform_variables_come_from_the_sources_and_are_not_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let dotenv = dir.path().join(".env");
    std::fs::write(
        &dotenv,
        "AWS_LAMBDA_FUNCTION_NAME=from-dotenv\nAWS_LAMBDA_FUNCTION_MEMORY_SIZE=256\n",
    )
    .unwrap();
    let c = Config::builder()
        .vars([
            ("AWS_LAMBDA_FUNCTION_NAME", "from-vars"),
            (
                "ECS_CONTAINER_METADATA_URI_V4",
                "http://169.254.170.2/v4/abc",
            ),
            ("KUBERNETES_SERVICE_HOST", "10.100.0.1"),
            ("KUBERNETES_SERVICE_PORT", "443"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ])
        .dotenv_path(&dotenv)
        .finish()
        .unwrap();
    let d = &c.resource_detection;
    let lambda = d.lambda.as_ref().unwrap();
    assert_eq!(lambda.function_name, "from-vars");
    assert_eq!(lambda.memory_size_mb, Some(256));
    assert_eq!(
        d.ecs_metadata_uri.as_deref(),
        Some("http://169.254.170.2/v4/abc")
    );
    assert_eq!(
        d.kubernetes.as_ref().unwrap().base_url(),
        "https://10.100.0.1:443"
    );
    assert!(d.ec2_metadata_disabled);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn the_experimental_otel_variable_points_to_ours() {
    let c = config(&[("OTEL_EXPERIMENTAL_RESOURCE_DETECTORS", "aws_ec2")]).unwrap();
    assert_eq!(c.warnings.len(), 1);
    assert_eq!(
        c.warnings[0].variable,
        "OTEL_EXPERIMENTAL_RESOURCE_DETECTORS"
    );
}
