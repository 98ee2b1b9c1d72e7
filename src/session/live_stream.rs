//! The session's outbound stream (legacy SSE stream or Streamable HTTP GET): attach,
//! push, and the messages kept while no stream is attached.

use tokio::sync::mpsc;

use super::{Session, StreamAttachError};
use crate::session::Outbound;

/// Server messages kept for a stream that is not attached yet, at most (the oldest go first).
/// A client opens its GET stream after `notifications/initialized` without waiting, so a
/// tool it calls right away may ask it something (sampling, elicitation) before the stream
/// is there: the message waits for the stream instead of being lost.
const HELD_MAX: usize = 64;

impl Session {
    /// Attach the session's one outbound stream (legacy SSE stream or Streamable HTTP GET).
    pub fn attach_stream(
        &self,
        capacity: usize,
    ) -> Result<mpsc::Receiver<Box<Outbound>>, StreamAttachError> {
        let mut slot = self.stream.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().is_some_and(|s| !s.is_closed()) {
            return Err(StreamAttachError::AlreadyOpen);
        }
        let (tx, rx) = mpsc::channel(capacity);
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(msg) = held.pop_front() {
            if tx.try_send(msg).is_err() {
                break;
            }
        }
        held.clear();
        *slot = Some(tx);
        Ok(rx)
    }

    /// Whether an outbound stream is attached and open.
    pub fn has_stream(&self) -> bool {
        self.stream
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|s| !s.is_closed())
    }

    /// Push a message to the outbound stream, or keep it for the next stream when none is
    /// attached (bounded: [`HELD_MAX`]). A full buffer means a consumer that does not read:
    /// it is detached (its stream ends) rather than letting memory grow. False when the
    /// message was dropped.
    pub(crate) fn push_stream(&self, msg: impl Into<Outbound>) -> bool {
        let msg = Box::new(msg.into());
        let mut slot = self.stream.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().is_none_or(|tx| tx.is_closed()) {
            *slot = None;
            return self.hold(msg);
        }
        let Some(tx) = slot.as_ref() else {
            return false;
        };
        match tx.try_send(msg) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(session = %self.id.log_tag(), "slow SSE consumer: stream dropped");
                *slot = None;
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                *slot = None;
                false
            }
        }
    }

    /// Keep `msg` for the next stream; false when it pushed the oldest out (or the session
    /// has ended).
    fn hold(&self, msg: Box<Outbound>) -> bool {
        if self.cancel.is_cancelled() {
            return false;
        }
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        held.push_back(msg);
        if held.len() > HELD_MAX {
            held.pop_front();
            return false;
        }
        true
    }
}
