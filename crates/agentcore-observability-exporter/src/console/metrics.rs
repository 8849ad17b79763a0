//! [`ConsoleMetricExporter`]: a compact summary of every metric on each collection.

use std::fmt;
use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use opentelemetry::KeyValue;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, Metric, MetricData, ResourceMetrics};
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::Temporality;

use super::format;
use super::output::{Painter, Sink, Style};

/// Data points printed per metric; the rest are counted.
const MAX_POINTS_PER_METRIC: usize = 10;
/// Longest attribute value shown.
const MAX_VALUE_CHARS: usize = 60;

/// Prints, on each collection, one line per metric data point:
/// `name (unit) kind: value {attributes}`.
///
/// ```text
/// metrics @ 12:34:56.789
///   gen_ai.client.token.usage ({token}) histogram: count=2 sum=21 min=10 max=11 {gen_ai.token.type=input}
///   agent.invocations counter: 3 {gen_ai.agent.name=weather}
/// ```
///
/// At most 10 data points are shown per metric, then `… N more`. Temporality is cumulative
/// unless changed with [`with_temporality`](Self::with_temporality).
///
/// ```
/// use agentcore_observability_exporter::console::ConsoleMetricExporter;
/// use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
///
/// let provider = SdkMeterProvider::builder()
///     .with_reader(PeriodicReader::builder(ConsoleMetricExporter::new()).build())
///     .build();
/// # let _ = provider.shutdown();
/// ```
pub struct ConsoleMetricExporter {
    sink: Sink,
    temporality: Temporality,
    is_shutdown: AtomicBool,
}

impl ConsoleMetricExporter {
    /// A cumulative exporter writing to stdout, coloured when stdout is a terminal and
    /// `NO_COLOR` is unset.
    pub fn new() -> Self {
        ConsoleMetricExporter {
            sink: Sink::stdout(),
            temporality: Temporality::Cumulative,
            is_shutdown: AtomicBool::new(false),
        }
    }

    /// Write to `writer` instead of stdout (colour then defaults to off).
    ///
    /// ```
    /// use agentcore_observability_exporter::console::ConsoleMetricExporter;
    ///
    /// let exporter = ConsoleMetricExporter::new().with_writer(std::io::stderr());
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

    /// Ask the SDK for this temporality (default cumulative: totals since start, which is
    /// what a person scanning the console expects).
    ///
    /// ```
    /// use agentcore_observability_exporter::console::ConsoleMetricExporter;
    /// use opentelemetry_sdk::metrics::Temporality;
    ///
    /// let exporter = ConsoleMetricExporter::new().with_temporality(Temporality::Delta);
    /// ```
    pub fn with_temporality(mut self, temporality: Temporality) -> Self {
        self.temporality = temporality;
        self
    }

    fn export_metrics(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        if self.is_shutdown.load(Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        let painter = self.sink.painter();
        let mut body = String::new();
        for metric in metrics.scope_metrics().flat_map(|scope| scope.metrics()) {
            metric_lines(painter, metric, &mut body);
        }
        // An idle collection would otherwise print a bare header every interval.
        if body.is_empty() {
            return Ok(());
        }
        let mut text = String::new();
        let header = format!("metrics @ {}", format::time_of_day(SystemTime::now()));
        painter.push(&mut text, Style::Dim, &header);
        text.push('\n');
        text.push_str(&body);
        self.sink.write(&text);
        Ok(())
    }
}

impl Default for ConsoleMetricExporter {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ConsoleMetricExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsoleMetricExporter")
            .field("sink", &self.sink)
            .field("temporality", &self.temporality)
            .field("is_shutdown", &self.is_shutdown.load(Ordering::Relaxed))
            .finish()
    }
}

impl PushMetricExporter for ConsoleMetricExporter {
    fn export(&self, metrics: &ResourceMetrics) -> impl Future<Output = OTelSdkResult> + Send {
        // Printing is synchronous; render now so the future borrows nothing.
        std::future::ready(self.export_metrics(metrics))
    }

