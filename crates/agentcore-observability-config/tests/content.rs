//! GenAI content capture, its destination and size cap, and the `tracing` subscriber switch.

use agentcore_observability_config::{
    Config, ConfigError, ContentDestination, DEFAULT_CONTENT_MAX_BYTES,
};

fn cfg(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::builder().vars(vars.to_vec()).no_dotenv().finish()
}

fn ok(vars: &[(&str, &str)]) -> Config {
    cfg(vars).unwrap_or_else(|e| panic!("{vars:?} should resolve, got: {e}"))
}

const AGENT: (&str, &str) = ("AGENT_OBSERVABILITY_ENABLED", "true");
/// Agent mode needs to know where traces and logs go; a collector avoids the region lookup.
const COLLECTOR: (&str, &str) = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318");
const CAPTURE: &str = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";
const OPT_OUT: &str = "AWS_GENAI_CONTENT_EXTRACTION_OPT_OUT";

#[test]
fn defaults() {
    let c = ok(&[]);
    assert!(!c.capture_message_content);
    assert_eq!(c.content_destination, ContentDestination::SpanAttributes);
    assert_eq!(c.content_max_bytes, Some(DEFAULT_CONTENT_MAX_BYTES));
    assert_eq!(DEFAULT_CONTENT_MAX_BYTES, 16 * 1024);
    assert!(c.install_tracing_subscriber);

    // Agent mode: on, kept on spans and also sent as log events.
    let c = ok(&[AGENT, COLLECTOR]);
    assert!(c.capture_message_content);
    assert_eq!(c.content_destination, ContentDestination::Both);

    // ADOT's opt-out keeps content on spans only.
    let c = ok(&[AGENT, COLLECTOR, (OPT_OUT, "true")]);
    assert!(c.capture_message_content);
    assert_eq!(c.content_destination, ContentDestination::SpanAttributes);
}

#[test]
fn capture_values() {
    for (value, on, destination) in [
        ("true", true, ContentDestination::SpanAttributes),
        (" TRUE ", true, ContentDestination::SpanAttributes),
        ("false", false, ContentDestination::SpanAttributes),
        ("no_content", false, ContentDestination::SpanAttributes),
        ("NO_CONTENT", false, ContentDestination::SpanAttributes),
        ("span_only", true, ContentDestination::SpanAttributes),
        ("SPAN_ONLY", true, ContentDestination::SpanAttributes),
        ("event_only", true, ContentDestination::LogEvents),
        ("Event_Only", true, ContentDestination::LogEvents),
        ("span_and_event", true, ContentDestination::Both),
        ("SPAN_AND_EVENT", true, ContentDestination::Both),
    ] {
        let c = ok(&[(CAPTURE, value)]);
        assert_eq!(c.capture_message_content, on, "{value}");
        assert_eq!(c.content_destination, destination, "{value}");
    }
    // `true` in agent mode takes the agent-mode destination; an explicit one wins over it.
    let c = ok(&[AGENT, COLLECTOR, (CAPTURE, "true")]);
    assert_eq!(c.content_destination, ContentDestination::Both);
    let c = ok(&[AGENT, COLLECTOR, (CAPTURE, "event_only"), (OPT_OUT, "true")]);
    assert_eq!(c.content_destination, ContentDestination::LogEvents);
    let c = ok(&[AGENT, COLLECTOR, (CAPTURE, "false")]);
    assert!(!c.capture_message_content);
}

#[test]
fn capture_set_in_code_wins() {
    let c = Config::builder()
        .vars([(CAPTURE, "span_only")])
        .no_dotenv()
        .capture_message_content(false)
        .finish()
        .unwrap();
    assert!(!c.capture_message_content);
    let c = Config::builder()
        .vars([AGENT, COLLECTOR, (CAPTURE, "not even valid")])
        .no_dotenv()
        .capture_message_content(true)
        .finish()
        .unwrap();
    assert!(c.capture_message_content);
    assert_eq!(c.content_destination, ContentDestination::Both);
}

#[test]
fn bad_capture_value_is_a_typed_error() {
    let error = cfg(&[(CAPTURE, "yes please")]).unwrap_err();
    assert_eq!(
        error,
        ConfigError::InvalidValue {
            variable: CAPTURE.into(),
            value: "yes please".into(),
            expected: "true, false, no_content, span_only, event_only or span_and_event".into(),
        }
    );
    assert_eq!(
        error.to_string(),
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=\"yes please\" is invalid: expected \
         true, false, no_content, span_only, event_only or span_and_event"
    );
}

#[test]
fn max_bytes() {
    const VAR: &str = "AGENT_OBSERVABILITY_CONTENT_MAX_BYTES";
    assert_eq!(ok(&[(VAR, "4096")]).content_max_bytes, Some(4096));
    assert_eq!(ok(&[(VAR, " 1 ")]).content_max_bytes, Some(1));
    assert_eq!(ok(&[(VAR, "0")]).content_max_bytes, None);
    for bad in ["-1", "16KiB", "1.5", "lots", "99999999999999999999999"] {
        let error = cfg(&[(VAR, bad)]).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "{VAR}={bad:?} is invalid: expected a number of bytes such as 16384, or 0 for no limit"
            )
        );
    }
}

#[test]
fn tracing_subscriber_switch() {
    const VAR: &str = "AGENT_OBSERVABILITY_TRACING_SUBSCRIBER";
    assert!(!ok(&[(VAR, "false")]).install_tracing_subscriber);
    assert!(ok(&[(VAR, "TRUE")]).install_tracing_subscriber);
    assert!(cfg(&[(VAR, "off")]).unwrap_err().to_string().starts_with(
        "AGENT_OBSERVABILITY_TRACING_SUBSCRIBER=\"off\" is invalid: expected true or false"
    ));
}

#[test]
fn new_variables_are_known() {
    let c = ok(&[
        ("AGENT_OBSERVABILITY_CONTENT_MAX_BYTES", "10"),
        ("AGENT_OBSERVABILITY_TRACING_SUBSCRIBER", "false"),
    ]);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn content_and_bridge_settings_can_be_set_in_code() {
    let c = agentcore_observability_config::Config::builder()
        .vars([
            (
                "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
                "false",
            ),
            ("AGENT_OBSERVABILITY_CONTENT_MAX_BYTES", "10"),
            ("AGENT_OBSERVABILITY_TRACING_SUBSCRIBER", "true"),
        ])
        .no_dotenv()
        .content_destination(agentcore_observability_config::ContentDestination::LogEvents)
        .content_max_bytes(None)
        .install_tracing_subscriber(false)
        .finish()
        .expect("config");
    assert!(
        c.capture_message_content,
        "a destination set in code turns capture on"
    );
    assert_eq!(
        c.content_destination,
        agentcore_observability_config::ContentDestination::LogEvents
    );
    assert_eq!(c.content_max_bytes, None);
    assert!(!c.install_tracing_subscriber);
}
