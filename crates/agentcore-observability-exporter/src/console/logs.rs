//! [`ConsoleLogExporter`]: one line per log record.

use std::fmt;
use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::logs::Severity;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::logs::{LogBatch, LogExporter, SdkLogRecord};

use super::format;
use super::output::{Painter, Sink, Style};

/// Longest body shown; the rest is cut with `…`.
const MAX_BODY_CHARS: usize = 200;
/// Attributes shown per record; the rest are counted.
const MAX_ATTRIBUTES: usize = 6;
/// Longest attribute value shown.
const MAX_VALUE_CHARS: usize = 80;

/// Prints each log record as one line: time, severity, event name, body, a few attributes and
/// the trace context.
///
/// ```text
/// 12:34:56.789 INFO  agent.step  calling tool get_weather  step=2 tool=get_weather  trace=4bf92f35 span=00f067aa
/// ```
///
/// Times are UTC (`HH:MM:SS.mmm`). Maps and lists in the body are shown as compact JSON, and
/// bodies longer than 200 characters are cut.
///
/// ```
/// use agentcore_observability_exporter::console::ConsoleLogExporter;
/// use opentelemetry_sdk::logs::SdkLoggerProvider;
///
/// let provider = SdkLoggerProvider::builder()
///     .with_simple_exporter(ConsoleLogExporter::new())
///     .build();
/// # let _ = provider.shutdown();
/// ```
pub struct ConsoleLogExporter {
    sink: Sink,
    is_shutdown: AtomicBool,
}

impl ConsoleLogExporter {
    /// An exporter writing to stdout, coloured when stdout is a terminal and `NO_COLOR` is unset.
    pub fn new() -> Self {
        ConsoleLogExporter {
            sink: Sink::stdout(),
            is_shutdown: AtomicBool::new(false),
        }
    }

    /// Write to `writer` instead of stdout (colour then defaults to off).
    ///
    /// ```
    /// use agentcore_observability_exporter::console::ConsoleLogExporter;
    ///
    /// let exporter = ConsoleLogExporter::new().with_writer(std::io::stderr());
    /// ```
    pub fn with_writer(self, writer: impl Write + Send + 'static) -> Self {
        self.sink.set_writer(Box::new(writer));
        self
    }

    /// Force ANSI colour on or off, overriding the terminal and `NO_COLOR` detection.
    pub fn with_color(self, color: bool) -> Self {
        self.sink.set_color(color);
        self
    }

    /// Render and write a batch with a single write.
    fn export_batch(&self, batch: &LogBatch<'_>) -> OTelSdkResult {
        if self.is_shutdown.load(Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        let painter = self.sink.painter();
        let mut text = String::new();
        for (record, _scope) in batch.iter() {
            record_line(painter, record, &mut text);
        }
        self.sink.write(&text);
        Ok(())
    }
}

impl Default for ConsoleLogExporter {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ConsoleLogExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsoleLogExporter")
            .field("sink", &self.sink)
            .field("is_shutdown", &self.is_shutdown.load(Ordering::Relaxed))
            .finish()
    }
}

impl LogExporter for ConsoleLogExporter {
    fn export(&self, batch: LogBatch<'_>) -> impl Future<Output = OTelSdkResult> + Send {
        // Printing is synchronous; render now so the future borrows nothing.
        std::future::ready(self.export_batch(&batch))
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        self.is_shutdown.store(true, Ordering::Relaxed);
        Ok(())
    }
}

/// Append one record's line (with its newline) to `out`.
fn record_line(p: Painter, record: &SdkLogRecord, out: &mut String) {
    let time = record.timestamp().or_else(|| record.observed_timestamp());
    let time = time.map_or_else(|| "--:--:--.---".to_owned(), format::time_of_day);
    p.push(out, Style::Dim, &time);
    out.push(' ');
    severity(p, record, out);
    if let Some(name) = record.event_name() {
        out.push_str("  ");
        p.push(out, Style::Bold, &format::one_line(name));
    }
    if let Some(body) = record.body() {
        out.push_str("  ");
        out.push_str(&format::any_value(body, MAX_BODY_CHARS));
    }
    attributes(p, record, out);
    if let Some(cx) = record.trace_context() {
        out.push_str("  ");
        let ids = format!(
            "trace={} span={}",
            format::short_trace_id(cx.trace_id),
            format::short_span_id(cx.span_id)
        );
        p.push(out, Style::Dim, &ids);
    }
    out.push('\n');
}

/// The severity text as given (or the normalised name), padded so bodies line up.
fn severity(p: Painter, record: &SdkLogRecord, out: &mut String) {
    let number = record.severity_number();
    let text = record
        .severity_text()
        .or_else(|| number.map(|n| n.name()))
        .unwrap_or("-");
    p.push(out, severity_style(number, text), &format!("{text:<5}"));
}

/// Red for errors and worse, yellow for warnings, green for info, dim below that. The
/// number decides when present; otherwise the text's usual spellings do.
fn severity_style(number: Option<Severity>, text: &str) -> Style {
    let number = number.unwrap_or_else(|| match text.to_ascii_uppercase().as_str() {
        "FATAL" | "CRITICAL" | "ERROR" => Severity::Error,
        "WARN" | "WARNING" => Severity::Warn,
        "INFO" => Severity::Info,
        _ => Severity::Debug,
    });
    if number >= Severity::Error {
        Style::Red
    } else if number >= Severity::Warn {
        Style::Yellow
    } else if number >= Severity::Info {
        Style::Green
    } else {
        Style::Dim
    }
}

