//! Decoded telemetry items, flattened out of their resource and scope envelopes:
//! [`ReceivedSpan`], [`ReceivedLog`] and [`ReceivedMetric`].

use std::time::Duration;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value::Value, AnyValue, InstrumentationScope, KeyValue,
};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, SeverityNumber};
use opentelemetry_proto::tonic::metrics::v1::{metric::Data, number_data_point, Metric};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{
    span::{Event, Link, SpanKind},
    status::StatusCode,
    Span,
};

use crate::value::{self, find_attr, to_hex};

/// One span, with the resource and instrumentation scope it was sent under.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedSpan {
    /// The resource attributes of the enclosing `ResourceSpans`.
    pub resource: Vec<KeyValue>,
    /// The instrumentation scope name (empty if none was sent).
    pub scope_name: String,
    /// The instrumentation scope version (empty if none was sent).
    pub scope_version: String,
    /// The span itself.
    pub span: Span,
}

impl ReceivedSpan {
    /// The span name.
    pub fn name(&self) -> &str {
        &self.span.name
    }

    /// The span kind (`Unspecified` for values this proto version does not know).
    pub fn kind(&self) -> SpanKind {
        SpanKind::try_from(self.span.kind).unwrap_or(SpanKind::Unspecified)
    }

    /// The span attribute `key`.
    pub fn attr(&self, key: &str) -> Option<&AnyValue> {
        find_attr(&self.span.attributes, key)
    }

    /// The span attribute `key`, if it is a string.
    pub fn attr_str(&self, key: &str) -> Option<&str> {
        self.attr(key).and_then(value::as_str)
    }

    /// The span attribute `key`, if it is an integer.
    pub fn attr_i64(&self, key: &str) -> Option<i64> {
        self.attr(key).and_then(value::as_i64)
    }

    /// The span attribute `key`, if it is a double.
    pub fn attr_f64(&self, key: &str) -> Option<f64> {
        self.attr(key).and_then(value::as_f64)
    }

    /// The span attribute `key`, if it is a boolean.
    pub fn attr_bool(&self, key: &str) -> Option<bool> {
        self.attr(key).and_then(value::as_bool)
    }

    /// The resource attribute `key`.
    pub fn resource_attr(&self, key: &str) -> Option<&AnyValue> {
        find_attr(&self.resource, key)
    }

    /// The resource attribute `key`, if it is a string.
    pub fn resource_attr_str(&self, key: &str) -> Option<&str> {
        self.resource_attr(key).and_then(value::as_str)
    }

    /// The trace id as 32 lowercase hex digits (as sent; empty string if none was sent).
    pub fn trace_id_hex(&self) -> String {
        to_hex(&self.span.trace_id)
    }

    /// The span id as 16 lowercase hex digits (as sent; empty string if none was sent).
    pub fn span_id_hex(&self) -> String {
        to_hex(&self.span.span_id)
    }

    /// The parent span id in hex, or `None` for a root span (empty or all-zero id).
    pub fn parent_span_id_hex(&self) -> Option<String> {
        value::id_hex(&self.span.parent_span_id)
    }

    /// The status code (`Unset` when no status was sent).
    pub fn status_code(&self) -> StatusCode {
        self.span
            .status
            .as_ref()
            .and_then(|s| StatusCode::try_from(s.code).ok())
            .unwrap_or(StatusCode::Unset)
    }

    /// The status message (empty when none was sent).
    pub fn status_message(&self) -> &str {
        self.span.status.as_ref().map_or("", |s| s.message.as_str())
    }

    /// The span events.
    pub fn events(&self) -> &[Event] {
        &self.span.events
    }

    /// The first event named `name`.
    pub fn event(&self, name: &str) -> Option<&Event> {
        self.span.events.iter().find(|e| e.name == name)
    }

    /// The string attribute `key` of the first event named `event_name` that has it.
    pub fn event_attr_str(&self, event_name: &str, key: &str) -> Option<&str> {
        self.span
            .events
            .iter()
            .filter(|e| e.name == event_name)
            .find_map(|e| find_attr(&e.attributes, key).and_then(value::as_str))
    }

    /// The span links.
    pub fn links(&self) -> &[Link] {
        &self.span.links
    }

    /// End time minus start time (zero if the end precedes the start).
    pub fn duration(&self) -> Duration {
        Duration::from_nanos(
            self.span
                .end_time_unix_nano
                .saturating_sub(self.span.start_time_unix_nano),
        )
    }
}

/// One log record, with the resource and instrumentation scope it was sent under.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedLog {
    /// The resource attributes of the enclosing `ResourceLogs`.
    pub resource: Vec<KeyValue>,
    /// The instrumentation scope name (empty if none was sent).
    pub scope_name: String,
    /// The instrumentation scope version (empty if none was sent).
    pub scope_version: String,
    /// The log record itself.
    pub record: LogRecord,
}

impl ReceivedLog {
    /// The body value, if one was sent.
    pub fn body(&self) -> Option<&AnyValue> {
        self.record.body.as_ref().filter(|b| b.value.is_some())
    }

