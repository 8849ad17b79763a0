//! CloudWatch Embedded Metric Format documents from the SDK's metric data.
//!
//! The shape follows ADOT Python's `AwsCloudWatchEmfExporter`: one JSON document per group of data
//! points that share an attribute set and a timestamp,
//!
//! ```text
//! {"_aws":{"Timestamp":<ms>,"CloudWatchMetrics":[{"Namespace":<ns>,
//!          "Dimensions":[[<attribute keys, sorted>]],"Metrics":[{"Name":<n>,"Unit":<u>},…]}]},
//!  "<attribute>":"<value>",…, "<metric name>":<number or histogram object>,…,
//!  "Version":"1", "otel.resource.<key>":"<value>",…}
//! ```
//!
//! Where we differ from ADOT, on purpose:
//!
//! - The namespace is never `null`: an empty one becomes [`DEFAULT_NAMESPACE`].
//! - `Dimensions` is always present (`[[]]` without attributes, which publishes the metric with no
//!   dimensions) and holds at most [`MAX_DIMENSIONS`] keys, the first ones in sorted order;
//!   every attribute is still written as a field. Attributes CloudWatch cannot take as a dimension
//!   (an empty value, a name over 255 or a value over 1024 characters) are written as fields only,
//!   since one bad dimension would stop CloudWatch from extracting any metric of the document.
//! - Every metric carries a `Unit` (`"None"` when the OTel unit has no CloudWatch counterpart).
//! - Explicit-bucket histograms carry `Values`/`Counts` too (ADOT sends only the statistic set), so
//!   CloudWatch can compute percentiles for them as it does for exponential histograms.
//! - The value written for a bucket is the midpoint of the part of the bucket that lies within
//!   `[Min, Max]` (ADOT: the midpoint of the whole bucket). For a bucket holding one distinct value
//!   (min = max) that is the exact value, and the open-ended first and last explicit buckets get a
//!   finite value. Adjacent buckets are merged (count-weighted mean) so that at most
//!   [`MAX_HISTOGRAM_VALUES`] values are written, the EMF limit per metric.
//! - A group with more than [`MAX_METRICS_PER_DOCUMENT`] metrics, or with two metrics of the same
//!   name (e.g. from two meters), is spread over several documents instead of overwriting fields;
//!   so is a group whose document would exceed the 256 KB CloudWatch Logs event limit.
//! - NaN, ±infinity and magnitudes above 2^360 (all of which CloudWatch rejects) make the data point
//!   invalid: it is left out and counted, so the JSON stays valid. Non-zero magnitudes below 2^-360
//!   are written as 0.
//! - A data point whose metric name is `_aws` or `Version`, or equals one of its own attribute keys,
//!   cannot be written without clobbering a field and is counted as invalid. An attribute named
//!   `Version` replaces the `"Version":"1"` field (EMF itself does not need it); attributes and
//!   metric values take precedence over `otel.resource.*` fields of the same name.

use std::collections::{BTreeMap, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::data::{
    AggregatedMetrics, ExponentialHistogramDataPoint, HistogramDataPoint, Metric, MetricData,
    ResourceMetrics,
};
use opentelemetry_sdk::Resource;
use serde_json::{json, Map, Value as Json};

use super::batch::{EVENT_OVERHEAD_BYTES, MAX_EVENT_BYTES};

/// The namespace used when `x-aws-metric-namespace` is absent or empty.
pub const DEFAULT_NAMESPACE: &str = "bedrock-agentcore";
/// CloudWatch allows at most 30 dimensions per metric.
pub(crate) const MAX_DIMENSIONS: usize = 30;
/// The longest CloudWatch dimension name, in characters.
const MAX_DIMENSION_NAME_CHARS: usize = 255;
/// The longest CloudWatch dimension value, in characters.
const MAX_DIMENSION_VALUE_CHARS: usize = 1024;
/// EMF allows at most 100 metrics per metric directive.
pub(crate) const MAX_METRICS_PER_DOCUMENT: usize = 100;
/// EMF allows at most 100 values per metric.
pub(crate) const MAX_HISTOGRAM_VALUES: usize = 100;
/// 2^360, the largest magnitude CloudWatch accepts.
const MAX_MAGNITUDE: f64 = f64::from_bits((1023 + 360) << 52);
/// 2^-360, the smallest non-zero magnitude CloudWatch accepts.
const MIN_MAGNITUDE: f64 = f64::from_bits((1023 - 360) << 52);

/// One EMF document, ready to become a CloudWatch Logs event.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EmfEvent {
    /// The event timestamp (and `_aws.Timestamp`), in milliseconds since the Unix epoch.
    pub(crate) timestamp_ms: i64,
    /// The EMF JSON document.
    pub(crate) message: String,
    /// How many data points the document carries (what the export counters count).
    pub(crate) points: u64,
}

/// The documents built from one collection, and how many data points could not be written.
#[derive(Debug, Default)]
pub(crate) struct Documents {
    pub(crate) events: Vec<EmfEvent>,
    /// Data points left out because their values or names cannot be written as EMF.
    pub(crate) invalid: u64,
}

/// Builds the EMF documents for one collection.
pub(crate) fn build(metrics: &ResourceMetrics, namespace: &str) -> Documents {
    let mut collected = collect(metrics);
    // One collection is one instant: the SDK stamps each metric as it walks them, so points of
    // the same collection can straddle a millisecond and would otherwise land in separate
    // documents. The latest stamp stands for all of them.
    if let Some(latest) = collected.points.iter().map(|p| p.timestamp_ms).max() {
        for point in &mut collected.points {
            point.timestamp_ms = latest;
        }
    }
    let resource = resource_fields(metrics.resource());
    let mut documents = documents(collected.points, &resource, namespace);
    documents.invalid += collected.invalid;
    documents
}

