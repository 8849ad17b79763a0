//! Where values come from: `.env` files layered under the variables, and the region read from the
//! shared AWS config file. Files are temporary; the process environment is never touched.

use std::io::Write;

use agentcore_observability_config::{Config, ConfigError, RegionSource};

fn file(contents: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    f.write_all(contents.as_bytes()).expect("write temp file");
    f
}

// ---------------------------------------------------------------------------------------------
// .env

#[test]
fn dotenv_value_used_when_the_environment_lacks_it() {
    let env = file("OTEL_SERVICE_NAME=from-file\nOTEL_TRACES_EXPORTER=console\n");
    let c = Config::builder()
        .vars([("OTEL_TRACES_EXPORTER", "otlp")])
        .dotenv_path(env.path())
        .finish()
        .unwrap();
    assert_eq!(c.service_name.as_deref(), Some("from-file"));
    // The environment beats the file.
    assert_eq!(
        c.traces.exporters,
        vec![agentcore_observability_config::SpanExporterKind::Otlp]
    );
}

#[test]
fn code_beats_environment_beats_file() {
    let env = file("OTEL_SERVICE_NAME=from-file\nAWS_REGION=eu-west-1\n");
    let c = Config::builder()
        .vars([
            ("OTEL_SERVICE_NAME", "from-env"),
            ("AWS_REGION", "us-west-2"),
        ])
        .dotenv_path(env.path())
        .service_name("from-code")
        .finish()
        .unwrap();
    assert_eq!(c.service_name.as_deref(), Some("from-code"));
    assert_eq!(c.region.unwrap().name, "us-west-2");
}

#[test]
fn empty_environment_value_lets_the_file_through() {
    let env = file("OTEL_SERVICE_NAME=from-file\n");
    let c = Config::builder()
        .vars([("OTEL_SERVICE_NAME", "")])
        .dotenv_path(env.path())
        .finish()
        .unwrap();
    assert_eq!(c.service_name.as_deref(), Some("from-file"));
}

#[test]
fn dotenv_supports_comments_quotes_and_export() {
    let env = file(
        "# AgentCore\n\
         export AGENT_OBSERVABILITY_ENABLED=true\n\
         AWS_REGION='us-east-1'\n\
         OTEL_RESOURCE_ATTRIBUTES=\"service.name=a,aws.log.group.names=/aws/x\"\n\
         OTEL_EXPORTER_OTLP_LOGS_HEADERS=x-aws-log-group=/aws/x,x-aws-log-stream=s\n\
         \n",
    );
    let c = Config::builder()
        .vars(Vec::<(String, String)>::new())
        .dotenv_path(env.path())
        .finish()
        .unwrap();
    assert!(c.agent_observability);
    assert_eq!(
        c.traces.otlp.endpoint,
        "https://xray.us-east-1.amazonaws.com/v1/traces"
    );
    assert_eq!(c.service_name.as_deref(), Some("a"));
}

#[test]
fn first_declaration_in_the_file_wins_with_a_warning() {
    let env = file("OTEL_SERVICE_NAME=first\nOTEL_SERVICE_NAME=second\n");
    let c = Config::builder()
        .vars(Vec::<(String, String)>::new())
        .dotenv_path(env.path())
        .finish()
        .unwrap();
    assert_eq!(c.service_name.as_deref(), Some("first"));
    assert_eq!(c.warnings.len(), 1);
    assert_eq!(c.warnings[0].variable, "OTEL_SERVICE_NAME");
}

#[test]
fn missing_explicit_dotenv_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.env");
    let e = Config::builder()
        .vars(Vec::<(String, String)>::new())
        .dotenv_path(&path)
        .finish()
        .unwrap_err();
    assert_eq!(
        e,
        ConfigError::DotEnv {
            path: path.clone(),
            message: "the file does not exist".to_string()
        }
    );
    assert_eq!(
        e.to_string(),
        format!(".env file {}: the file does not exist", path.display())
    );
}

#[test]
fn malformed_dotenv_line_is_an_error() {
    let env = file("OTEL_SERVICE_NAME=ok\nTHIS LINE IS BROKEN\n");
    let e = Config::builder()
        .vars(Vec::<(String, String)>::new())
        .dotenv_path(env.path())
        .finish()
        .unwrap_err();
    match &e {
        ConfigError::DotEnv { path, message } => {
            assert_eq!(path, env.path());
            assert!(message.contains("THIS LINE IS BROKEN"), "{message}");
        }
        other => panic!("expected a DotEnv error, got {other:?}"),
    }
    assert!(e.to_string().starts_with(".env file "));
}

#[test]
fn bad_value_in_dotenv_names_the_variable() {
    let env = file("OTEL_EXPORTER_OTLP_TIMEOUT=ten\n");
    let e = Config::builder()
        .vars(Vec::<(String, String)>::new())
        .dotenv_path(env.path())
        .finish()
        .unwrap_err();
    assert!(e
        .to_string()
        .starts_with("OTEL_EXPORTER_OTLP_TIMEOUT=\"ten\""));
}

// ---------------------------------------------------------------------------------------------
// Region from the shared config file (tests that expect a region need the `aws-profile` feature)

const PROFILES: &str = "\
[default]
region = eu-west-1

[profile dev]
region = ap-southeast-2

[profile noregion]
output = json
";

