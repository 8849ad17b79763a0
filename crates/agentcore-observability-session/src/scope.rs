//! Session scopes: the session id and its companions carried as OTel baggage in the current context.

use std::future::{Future, IntoFuture};
use std::sync::Arc;

use opentelemetry::baggage::{Baggage, BaggageExt};
use opentelemetry::context::{FutureExt as _, WithContext};
use opentelemetry::{Context, ContextGuard, Key};

/// Baggage key of the session id; AgentCore's Sessions view groups traces by it.
pub const SESSION_ID: &str = "session.id";
/// Baggage key set by [`Session::user_type`].
pub const USER_TYPE: &str = "user.type";
/// Baggage key set by [`Session::experiment_id`].
pub const EXPERIMENT_ID: &str = "experiment.id";
/// Baggage key set by [`Session::dataset`].
pub const DATASET: &str = "dataset";
/// Span attribute that carries the session id on GenAI spans (OTel GenAI semantic conventions).
pub const CONVERSATION_ID: &str = "gen_ai.conversation.id";

/// A session: an id plus optional `user.type`, `experiment.id`, `dataset` and custom entries, put in
/// the OTel baggage of the current context for as long as a scope lasts.
///
/// Inside the scope every span carries `session.id` (and the other keys listed in
/// `OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS`) once `init()` has installed the baggage processors, and
/// outgoing calls propagate the baggage through the `baggage` header. Build it, then either wrap a
/// future with [`scope`](Self::scope) (async code) or [`enter`](Self::enter) it (sync code).
///
/// ```
/// use agentcore_observability_session::Session;
///
/// # async fn handle(_: &str) {}
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let session = Session::new("session-0001").user_type("premium").experiment_id("exp-7");
/// session
///     .scope(async {
///         assert_eq!(Session::current_id().as_deref(), Some("session-0001"));
///         handle("hello").await; // still inside after every .await
///     })
///     .await;
/// assert_eq!(Session::current_id(), None); // and nothing leaks out
/// # });
/// ```
///
/// Nested scopes merge: the inner session wins for the keys it sets and the outer values of other
/// keys stay. An empty id sets no `session.id` (the outer one, if any, stays).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Shared strings: entering a scope and copying the values onto spans only bumps counts.
    id: Arc<str>,
    /// Other entries in insertion order; keys are unique and never `session.id`.
    entries: Vec<(Arc<str>, Arc<str>)>,
}

impl Session {
    /// A session with this id and nothing else.
    pub fn new(id: impl Into<String>) -> Self {
        Session {
            id: id.into().into(),
            entries: Vec::new(),
        }
    }

    /// Sets `user.type` (e.g. `premium`, `internal`).
    #[must_use]
    pub fn user_type(self, user_type: impl Into<String>) -> Self {
        self.attribute(USER_TYPE, user_type)
    }

    /// Sets `experiment.id`, to compare runs of an experiment.
    #[must_use]
    pub fn experiment_id(self, experiment_id: impl Into<String>) -> Self {
        self.attribute(EXPERIMENT_ID, experiment_id)
    }

    /// Sets `dataset`, e.g. the evaluation data set this run belongs to.
    #[must_use]
    pub fn dataset(self, dataset: impl Into<String>) -> Self {
        self.attribute(DATASET, dataset)
    }