/// A number as the SDK recorded it; integers stay integers in the JSON.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    I64(i64),
    U64(u64),
    F64(f64),
}

impl Number {
    fn as_f64(self) -> f64 {
        match self {
            Number::I64(v) => v as f64,
            Number::U64(v) => v as f64,
            Number::F64(v) => v,
        }
    }

    /// The number if CloudWatch accepts it (tiny magnitudes become 0), else `None`.
    fn checked(self) -> Option<Number> {
        match self {
            Number::F64(v) => checked_f64(v).map(Number::F64),
            integer => Some(integer),
        }
    }

    fn to_json(self) -> Json {
        match self {
            Number::I64(v) => Json::from(v),
            Number::U64(v) => Json::from(v),
            // `checked` ran before, so this is finite (serde_json would write `null` otherwise).
            Number::F64(v) => Json::from(v),
        }
    }
}

fn checked_f64(v: f64) -> Option<f64> {
    if !v.is_finite() || v.abs() > MAX_MAGNITUDE {
        None
    } else if v != 0.0 && v.abs() < MIN_MAGNITUDE {
        Some(0.0)
    } else {
        Some(v)
    }
}

/// The SDK's three number types.
trait SdkNumber: Copy {
    fn number(self) -> Number;
}

impl SdkNumber for i64 {
    fn number(self) -> Number {
        Number::I64(self)
    }
}

impl SdkNumber for u64 {
    fn number(self) -> Number {
        Number::U64(self)
    }
}

impl SdkNumber for f64 {
    fn number(self) -> Number {
        Number::F64(self)
    }
}

/// A histogram as written to EMF.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HistogramValue {
    pub(crate) count: u64,
    pub(crate) sum: Number,
    pub(crate) min: Number,
    pub(crate) max: Number,
    /// `(value, count)` per non-empty bucket, ascending, at most [`MAX_HISTOGRAM_VALUES`].
    pub(crate) buckets: Vec<(f64, u64)>,
}

impl HistogramValue {
    fn to_json(&self) -> Json {
        let values: Vec<Json> = self.buckets.iter().map(|(v, _)| Json::from(*v)).collect();
        let counts: Vec<Json> = self
            .buckets
            .iter()
            .map(|(_, c)| Json::from(*c as f64))
            .collect();
        json!({
            "Count": self.count,
            "Sum": self.sum.to_json(),
            "Max": self.max.to_json(),
            "Min": self.min.to_json(),
            "Values": values,
            "Counts": counts,
        })
    }
}

/// The value of one data point.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PointValue {
    Number(Number),
    Histogram(HistogramValue),
}

impl PointValue {
    fn to_json(&self) -> Json {
        match self {
            PointValue::Number(n) => n.to_json(),
            PointValue::Histogram(h) => h.to_json(),
        }
    }
}

/// One data point, flattened out of its metric.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Point {
    pub(crate) name: String,
    /// The CloudWatch unit.
    pub(crate) unit: &'static str,
    pub(crate) attributes: BTreeMap<String, String>,
    pub(crate) timestamp_ms: i64,
    pub(crate) value: PointValue,
}

/// The data points of one collection, and how many were invalid.
#[derive(Debug, Default)]
pub(crate) struct Points {
    pub(crate) points: Vec<Point>,
    pub(crate) invalid: u64,
}

/// Flattens every data point of `metrics`. Points without a value (a histogram with count 0) are
/// skipped silently; points whose values CloudWatch would reject are counted in `invalid`.
pub(crate) fn collect(metrics: &ResourceMetrics) -> Points {
    let mut out = Points::default();
    for scope in metrics.scope_metrics() {
        for metric in scope.metrics() {
            match metric.data() {
                AggregatedMetrics::F64(data) => collect_metric(metric, data, &mut out),
                AggregatedMetrics::U64(data) => collect_metric(metric, data, &mut out),
                AggregatedMetrics::I64(data) => collect_metric(metric, data, &mut out),
            }
        }
    }
    out
}

fn collect_metric<T: SdkNumber>(metric: &Metric, data: &MetricData<T>, out: &mut Points) {
    let unit = cloudwatch_unit(metric.unit());
    match data {
        MetricData::Gauge(gauge) => {
            for dp in gauge.data_points() {
                let value = number_value(dp.value());
                push_point(out, metric, unit, dp.attributes(), gauge.time(), value);
            }
        }
        MetricData::Sum(sum) => {
            for dp in sum.data_points() {
                let value = number_value(dp.value());
                push_point(out, metric, unit, dp.attributes(), sum.time(), value);
            }
        }
        MetricData::Histogram(hist) => {
            for dp in hist.data_points() {
                let value = explicit_histogram(dp);
                push_point(out, metric, unit, dp.attributes(), hist.time(), value);
            }
        }
        MetricData::ExponentialHistogram(hist) => {
            for dp in hist.data_points() {
                let value = exponential_histogram(dp);
                push_point(out, metric, unit, dp.attributes(), hist.time(), value);
            }
        }
    }
}

fn push_point<'a>(
    out: &mut Points,
    metric: &Metric,
    unit: &'static str,
    attributes: impl Iterator<Item = &'a KeyValue>,
    time: SystemTime,
    value: Result<Option<PointValue>, Invalid>,
) {
    match value {
        Ok(Some(value)) => out.points.push(Point {
            name: metric.name().to_owned(),
            unit,
            attributes: attributes
                .map(|kv| (kv.key.as_str().to_owned(), kv.value.as_str().into_owned()))
                .collect(),
            timestamp_ms: millis(time),
            value,
        }),
        Ok(None) => {}
        Err(Invalid) => out.invalid += 1,
    }
}

/// A data point whose value CloudWatch would reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Invalid;

fn number_value<T: SdkNumber>(value: T) -> Result<Option<PointValue>, Invalid> {
    value
        .number()
        .checked()
        .map(|n| Some(PointValue::Number(n)))
        .ok_or(Invalid)
}

