//! The live part of a resumable GET stream: each message framed with its event id and kept
//! in the session's replay log; messages still queued when the connection goes are handed
//! back to the session, which keeps them for the next stream.

use std::{
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use bytes::Bytes;
use futures::Stream;
use rmcp::model::ServerJsonRpcMessage;
use tokio::sync::mpsc;

use crate::session::Session;

/// The session's outbound messages as framed, logged SSE events.
pub(crate) struct LiveEvents {
    rx: mpsc::Receiver<Box<ServerJsonRpcMessage>>,
    session: Arc<Session>,
}

impl LiveEvents {
    pub(crate) fn new(
        rx: mpsc::Receiver<Box<ServerJsonRpcMessage>>,
        session: Arc<Session>,
    ) -> Self {
        Self { rx, session }
    }
}

impl Stream for LiveEvents {
    type Item = Bytes;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        self.rx.poll_recv(cx).map(|m| {
            m.map(|m| {
                let json = super::to_json(&m).unwrap_or_else(|_| b"{}".to_vec());
                self.session.replay_log().frame(&json)
            })
        })
    }
}

impl Drop for LiveEvents {
    fn drop(&mut self) {
        // Closed first, so the session sees no stream and keeps what follows for the next.
        self.rx.close();
        while let Ok(m) = self.rx.try_recv() {
            self.session.push_stream(*m);
        }
    }
}