    /// Sets any baggage entry; a later value for the same key replaces the earlier one, and
    /// `session.id` replaces the id.
    ///
    /// Keys must be W3C baggage tokens (printable ASCII without separators such as `,;=/ `); an
    /// invalid key is dropped when the scope starts, as are entries past the W3C limits (64 entries,
    /// 8192 bytes). Entries copied onto spans are those listed in `OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS`.
    #[must_use]
    pub fn attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let (key, value): (String, Arc<str>) = (key.into(), value.into().into());
        if key == SESSION_ID {
            self.id = value;
        } else if let Some(entry) = self.entries.iter_mut().find(|(k, _)| **k == *key) {
            entry.1 = value;
        } else {
            self.entries.push((key.into(), value));
        }
        self
    }

    /// The session id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The value of one entry (`session.id` included).
    pub fn get(&self, key: &str) -> Option<&str> {
        if key == SESSION_ID {
            return Some(&self.id);
        }
        self.entries
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| &**v)
    }

    /// Every entry, `session.id` first, then the others in the order they were set.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        std::iter::once((SESSION_ID, &*self.id))
            .chain(self.entries.iter().map(|(k, v)| (&**k, &**v)))
    }

    /// `cx` with this session merged into its baggage: this session's entries win, the other
    /// entries of `cx` (and their metadata) stay. The active span of `cx` stays active.
    pub fn apply_to(&self, cx: &Context) -> Context {
        let outer = cx.baggage();
        let mut baggage = Baggage::new();
        // Ours first, so the W3C size limits drop outer entries rather than the session.
        if !self.id.is_empty() {
            baggage.insert(SESSION_ID, self.id.clone());
        }
        for (key, value) in &self.entries {
            baggage.insert(Key::from(key.clone()), value.clone());
        }
        for (key, (value, metadata)) in outer {
            if baggage.get(key.as_str()).is_none() {
                baggage.insert_with_metadata(key.clone(), value.clone(), metadata.clone());
            }
        }
        cx.with_baggage(baggage)
    }

    /// The current context with this session merged in (see [`apply_to`](Self::apply_to)).
    pub fn context(&self) -> Context {
        Context::map_current(|cx| self.apply_to(cx))
    }

    /// Makes this session current on this thread until the guard is dropped (sync code).
    ///
    /// The guard is `!Send` and must not be held across an `.await`: the task may resume on another
    /// thread, and other tasks polled on this thread would see the session. Use
    /// [`scope`](Self::scope) for async code.
    ///
    /// ```
    /// use agentcore_observability_session::Session;
    ///
    /// {
    ///     let _session = Session::new("s-1").enter();
    ///     assert_eq!(Session::current_id().as_deref(), Some("s-1"));
    /// }
    /// assert_eq!(Session::current_id(), None);
    /// ```
    #[must_use = "the session is current only while the guard lives: `let _session = session.enter();`"]
    pub fn enter(&self) -> SessionGuard {
        SessionGuard {
            _guard: self.context().attach(),
        }
    }

    /// Runs `f` with this session current (sync code).
    pub fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _guard = self.enter();
        f()
    }

    /// Wraps a future so this session is current every time it is polled, across every `.await`.
    ///
    /// The context is captured now: the current context (its active span, its baggage) with this
    /// session merged in. The returned future is `Send` when the wrapped one is, so it can be
    /// spawned as is.
    pub fn scope<F: IntoFuture>(&self, future: F) -> WithContext<F::IntoFuture> {
        future.into_future().with_context(self.context())
    }

    /// The session of the current context, if its baggage has a `session.id`; the other baggage
    /// entries come along as its entries.
    pub fn current() -> Option<Session> {
        Context::map_current(Session::from_context)
    }

    /// The session in `cx`'s baggage, if it has a `session.id`.
    pub fn from_context(cx: &Context) -> Option<Session> {
        let baggage = cx.baggage();
        let id = baggage.get(SESSION_ID)?;
        let mut entries: Vec<(Arc<str>, Arc<str>)> = baggage
            .iter()
            .filter(|(key, _)| key.as_str() != SESSION_ID)
            .map(|(key, (value, _))| (key.as_str().into(), value.as_str().into()))
            .collect();
        entries.sort();
        Some(Session {
            id: id.as_str().into(),
            entries,
        })
    }

    /// The `session.id` of the current context's baggage, if any.
    pub fn current_id() -> Option<String> {
        Context::map_current(|cx| cx.baggage().get(SESSION_ID).map(|v| v.to_string()))
    }
}

/// Keeps a [`Session`] current on this thread; dropping it restores the previous context.
/// Returned by [`Session::enter`].
#[derive(Debug)]
pub struct SessionGuard {
    _guard: ContextGuard,
}

/// Adapters that carry the OTel context (and so the session) into a future, for any executor.
///
/// ```
/// use agentcore_observability_session::{Session, SessionFutureExt as _};
///
/// # tokio::runtime::Builder::new_multi_thread().build().unwrap().block_on(async {
/// let _session = Session::new("s-1").enter(); // sync code sets the session …
/// let task = async { Session::current_id() }.in_current_context(); // … captured here
/// drop(_session);
/// assert_eq!(tokio::spawn(task).await.unwrap().as_deref(), Some("s-1"));
/// # });
/// ```
pub trait SessionFutureExt: Future + Sized {
    /// Captures the current context now and makes it current whenever the future is polled:
    /// the fix for `tokio::spawn` (or any executor) losing the session.
    fn in_current_context(self) -> WithContext<Self> {
        self.with_context(Context::current())
    }

    /// Runs the future inside `session` (same as [`Session::scope`]).
    fn in_session(self, session: &Session) -> WithContext<Self> {
        session.scope(self)
    }
}

impl<F: Future> SessionFutureExt for F {}