fn explicit_histogram<T: SdkNumber>(
    dp: &HistogramDataPoint<T>,
) -> Result<Option<PointValue>, Invalid> {
    let bounds: Vec<f64> = dp.bounds().collect();
    let range = known_range(dp.min(), dp.max());
    let mut buckets = Vec::new();
    for (i, count) in dp.bucket_counts().enumerate() {
        if count == 0 {
            continue;
        }
        // Bucket i is (bounds[i-1], bounds[i]]; the first and last are open-ended.
        let lower = match i.checked_sub(1) {
            None => f64::NEG_INFINITY,
            Some(j) => bounds.get(j).copied().unwrap_or(f64::INFINITY),
        };
        let upper = bounds.get(i).copied().unwrap_or(f64::INFINITY);
        if let Some(value) = representative(lower, upper, range) {
            buckets.push((value, count));
        }
    }
    histogram_value(dp.count(), dp.sum(), dp.min(), dp.max(), buckets)
}

fn exponential_histogram<T: SdkNumber>(
    dp: &ExponentialHistogramDataPoint<T>,
) -> Result<Option<PointValue>, Invalid> {
    let range = known_range(dp.min(), dp.max());
    // base = 2^(2^-scale), so base^index = 2^(index * 2^-scale).
    let step = 2f64.powi(-i32::from(dp.scale()));
    let power = |index: i64| (index as f64 * step).exp2();
    let mut buckets = Vec::new();
    let positive = dp.positive_bucket();
    for (i, count) in positive.counts().enumerate() {
        if count == 0 {
            continue;
        }
        // Positive bucket `index` is (base^index, base^(index+1)].
        let index = i64::from(positive.offset()) + i as i64;
        if let Some(value) = representative(power(index), power(index + 1), range) {
            buckets.push((value, count));
        }
    }
    if dp.zero_count() > 0 {
        buckets.push((0.0, dp.zero_count()));
    }
    let negative = dp.negative_bucket();
    for (i, count) in negative.counts().enumerate() {
        if count == 0 {
            continue;
        }
        // Negative bucket `index` is [-base^(index+1), -base^index).
        let index = i64::from(negative.offset()) + i as i64;
        if let Some(value) = representative(-power(index + 1), -power(index), range) {
            buckets.push((value, count));
        }
    }
    histogram_value(dp.count() as u64, dp.sum(), dp.min(), dp.max(), buckets)
}

/// `[min, max]` where both are known, finite and ordered.
fn known_range<T: SdkNumber>(min: Option<T>, max: Option<T>) -> Option<(f64, f64)> {
    let min = min?.number().as_f64();
    let max = max?.number().as_f64();
    (min.is_finite() && max.is_finite() && min <= max).then_some((min, max))
}

/// The value written for a bucket `[lower, upper]`: the midpoint of its part within `range`, or of
/// the bucket itself when they do not meet; an open end is replaced by the other one. `None` when
/// nothing finite is left.
fn representative(lower: f64, upper: f64, range: Option<(f64, f64)>) -> Option<f64> {
    let (mut lo, mut hi) = (lower, upper);
    if let Some((min, max)) = range {
        let (clamped_lo, clamped_hi) = (lower.max(min), upper.min(max));
        if clamped_lo <= clamped_hi {
            (lo, hi) = (clamped_lo, clamped_hi);
        }
    }
    let value = match (lo.is_finite(), hi.is_finite()) {
        (true, true) => lo / 2.0 + hi / 2.0,
        (true, false) => lo,
        (false, true) => hi,
        (false, false) => return None,
    };
    checked_f64(value)
}

fn histogram_value<T: SdkNumber>(
    count: u64,
    sum: T,
    min: Option<T>,
    max: Option<T>,
    mut buckets: Vec<(f64, u64)>,
) -> Result<Option<PointValue>, Invalid> {
    if count == 0 {
        return Ok(None);
    }
    let sum = sum.number().checked().ok_or(Invalid)?;
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let buckets = limit_buckets(buckets);
    let mean = || checked_f64(sum.as_f64() / count as f64).unwrap_or(0.0);
    let min = match min.map(|m| m.number().checked()) {
        Some(Some(min)) => min,
        Some(None) => return Err(Invalid),
        None => Number::F64(buckets.first().map_or_else(mean, |b| b.0)),
    };
    let max = match max.map(|m| m.number().checked()) {
        Some(Some(max)) => max,
        Some(None) => return Err(Invalid),
        None => Number::F64(buckets.last().map_or_else(mean, |b| b.0)),
    };
    Ok(Some(PointValue::Histogram(HistogramValue {
        count,
        sum,
        min,
        max,
        buckets,
    })))
}

/// Merges equal values, then adjacent buckets (count-weighted mean), down to
/// [`MAX_HISTOGRAM_VALUES`] entries. `buckets` must be sorted by value.
fn limit_buckets(buckets: Vec<(f64, u64)>) -> Vec<(f64, u64)> {
    let mut merged: Vec<(f64, u64)> = Vec::with_capacity(buckets.len());
    for (value, count) in buckets {
        match merged.last_mut() {
            Some(last) if last.0 == value => last.1 = last.1.saturating_add(count),
            _ => merged.push((value, count)),
        }
    }
    if merged.len() <= MAX_HISTOGRAM_VALUES {
        return merged;
    }
    let chunk = merged.len().div_ceil(MAX_HISTOGRAM_VALUES);
    merged
        .chunks(chunk)
        .map(|chunk| {
            let count = chunk.iter().fold(0u64, |n, b| n.saturating_add(b.1));
            let weight: f64 = chunk.iter().map(|b| b.1 as f64).sum();
            let mean = chunk.iter().map(|b| b.0 * b.1 as f64).sum::<f64>() / weight;
            // The mean of values within [first, last] lies there too; guard rounding anyway.
            let first = chunk.first().map_or(0.0, |b| b.0);
            let last = chunk.last().map_or(0.0, |b| b.0);
            // (`max`/`min` rather than `clamp`, which panics on unordered bounds.)
            let value = if mean.is_finite() {
                mean.max(first).min(last)
            } else {
                first
            };
            (value, count)
        })
        .collect()
}

