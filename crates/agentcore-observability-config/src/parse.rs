//! Value parsers shared by every variable. Each returns a [`ConfigError::InvalidValue`] naming the
//! variable, the raw value and the accepted form, so callers never build error text themselves.
//! None of them panics on any input: no indexing, no unwrap, checked arithmetic only.

use std::time::Duration;

use crate::ConfigError;

/// `expected` text of a boolean.
pub(crate) const BOOL_EXPECTED: &str = "true or false";
/// `expected` text of a malformed duration.
pub(crate) const DURATION_EXPECTED: &str =
    "a duration in milliseconds such as 10000, or with a unit: 10s, 500ms";
/// `expected` text of a zero duration.
pub(crate) const DURATION_POSITIVE_EXPECTED: &str =
    "a duration greater than zero, in milliseconds such as 10000, or with a unit: 10s, 500ms";
/// `expected` text of a size.
pub(crate) const SIZE_EXPECTED: &str = "a positive integer, e.g. 2048";
/// `expected` text of an endpoint.
pub(crate) const URL_EXPECTED: &str =
    "an absolute http:// or https:// URL, e.g. http://localhost:4318";

/// An [`ConfigError::InvalidValue`].
pub(crate) fn invalid(variable: &str, value: &str, expected: impl Into<String>) -> ConfigError {
    ConfigError::InvalidValue {
        variable: variable.to_string(),
        value: value.to_string(),
        expected: expected.into(),
    }
}

/// `true` / `false`, case-insensitive, surrounding blanks ignored.
pub(crate) fn boolean(variable: &str, raw: &str) -> Result<bool, ConfigError> {
    let v = raw.trim();
    if v.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if v.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(invalid(variable, raw, BOOL_EXPECTED))
    }
}

/// A parsed duration and whether it was written as a bare number (so callers can warn about the
/// seconds/milliseconds confusion with ADOT Python).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ParsedDuration {
    pub(crate) value: Duration,
    /// The number as written when no unit was given (it is then milliseconds).
    pub(crate) bare: Option<u64>,
}

/// A duration: a bare integer is milliseconds (OTel specification); `ms`, `s` and `m` suffixes
/// are accepted, case-insensitive. Zero is rejected because every duration here is a deadline or
/// an interval, and zero would mean "never wait" or a busy loop.
pub(crate) fn duration(variable: &str, raw: &str) -> Result<ParsedDuration, ConfigError> {
    let v = raw.trim().to_ascii_lowercase();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (digits, unit) = v.split_at(split);
    if digits.is_empty() {
        return Err(invalid(variable, raw, DURATION_EXPECTED));
    }
    let n: u64 = digits
        .parse()
        .map_err(|_| invalid(variable, raw, DURATION_EXPECTED))?;
    let value = match unit {
        "" | "ms" => Some(Duration::from_millis(n)),
        "s" => Some(Duration::from_secs(n)),
        "m" => n.checked_mul(60).map(Duration::from_secs),
        _ => return Err(invalid(variable, raw, DURATION_EXPECTED)),
    }
    .ok_or_else(|| invalid(variable, raw, DURATION_EXPECTED))?;
    if value.is_zero() {
        return Err(invalid(variable, raw, DURATION_POSITIVE_EXPECTED));
    }
    Ok(ParsedDuration {
        value,
        bare: unit.is_empty().then_some(n),
    })
}

/// A positive integer (queue and batch sizes).
pub(crate) fn size(variable: &str, raw: &str) -> Result<usize, ConfigError> {
    match raw.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(invalid(variable, raw, SIZE_EXPECTED)),
    }
}

/// The non-empty, trimmed items of a comma-separated list, in order.
pub(crate) fn list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The items without repeats, first occurrence kept.
pub(crate) fn dedup<T: PartialEq>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// A comma-separated list of `key=value` pairs (resource attributes, headers): entries trimmed,
/// empty entries skipped, values percent-decoded. Returns `Err(())` for an entry without `=` or
/// with an empty key; the caller turns that into its own error text.
pub(crate) fn key_values(raw: &str) -> Result<Vec<(String, String)>, ()> {
    let mut pairs = Vec::new();
    for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (key, value) = entry.split_once('=').ok_or(())?;
        let key = key.trim();
        if key.is_empty() {
            return Err(());
        }
        pairs.push((key.to_string(), percent_decode(value.trim())));
    }
    Ok(pairs)
}

