//! Context for [agentcore-observability](https://docs.rs/agentcore-observability): sessions, the
//! baggage → attribute processors, propagators and AWS X-Ray-compatible trace ids.
//!
//! AgentCore groups traces into sessions by the `session.id` span attribute. This crate carries the
//! session in OTel baggage, so it crosses `.await`s, tasks and service calls, and copies it onto
//! every span and log record:
//!
//! - [`Session`]: `Session::new(id).user_type(..).experiment_id(..).dataset(..).attribute(k, v)`,
//!   then [`scope`](Session::scope) a future or [`enter`](Session::enter) a guard;
//! - `spawn` / `spawn_blocking` (feature `tokio`), [`SessionFutureExt::in_current_context`] and
//!   [`bind`]: keep the context when work moves to another task or thread;
//! - [`BaggageSpanProcessor`] / [`BaggageLogProcessor`]: `session.id` plus the keys of
//!   `OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS` onto spans and log records (`init()` installs both);
//! - [`propagation`]: the `OTEL_PROPAGATORS` propagator and [`http::HeaderMap`] inject / extract;
//! - `AgentCoreContextLayer` (feature `tower`): server side, the caller's trace and session in
//!   every request, with a SERVER span.
//!
//! ```
//! use agentcore_observability_session::{Session, SessionFutureExt as _};
//!
//! # tokio::runtime::Builder::new_multi_thread().build().unwrap().block_on(async {
//! let session = Session::new("session-0001").user_type("premium");
//! session
//!     .scope(async {
//!         // every span created here carries session.id = session-0001
//!         let task = tokio::spawn(async { Session::current_id() }.in_current_context());
//!         assert_eq!(task.await.unwrap().as_deref(), Some("session-0001"));
//!     })
//!     .await;
//! # });
//! ```
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `tokio` | no (yes in the facade) | `spawn`, `spawn_blocking` |
//! | `tower` | no | `AgentCoreContextLayer` |
//! | `axum` | no | with `tower`: span names and `http.route` from axum's `MatchedPath` |
//!
//! See `docs/sessions.md` for the async pitfalls and the differences from ADOT.

mod keys;
mod processor;
mod scope;
#[cfg(feature = "tokio")]
mod spawn;
#[cfg(feature = "tower")]
mod tower;

pub mod propagation;
mod xray_ids;

pub use keys::BaggageKeyFilter;
pub use opentelemetry::context::WithContext;
pub use processor::{BaggageLogProcessor, BaggageSpanProcessor};
pub use scope::{
    bind, Session, SessionFutureExt, SessionGuard, CONVERSATION_ID, DATASET, EXPERIMENT_ID,
    SESSION_ID, USER_TYPE,
};
#[cfg(feature = "tokio")]
pub use spawn::{spawn, spawn_blocking};
#[cfg(feature = "tower")]
pub use tower::{
    AgentCoreContextLayer, AgentCoreContextService, ResponseFuture, RouteFn, RUNTIME_SESSION_HEADER,
};
pub use xray_ids::XrayIdGenerator;
