//! `AWS_REDACT_SPAN_ATTRIBUTES`: attribute names or `*` globs whose values become `"REDACTED"`.

use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;

/// The value a redacted attribute is given (ADOT's `AttributeRedactingSpanProcessor` value).
pub const REDACTED: &str = "REDACTED";

/// Attribute names (exact) and `*` globs whose values are replaced by `"REDACTED"`, on span, span
/// event and span link attributes, when the span ends. Built from `AWS_REDACT_SPAN_ATTRIBUTES`.
///
/// A `*` matches any run of characters (including none), anywhere in the pattern; every other
/// character matches itself, case-sensitively. Patterns are trimmed; empty ones are ignored.
///
/// ```
/// use agentcore_observability_spans::content::RedactionRules;
///
/// let rules = RedactionRules::new(["user.email", "http.request.header.*", "*.secret"]);
/// assert!(rules.matches("user.email"));
/// assert!(rules.matches("http.request.header.authorization"));
/// assert!(rules.matches("db.secret"));
/// assert!(!rules.matches("user.name"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedactionRules {
    exact: Vec<String>,
    globs: Vec<String>,
}

impl RedactionRules {
    /// Rules from names and globs.
    pub fn new<I, S>(patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut rules = Self::default();
        for pattern in patterns {
            let pattern = pattern.as_ref().trim();
            if pattern.is_empty() {
                continue;
            }
            let list = if pattern.contains('*') {
                &mut rules.globs
            } else {
                &mut rules.exact
            };
            if !list.iter().any(|p| p == pattern) {
                list.push(pattern.to_string());
            }
        }
        rules
    }

    /// The rules of `AWS_REDACT_SPAN_ATTRIBUTES`.
    pub fn from_config(config: &agentcore_observability_config::Config) -> Self {
        Self::new(&config.redact_span_attributes)
    }

    /// Whether there are no rules (redaction is then skipped entirely).
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.globs.is_empty()
    }

    /// Whether the attribute `key` is redacted.
    pub fn matches(&self, key: &str) -> bool {
        self.exact.iter().any(|e| e == key) || self.globs.iter().any(|g| glob_match(g, key))
    }

    /// Replaces the values of matching attributes by `"REDACTED"`; returns how many were replaced.
    pub fn redact_attributes(&self, attributes: &mut [KeyValue]) -> usize {
        let mut count = 0;
        for kv in attributes {
            if self.matches(kv.key.as_str()) {
                kv.value = Value::from(REDACTED);
                count += 1;
            }
        }
        count
    }

    /// Redacts the span's attributes and the attributes of its events and links; returns how many
    /// values were replaced. The distro's span processor calls this when a span ends; a span
    /// processor of your own can call it from `SpanProcessor::on_end`.
    pub fn redact_span(&self, span: &mut SpanData) -> usize {
        if self.is_empty() {
            return 0;
        }
        let mut count = self.redact_attributes(&mut span.attributes);
        for event in span.events.events.iter_mut() {
            count += self.redact_attributes(&mut event.attributes);
        }
        for link in span.links.links.iter_mut() {
            count += self.redact_attributes(&mut link.attributes);
        }
        count
    }
}

/// `*` matches any run of bytes; everything else matches itself. Linear-time two-pointer match
/// with backtracking to the last `*`; never panics (`*` is ASCII, so byte positions are safe).
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if t.get(ti) == Some(&c) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == b'*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        for (pattern, text, expected) in [
            ("*", "", true),
            ("*", "anything", true),
            ("a*", "a", true),
            ("a*", "abc", true),
            ("a*", "ba", false),
            ("*.id", "user.id", true),
            ("*.id", "user.idx", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("a**b", "ab", true),
            (
                "http.*.authorization",
                "http.request.header.authorization",
                true,
            ),
            ("é*", "éà", true),
            ("exact", "exact", true),
            ("exact", "exactly", false),
            ("", "", true),
            ("", "x", false),
        ] {
            assert_eq!(glob_match(pattern, text), expected, "{pattern} vs {text}");
        }
    }

    #[test]
    fn rules_trim_dedup_and_skip_empty() {
        let rules = RedactionRules::new([" a ", "a", "", "b.*", "b.*"]);
        assert_eq!(rules.exact, vec!["a"]);
        assert_eq!(rules.globs, vec!["b.*"]);
        assert!(RedactionRules::new(["  ", ""]).is_empty());
    }

    #[test]
    fn redacts_any_value_type() {
        let rules = RedactionRules::new(["secret", "n.*"]);
        let mut attrs = vec![
            KeyValue::new("secret", "s3cr3t"),
            KeyValue::new("n.count", 3),
            KeyValue::new("kept", "v"),
        ];
        assert_eq!(rules.redact_attributes(&mut attrs), 2);
        assert_eq!(attrs[0].value, Value::from(REDACTED));
        assert_eq!(attrs[1].value, Value::from(REDACTED));
        assert_eq!(attrs[2].value, Value::from("v"));
    }
}
