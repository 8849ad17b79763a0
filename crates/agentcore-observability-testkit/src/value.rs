//! Small helpers for OTLP attribute lists and [`AnyValue`]s, shared by the `Received*` types
//! and usable directly on the proto types.

use opentelemetry_proto::tonic::common::v1::{any_value::Value, AnyValue, KeyValue};

/// The value of the first attribute named `key`, if any.
pub fn find_attr<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
}

/// The string inside `value`, if it holds a string.
pub fn as_str(value: &AnyValue) -> Option<&str> {
    match &value.value {
        Some(Value::StringValue(s)) => Some(s),
        _ => None,
    }
}

/// The integer inside `value`, if it holds an integer.
pub fn as_i64(value: &AnyValue) -> Option<i64> {
    match &value.value {
        Some(Value::IntValue(i)) => Some(*i),
        _ => None,
    }
}

/// The double inside `value`, if it holds a double (integers are not converted).
pub fn as_f64(value: &AnyValue) -> Option<f64> {
    match &value.value {
        Some(Value::DoubleValue(d)) => Some(*d),
        _ => None,
    }
}

/// The boolean inside `value`, if it holds a boolean.
pub fn as_bool(value: &AnyValue) -> Option<bool> {
    match &value.value {
        Some(Value::BoolValue(b)) => Some(*b),
        _ => None,
    }
}

/// Renders an [`AnyValue`] as JSON: strings, booleans and numbers as themselves, arrays as
/// arrays, key-value lists as objects (later duplicate keys win), bytes as a lowercase hex
/// string, non-finite doubles as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`, and an
/// empty value (or a profiling-only string-table reference) as `null`.
pub fn any_value_to_json(value: &AnyValue) -> serde_json::Value {
    use serde_json::Value as Json;
    match &value.value {
        // `StringValueStrindex` only has meaning in the profiling signal: treat as absent.
        None | Some(Value::StringValueStrindex(_)) => Json::Null,
        Some(Value::StringValue(s)) => Json::String(s.clone()),
        Some(Value::BoolValue(b)) => Json::Bool(*b),
        Some(Value::IntValue(i)) => Json::from(*i),
        Some(Value::DoubleValue(d)) => match serde_json::Number::from_f64(*d) {
            Some(n) => Json::Number(n),
            None if d.is_nan() => Json::String("NaN".to_owned()),
            None if *d > 0.0 => Json::String("Infinity".to_owned()),
            None => Json::String("-Infinity".to_owned()),
        },
        Some(Value::BytesValue(b)) => Json::String(to_hex(b)),
        Some(Value::ArrayValue(a)) => Json::Array(a.values.iter().map(any_value_to_json).collect()),
        Some(Value::KvlistValue(list)) => Json::Object(
            list.values
                .iter()
                .map(|kv| {
                    let v = kv.value.as_ref().map_or(Json::Null, any_value_to_json);
                    (kv.key.clone(), v)
                })
                .collect(),
        ),
    }
}

/// Lowercase hex of `bytes` (how OTLP/JSON spells trace and span ids).
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Hex of an id, or `None` when it is empty or all zeroes (an absent id in OTLP).
pub(crate) fn id_hex(bytes: &[u8]) -> Option<String> {
    if bytes.iter().all(|b| *b == 0) {
        None
    } else {
        Some(to_hex(bytes))
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::common::v1::{ArrayValue, KeyValueList};

    use super::*;

    fn v(value: Value) -> AnyValue {
        AnyValue { value: Some(value) }
    }

    fn kv(key: &str, value: Value) -> KeyValue {
        KeyValue {
            key: key.to_owned(),
            value: Some(v(value)),
            ..Default::default()
        }
    }

    #[test]
    fn typed_lookups() {
        let attrs = vec![
            kv("s", Value::StringValue("x".into())),
            kv("i", Value::IntValue(-3)),
            kv("s", Value::StringValue("second".into())),
        ];
        assert_eq!(find_attr(&attrs, "s").and_then(as_str), Some("x"));
        assert_eq!(find_attr(&attrs, "i").and_then(as_i64), Some(-3));
        assert_eq!(find_attr(&attrs, "i").and_then(as_f64), None);
        assert_eq!(find_attr(&attrs, "i").and_then(as_bool), None);
        assert!(find_attr(&attrs, "missing").is_none());
        assert_eq!(as_f64(&v(Value::DoubleValue(1.5))), Some(1.5));
        assert_eq!(as_bool(&v(Value::BoolValue(false))), Some(false));
    }

    #[test]
    fn json_rendering() {
        let value = v(Value::KvlistValue(KeyValueList {
            values: vec![
                kv("b", Value::BytesValue(vec![0x00, 0xab])),
                kv("n", Value::DoubleValue(f64::NAN)),
                kv("inf", Value::DoubleValue(f64::NEG_INFINITY)),
                kv(
                    "a",
                    Value::ArrayValue(ArrayValue {
                        values: vec![v(Value::BoolValue(true)), AnyValue::default()],
                    }),
                ),
                KeyValue {
                    key: "empty".into(),
                    ..Default::default()
                },
            ],
        }));
        assert_eq!(
            any_value_to_json(&value),
            serde_json::json!({
                "b": "00ab", "n": "NaN", "inf": "-Infinity", "a": [true, null], "empty": null
            })
        );
    }

    #[test]
    fn ids() {
        assert_eq!(to_hex(&[0x01, 0xfe]), "01fe");
        assert_eq!(id_hex(&[]), None);
        assert_eq!(id_hex(&[0; 8]), None);
        assert_eq!(id_hex(&[0, 1]).as_deref(), Some("0001"));
    }
}