/// Milliseconds since the Unix epoch (0 before it, saturating far after it).
pub(crate) fn millis(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The resource attributes as `(otel.resource.<key>, value)` fields, sorted by key.
pub(crate) fn resource_fields(resource: &Resource) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = resource
        .iter()
        .map(|(key, value)| {
            (
                format!("otel.resource.{}", key.as_str()),
                value.as_str().into_owned(),
            )
        })
        .collect();
    fields.sort();
    fields
}

/// The CloudWatch unit for an OTel (UCUM) unit; `"None"` when there is no counterpart.
///
/// Names that already are CloudWatch units pass through (as in ADOT). Curly-brace annotations such
/// as `{token}` or `{request}` map to `"None"`, which is what ADOT emits for them (it drops the unit),
/// so dashboards built on ADOT's metrics keep matching. `ns` has no CloudWatch unit and maps to
/// `"None"`. Binary prefixes (`KiBy`) and decimal ones (`kBy`) both map to `Kilobytes`, CloudWatch
/// having a single kind.
pub(crate) fn cloudwatch_unit(unit: &str) -> &'static str {
    const CLOUDWATCH_UNITS: [&str; 27] = [
        "Seconds",
        "Microseconds",
        "Milliseconds",
        "Bytes",
        "Kilobytes",
        "Megabytes",
        "Gigabytes",
        "Terabytes",
        "Bits",
        "Kilobits",
        "Megabits",
        "Gigabits",
        "Terabits",
        "Percent",
        "Count",
        "Bytes/Second",
        "Kilobytes/Second",
        "Megabytes/Second",
        "Gigabytes/Second",
        "Terabytes/Second",
        "Bits/Second",
        "Kilobits/Second",
        "Megabits/Second",
        "Gigabits/Second",
        "Terabits/Second",
        "Count/Second",
        "None",
    ];
    if let Some(known) = CLOUDWATCH_UNITS.iter().find(|u| **u == unit) {
        return known;
    }
    match unit {
        "s" => "Seconds",
        "ms" => "Milliseconds",
        "us" | "\u{3bc}s" | "\u{b5}s" => "Microseconds",
        "By" => "Bytes",
        "kBy" | "KBy" | "KiBy" => "Kilobytes",
        "MBy" | "MiBy" => "Megabytes",
        "GBy" | "GiBy" => "Gigabytes",
        "TBy" | "TiBy" => "Terabytes",
        "bit" => "Bits",
        "kbit" | "Kbit" | "Kibit" => "Kilobits",
        "Mbit" | "Mibit" => "Megabits",
        "Gbit" | "Gibit" => "Gigabits",
        "Tbit" | "Tibit" => "Terabits",
        "By/s" => "Bytes/Second",
        "kBy/s" | "KBy/s" | "KiBy/s" => "Kilobytes/Second",
        "MBy/s" | "MiBy/s" => "Megabytes/Second",
        "GBy/s" | "GiBy/s" => "Gigabytes/Second",
        "TBy/s" | "TiBy/s" => "Terabytes/Second",
        "bit/s" => "Bits/Second",
        "kbit/s" | "Kbit/s" | "Kibit/s" => "Kilobits/Second",
        "Mbit/s" | "Mibit/s" => "Megabits/Second",
        "Gbit/s" | "Gibit/s" => "Gigabits/Second",
        "Tbit/s" | "Tibit/s" => "Terabits/Second",
        "%" => "Percent",
        "1/s" => "Count/Second",
        _ => "None",
    }
}