/// Up to [`MAX_ATTRIBUTES`] `key=value` pairs in record order, then a count of the rest.
fn attributes(p: Painter, record: &SdkLogRecord, out: &mut String) {
    let mut shown = 0;
    let mut hidden = 0;
    for (key, value) in record.attributes_iter() {
        if shown == MAX_ATTRIBUTES {
            hidden += 1;
            continue;
        }
        out.push_str(if shown == 0 { "  " } else { " " });
        let value = format::any_value(value, MAX_VALUE_CHARS);
        out.push_str(&format::key_value(&format::one_line(key.as_str()), &value));
        shown += 1;
    }
    if hidden > 0 {
        out.push(' ');
        p.push(out, Style::Dim, &format!("+{hidden} more"));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::{Duration, UNIX_EPOCH};

    use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _};
    use opentelemetry::trace::{
        SpanId, TraceContextExt, TraceId, Tracer as _, TracerProvider as _,
    };
    use opentelemetry_sdk::logs::{SdkLogger, SdkLoggerProvider};
    use opentelemetry_sdk::trace::SdkTracerProvider;

    use super::*;
    use crate::console::output::test_support::{BrokenPipe, SharedBuf};

    fn setup(color: bool) -> (SdkLoggerProvider, SdkLogger, SharedBuf) {
        let buf = SharedBuf::default();
        let exporter = ConsoleLogExporter::new()
            .with_writer(buf.clone())
            .with_color(color);
        let provider = SdkLoggerProvider::builder()
            .with_simple_exporter(exporter)
            .build();
        let logger = provider.logger("console-test");
        (provider, logger, buf)
    }

    #[test]
    fn full_record_is_one_line() {
        let (_provider, logger, buf) = setup(false);
        let mut record = logger.create_log_record();
        record.set_timestamp(UNIX_EPOCH + Duration::from_millis(1_700_000_000_123));
        record.set_severity_number(Severity::Warn);
        record.set_severity_text("WARN");
        record.set_event_name("agent.step");
        record.set_body("calling tool\nget_weather".into());
        record.add_attribute("step", 2);
        record.add_attribute("note", "two words");
        record.set_trace_context(
            TraceId::from(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736_u128),
            SpanId::from(0x00f0_67aa_0ba9_02b7_u64),
            None,
        );
        logger.emit(record);
        assert_eq!(
            buf.text(),
            "22:13:20.123 WARN   agent.step  calling tool\\nget_weather  step=2 note=\"two words\"  \
             trace=4bf92f35 span=00f067aa\n"
        );
    }

    #[test]
    fn maps_lists_long_bodies_and_many_attributes_are_compact() {
        let (_provider, logger, buf) = setup(false);
        let mut map = HashMap::new();
        map.insert("role".into(), AnyValue::from("user"));
        map.insert(
            "content".into(),
            AnyValue::ListAny(Box::new(vec![AnyValue::from("hi"), AnyValue::Int(3)])),
        );
        let mut record = logger.create_log_record();
        record.set_severity_number(Severity::Info);
        record.set_body(AnyValue::Map(Box::new(map)));
        logger.emit(record);

        let mut record = logger.create_log_record();
        record.set_body("x".repeat(500).into());
        for i in 0..9 {
            record.add_attribute(format!("k{i}"), i);
        }
        logger.emit(record);

        let text = buf.text();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].ends_with(r#" INFO   {"content":["hi",3],"role":"user"}"#),
            "{text}"
        );
        let long = format!("{}…", "x".repeat(199));
        assert!(lines[1].contains(&format!(" -      {long}  ")), "{text}");
        assert!(
            lines[1].ends_with("k0=0 k1=1 k2=2 k3=3 k4=4 k5=5 +3 more"),
            "{text}"
        );
    }

    #[test]
    fn active_span_context_is_shown() {
        let (_provider, logger, buf) = setup(false);
        let tracer_provider = SdkTracerProvider::builder().build();
        let tracer = tracer_provider.tracer("t");
        let trace_id = tracer.in_span("work", |cx| {
            let mut record = logger.create_log_record();
            record.set_body("inside".into());
            logger.emit(record);
            cx.span().span_context().trace_id()
        });
        let short = &trace_id.to_string()[..8];
        assert!(
            buf.text().contains(&format!("inside  trace={short} span=")),
            "{}",
            buf.text()
        );
    }

    #[test]
    fn colour_follows_severity_and_can_be_disabled() {
        let (_provider, logger, buf) = setup(true);
        let mut record = logger.create_log_record();
        record.set_severity_text("ERROR");
        record.set_body("boom".into());
        logger.emit(record);
        assert!(
            buf.text().contains("\x1b[31mERROR\x1b[0m"),
            "{:?}",
            buf.text()
        );

        let (_provider, logger, buf) = setup(false);
        let mut record = logger.create_log_record();
        record.set_severity_text("ERROR");
        logger.emit(record);
        assert!(!buf.text().contains('\x1b'));
    }

    #[test]
    fn broken_pipe_and_shutdown_are_quiet() {
        let exporter = ConsoleLogExporter::new().with_writer(BrokenPipe);
        let provider = SdkLoggerProvider::builder()
            .with_simple_exporter(exporter)
            .build();
        let logger = provider.logger("t");
        let mut record = logger.create_log_record();
        record.set_body("lost".into());
        logger.emit(record);
        provider.shutdown().unwrap();
    }
}