    /// A string body as is; any other body rendered as compact JSON (see
    /// [`any_value_to_json`](crate::value::any_value_to_json)); `None` without a body.
    pub fn body_str(&self) -> Option<String> {
        let body = self.body()?;
        match &body.value {
            Some(Value::StringValue(s)) => Some(s.clone()),
            _ => Some(value::any_value_to_json(body).to_string()),
        }
    }

    /// The body rendered as JSON (a string body becomes a JSON string); `None` without a body.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        self.body().map(value::any_value_to_json)
    }

    /// The log attribute `key`.
    pub fn attr(&self, key: &str) -> Option<&AnyValue> {
        find_attr(&self.record.attributes, key)
    }

    /// The log attribute `key`, if it is a string.
    pub fn attr_str(&self, key: &str) -> Option<&str> {
        self.attr(key).and_then(value::as_str)
    }

    /// The log attribute `key`, if it is an integer.
    pub fn attr_i64(&self, key: &str) -> Option<i64> {
        self.attr(key).and_then(value::as_i64)
    }

    /// The log attribute `key`, if it is a boolean.
    pub fn attr_bool(&self, key: &str) -> Option<bool> {
        self.attr(key).and_then(value::as_bool)
    }

    /// The severity number (`Unspecified` for values this proto version does not know;
    /// the raw number is in `record.severity_number`).
    pub fn severity_number(&self) -> SeverityNumber {
        SeverityNumber::try_from(self.record.severity_number).unwrap_or(SeverityNumber::Unspecified)
    }

    /// The severity text (empty when none was sent).
    pub fn severity_text(&self) -> &str {
        &self.record.severity_text
    }

    /// The trace id in hex, or `None` when empty or all zeroes.
    pub fn trace_id_hex(&self) -> Option<String> {
        value::id_hex(&self.record.trace_id)
    }

    /// The span id in hex, or `None` when empty or all zeroes.
    pub fn span_id_hex(&self) -> Option<String> {
        value::id_hex(&self.record.span_id)
    }

    /// The event name, or `None` when empty.
    pub fn event_name(&self) -> Option<&str> {
        Some(self.record.event_name.as_str()).filter(|n| !n.is_empty())
    }

    /// The resource attribute `key`.
    pub fn resource_attr(&self, key: &str) -> Option<&AnyValue> {
        find_attr(&self.resource, key)
    }

    /// The resource attribute `key`, if it is a string.
    pub fn resource_attr_str(&self, key: &str) -> Option<&str> {
        self.resource_attr(key).and_then(value::as_str)
    }
}

/// The aggregation a [`ReceivedMetric`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricDataType {
    /// A gauge.
    Gauge,
    /// A sum (counter or up-down counter).
    Sum,
    /// An explicit-bucket histogram.
    Histogram,
    /// An exponential histogram.
    ExponentialHistogram,
    /// A summary.
    Summary,
    /// No data was sent.
    Empty,
}

/// One metric, with the resource and instrumentation scope it was sent under.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedMetric {
    /// The resource attributes of the enclosing `ResourceMetrics`.
    pub resource: Vec<KeyValue>,
    /// The instrumentation scope name (empty if none was sent).
    pub scope_name: String,
    /// The instrumentation scope version (empty if none was sent).
    pub scope_version: String,
    /// The metric itself.
    pub metric: Metric,
}

impl ReceivedMetric {
    /// The metric name.
    pub fn name(&self) -> &str {
        &self.metric.name
    }

    /// The metric unit.
    pub fn unit(&self) -> &str {
        &self.metric.unit
    }

    /// The metric description.
    pub fn description(&self) -> &str {
        &self.metric.description
    }

    /// Which aggregation the metric carries.
    pub fn data_type(&self) -> MetricDataType {
        match &self.metric.data {
            Some(Data::Gauge(_)) => MetricDataType::Gauge,
            Some(Data::Sum(_)) => MetricDataType::Sum,
            Some(Data::Histogram(_)) => MetricDataType::Histogram,
            Some(Data::ExponentialHistogram(_)) => MetricDataType::ExponentialHistogram,
            Some(Data::Summary(_)) => MetricDataType::Summary,
            None => MetricDataType::Empty,
        }
    }

    /// How many data points the metric carries, whatever its type.
    pub fn data_point_count(&self) -> usize {
        match &self.metric.data {
            Some(Data::Gauge(g)) => g.data_points.len(),
            Some(Data::Sum(s)) => s.data_points.len(),
            Some(Data::Histogram(h)) => h.data_points.len(),
            Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
            Some(Data::Summary(s)) => s.data_points.len(),
            None => 0,
        }
    }

    /// The attribute lists of the data points, in order, whatever the metric type.
    pub fn data_point_attributes(&self) -> Vec<&[KeyValue]> {
        match &self.metric.data {
            Some(Data::Gauge(g)) => g.data_points.iter().map(|p| &p.attributes[..]).collect(),
            Some(Data::Sum(s)) => s.data_points.iter().map(|p| &p.attributes[..]).collect(),
            Some(Data::Histogram(h)) => h.data_points.iter().map(|p| &p.attributes[..]).collect(),
            Some(Data::ExponentialHistogram(h)) => {
                h.data_points.iter().map(|p| &p.attributes[..]).collect()
            }
            Some(Data::Summary(s)) => s.data_points.iter().map(|p| &p.attributes[..]).collect(),
            None => Vec::new(),
        }
    }

