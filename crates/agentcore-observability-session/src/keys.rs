//! Which baggage keys the processors copy onto spans and log records.

use std::fmt;

use opentelemetry::baggage::Baggage;
use opentelemetry::{Key, StringValue};

use crate::scope::SESSION_ID;

/// The baggage keys to copy: exact names and `*` globs, as listed in
/// `OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS`.
///
/// - `tenant.id` copies the entry named exactly `tenant.id`;
/// - `*` copies every entry;
/// - `app.*` copies every entry whose name starts with `app.`; a `*` matches any run of characters
///   anywhere in a pattern (`*.id`, `app.*.name`).
///
/// [`BaggageKeyFilter::new`] always adds `session.id` (see `docs/sessions.md` for why that differs
/// from ADOT outside agent mode); [`BaggageKeyFilter::exactly`] copies only what is listed. Blank
/// patterns are ignored.
///
/// ```
/// use agentcore_observability_session::BaggageKeyFilter;
///
/// let filter = BaggageKeyFilter::new(["tenant.id", "app.*"]);
/// assert!(filter.matches("session.id"));
/// assert!(filter.matches("tenant.id"));
/// assert!(filter.matches("app.region"));
/// assert!(!filter.matches("user.type"));
/// assert!(!BaggageKeyFilter::exactly(["tenant.id"]).matches("session.id"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BaggageKeyFilter {
    /// Exact names, each as a shareable [`Key`] so copying one does not allocate its name.
    exact: Vec<Key>,
    /// Patterns containing `*` (except the lone `*`, which sets `all`).
    globs: Vec<String>,
    /// A lone `*` was listed: every entry matches.
    all: bool,
}

impl BaggageKeyFilter {
    /// The listed keys plus `session.id`, which this distro always copies.
    pub fn new<I>(patterns: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut filter = Self::exactly(patterns);
        if !filter.exact.iter().any(|k| k.as_str() == SESSION_ID) {
            filter.exact.insert(0, Key::from_static_str(SESSION_ID));
        }
        filter
    }

    /// Exactly the listed keys; nothing is added (ADOT's behaviour outside agent mode).
    pub fn exactly<I>(patterns: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut filter = BaggageKeyFilter {
            exact: Vec::new(),
            globs: Vec::new(),
            all: false,
        };
        for pattern in patterns {
            let pattern = pattern.as_ref().trim();
            if pattern.is_empty() {
                continue;
            }
            if pattern.chars().all(|c| c == '*') {
                filter.all = true;
            } else if pattern.contains('*') {
                if !filter.globs.iter().any(|g| g == pattern) {
                    filter.globs.push(pattern.to_string());
                }
            } else if !filter.exact.iter().any(|k| k.as_str() == pattern) {
                let shared: std::sync::Arc<str> = pattern.into();
                filter.exact.push(Key::from(shared));
            }
        }
        filter
    }

    /// Whether nothing can match.
    pub fn is_empty(&self) -> bool {
        !self.all && self.exact.is_empty() && self.globs.is_empty()
    }

    /// Whether `key` is one to copy.
    pub fn matches(&self, key: &str) -> bool {
        self.all
            || self.exact.iter().any(|k| k.as_str() == key)
            || self.globs.iter().any(|g| glob_match(g, key))
    }

    /// Calls `copy` for every entry of `baggage` this filter selects. Exact names are looked up
    /// directly (no scan of the baggage) unless a glob or `*` is listed.
    pub(crate) fn for_each_match(
        &self,
        baggage: &Baggage,
        mut copy: impl FnMut(Key, &StringValue),
    ) {
        if baggage.is_empty() {
            return;
        }
        if self.all || !self.globs.is_empty() {
            for (key, (value, _)) in baggage {
                if self.matches(key.as_str()) {
                    copy(key.clone(), value);
                }
            }
        } else {
            for key in &self.exact {
                if let Some(value) = baggage.get(key.as_str()) {
                    copy(key.clone(), value);
                }
            }
        }
    }
}

impl fmt::Debug for BaggageKeyFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        if self.all {
            list.entry(&"*");
        }
        list.entries(self.exact.iter().map(Key::as_str));
        list.entries(self.globs.iter());
        list.finish()
    }
}

/// `*` matches any run of characters (including none); everything else matches itself.
/// Iterative with one backtrack point, so it is linear-ish and never recurses.
fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((star_pi, star_ti)) = star {
            pi = star_pi + 1;
            ti = star_ti + 1;
            star = Some((star_pi, star_ti + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("app.*", "app.region"));
        assert!(glob_match("app.*", "app."));
        assert!(!glob_match("app.*", "app"));
        assert!(!glob_match("app.*", "apps.x"));
        assert!(glob_match("*.id", "tenant.id"));
        assert!(!glob_match("*.id", "tenant.idx"));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
        assert!(glob_match("**", ""));
        assert!(glob_match("é*", "éa"));
    }

    #[test]
    fn new_always_has_session_id_and_exactly_does_not() {
        assert!(BaggageKeyFilter::new(Vec::<String>::new()).matches("session.id"));
        assert!(!BaggageKeyFilter::exactly(Vec::<String>::new()).matches("session.id"));
        assert!(BaggageKeyFilter::exactly(Vec::<String>::new()).is_empty());
        let filter = BaggageKeyFilter::new(["session.id", "session.id", " ", "x"]);
        assert_eq!(format!("{filter:?}"), r#"["session.id", "x"]"#);
    }

    #[test]
    fn star_matches_everything() {
        let filter = BaggageKeyFilter::exactly(["*"]);
        assert!(filter.matches("anything"));
        assert!(filter.matches(""));
    }

    #[test]
    fn for_each_match_uses_lookups_or_a_scan() {
        let baggage: Baggage = [
            opentelemetry::KeyValue::new("session.id", "s"),
            opentelemetry::KeyValue::new("app.a", "1"),
            opentelemetry::KeyValue::new("other", "2"),
        ]
        .into_iter()
        .collect();
        let collect = |filter: BaggageKeyFilter| {
            let mut seen = Vec::new();
            filter.for_each_match(&baggage, |k, v| seen.push(format!("{k}={v}")));
            seen.sort();
            seen
        };
        assert_eq!(collect(BaggageKeyFilter::new(["x"])), ["session.id=s"]);
        assert_eq!(
            collect(BaggageKeyFilter::new(["app.*"])),
            ["app.a=1", "session.id=s"]
        );
        assert_eq!(collect(BaggageKeyFilter::exactly(["*"])).len(), 3);
    }
}
