//! The outbound half of a session's rmcp transport: routes each server message to exactly one
//! place (a waiting HTTP request, or the session's own stream). Never broadcast.

use std::{
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use futures::Sink;
use rmcp::model::{JsonRpcMessage, RequestId, ServerJsonRpcMessage, ServerResult};

use super::{Outcome, RequestEvent, Session};

/// The sink side of a session; never blocks (routing is a map lookup and a `try_send`).
pub struct SessionSink {
    session: Arc<Session>,
}

impl SessionSink {
    /// A sink routing for `session`.
    pub fn new(session: Arc<Session>) -> Self {
        Self { session }
    }

    fn route(&self, msg: ServerJsonRpcMessage) {
        let id = match &msg {
            JsonRpcMessage::Response(r) => Some(r.id.clone()),
            JsonRpcMessage::Error(e) => e.id.clone(),
            _ => None,
        };
        if let Some(id) = &id {
            self.report(id, &msg);
        }
        let msg = match &id {
            Some(id) => match self.session.answer(id, msg) {
                None => return,
                Some(msg) => msg,
            },
            None => msg,
        };
        if id.is_some() && self.session.transport() == super::TransportKind::StreamableHttp {
            // A reply whose request is gone (timed out, cancelled, its connection closed)
            // belongs to that request's stream only: never the GET stream.
            tracing::debug!(session = %self.session.id().log_tag(), "reply without a waiting request dropped");
            return;
        }
        // Shared session whose stream another replica holds: hand the message over.
        if !self.session.has_stream()
            && let Some(link) = self.session.link()
        {
            if !link.relay(&self.session, msg) {
                tracing::debug!(session = %self.session.id().log_tag(), "no stream for server message");
            }
            return;
        }
        if !self.session.push_stream(msg) {
            tracing::debug!(session = %self.session.id().log_tag(), "no stream for server message");
        }
    }
}

impl SessionSink {
    /// Tell the observers how a tracked request ended.
    fn report(&self, id: &RequestId, msg: &ServerJsonRpcMessage) {
        let Some(inflight) = self.session.untrack(id) else {
            return;
        };
        let (outcome, error_code) = match msg {
            JsonRpcMessage::Response(r) => match &r.result {
                ServerResult::CallToolResult(c) if c.is_error == Some(true) => {
                    (Outcome::ToolError, None)
                }
                _ => (Outcome::Ok, None),
            },
            JsonRpcMessage::Error(e) => (Outcome::ProtocolError, Some(e.error.code.0)),
            _ => return,
        };
        let event = RequestEvent {
            request_id: id,
            method: &inflight.method,
            name: inflight.name.as_deref(),
            arguments: inflight.arguments.as_ref(),
            outcome,
            error_code,
            latency: inflight.started.elapsed(),
        };
        self.session
            .observers
            .request_finished(&*self.session, &event);
    }
}

/// The sink never fails: routing cannot fail, only drop for a gone consumer.
#[derive(Debug, thiserror::Error)]
#[error("session sink closed")]
pub struct SinkClosed;

impl Sink<ServerJsonRpcMessage> for SessionSink {
    type Error = SinkClosed;

    fn poll_ready(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn start_send(self: Pin<&mut Self>, item: ServerJsonRpcMessage) -> Result<(), Self::Error> {
        self.route(item);
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }
}
