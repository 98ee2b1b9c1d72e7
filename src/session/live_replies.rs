//! Requests waiting for their replies: registration, delivery, cancellation, and what a
//! waiter learns when no reply comes.

use std::{collections::HashMap, sync::Arc};

use rmcp::model::{RequestId, ServerJsonRpcMessage};
use tokio::sync::oneshot;

use super::Session;
use crate::session::SendError;

/// A pending reply; dropping it withdraws the registration.
pub struct ReplyWaiter {
    rx: oneshot::Receiver<Option<ServerJsonRpcMessage>>,
    session: Arc<Session>,
    key: RequestId,
}

/// Why a waiting request got no reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoReply {
    /// The client cancelled it (`notifications/cancelled`).
    Cancelled,
    /// The session ended (deleted, expired, shut down) first.
    SessionEnded,
}

/// Where a waiting request's answer goes: `None` sent means the client cancelled it; the
/// sender dropped, that its session ended.
pub type ReplySlot = oneshot::Sender<Option<ServerJsonRpcMessage>>;

impl ReplyWaiter {
    /// Wait for the reply. A cancellation is told apart from the session's end by what was
    /// sent, not by the session's state when this wakes: a DELETE right after the
    /// cancellation must not turn the cancelled request's answer into "session ended".
    pub async fn recv(mut self) -> Result<ServerJsonRpcMessage, NoReply> {
        match (&mut self.rx).await {
            Ok(Some(reply)) => Ok(reply),
            Ok(None) => Err(NoReply::Cancelled),
            Err(_) => Err(NoReply::SessionEnded),
        }
    }
}

impl Drop for ReplyWaiter {
    fn drop(&mut self) {
        drop(self.session.take_waiter(&self.key));
    }
}

impl Session {
    /// Register interest in the reply to request `id`, before sending the request.
    pub fn wait_reply(self: &Arc<Self>, id: RequestId) -> Result<ReplyWaiter, SendError> {
        let (tx, rx) = oneshot::channel();
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if pending.contains_key(&id) {
            return Err(SendError::DuplicateId);
        }
        pending.insert(id.clone(), tx);
        Ok(ReplyWaiter {
            rx,
            session: Arc::clone(self),
            key: id,
        })
    }

    /// Take the waiter registered for reply `id`, if any.
    fn take_waiter(&self, id: &RequestId) -> Option<ReplySlot> {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id)
    }

    /// Hand `reply` to the request waiting for it; the reply back when none waits. A waiter
    /// whose HTTP request has gone (the client disconnected) drops it.
    pub(crate) fn answer(
        &self,
        id: &RequestId,
        reply: ServerJsonRpcMessage,
    ) -> Option<ServerJsonRpcMessage> {
        match self.take_waiter(id) {
            Some(slot) => {
                let _ = slot.send(Some(reply));
                None
            }
            None => Some(reply),
        }
    }

    /// The client cancelled request `id`: its waiter (if it still waits) ends with
    /// [`NoReply::Cancelled`], whatever happens to the session afterwards.
    pub(crate) fn cancel_request(&self, id: &RequestId) {
        if let Some(slot) = self.take_waiter(id) {
            let _ = slot.send(None);
        }
    }

    /// Take every waiting request out of the session: they end (their requests answered as
    /// for an ended session) when the returned map is dropped, not when the session closes.
    pub fn take_waiters(&self) -> HashMap<RequestId, ReplySlot> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()))
    }
}
