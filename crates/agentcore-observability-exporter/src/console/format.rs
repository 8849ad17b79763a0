//! Small text helpers shared by the console exporters: durations, ids, times and values.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentelemetry::logs::AnyValue;
use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry::{Array, Value};

/// A duration as a person reads it: `750ns`, `842µs`, `12.3ms`, `1.52s`, `2m03s`, `1h05m`.
///
/// Three significant digits are enough to compare spans at a glance.
pub(crate) fn duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos < 1_000 {
        return format!("{nanos}ns");
    }
    let micros = nanos as f64 / 1e3;
    if micros < 999.5 {
        return three_significant(micros, "µs");
    }
    let millis = nanos as f64 / 1e6;
    if millis < 999.5 {
        return three_significant(millis, "ms");
    }
    let secs = nanos as f64 / 1e9;
    if secs < 59.95 {
        return three_significant(secs, "s");
    }
    let whole = d.as_secs();
    if whole < 3_600 {
        format!("{}m{:02}s", whole / 60, whole % 60)
    } else {
        format!("{}h{:02}m", whole / 3_600, (whole % 3_600) / 60)
    }
}

/// `v` (at least 1) with 3 significant digits, choosing the decimals from the rounded value so
/// that 9.996 becomes `10.0` rather than `10.00`.
fn three_significant(v: f64, unit: &str) -> String {
    if (v * 100.0).round() / 100.0 < 10.0 {
        format!("{v:.2}{unit}")
    } else if (v * 10.0).round() / 10.0 < 100.0 {
        format!("{v:.1}{unit}")
    } else {
        format!("{v:.0}{unit}")
    }
}

/// The elapsed time between two instants, zero if the clock went backwards.
pub(crate) fn elapsed(start: SystemTime, end: SystemTime) -> Duration {
    end.duration_since(start).unwrap_or_default()
}

/// The first 8 hex digits of a trace id: enough to tell traces apart on one screen.
pub(crate) fn short_trace_id(id: TraceId) -> String {
    let mut hex = id.to_string();
    hex.truncate(8);
    hex
}

/// The first 8 hex digits of a span id.
pub(crate) fn short_span_id(id: SpanId) -> String {
    let mut hex = id.to_string();
    hex.truncate(8);
    hex
}

/// `HH:MM:SS.mmm` in UTC. The date is left out: console output is read live.
pub(crate) fn time_of_day(t: SystemTime) -> String {
    match t.duration_since(UNIX_EPOCH) {
        Ok(since) => {
            let secs = since.as_secs() % 86_400;
            format!(
                "{:02}:{:02}:{:02}.{:03}",
                secs / 3_600,
                (secs % 3_600) / 60,
                secs % 60,
                since.subsec_millis()
            )
        }
        Err(_) => "--:--:--.---".to_owned(),
    }
}

/// Cut `s` to at most `max_chars` characters, marking the cut with `…`.
///
/// Counts characters, not bytes, so a cut never lands inside a UTF-8 sequence.
pub(crate) fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        None => s.to_owned(),
        Some(_) => {
            let keep = max_chars.saturating_sub(1);
            let end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
            let mut cut = s[..end].to_owned();
            cut.push('…');
            cut
        }
    }
}

/// Escape line breaks and other control characters so one record stays on one line.
pub(crate) fn one_line(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// A single-line, length-limited rendering of an attribute value. Strings are not quoted.
pub(crate) fn value(v: &Value, max_chars: usize) -> String {
    let text = match v {
        Value::String(s) => one_line(s.as_str()),
        Value::F64(f) => number(*f),
        Value::Array(Array::String(items)) => {
            let items: Vec<String> = items.iter().map(|s| one_line(s.as_str())).collect();
            format!("[{}]", items.join(","))
        }
        other => one_line(&other.to_string()),
    };
    truncate(&text, max_chars)
}

/// A float without noise: integers without `.0`, others with at most 3 decimals.
pub(crate) fn number(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{f:.0}");
    }
    if !f.is_finite() || f.abs() >= 1e15 || (f != 0.0 && f.abs() < 1e-3) {
        // Very large or tiny values read better in exponent form.
        return format!("{f:e}");
    }
    let fixed = format!("{f:.3}");
    fixed.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A single-line, length-limited rendering of a log body or attribute.
///
/// Maps and lists become compact JSON with sorted keys, so the output is stable.
pub(crate) fn any_value(v: &AnyValue, max_chars: usize) -> String {
    let text = match v {
        AnyValue::String(s) => one_line(s.as_str()),
        AnyValue::Int(i) => i.to_string(),
        AnyValue::Double(f) => number(*f),
        AnyValue::Boolean(b) => b.to_string(),
        AnyValue::Bytes(bytes) => hex_bytes(bytes),
        other => to_json(other).to_string(),
    };
    truncate(&text, max_chars)
}

/// Bytes as `0x…` hex, at most 32 bytes shown: this is a preview, not a dump.
fn hex_bytes(bytes: &[u8]) -> String {
    let mut out = String::from("0x");
    for b in bytes.iter().take(32) {
        out.push_str(&format!("{b:02x}"));
    }
    if bytes.len() > 32 {
        out.push('…');
    }
    out
}

/// Convert an `AnyValue` to JSON for compact rendering of nested data.
fn to_json(v: &AnyValue) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        AnyValue::Int(i) => J::from(*i),
        AnyValue::Double(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        AnyValue::String(s) => J::from(s.as_str()),
        AnyValue::Boolean(b) => J::from(*b),
        AnyValue::Bytes(bytes) => J::from(hex_bytes(bytes)),
        AnyValue::ListAny(items) => J::Array(items.iter().map(to_json).collect()),
        AnyValue::Map(map) => {
            // Sort explicitly: with serde_json's `preserve_order` feature (which another crate
            // may switch on) the map would keep the HashMap's random order.
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
            J::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.as_str().to_owned(), to_json(v)))
                    .collect(),
            )
        }
        // `AnyValue` is non-exhaustive: show future variants rather than dropping them.
        other => J::from(format!("{other:?}")),
    }
}

