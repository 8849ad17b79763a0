//! State that tests wait on: a mutex, and a condition variable notified on every change. Plain
//! `std::sync`, so callers never need an async runtime.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// `T` behind a mutex, with waiters woken by [`notify`](Self::notify).
#[derive(Debug, Default)]
pub(crate) struct Watched<T> {
    state: Mutex<T>,
    changed: Condvar,
}

impl<T> Watched<T> {
    /// Locks the state; a panic elsewhere while holding the lock does not poison it for us.
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes every waiter (call after changing the state).
    pub(crate) fn notify(&self) {
        self.changed.notify_all();
    }

    /// Waits until `ready` holds or `timeout` passes, then returns `take` of the state.
    pub(crate) fn wait_until<R>(
        &self,
        timeout: Duration,
        ready: impl Fn(&T) -> bool,
        take: impl FnOnce(&T) -> R,
    ) -> R {
        let deadline = Instant::now().checked_add(timeout);
        let mut state = self.lock();
        loop {
            if ready(&state) {
                break;
            }
            let remaining = match deadline {
                Some(deadline) => deadline.saturating_duration_since(Instant::now()),
                // The timeout is too large to represent: wait in long slices.
                None => Duration::from_secs(3600),
            };
            if remaining.is_zero() {
                break;
            }
            state = self
                .changed
                .wait_timeout(state, remaining)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        take(&state)
    }
}