/// Wraps a closure so it runs in the context current now: for `std::thread::spawn`, thread pools
/// (rayon) and callbacks, which otherwise start with an empty context.
///
/// ```
/// use agentcore_observability_session::{bind, Session};
///
/// let _session = Session::new("s-1").enter();
/// let id = std::thread::spawn(bind(Session::current_id)).join().unwrap();
/// assert_eq!(id.as_deref(), Some("s-1"));
/// ```
pub fn bind<F, R>(f: F) -> impl FnOnce() -> R
where
    F: FnOnce() -> R,
{
    let cx = Context::current();
    move || {
        let _guard = cx.attach();
        f()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::KeyValue;

    #[test]
    fn builder_sets_and_replaces() {
        let session = Session::new("a")
            .user_type("u")
            .experiment_id("e")
            .dataset("d")
            .attribute("tenant.id", "t1")
            .attribute("tenant.id", "t2")
            .attribute(SESSION_ID, "b");
        assert_eq!(session.id(), "b");
        assert_eq!(session.get("tenant.id"), Some("t2"));
        assert_eq!(session.get(USER_TYPE), Some("u"));
        assert_eq!(session.get("nope"), None);
        let entries: Vec<_> = session.entries().collect();
        assert_eq!(
            entries,
            [
                (SESSION_ID, "b"),
                (USER_TYPE, "u"),
                (EXPERIMENT_ID, "e"),
                (DATASET, "d"),
                ("tenant.id", "t2")
            ]
        );
    }

    #[test]
    fn enter_sets_the_baggage_and_restores() {
        assert_eq!(Session::current_id(), None);
        {
            let _g = Session::new("s-1").user_type("premium").enter();
            let cx = Context::current();
            assert_eq!(
                cx.baggage().get(SESSION_ID).map(|v| v.as_str()),
                Some("s-1")
            );
            assert_eq!(
                cx.baggage().get(USER_TYPE).map(|v| v.as_str()),
                Some("premium")
            );
        }
        assert_eq!(Session::current_id(), None);
        assert!(Context::current().baggage().is_empty());
    }

    #[test]
    fn nested_inner_wins_outer_stays() {
        let _outer = Session::new("outer")
            .user_type("premium")
            .dataset("d1")
            .enter();
        {
            let _inner = Session::new("inner").dataset("d2").enter();
            let current = Session::current().expect("session");
            assert_eq!(current.id(), "inner");
            assert_eq!(current.get(DATASET), Some("d2"));
            assert_eq!(current.get(USER_TYPE), Some("premium"));
        }
        let current = Session::current().expect("session");
        assert_eq!(current.id(), "outer");
        assert_eq!(current.get(DATASET), Some("d1"));
    }

    #[test]
    fn empty_id_keeps_the_outer_one() {
        let _outer = Session::new("outer").enter();
        Session::new("").user_type("x").in_scope(|| {
            assert_eq!(Session::current_id().as_deref(), Some("outer"));
            assert_eq!(
                Session::current()
                    .and_then(|s| s.get(USER_TYPE).map(String::from))
                    .as_deref(),
                Some("x")
            );
        });
        Session::new("").in_scope(|| {
            let _ = Session::current();
        });
        drop(_outer);
        Session::new("").in_scope(|| assert_eq!(Session::current(), None));
    }

    #[test]
    fn invalid_keys_and_huge_values_are_dropped_not_panicking() {
        let huge = "x".repeat(10_000);
        let session = Session::new("s")
            .attribute("bad key", "v")
            .attribute("", "v")
            .attribute("big", huge.clone())
            .attribute("ok", "fine");
        session.in_scope(|| {
            let cx = Context::current();
            let baggage = cx.baggage();
            assert_eq!(baggage.get(SESSION_ID).map(|v| v.as_str()), Some("s"));
            assert_eq!(baggage.get("ok").map(|v| v.as_str()), Some("fine"));
            assert!(baggage.get("bad key").is_none());
            assert!(baggage.get("big").is_none());
        });
        // A huge id cannot be stored (W3C limit); no session then, and no panic.
        Session::new(huge).in_scope(|| assert_eq!(Session::current_id(), None));
    }

    #[test]
    fn outer_metadata_and_span_survive() {
        let cx = Context::new().with_baggage([opentelemetry::baggage::KeyValueMetadata::new(
            "k", "v", "prop=1",
        )]);
        let merged = Session::new("s").apply_to(&cx);
        let (value, metadata) = merged.baggage().get_with_metadata("k").expect("kept");
        assert_eq!(value.as_str(), "v");
        assert_eq!(metadata.as_str(), "prop=1");
        let _ = KeyValue::new("unused", 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn scope_survives_await_and_spawn() {
        let session = Session::new("s-async");
        let seen = session
            .scope(async {
                let before = Session::current_id();
                tokio::task::yield_now().await;
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                let after = Session::current_id();
                let spawned = tokio::spawn(async { Session::current_id() }.in_current_context())
                    .await
                    .expect("join");
                let lost = tokio::spawn(async { Session::current_id() })
                    .await
                    .expect("join");
                (before, after, spawned, lost)
            })
            .await;
        assert_eq!(seen.0.as_deref(), Some("s-async"));
        assert_eq!(seen.1.as_deref(), Some("s-async"));
        assert_eq!(seen.2.as_deref(), Some("s-async"));
        assert_eq!(
            seen.3, None,
            "plain tokio::spawn starts with an empty context"
        );
        assert_eq!(Session::current_id(), None);
    }

    #[test]
    fn bind_carries_the_context_to_a_thread() {
        let id =
            Session::new("s-thread").in_scope(|| std::thread::spawn(bind(Session::current_id)));
        assert_eq!(id.join().expect("join").as_deref(), Some("s-thread"));
    }
}