/// `%XX` escapes decoded (W3C baggage style, as the OTel specification asks for resource
/// attributes and headers). A `%` not followed by two hex digits is kept as is, as Python's
/// `urllib.parse.unquote` does; bytes that are not UTF-8 become U+FFFD.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).and_then(|c| hex(*c));
            let lo = bytes.get(i + 2).and_then(|c| hex(*c));
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push(hi * 16 + lo);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// An absolute `http`/`https` URL with a host. The string is returned unchanged (not normalised by
/// `url`), so what the user wrote is what is posted to.
pub(crate) fn endpoint(variable: &str, raw: &str) -> Result<String, ConfigError> {
    let trimmed = raw.trim();
    let ok = url::Url::parse(trimmed).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
    });
    if ok {
        Ok(trimmed.to_string())
    } else {
        Err(invalid(variable, raw, URL_EXPECTED))
    }
}

/// Whether `name` is an HTTP header name (RFC 9110 `token`).
pub(crate) fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// Whether `value` can be sent as an HTTP header value (no control characters except tab).
pub(crate) fn is_header_value(value: &str) -> bool {
    value.chars().all(|c| c == '\t' || !c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans() {
        assert_eq!(boolean("X", "TRUE"), Ok(true));
        assert_eq!(boolean("X", " false "), Ok(false));
        assert_eq!(
            boolean("X", "1").unwrap_err().to_string(),
            "X=\"1\" is invalid: expected true or false"
        );
    }

    #[test]
    fn durations() {
        let d = |s| duration("T", s).map(|p| p.value);
        assert_eq!(d("10000"), Ok(Duration::from_millis(10_000)));
        assert_eq!(d("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(d("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(d("10S"), Ok(Duration::from_secs(10)));
        assert_eq!(d(" 2m "), Ok(Duration::from_secs(120)));
        assert_eq!(duration("T", "30").map(|p| p.bare), Ok(Some(30)));
        assert_eq!(duration("T", "30s").map(|p| p.bare), Ok(None));
        for bad in [
            "ten",
            "10h",
            "-5",
            "1.5s",
            "s",
            "",
            "10 s",
            "99999999999999999999",
        ] {
            assert!(d(bad).is_err(), "{bad}");
        }
        assert!(d("18446744073709551615m").is_err());
        assert_eq!(
            d("0").unwrap_err().to_string(),
            format!("T=\"0\" is invalid: expected {DURATION_POSITIVE_EXPECTED}")
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(size("S", " 42 "), Ok(42));
        assert!(size("S", "0").is_err());
        assert!(size("S", "-1").is_err());
        assert!(size("S", "lots").is_err());
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("%2Faws%2fx"), "/aws/x");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
        assert_eq!(percent_decode("é%C3%A9"), "éé");
    }

    #[test]
    fn key_value_lists() {
        assert_eq!(
            key_values(" a = 1 , b=x%3Dy,, c= "),
            Ok(vec![
                ("a".into(), "1".into()),
                ("b".into(), "x=y".into()),
                ("c".into(), String::new())
            ])
        );
        assert_eq!(key_values("a=1=2"), Ok(vec![("a".into(), "1=2".into())]));
        assert_eq!(key_values("novalue"), Err(()));
        assert_eq!(key_values("=v"), Err(()));
    }

    #[test]
    fn endpoints() {
        assert!(endpoint("E", "http://localhost:4318").is_ok());
        assert!(endpoint("E", "https://xray.us-east-1.amazonaws.com/v1/traces").is_ok());
        for bad in [
            "localhost:4318",
            "ftp://x",
            "http://",
            "/v1/traces",
            "not a url",
        ] {
            assert!(endpoint("E", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn header_names() {
        assert!(is_header_name("x-aws-log-group"));
        assert!(!is_header_name("bad header"));
        assert!(!is_header_name("é"));
        assert!(is_header_value("a\tb"));
        assert!(!is_header_value("a\r\nb"));
    }
}
