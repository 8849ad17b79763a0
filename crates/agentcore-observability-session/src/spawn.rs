//! tokio tasks that keep the caller's context (feature `tokio`).

use std::future::Future;

use opentelemetry::Context;
use tokio::task::JoinHandle;

use crate::scope::SessionFutureExt as _;

/// [`tokio::spawn`] that carries the current OTel context (active span, session baggage) into the
/// task: spans the task creates are children of the current span and carry `session.id`.
///
/// A plain `tokio::spawn` starts the task with an empty context, because the context lives in a
/// thread-local and the task runs later, perhaps on another worker thread.
///
/// ```
/// use agentcore_observability_session::{spawn, Session};
///
/// # tokio::runtime::Builder::new_multi_thread().build().unwrap().block_on(async {
/// let id = Session::new("s-1")
///     .scope(async { spawn(async { Session::current_id() }).await })
///     .await
///     .unwrap();
/// assert_eq!(id.as_deref(), Some("s-1"));
/// # });
/// ```
///
/// # Panics
/// Like [`tokio::spawn`], when called outside a tokio runtime.
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(future.in_current_context())
}

/// [`tokio::task::spawn_blocking`] that runs the closure in the current OTel context.
///
/// # Panics
/// Like [`tokio::task::spawn_blocking`], when called outside a tokio runtime.
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let cx = Context::current();
    tokio::task::spawn_blocking(move || {
        let _guard = cx.attach();
        f()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Session;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn spawned_tasks_keep_the_session() {
        let (task, blocking) = Session::new("s-spawn")
            .scope(async {
                (
                    spawn(async {
                        tokio::task::yield_now().await;
                        Session::current_id()
                    }),
                    spawn_blocking(Session::current_id),
                )
            })
            .await;
        assert_eq!(task.await.ok().flatten().as_deref(), Some("s-spawn"));
        assert_eq!(blocking.await.ok().flatten().as_deref(), Some("s-spawn"));
    }
}
