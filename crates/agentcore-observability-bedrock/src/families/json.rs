//! Defensive accessors over [`serde_json::Value`] and the limits that keep parsing bounded.
//!
//! Bodies come from user code and from the network, so every accessor treats a missing key, a
//! `null` and a value of the wrong type alike: as absent. Depth is bounded by `serde_json`'s own
//! recursion limit (128), which turns pathological nesting into a parse error instead of a stack
//! overflow; the caps below bound everything else.

use serde_json::{Map, Value};

/// Largest body (or stream chunk) parsed. Bedrock rejects requests well below this, so only
/// garbage is skipped, and parsing stays linear in a bounded size.
pub(super) const MAX_BODY_BYTES: usize = 32 << 20;

/// Most messages, parts, candidates or tool calls taken from one array: telemetry does not need
/// more, and it bounds the copies made from a hostile body.
pub(super) const MAX_ITEMS: usize = 4096;

/// Most short strings (stop sequences, tool names, system blocks) taken from one array.
pub(super) const MAX_STRINGS: usize = 256;

/// Parses a body, refusing oversized input.
pub(super) fn parse(body: &[u8]) -> Option<Value> {
    if body.len() > MAX_BODY_BYTES {
        return None;
    }
    serde_json::from_slice(body).ok()
}

/// The value under `key`, treating `null` as absent.
pub(super) fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object()?.get(key).filter(|v| !v.is_null())
}

/// The value at a path of object keys.
pub(super) fn path<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(v, |v, k| get(v, k))
}

/// The string under `key`.
pub(super) fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    get(v, key)?.as_str()
}

/// The string under `key`, owned.
pub(super) fn string_of(v: &Value, key: &str) -> Option<String> {
    str_of(v, key).map(str::to_owned)
}

/// The number under `key` as `f64`.
pub(super) fn f64_of(v: &Value, key: &str) -> Option<f64> {
    get(v, key)?.as_f64().filter(|f| f.is_finite())
}

/// The number under `key` as `i64`; integral floats (`200.0`) count, since some SDKs serialise
/// every number as a float.
pub(super) fn i64_of(v: &Value, key: &str) -> Option<i64> {
    as_i64(get(v, key)?)
}

/// The number under `key` as a non-negative count.
pub(super) fn u64_of(v: &Value, key: &str) -> Option<u64> {
    as_u64(get(v, key)?)
}

fn as_i64(v: &Value) -> Option<i64> {
    if let Some(i) = v.as_i64() {
        return Some(i);
    }
    let f = v.as_f64()?;
    // The bounds are exact powers of two, so the cast below cannot saturate.
    let in_range = (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f);
    (f.is_finite() && f.fract() == 0.0 && in_range).then_some(f as i64)
}

pub(super) fn as_u64(v: &Value) -> Option<u64> {
    if let Some(u) = v.as_u64() {
        return Some(u);
    }
    let f = v.as_f64()?;
    let in_range = (0.0..18_446_744_073_709_551_616.0).contains(&f);
    (f.is_finite() && f.fract() == 0.0 && in_range).then_some(f as u64)
}

/// The first of `keys` that holds a number, as `f64`.
pub(super) fn first_f64(v: &Value, keys: &[&str]) -> Option<f64> {
    keys.iter().find_map(|k| f64_of(v, k))
}

/// The first of `keys` that holds an integer.
pub(super) fn first_i64(v: &Value, keys: &[&str]) -> Option<i64> {
    keys.iter().find_map(|k| i64_of(v, k))
}

/// The first of `keys` that holds a non-negative count.
pub(super) fn first_u64(v: &Value, keys: &[&str]) -> Option<u64> {
    keys.iter().find_map(|k| u64_of(v, k))
}

/// The elements of the array under `key` (none if it is not an array), capped at [`MAX_ITEMS`].
pub(super) fn array<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> + 'a {
    get(v, key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .take(MAX_ITEMS)
}

/// A string or an array of strings (stop sequences are either, depending on the family); other
/// element types are skipped.
pub(super) fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .take(MAX_STRINGS)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// The first of `keys` that holds a string or array of strings.
pub(super) fn first_strings(v: &Value, keys: &[&str]) -> Vec<String> {
    keys.iter()
        .map(|k| strings(get(v, k)))
        .find(|s| !s.is_empty())
        .unwrap_or_default()
}

/// Tool-call arguments sent as a JSON-encoded string (OpenAI style, stream deltas): the parsed
/// value when it parses, so the attribute shows structure, else the string as sent.
pub(super) fn arguments_from_str(s: &str) -> Value {
    if s.trim().is_empty() {
        return Value::Object(Map::new());
    }
    if s.len() <= MAX_BODY_BYTES {
        if let Ok(v) = serde_json::from_str(s) {
            return v;
        }
    }
    Value::String(s.to_owned())
}

/// Appends at most `*budget` bytes of `s` to `dst`, cutting on a character boundary, and charges
/// the budget. Returns whether anything was appended.
pub(super) fn append_capped(dst: &mut String, s: &str, budget: &mut usize) -> bool {
    let mut take = s.len().min(*budget);
    while take > 0 && !s.is_char_boundary(take) {
        take -= 1;
    }
    match s.get(..take) {
        Some(part) if !part.is_empty() => {
            dst.push_str(part);
            *budget -= take;
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_are_lenient_about_representation_but_not_type() {
        let v = json!({"a": 200, "b": 200.0, "c": 1.5, "d": "200", "e": -3, "f": 1e300, "g": null});
        assert_eq!(i64_of(&v, "a"), Some(200));
        assert_eq!(i64_of(&v, "b"), Some(200));
        assert_eq!(i64_of(&v, "c"), None);
        assert_eq!(i64_of(&v, "d"), None);
        assert_eq!(i64_of(&v, "f"), None);
        assert_eq!(u64_of(&v, "e"), None);
        assert_eq!(u64_of(&v, "b"), Some(200));
        assert_eq!(f64_of(&v, "g"), None);
        assert_eq!(f64_of(&v, "a"), Some(200.0));
    }

    #[test]
    fn strings_accepts_one_or_many() {
        assert_eq!(strings(Some(&json!("x"))), vec!["x"]);
        assert_eq!(strings(Some(&json!(["x", 1, "y"]))), vec!["x", "y"]);
        assert!(strings(Some(&json!({"x": 1}))).is_empty());
        let many: Vec<String> = (0..10_000).map(|i| i.to_string()).collect();
        assert_eq!(strings(Some(&json!(many))).len(), MAX_STRINGS);
    }

    #[test]
    fn append_capped_cuts_on_char_boundary() {
        let mut budget = 4;
        let mut s = String::new();
        assert!(append_capped(&mut s, "aé€", &mut budget));
        assert_eq!(s, "aé");
        assert_eq!(budget, 1);
        assert!(!append_capped(&mut s, "€", &mut budget));
        assert_eq!(s, "aé");
    }

    #[test]
    fn arguments_parse_or_stay_strings() {
        assert_eq!(arguments_from_str(r#"{"a":1}"#), json!({"a": 1}));
        assert_eq!(arguments_from_str("{\"a\":"), json!("{\"a\":"));
        assert_eq!(arguments_from_str(""), json!({}));
    }

    #[test]
    fn oversized_and_deep_bodies_are_refused() {
        let deep = "[".repeat(100_000);
        assert!(parse(deep.as_bytes()).is_none());
        let huge = vec![b' '; MAX_BODY_BYTES + 1];
        assert!(parse(&huge).is_none());
    }
}