/// `key=value` in logfmt style: quote values that would otherwise be ambiguous.
pub(crate) fn key_value(key: &str, value: &str) -> String {
    let needs_quotes =
        value.is_empty() || value.contains(|c: char| c.is_whitespace() || c == '=' || c == '"');
    if needs_quotes {
        format!("{key}={value:?}")
    } else {
        format!("{key}={value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(Duration::from_nanos(750)), "750ns");
        assert_eq!(duration(Duration::from_micros(842)), "842µs");
        assert_eq!(duration(Duration::from_nanos(5_250)), "5.25µs");
        assert_eq!(duration(Duration::from_micros(12_345)), "12.3ms");
        assert_eq!(duration(Duration::from_micros(9_996)), "10.0ms");
        assert_eq!(duration(Duration::from_micros(999_700)), "1.00s");
        assert_eq!(duration(Duration::from_millis(1_523)), "1.52s");
        assert_eq!(duration(Duration::from_secs(123)), "2m03s");
        assert_eq!(duration(Duration::from_secs(3_900)), "1h05m");
    }

    #[test]
    fn elapsed_never_negative() {
        let now = SystemTime::now();
        assert_eq!(elapsed(now, now - Duration::from_secs(1)), Duration::ZERO);
    }

    #[test]
    fn time_of_day_is_utc() {
        let t = UNIX_EPOCH + Duration::from_millis(86_400_000 * 3 + 3_723_045);
        assert_eq!(time_of_day(t), "01:02:03.045");
    }

    #[test]
    fn truncate_counts_characters() {
        assert_eq!(truncate("héllo", 10), "héllo");
        assert_eq!(truncate("héllo", 5), "héllo");
        assert_eq!(truncate("héllo wörld", 5), "héll…");
        assert_eq!(truncate("ééééé", 0), "…");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(one_line("a\nb\tc"), "a\\nb\\tc");
        assert_eq!(one_line("plain"), "plain");
    }

    #[test]
    fn values_render_compactly() {
        assert_eq!(value(&Value::from("hi"), 50), "hi");
        assert_eq!(value(&Value::from(3.0), 50), "3");
        assert_eq!(value(&Value::from(0.25), 50), "0.25");
        let reasons = Value::Array(Array::String(vec!["stop".into(), "length".into()]));
        assert_eq!(value(&reasons, 50), "[stop,length]");
    }

    #[test]
    fn any_values_render_maps_as_sorted_json() {
        let mut map = HashMap::new();
        map.insert("b".into(), AnyValue::Int(2));
        map.insert("a".into(), AnyValue::String("x".into()));
        let v = AnyValue::Map(Box::new(map));
        assert_eq!(any_value(&v, 100), r#"{"a":"x","b":2}"#);
        let list = AnyValue::ListAny(Box::new(vec![AnyValue::Int(1), AnyValue::Boolean(true)]));
        assert_eq!(any_value(&list, 100), "[1,true]");
        assert_eq!(
            any_value(&AnyValue::Bytes(Box::new(vec![1, 255])), 100),
            "0x01ff"
        );
    }

    #[test]
    fn key_values_quote_when_ambiguous() {
        assert_eq!(key_value("user", "alice"), "user=alice");
        assert_eq!(key_value("msg", "hello world"), r#"msg="hello world""#);
        assert_eq!(key_value("empty", ""), r#"empty="""#);
    }
}
