//! A session's engine, started on the session's first message rather than with the session.
//!
//! A legacy SSE stream opens a session long before (and often without) any message; an rmcp
//! service running for it would hold a task and its channels, whose first blocks hold
//! messages inline, for nothing. An idle stream now costs its connection and the [`Session`]
//! only; the engine starts when the first message is queued (its queue was created with the
//! session, so nothing sent before the start is lost).
//!
//! [`Session`]: super::Session

use std::sync::{
    Mutex,
    atomic::{AtomicBool, Ordering},
};

/// Starts the engine; run at most once.
pub(crate) type EngineStart = Box<dyn FnOnce() + Send>;

/// The not-yet-started engine of a session.
#[derive(Default)]
pub(crate) struct LazyEngine {
    start: Mutex<Option<EngineStart>>,
    /// Whether `start` may hold a closure: every message after the first checks only this
    /// flag instead of taking the lock.
    armed: AtomicBool,
}

impl LazyEngine {
    /// Arm the engine: `start` runs on the first [`Self::start`].
    pub(crate) fn arm(&self, start: EngineStart) {
        *self.start.lock().unwrap_or_else(|p| p.into_inner()) = Some(start);
        self.armed.store(true, Ordering::Release);
    }

    /// Start the engine if it has not started yet.
    pub(crate) fn start(&self) {
        if !self.armed.load(Ordering::Acquire) {
            return;
        }
        if let Some(start) = self.take() {
            start();
        }
    }

    /// Drop an engine that never started (the session ended first).
    pub(crate) fn disarm(&self) {
        self.take();
    }

    fn take(&self) -> Option<EngineStart> {
        let mut slot = self.start.lock().unwrap_or_else(|p| p.into_inner());
        self.armed.store(false, Ordering::Release);
        slot.take()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };

    use super::*;

    #[test]
    fn starts_once_and_never_after_disarm() {
        let runs = Arc::new(AtomicUsize::new(0));
        let lazy = LazyEngine::default();
        let counter = Arc::clone(&runs);
        lazy.arm(Box::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        }));
        lazy.start();
        lazy.start();
        assert_eq!(runs.load(Ordering::SeqCst), 1);

        let counter = Arc::clone(&runs);
        lazy.arm(Box::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        }));
        lazy.disarm();
        lazy.start();
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }
}