/// Points sharing an attribute set and a timestamp, bound for one document.
struct Group {
    attributes: BTreeMap<String, String>,
    timestamp_ms: i64,
    metrics: Vec<(String, &'static str, PointValue)>,
}

impl Group {
    fn has(&self, name: &str) -> bool {
        self.metrics.iter().any(|(n, _, _)| n == name)
    }
}

/// Groups `points` into EMF documents (in order of first appearance).
pub(crate) fn documents(
    points: Vec<Point>,
    resource: &[(String, String)],
    namespace: &str,
) -> Documents {
    let namespace = if namespace.is_empty() {
        DEFAULT_NAMESPACE
    } else {
        namespace
    };
    let mut out = Documents::default();
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<(BTreeMap<String, String>, i64), Vec<usize>> = HashMap::new();
    for point in points {
        if point.name.is_empty()
            || point.name == "_aws"
            || point.name == "Version"
            || point.attributes.contains_key(&point.name)
            || point.attributes.contains_key("_aws")
        {
            out.invalid += 1;
            continue;
        }
        let candidates = index
            .entry((point.attributes.clone(), point.timestamp_ms))
            .or_default();
        let open = candidates.iter().copied().find(|&g| {
            groups
                .get(g)
                .is_some_and(|g| g.metrics.len() < MAX_METRICS_PER_DOCUMENT && !g.has(&point.name))
        });
        let group = match open {
            Some(g) => g,
            None => {
                groups.push(Group {
                    attributes: point.attributes,
                    timestamp_ms: point.timestamp_ms,
                    metrics: Vec::new(),
                });
                candidates.push(groups.len() - 1);
                groups.len() - 1
            }
        };
        if let Some(group) = groups.get_mut(group) {
            group.metrics.push((point.name, point.unit, point.value));
        }
    }
    for group in groups {
        render_within_limit(group, resource, namespace, &mut out.events);
    }
    out
}

/// Renders `group`, halving it until each document fits one CloudWatch Logs event (a single
/// metric that still does not fit is left for the batcher to drop and count).
fn render_within_limit(
    mut group: Group,
    resource: &[(String, String)],
    namespace: &str,
    out: &mut Vec<EmfEvent>,
) {
    let message = render(&group, resource, namespace);
    let fits = message.len().saturating_add(EVENT_OVERHEAD_BYTES) <= MAX_EVENT_BYTES;
    if fits || group.metrics.len() < 2 {
        out.push(EmfEvent {
            timestamp_ms: group.timestamp_ms,
            message,
            points: group.metrics.len() as u64,
        });
        return;
    }
    let second = Group {
        attributes: group.attributes.clone(),
        timestamp_ms: group.timestamp_ms,
        metrics: group.metrics.split_off(group.metrics.len() / 2),
    };
    render_within_limit(group, resource, namespace, out);
    render_within_limit(second, resource, namespace, out);
}

/// CloudWatch dimension names are 1 to 255 characters, values 1 to 1024.
fn can_be_dimension(key: &str, value: &str) -> bool {
    let chars = |s: &str| s.chars().count();
    (1..=MAX_DIMENSION_NAME_CHARS).contains(&chars(key))
        && (1..=MAX_DIMENSION_VALUE_CHARS).contains(&chars(value))
}

fn render(group: &Group, resource: &[(String, String)], namespace: &str) -> String {
    let dimensions: Vec<&str> = group
        .attributes
        .iter()
        .filter(|(key, value)| can_be_dimension(key, value))
        .take(MAX_DIMENSIONS)
        .map(|(key, _)| key.as_str())
        .collect();
    let definitions: Vec<Json> = group
        .metrics
        .iter()
        .map(|(name, unit, _)| json!({"Name": name, "Unit": unit}))
        .collect();
    let mut root = Map::new();
    for (key, value) in resource {
        root.insert(key.clone(), Json::from(value.as_str()));
    }
    root.insert("Version".to_owned(), Json::from("1"));
    for (key, value) in &group.attributes {
        root.insert(key.clone(), Json::from(value.as_str()));
    }
    for (name, _, value) in &group.metrics {
        root.insert(name.clone(), value.to_json());
    }
    root.insert(
        "_aws".to_owned(),
        json!({
            "Timestamp": group.timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [dimensions],
                "Metrics": definitions,
            }],
        }),
    );
    Json::Object(root).to_string()
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use opentelemetry::metrics::MeterProvider as _;
    use opentelemetry_sdk::error::OTelSdkResult;
    use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
    use opentelemetry_sdk::metrics::{
        Aggregation, Instrument, PeriodicReader, SdkMeterProvider, Stream, Temporality,
    };

    use super::*;

    fn point(name: &str, attrs: &[(&str, &str)], ts: i64, value: PointValue) -> Point {
        Point {
            name: name.to_owned(),
            unit: "None",
            attributes: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            timestamp_ms: ts,
            value,
        }
    }

    fn num(v: f64) -> PointValue {
        PointValue::Number(Number::F64(v))
    }

    fn parse(event: &EmfEvent) -> Json {
        serde_json::from_str(&event.message).expect("valid JSON")
    }

    #[test]
    fn groups_by_attributes_and_timestamp() {
        let points = vec![
            point("a", &[("k", "1")], 1000, num(1.0)),
            point("b", &[("k", "1")], 1000, num(2.0)),
            point("a", &[("k", "2")], 1000, num(3.0)),
            point("a", &[("k", "1")], 2000, num(4.0)),
        ];
        let docs = documents(points, &[], "ns");
        assert_eq!(docs.invalid, 0);
        assert_eq!(docs.events.len(), 3);
        assert_eq!(docs.events[0].points, 2);
        let first = parse(&docs.events[0]);
        assert_eq!(first["a"], 1.0);
        assert_eq!(first["b"], 2.0);
        assert_eq!(first["k"], "1");
        assert_eq!(first["Version"], "1");
        assert_eq!(first["_aws"]["Timestamp"], 1000);
        let directive = &first["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "ns");
        assert_eq!(directive["Dimensions"], json!([["k"]]));
        assert_eq!(
            directive["Metrics"],
            json!([{"Name": "a", "Unit": "None"}, {"Name": "b", "Unit": "None"}])
        );
        assert_eq!(docs.events[2].timestamp_ms, 2000);
    }

    #[test]
    fn namespace_defaults_and_dimensions_are_sorted_and_capped() {
        let attrs: Vec<(String, String)> = (0..35)
            .map(|i| (format!("k{i:02}"), i.to_string()))
            .collect();
        let attrs: Vec<(&str, &str)> = attrs
            .iter()
            .rev()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let docs = documents(vec![point("m", &attrs, 1, num(1.0))], &[], "");
        let doc = parse(&docs.events[0]);
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], DEFAULT_NAMESPACE);
        let dims = directive["Dimensions"][0].as_array().unwrap();
        assert_eq!(dims.len(), MAX_DIMENSIONS);
        assert_eq!(dims[0], "k00");
        assert_eq!(dims[29], "k29");
        assert_eq!(doc["k34"], "34", "every attribute is still a field");
    }

    #[test]
    fn attributes_cloudwatch_refuses_as_dimensions_are_fields_only() {
        let long_name = "n".repeat(256);
        let long_value = "v".repeat(1025);
        let attrs = [
            ("empty", ""),
            (long_name.as_str(), "x"),
            ("long", long_value.as_str()),
            ("ok", "1"),
        ];
        let docs = documents(vec![point("m", &attrs, 1, num(1.0))], &[], "ns");
        let doc = parse(&docs.events[0]);
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["ok"]])
        );
        assert_eq!(doc["empty"], "");
        assert_eq!(doc["long"], long_value.as_str());
        assert_eq!(doc[long_name.as_str()], "x");
    }

    #[test]
    fn no_attributes_gives_an_empty_dimension_set() {
        let docs = documents(vec![point("m", &[], 1, num(1.0))], &[], "ns");
        let doc = parse(&docs.events[0]);
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([[]])
        );
    }

    #[test]
    fn resource_fields_are_prefixed_and_lose_to_metrics_and_attributes() {
        let resource = vec![
            ("otel.resource.service.name".to_owned(), "agent".to_owned()),
            ("otel.resource.x".to_owned(), "r".to_owned()),
        ];
        let docs = documents(
            vec![point("otel.resource.x", &[], 1, num(7.0))],
            &resource,
            "ns",
        );
        let doc = parse(&docs.events[0]);
        assert_eq!(doc["otel.resource.service.name"], "agent");
        assert_eq!(doc["otel.resource.x"], 7.0);
        let dims = &doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"];
        assert_eq!(dims, &json!([[]]), "resource attributes are not dimensions");
    }

    #[test]
    fn colliding_names_are_split_or_rejected() {
        let points = vec![
            point("m", &[("k", "v")], 1, num(1.0)),
            point("m", &[("k", "v")], 1, num(2.0)),
            point("k", &[("k", "v")], 1, num(3.0)),
            point("Version", &[], 1, num(4.0)),
            point("_aws", &[], 1, num(5.0)),
            point("n", &[("_aws", "x")], 1, num(6.0)),
        ];
        let docs = documents(points, &[], "ns");
        assert_eq!(docs.invalid, 4);
        assert_eq!(docs.events.len(), 2);
        assert_eq!(parse(&docs.events[0])["m"], 1.0);
        assert_eq!(parse(&docs.events[1])["m"], 2.0);
    }

    #[test]
    fn an_attribute_named_version_replaces_the_version_field() {
        let docs = documents(
            vec![point("m", &[("Version", "7")], 1, num(1.0))],
            &[],
            "ns",
        );
        let doc = parse(&docs.events[0]);
        assert_eq!(doc["Version"], "7");
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Version"]])
        );
    }

    #[test]
    fn documents_hold_at_most_100_metrics() {
        let points = (0..150)
            .map(|i| point(&format!("m{i}"), &[], 1, num(i as f64)))
            .collect();
        let docs = documents(points, &[], "ns");
        assert_eq!(docs.events.len(), 2);
        assert_eq!(docs.events[0].points, 100);
        assert_eq!(docs.events[1].points, 50);
        let metrics = parse(&docs.events[0])["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(metrics, 100);
    }

    #[test]
    fn documents_over_the_event_limit_are_split() {
        let long = |i: usize| format!("{i:03}{}", "m".repeat(3000));
        let points = (0..100)
            .map(|i| point(&long(i), &[], 1, num(1.0)))
            .collect();
        let docs = documents(points, &[], "ns");
        assert!(docs.events.len() >= 3, "{}", docs.events.len());
        assert!(docs
            .events
            .iter()
            .all(|e| e.message.len() + EVENT_OVERHEAD_BYTES <= MAX_EVENT_BYTES));
        assert_eq!(docs.events.iter().map(|e| e.points).sum::<u64>(), 100);
        for event in &docs.events {
            let doc = parse(event);
            let metrics = doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]
                .as_array()
                .unwrap();
            assert_eq!(metrics.len() as u64, event.points);
        }
    }

    #[test]
    fn numbers_are_checked() {
        assert_eq!(Number::F64(f64::NAN).checked(), None);
        assert_eq!(Number::F64(f64::INFINITY).checked(), None);
        assert_eq!(Number::F64(-f64::INFINITY).checked(), None);
        assert_eq!(Number::F64(1e109).checked(), None);
        assert_eq!(Number::F64(1e-110).checked(), Some(Number::F64(0.0)));
        assert_eq!(Number::F64(-1.5).checked(), Some(Number::F64(-1.5)));
        assert_eq!(Number::U64(u64::MAX).checked(), Some(Number::U64(u64::MAX)));
        assert_eq!(MAX_MAGNITUDE, 2f64.powi(360));
        assert_eq!(MIN_MAGNITUDE, 2f64.powi(-360));
    }

    #[test]
    fn units_map_to_cloudwatch() {
        let cases = [
            ("s", "Seconds"),
            ("ms", "Milliseconds"),
            ("us", "Microseconds"),
            ("By", "Bytes"),
            ("KiBy", "Kilobytes"),
            ("MiBy", "Megabytes"),
            ("bit/s", "Bits/Second"),
            ("1", "None"),
            ("%", "Percent"),
            ("{token}", "None"),
            ("{request}", "None"),
            ("ns", "None"),
            ("", "None"),
            ("furlongs", "None"),
            ("Count", "Count"),
            ("Bytes/Second", "Bytes/Second"),
        ];
        for (otel, cloudwatch) in cases {
            assert_eq!(cloudwatch_unit(otel), cloudwatch, "{otel}");
        }
    }

    #[test]
    fn bucket_values_stay_within_min_and_max() {
        // Whole bucket when no range is known; open ends take the finite edge.
        assert_eq!(representative(1.0, 3.0, None), Some(2.0));
        assert_eq!(representative(f64::NEG_INFINITY, 5.0, None), Some(5.0));
        assert_eq!(representative(10.0, f64::INFINITY, None), Some(10.0));
        assert_eq!(representative(f64::NEG_INFINITY, f64::INFINITY, None), None);
        // Clamped to [min, max].
        assert_eq!(
            representative(f64::NEG_INFINITY, 5.0, Some((1.0, 9.0))),
            Some(3.0)
        );
        assert_eq!(
            representative(10.0, f64::INFINITY, Some((1.0, 20.0))),
            Some(15.0)
        );
        assert_eq!(representative(8.0, 16.0, Some((11.0, 11.0))), Some(11.0));
        // A range that misses the bucket (inconsistent data) is ignored.
        assert_eq!(representative(1.0, 3.0, Some((5.0, 6.0))), Some(2.0));
    }

    #[test]
    fn odd_bucket_inputs_do_not_panic() {
        assert_eq!(representative(f64::NAN, f64::NAN, None), None);
        assert_eq!(representative(f64::NAN, 1.0, None), Some(1.0));
        assert_eq!(
            representative(1e300, f64::INFINITY, None),
            None,
            "over 2^360"
        );
        assert_eq!(representative(f64::MAX, f64::MAX, Some((1.0, 2.0))), None);
        let mut buckets: Vec<(f64, u64)> = (0..1000)
            .map(|i| (if i % 2 == 0 { -0.0 } else { 0.0 }, u64::MAX))
            .collect();
        buckets.extend((0..1000).map(|i| (f64::from(i) * 1e100, u64::MAX)));
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        let limited = limit_buckets(buckets);
        assert!(limited.len() <= MAX_HISTOGRAM_VALUES);
        assert!(limited.iter().all(|(v, _)| v.is_finite()));
        let value = histogram_value(u64::MAX, 1.0f64, None, None, limited).unwrap();
        assert!(value.is_some());
    }

    #[test]
    fn many_buckets_are_merged_to_100_values() {
        let buckets: Vec<(f64, u64)> = (0..250).map(|i| (i as f64, 1)).collect();
        let limited = limit_buckets(buckets);
        assert!(limited.len() <= MAX_HISTOGRAM_VALUES);
        assert_eq!(limited.iter().map(|b| b.1).sum::<u64>(), 250);
        assert_eq!(limited[0], (1.0, 3));
        let dupes = limit_buckets(vec![(1.0, 1), (1.0, 2), (2.0, 1)]);
        assert_eq!(dupes, vec![(1.0, 3), (2.0, 1)]);
    }

    #[test]
    fn histogram_objects() {
        let value = histogram_value(4, 10.0f64, Some(1.0), Some(4.0), vec![(3.5, 2), (1.5, 2)])
            .unwrap()
            .unwrap();
        let docs = documents(vec![point("h", &[], 1, value)], &[], "ns");
        let doc = parse(&docs.events[0]);
        assert_eq!(
            doc["h"],
            json!({"Count": 4, "Sum": 10.0, "Min": 1.0, "Max": 4.0,
                   "Values": [1.5, 3.5], "Counts": [2.0, 2.0]})
        );
        // No value: skipped, not invalid.
        assert_eq!(histogram_value(0, 0.0f64, None, None, vec![]), Ok(None));
        // Unwritable sum or bounds: invalid.
        assert_eq!(
            histogram_value(1, f64::NAN, None, None, vec![(1.0, 1)]),
            Err(Invalid)
        );
        assert_eq!(
            histogram_value(1, 1.0, Some(f64::NEG_INFINITY), None, vec![(1.0, 1)]),
            Err(Invalid)
        );
        // Unknown min/max come from the bucket values.
        let estimated = histogram_value(3, 6u64, None, None, vec![(1.0, 1), (4.0, 2)])
            .unwrap()
            .unwrap();
        let PointValue::Histogram(h) = estimated else {
            panic!("histogram")
        };
        assert_eq!((h.min, h.max), (Number::F64(1.0), Number::F64(4.0)));
        assert_eq!(h.sum, Number::U64(6));
    }

    /// Runs `record` against a real SDK pipeline and returns the documents of one collection.
    fn collect_with(
        histogram_aggregation: Option<Aggregation>,
        record: impl FnOnce(&opentelemetry::metrics::Meter),
    ) -> Documents {
        #[derive(Debug, Clone)]
        struct Capture(Arc<Mutex<Vec<Documents>>>);
        impl PushMetricExporter for Capture {
            async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
                let docs = build(metrics, "test-ns");
                self.0.lock().unwrap().push(docs);
                Ok(())
            }
            fn force_flush(&self) -> OTelSdkResult {
                Ok(())
            }
            fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
                Ok(())
            }
            fn temporality(&self) -> Temporality {
                Temporality::Delta
            }
        }
        let captured = Arc::new(Mutex::new(Vec::new()));
        let reader = PeriodicReader::builder(Capture(captured.clone())).build();
        let mut builder = SdkMeterProvider::builder()
            .with_reader(reader)
            .with_resource(
                Resource::builder_empty()
                    .with_attribute(KeyValue::new("service.name", "agent"))
                    .with_attribute(KeyValue::new("port", 8080))
                    .build(),
            );
        if let Some(aggregation) = histogram_aggregation {
            builder = builder.with_view(move |i: &Instrument| {
                (i.kind() == opentelemetry_sdk::metrics::InstrumentKind::Histogram).then(|| {
                    Stream::builder()
                        .with_aggregation(aggregation.clone())
                        .build()
                        .unwrap()
                })
            });
        }
        let provider = builder.build();
        record(&provider.meter("test"));
        provider.force_flush().unwrap();
        let _ = provider.shutdown();
        let collections = std::mem::take(&mut *captured.lock().unwrap());
        collections.into_iter().next().unwrap_or_default()
    }

    fn find<'a>(docs: &'a [Json], metric: &str) -> Vec<&'a Json> {
        docs.iter().filter(|d| d.get(metric).is_some()).collect()
    }

    #[test]
    fn sdk_data_becomes_emf() {
        let docs = collect_with(None, |meter| {
            let attrs = [
                KeyValue::new("gen_ai.operation.name", "chat"),
                KeyValue::new("gen_ai.request.model", "nova"),
            ];
            meter
                .u64_counter("calls")
                .with_unit("{call}")
                .build()
                .add(3, &attrs);
            meter.i64_up_down_counter("active").build().add(-2, &attrs);
            meter
                .f64_gauge("temp")
                .with_unit("%")
                .build()
                .record(0.5, &attrs);
            let hist = meter
                .f64_histogram("gen_ai.client.operation.duration")
                .with_unit("s")
                .with_boundaries(vec![0.1, 1.0, 10.0])
                .build();
            hist.record(0.05, &attrs);
            hist.record(0.5, &attrs);
            hist.record(0.7, &attrs);
            hist.record(50.0, &attrs);
            meter
                .u64_counter("flag")
                .build()
                .add(1, &[KeyValue::new("ok", true), KeyValue::new("n", 5)]);
        });
        assert_eq!(docs.invalid, 0);
        let parsed: Vec<Json> = docs.events.iter().map(parse).collect();
        assert_eq!(parsed.len(), 2, "{parsed:#?}");
        let doc = find(&parsed, "calls")[0];
        assert_eq!(doc["calls"], 3);
        assert_eq!(doc["active"], -2);
        assert_eq!(doc["temp"], 0.5);
        assert_eq!(doc["gen_ai.operation.name"], "chat");
        assert_eq!(doc["otel.resource.service.name"], "agent");
        assert_eq!(doc["otel.resource.port"], "8080");
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "test-ns");
        assert_eq!(
            directive["Dimensions"],
            json!([["gen_ai.operation.name", "gen_ai.request.model"]])
        );
        let units: BTreeMap<String, String> = directive["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["Name"].as_str().unwrap().to_owned(),
                    m["Unit"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(units["gen_ai.client.operation.duration"], "Seconds");
        assert_eq!(units["calls"], "None");
        assert_eq!(units["temp"], "Percent");
        let hist = &doc["gen_ai.client.operation.duration"];
        assert_eq!(hist["Count"], 4);
        assert_eq!(hist["Min"], 0.05);
        assert_eq!(hist["Max"], 50.0);
        assert_eq!(hist["Counts"], json!([1.0, 2.0, 1.0]));
        // [0.05, 0.1] → 0.075; (0.1, 1] ∩ [0.05, 50] → 0.55; (10, inf) ∩ … → 30.
        let values: Vec<f64> = hist["Values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert!((values[0] - 0.075).abs() < 1e-12, "{values:?}");
        assert!((values[1] - 0.55).abs() < 1e-12, "{values:?}");
        assert!((values[2] - 30.0).abs() < 1e-12, "{values:?}");
        let flag = find(&parsed, "flag")[0];
        assert_eq!(flag["ok"], "true", "non-string attributes become strings");
        assert_eq!(flag["n"], "5");
        let ts = flag["_aws"]["Timestamp"].as_i64().unwrap();
        let now = millis(SystemTime::now());
        assert!((now - ts).abs() < 60_000, "{ts} vs {now}");
    }

    #[test]
    fn exponential_histograms_use_bucket_midpoints() {
        let docs = collect_with(
            Some(Aggregation::Base2ExponentialHistogram {
                max_size: 160,
                max_scale: 20,
                record_min_max: true,
            }),
            |meter| {
                let hist = meter.u64_histogram("gen_ai.client.token.usage").build();
                for _ in 0..4 {
                    hist.record(11, &[]);
                }
                let spread = meter.f64_histogram("spread").build();
                for v in [-4.0, 0.0, 1.0, 2.0, 1000.0] {
                    spread.record(v, &[]);
                }
            },
        );
        assert_eq!(docs.invalid, 0);
        let parsed: Vec<Json> = docs.events.iter().map(parse).collect();
        let doc = find(&parsed, "gen_ai.client.token.usage")[0];
        let hist = &doc["gen_ai.client.token.usage"];
        // One distinct value: the bucket's part within [min, max] is the value itself.
        assert_eq!(
            hist,
            &json!({"Count": 4, "Sum": 44, "Min": 11, "Max": 11,
                    "Values": [11.0], "Counts": [4.0]})
        );
        let spread = &find(&parsed, "spread")[0]["spread"];
        assert_eq!(spread["Count"], 5);
        let values: Vec<f64> = spread["Values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(values.len(), 5, "{values:?}");
        assert!(values.windows(2).all(|w| w[0] < w[1]), "{values:?}");
        // Each value lies in the recorded value's bucket (a few percent wide at this scale).
        for (value, recorded) in values.iter().zip([-4.0, 0.0, 1.0, 2.0, 1000.0]) {
            let error = if recorded == 0.0 {
                value.abs()
            } else {
                ((value - recorded) / recorded).abs()
            };
            assert!(error < 0.1, "{value} for {recorded}: {values:?}");
        }
        assert_eq!(spread["Min"], -4.0);
        assert_eq!(spread["Max"], 1000.0);
    }

    #[test]
    fn non_finite_values_are_counted_not_written() {
        let docs = collect_with(None, |meter| {
            // The SDK ignores non-finite measurements, but sums can still overflow.
            meter.f64_gauge("nan").build().record(f64::NAN, &[]);
            let counter = meter.f64_counter("overflow").build();
            counter.add(1e308, &[]);
            counter.add(1e308, &[]);
            let hist = meter.f64_histogram("hist").build();
            hist.record(1e308, &[]);
            hist.record(1e308, &[]);
            meter.f64_counter("big").build().add(1e200, &[]);
            meter.f64_gauge("good").build().record(1.0, &[]);
        });
        let parsed: Vec<Json> = docs.events.iter().map(parse).collect();
        assert_eq!(find(&parsed, "good").len(), 1);
        for bad in ["nan", "overflow", "hist", "big"] {
            assert!(find(&parsed, bad).is_empty(), "{bad}: {parsed:?}");
        }
        assert_eq!(docs.invalid, 3, "overflow, hist and big");
        assert_eq!(number_value(f64::NAN), Err(Invalid));
        assert_eq!(number_value(-f64::INFINITY), Err(Invalid));
    }
}