    fn force_flush(&self) -> OTelSdkResult {
        // Every export is written immediately; nothing is held back.
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        self.is_shutdown.store(true, Ordering::Relaxed);
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        self.temporality
    }
}

/// A number as printed in a summary.
trait Number: Copy {
    fn show(self) -> String;
}

impl Number for u64 {
    fn show(self) -> String {
        self.to_string()
    }
}

impl Number for i64 {
    fn show(self) -> String {
        self.to_string()
    }
}

impl Number for f64 {
    fn show(self) -> String {
        format::number(self)
    }
}

/// One metric's kind and its data points as `(attributes, value)` text.
struct Summary {
    kind: &'static str,
    points: Vec<(String, String)>,
}

/// Append the lines for one metric: one per data point, sorted by attributes so successive
/// collections line up, capped at [`MAX_POINTS_PER_METRIC`].
fn metric_lines(p: Painter, metric: &Metric, out: &mut String) {
    let mut summary = match metric.data() {
        AggregatedMetrics::F64(data) => summarize(data),
        AggregatedMetrics::U64(data) => summarize(data),
        AggregatedMetrics::I64(data) => summarize(data),
    };
    summary.points.sort();
    let mut prefix = String::from("  ");
    p.push(&mut prefix, Style::Bold, &format::one_line(metric.name()));
    if !metric.unit().is_empty() {
        prefix.push_str(&format!(" ({})", format::one_line(metric.unit())));
    }
    prefix.push(' ');
    p.push(&mut prefix, Style::Cyan, summary.kind);
    prefix.push_str(": ");
    for (attrs, value) in summary.points.iter().take(MAX_POINTS_PER_METRIC) {
        out.push_str(&prefix);
        out.push_str(value);
        if !attrs.is_empty() {
            out.push(' ');
            p.push(out, Style::Dim, attrs);
        }
        out.push('\n');
    }
    let hidden = summary.points.len().saturating_sub(MAX_POINTS_PER_METRIC);
    if hidden > 0 {
        p.push(out, Style::Dim, &format!("    … {hidden} more\n"));
    }
}

fn summarize<T: Number>(data: &MetricData<T>) -> Summary {
    match data {
        MetricData::Gauge(gauge) => Summary {
            kind: "gauge",
            points: gauge
                .data_points()
                .map(|dp| (attributes(dp.attributes()), dp.value().show()))
                .collect(),
        },
        MetricData::Sum(sum) => Summary {
            kind: if sum.is_monotonic() {
                "counter"
            } else {
                "updown_counter"
            },
            points: sum
                .data_points()
                .map(|dp| (attributes(dp.attributes()), dp.value().show()))
                .collect(),
        },
        MetricData::Histogram(hist) => Summary {
            kind: "histogram",
            points: hist
                .data_points()
                .map(|dp| {
                    let stats = distribution(dp.count(), dp.sum(), dp.min(), dp.max());
                    (attributes(dp.attributes()), stats)
                })
                .collect(),
        },
        MetricData::ExponentialHistogram(hist) => Summary {
            kind: "exp_histogram",
            points: hist
                .data_points()
                .map(|dp| {
                    let stats = distribution(dp.count() as u64, dp.sum(), dp.min(), dp.max());
                    (attributes(dp.attributes()), stats)
                })
                .collect(),
        },
    }
}

/// `count=N sum=S min=A max=B`; buckets are left out, they rarely fit on a line.
fn distribution<T: Number>(count: u64, sum: T, min: Option<T>, max: Option<T>) -> String {
    let mut text = format!("count={count} sum={}", sum.show());
    if let Some(min) = min {
        text.push_str(&format!(" min={}", min.show()));
    }
    if let Some(max) = max {
        text.push_str(&format!(" max={}", max.show()));
    }
    text
}

/// `{a=1, b=x}` sorted by key, or empty when there are none.
fn attributes<'a>(attrs: impl Iterator<Item = &'a KeyValue>) -> String {
    let mut pairs: Vec<String> = attrs
        .map(|kv| {
            let value = format::value(&kv.value, MAX_VALUE_CHARS);
            format::key_value(&format::one_line(kv.key.as_str()), &value)
        })
        .collect();
    if pairs.is_empty() {
        return String::new();
    }
    pairs.sort();
    format!("{{{}}}", pairs.join(", "))
}