    /// The values of a gauge's or sum's data points as `f64` (integers converted), in order;
    /// empty for other types. Points without a value are skipped.
    pub fn number_values(&self) -> Vec<f64> {
        let points = match &self.metric.data {
            Some(Data::Gauge(g)) => &g.data_points,
            Some(Data::Sum(s)) => &s.data_points,
            _ => return Vec::new(),
        };
        points
            .iter()
            .filter_map(|p| match p.value {
                Some(number_data_point::Value::AsDouble(d)) => Some(d),
                Some(number_data_point::Value::AsInt(i)) => Some(i as f64),
                None => None,
            })
            .collect()
    }

    /// For a sum: the total of its data points' values as `f64` (one point: its value).
    /// `None` for other metric types.
    pub fn sum_value(&self) -> Option<f64> {
        match &self.metric.data {
            Some(Data::Sum(_)) => Some(self.number_values().iter().sum()),
            _ => None,
        }
    }

    /// For a histogram (explicit or exponential): the total `count` over its data points.
    pub fn histogram_count(&self) -> Option<u64> {
        match &self.metric.data {
            Some(Data::Histogram(h)) => Some(h.data_points.iter().map(|p| p.count).sum()),
            Some(Data::ExponentialHistogram(h)) => {
                Some(h.data_points.iter().map(|p| p.count).sum())
            }
            _ => None,
        }
    }

    /// For a histogram (explicit or exponential): the total `sum` over its data points
    /// (points without a sum count as zero).
    pub fn histogram_sum(&self) -> Option<f64> {
        match &self.metric.data {
            Some(Data::Histogram(h)) => {
                Some(h.data_points.iter().map(|p| p.sum.unwrap_or(0.0)).sum())
            }
            Some(Data::ExponentialHistogram(h)) => {
                Some(h.data_points.iter().map(|p| p.sum.unwrap_or(0.0)).sum())
            }
            _ => None,
        }
    }

    /// The resource attribute `key`.
    pub fn resource_attr(&self, key: &str) -> Option<&AnyValue> {
        find_attr(&self.resource, key)
    }

    /// The resource attribute `key`, if it is a string.
    pub fn resource_attr_str(&self, key: &str) -> Option<&str> {
        self.resource_attr(key).and_then(value::as_str)
    }
}

fn resource_attributes(resource: Option<Resource>) -> Vec<KeyValue> {
    resource.map(|r| r.attributes).unwrap_or_default()
}

fn scope_parts(scope: Option<InstrumentationScope>) -> (String, String) {
    scope.map(|s| (s.name, s.version)).unwrap_or_default()
}

/// Flattens an export request into one [`ReceivedSpan`] per span.
pub(crate) fn flatten_spans(request: ExportTraceServiceRequest) -> Vec<ReceivedSpan> {
    let mut out = Vec::new();
    for resource_spans in request.resource_spans {
        let resource = resource_attributes(resource_spans.resource);
        for scope_spans in resource_spans.scope_spans {
            let (scope_name, scope_version) = scope_parts(scope_spans.scope);
            out.extend(scope_spans.spans.into_iter().map(|span| ReceivedSpan {
                resource: resource.clone(),
                scope_name: scope_name.clone(),
                scope_version: scope_version.clone(),
                span,
            }));
        }
    }
    out
}

/// Flattens an export request into one [`ReceivedLog`] per log record.
pub(crate) fn flatten_logs(request: ExportLogsServiceRequest) -> Vec<ReceivedLog> {
    let mut out = Vec::new();
    for resource_logs in request.resource_logs {
        let resource = resource_attributes(resource_logs.resource);
        for scope_logs in resource_logs.scope_logs {
            let (scope_name, scope_version) = scope_parts(scope_logs.scope);
            out.extend(
                scope_logs
                    .log_records
                    .into_iter()
                    .map(|record| ReceivedLog {
                        resource: resource.clone(),
                        scope_name: scope_name.clone(),
                        scope_version: scope_version.clone(),
                        record,
                    }),
            );
        }
    }
    out
}

/// Flattens an export request into one [`ReceivedMetric`] per metric.
pub(crate) fn flatten_metrics(request: ExportMetricsServiceRequest) -> Vec<ReceivedMetric> {
    let mut out = Vec::new();
    for resource_metrics in request.resource_metrics {
        let resource = resource_attributes(resource_metrics.resource);
        for scope_metrics in resource_metrics.scope_metrics {
            let (scope_name, scope_version) = scope_parts(scope_metrics.scope);
            out.extend(
                scope_metrics
                    .metrics
                    .into_iter()
                    .map(|metric| ReceivedMetric {
                        resource: resource.clone(),
                        scope_name: scope_name.clone(),
                        scope_version: scope_version.clone(),
                        metric,
                    }),
            );
        }
    }
    out
}
