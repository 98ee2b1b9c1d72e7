//! Resumable streams. The live part of a GET stream: each message framed with its event id
//! and kept in the session's replay log; messages still queued when the connection goes are
//! handed back to the session, which keeps them for the next stream. A POST answered as a
//! resumable stream: a priming event at once, then the reply, which is kept in the replay log
//! even if the POST's connection is gone, so that a GET with that stream's `Last-Event-ID`
//! gets it (and only that GET: it is never sent on another stream).

use std::{
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use rmcp::model::RequestId;
use tokio::sync::{mpsc, oneshot};

use super::forward::{Forwarded, await_reply};
use crate::{
    app::AppState,
    session::{Outbound, ReplyWaiter, Session},
    telemetry::labels::StreamKind,
};

/// Answer a sent request as a stream of its own: the priming event now, the reply (or, the
/// stream being open, any failure as a JSON-RPC error) when it comes. The reply is awaited
/// by a task of its own so that it lands in the replay log even if the client has gone.
pub(super) fn post_stream(
    session: Arc<Session>,
    waiter: ReplyWaiter,
    id: RequestId,
    state: &AppState,
) -> poem::Response {
    let (stream, priming) = session
        .replay_log()
        .open_post(state.settings.limits.stream_retry_ms);
    let (tx, rx) = oneshot::channel();
    let task_state = state.clone();
    tokio::spawn(async move {
        let reply = match await_reply(waiter, id.clone(), &task_state).await {
            Ok(Forwarded::Reply(reply)) => Some(*reply),
            Ok(Forwarded::Cancelled) => None,
            Err(e) => Some(e.into_rpc_message(id)),
        };
        let log = session.replay_log();
        let frame = match reply {
            Some(reply) => {
                let json = super::to_json(&reply).unwrap_or_else(|_| b"{}".to_vec());
                Some(log.frame_post(stream, &json))
            }
            None => {
                log.close_post(stream);
                None
            }
        };
        // The POST's connection may be gone: the reply stays in the log for resumption.
        let _ = tx.send(frame);
    });
    let reply = futures::stream::once(rx).filter_map(|r| std::future::ready(r.ok().flatten()));
    let events = futures::stream::once(std::future::ready(priming)).chain(reply);
    stream_response(events, state)
}

/// A GET resuming POST stream `stream` after `last_event_id`: what that stream sent since,
/// once its reply is in (waiting up to the request timeout), then the end of the stream.
pub(super) fn resume_post_stream(
    session: Arc<Session>,
    stream: u64,
    last_event_id: String,
    state: &AppState,
) -> poem::Response {
    let wait = state.settings.server.request_timeout();
    let events = futures::stream::once(async move {
        let log = session.replay_log();
        futures::stream::iter(log.settle_post(stream, &last_event_id, wait).await)
    })
    .flatten();
    stream_response(events, state)
}

fn stream_response(
    events: impl Stream<Item = Bytes> + Send + 'static,
    state: &AppState,
) -> poem::Response {
    super::sse_response(
        events,
        state.draining.clone(),
        state.settings.server.keep_alive(),
        StreamKind::Streamable,
    )
}

/// The session's outbound messages as framed, logged SSE events.
pub(crate) struct LiveEvents {
    rx: mpsc::Receiver<Box<Outbound>>,
    session: Arc<Session>,
}

impl LiveEvents {
    pub(crate) fn new(rx: mpsc::Receiver<Box<Outbound>>, session: Arc<Session>) -> Self {
        Self { rx, session }
    }
}

impl Stream for LiveEvents {
    type Item = Bytes;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        self.rx.poll_recv(cx).map(|m| {
            m.map(|m| {
                let json = super::outbound_json(&m).unwrap_or_else(|_| b"{}".to_vec());
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