#[cfg(test)]
mod tests {
    use opentelemetry::metrics::MeterProvider as _;
    use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};

    use super::*;
    use crate::console::output::test_support::{block_on, SharedBuf};

    fn setup(exporter: ConsoleMetricExporter) -> (SdkMeterProvider, SharedBuf) {
        let buf = SharedBuf::default();
        let exporter = exporter.with_writer(buf.clone());
        let provider = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(exporter).build())
            .build();
        (provider, buf)
    }

    #[test]
    fn counter_and_histogram_are_summarised() {
        let (provider, buf) = setup(ConsoleMetricExporter::new());
        let meter = provider.meter("console-test");
        let counter = meter.u64_counter("agent.invocations").build();
        counter.add(2, &[KeyValue::new("gen_ai.agent.name", "weather")]);
        counter.add(1, &[KeyValue::new("gen_ai.agent.name", "weather")]);
        let histogram = meter
            .f64_histogram("gen_ai.client.operation.duration")
            .with_unit("s")
            .build();
        let chat = [KeyValue::new("gen_ai.operation.name", "chat")];
        histogram.record(0.5, &chat);
        histogram.record(1.25, &chat);
        let gauge = meter.i64_up_down_counter("sessions.active").build();
        gauge.add(-2, &[]);
        provider.force_flush().unwrap();

        let text = buf.text();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("metrics @ "), "{text}");
        let body = lines[1..].join("\n");
        for expected in [
            "  agent.invocations counter: 3 {gen_ai.agent.name=weather}",
            "  gen_ai.client.operation.duration (s) histogram: count=2 sum=1.75 min=0.5 max=1.25 \
             {gen_ai.operation.name=chat}",
            "  sessions.active updown_counter: -2",
        ] {
            assert!(
                body.lines().any(|l| l == expected),
                "missing {expected:?} in\n{text}"
            );
        }
        assert!(!text.contains('\x1b'));
        // Cumulative: a second collection reports totals again.
        counter.add(1, &[KeyValue::new("gen_ai.agent.name", "weather")]);
        provider.force_flush().unwrap();
        assert!(buf.text().contains("agent.invocations counter: 4 "));
    }

    #[test]
    fn data_points_per_metric_are_capped() {
        let (provider, buf) = setup(ConsoleMetricExporter::new());
        let counter = provider.meter("t").u64_counter("calls").build();
        for i in 0..15 {
            counter.add(1, &[KeyValue::new("tool", format!("tool-{i:02}"))]);
        }
        provider.force_flush().unwrap();
        let text = buf.text();
        assert_eq!(text.matches("  calls counter: 1 ").count(), 10, "{text}");
        assert!(text.contains("\n    … 5 more\n"), "{text}");
        // Sorted by attributes, so the first ten are shown in order.
        assert!(text.contains("{tool=tool-00}") && !text.contains("{tool=tool-14}"));
    }

    #[test]
    fn idle_collections_print_nothing_and_temporality_is_configurable() {
        let (provider, buf) = setup(ConsoleMetricExporter::new());
        provider.force_flush().unwrap();
        assert_eq!(buf.text(), "");

        assert_eq!(
            ConsoleMetricExporter::new().temporality(),
            Temporality::Cumulative
        );
        let delta = ConsoleMetricExporter::new().with_temporality(Temporality::Delta);
        assert_eq!(delta.temporality(), Temporality::Delta);
        assert!(format!("{delta:?}").contains("Delta"));
    }

    #[test]
    fn export_after_shutdown_is_refused() {
        let exporter = ConsoleMetricExporter::new().with_writer(SharedBuf::default());
        exporter.shutdown().unwrap();
        let result = block_on(exporter.export(&ResourceMetrics::default()));
        assert!(matches!(result, Err(OTelSdkError::AlreadyShutdown)));
    }
}