#[test]
#[cfg(feature = "aws-profile")]
fn profile_region_from_aws_config_file() {
    let config = file(PROFILES);
    let path = config.path().to_str().unwrap();

    let c = Config::builder()
        .vars([("AWS_CONFIG_FILE", path)])
        .no_dotenv()
        .finish()
        .unwrap();
    let r = c.region.expect("default profile region");
    assert_eq!(r.name, "eu-west-1");
    assert_eq!(r.source, RegionSource::Profile("default".to_string()));

    let c = Config::builder()
        .vars([("AWS_CONFIG_FILE", path), ("AWS_PROFILE", "dev")])
        .no_dotenv()
        .finish()
        .unwrap();
    let r = c.region.expect("dev profile region");
    assert_eq!(r.name, "ap-southeast-2");
    assert_eq!(r.source, RegionSource::Profile("dev".to_string()));

    let c = Config::builder()
        .vars([("AWS_CONFIG_FILE", path), ("AWS_PROFILE", "noregion")])
        .no_dotenv()
        .finish()
        .unwrap();
    assert_eq!(c.region, None);
}

#[test]
#[cfg(feature = "aws-profile")]
fn environment_region_beats_profile() {
    let config = file(PROFILES);
    let path = config.path().to_str().unwrap();
    let c = Config::builder()
        .vars([
            ("AWS_CONFIG_FILE", path),
            ("AWS_DEFAULT_REGION", "us-east-2"),
        ])
        .no_dotenv()
        .finish()
        .unwrap();
    assert_eq!(c.region.unwrap().source, RegionSource::AwsDefaultRegion);
}

#[test]
#[cfg(feature = "aws-profile")]
fn profile_region_drives_agent_mode_endpoints() {
    let config = file(PROFILES);
    let c = Config::builder()
        .vars([
            ("AWS_CONFIG_FILE", config.path().to_str().unwrap()),
            ("AWS_PROFILE", "dev"),
            ("AGENT_OBSERVABILITY_ENABLED", "true"),
            (
                "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
                "x-aws-log-group=/aws/x,x-aws-log-stream=s",
            ),
        ])
        .no_dotenv()
        .finish()
        .unwrap();
    assert_eq!(
        c.logs.otlp.endpoint,
        "https://logs.ap-southeast-2.amazonaws.com/v1/logs"
    );
}

#[test]
fn profile_lookup_can_be_switched_off() {
    let config = file(PROFILES);
    let c = Config::builder()
        .vars([("AWS_CONFIG_FILE", config.path().to_str().unwrap())])
        .no_dotenv()
        .profile_region_lookup(false)
        .finish()
        .unwrap();
    assert_eq!(c.region, None);
}

#[test]
#[cfg(feature = "aws-profile")]
fn missing_profile_file_is_a_warning_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-config");
    let c = Config::builder()
        .vars([("AWS_CONFIG_FILE", path.to_str().unwrap())])
        .no_dotenv()
        .finish()
        .unwrap();
    assert_eq!(c.region, None);
    assert_eq!(c.warnings.len(), 1);
    assert_eq!(c.warnings[0].variable, "AWS_CONFIG_FILE");
}

#[test]
fn malformed_profile_file_yields_no_region() {
    let config = file("this is [not an ini\n===\n");
    let c = Config::builder()
        .vars([("AWS_CONFIG_FILE", config.path().to_str().unwrap())])
        .no_dotenv()
        .finish()
        .unwrap();
    assert_eq!(c.region, None);
}

#[test]
#[cfg(feature = "aws-profile")]
fn invalid_profile_region_is_an_error() {
    let config = file("[default]\nregion = EU_WEST_1\n");
    let e = Config::builder()
        .vars([("AWS_CONFIG_FILE", config.path().to_str().unwrap())])
        .no_dotenv()
        .finish()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "region of AWS profile default=\"EU_WEST_1\" is invalid: expected an AWS region name \
         such as us-east-1"
    );
}

// ---------------------------------------------------------------------------------------------
// The shipped template

#[test]
fn env_template_parses_and_resolves() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.env.template");
    let c = Config::builder()
        .vars(Vec::<(String, String)>::new())
        .dotenv_path(&path)
        .finish()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(c.agent_observability);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert_eq!(
        c.traces.otlp.endpoint,
        "https://xray.us-east-1.amazonaws.com/v1/traces"
    );
    assert_eq!(c.service_name.as_deref(), Some("my-agent"));
    assert_eq!(
        c.cloudwatch.log_group.as_deref(),
        Some("/aws/bedrock-agentcore/runtimes/my-agent-id")
    );
    assert_eq!(c.cloudwatch.log_stream.as_deref(), Some("runtime-logs"));
    assert_eq!(
        c.cloudwatch.metric_namespace.as_deref(),
        Some("bedrock-agentcore")
    );
}

#[test]
fn env_template_optional_lines_parse_when_uncommented() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.env.template");
    let template = std::fs::read_to_string(&path).unwrap();
    // Uncomment every `# NAME=value` line; keep the first of any name (later ones are examples).
    let uncommented: String = template
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest)
                if rest.split_once('=').is_some_and(|(k, _)| {
                    !k.is_empty() && k.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
                }) =>
            {
                rest.to_string()
            }
            _ => l.to_string(),
        })
        .filter(|l| !l.starts_with("OTEL_SDK_DISABLED"))
        .collect::<Vec<_>>()
        .join("\n");
    let env = file(&uncommented);
    let c = Config::builder()
        .vars(Vec::<(String, String)>::new())
        .dotenv_path(env.path())
        .finish()
        .unwrap_or_else(|e| panic!("uncommented template: {e}"));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert_eq!(c.traces.otlp.endpoint, "http://localhost:4318/v1/traces");
    assert!(!c.capture_message_content);
    assert_eq!(c.traces.otlp.timeout, std::time::Duration::from_secs(15));
}
