//! GenAI content capture (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`), where captured
//! content goes, its per-value size cap, and the `tracing` subscriber switch.

use std::fmt;

use crate::parse::{self, invalid};
use crate::source::Sources;
use crate::ConfigError;

/// The capture switch, in the boolean form ADOT reads and the enumerated form of the OpenTelemetry
/// GenAI utilities.
pub(crate) const CAPTURE_VARIABLE: &str = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";
/// `expected` text of the capture switch.
pub(crate) const CAPTURE_EXPECTED: &str =
    "true, false, no_content, span_only, event_only or span_and_event";
/// The per-value size cap of captured content, in bytes.
pub(crate) const MAX_BYTES_VARIABLE: &str = "AGENT_OBSERVABILITY_CONTENT_MAX_BYTES";
/// `expected` text of the size cap.
pub(crate) const MAX_BYTES_EXPECTED: &str = "a number of bytes such as 16384, or 0 for no limit";
/// Whether `init()` installs a global `tracing` subscriber.
pub(crate) const TRACING_SUBSCRIBER_VARIABLE: &str = "AGENT_OBSERVABILITY_TRACING_SUBSCRIBER";
/// The default per-value cap: 16 KiB.
pub const DEFAULT_CONTENT_MAX_BYTES: usize = 16 * 1024;

/// Where captured GenAI content (prompts, completions, tool arguments and results) is recorded.
///
/// Read from `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`: `span_only`, `event_only` and
/// `span_and_event` name a destination; `true` (or capture switched on in code, or agent mode)
/// takes the default: [`Both`](Self::Both) in agent mode unless
/// `AWS_GENAI_CONTENT_EXTRACTION_OPT_OUT=true`, else [`SpanAttributes`](Self::SpanAttributes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ContentDestination {
    /// Span attributes: `gen_ai.input.messages`, `gen_ai.output.messages`,
    /// `gen_ai.system_instructions`, `gen_ai.tool.call.arguments`, `gen_ai.tool.call.result`.
    SpanAttributes,
    /// Log records (events) correlated with the span: `gen_ai.system.message`,
    /// `gen_ai.user.message`, `gen_ai.assistant.message`, `gen_ai.tool.message`, `gen_ai.choice`.
    LogEvents,
    /// Both span attributes and log events.
    Both,
}

impl ContentDestination {
    /// Whether content is recorded as span attributes.
    pub fn to_spans(self) -> bool {
        matches!(self, Self::SpanAttributes | Self::Both)
    }

    /// Whether content is emitted as log events.
    pub fn to_logs(self) -> bool {
        matches!(self, Self::LogEvents | Self::Both)
    }
}

impl fmt::Display for ContentDestination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SpanAttributes => "span_only",
            Self::LogEvents => "event_only",
            Self::Both => "span_and_event",
        })
    }
}

/// The capture switch and destination. `code` is the value set with
/// `ConfigBuilder::capture_message_content`; it replaces the variable.
pub(crate) fn capture(
    src: &Sources,
    code: Option<bool>,
    agent: bool,
    extraction_opt_out: bool,
) -> Result<(bool, ContentDestination), ConfigError> {
    // Agent mode keeps content on spans (AgentCore evaluations read spans) and also emits the log
    // events ADOT produces; ADOT's opt-out means "keep it on spans only".
    let default_destination = if agent && !extraction_opt_out {
        ContentDestination::Both
    } else {
        ContentDestination::SpanAttributes
    };
    if let Some(on) = code {
        return Ok((on, default_destination));
    }
    let Some(raw) = src.get(CAPTURE_VARIABLE) else {
        return Ok((agent, default_destination));
    };
    let value = raw.trim();
    let is = |name: &str| value.eq_ignore_ascii_case(name);
    if is("true") {
        Ok((true, default_destination))
    } else if is("false") || is("no_content") {
        Ok((false, default_destination))
    } else if is("span_only") {
        Ok((true, ContentDestination::SpanAttributes))
    } else if is("event_only") {
        Ok((true, ContentDestination::LogEvents))
    } else if is("span_and_event") {
        Ok((true, ContentDestination::Both))
    } else {
        Err(invalid(CAPTURE_VARIABLE, raw, CAPTURE_EXPECTED))
    }
}

/// `AGENT_OBSERVABILITY_CONTENT_MAX_BYTES`: `None` means no cap.
pub(crate) fn max_bytes(src: &Sources) -> Result<Option<usize>, ConfigError> {
    let Some(raw) = src.get(MAX_BYTES_VARIABLE) else {
        return Ok(Some(DEFAULT_CONTENT_MAX_BYTES));
    };
    match raw.trim().parse::<usize>() {
        Ok(0) => Ok(None),
        Ok(n) => Ok(Some(n)),
        Err(_) => Err(invalid(MAX_BYTES_VARIABLE, raw, MAX_BYTES_EXPECTED)),
    }
}

/// `AGENT_OBSERVABILITY_TRACING_SUBSCRIBER` (default `true`).
pub(crate) fn tracing_subscriber(src: &Sources) -> Result<bool, ConfigError> {
    match src.get(TRACING_SUBSCRIBER_VARIABLE) {
        Some(raw) => parse::boolean(TRACING_SUBSCRIBER_VARIABLE, raw),
        None => Ok(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_read_and_display_as_the_semconv_values() {
        assert!(ContentDestination::Both.to_spans() && ContentDestination::Both.to_logs());
        assert!(!ContentDestination::LogEvents.to_spans());
        assert!(!ContentDestination::SpanAttributes.to_logs());
        assert_eq!(ContentDestination::LogEvents.to_string(), "event_only");
    }
}
