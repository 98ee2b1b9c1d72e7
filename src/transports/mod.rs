//! Adapters between the wire and the transport-agnostic MCP engine. The only code that
//! touches both poem and rmcp.

mod encode;
mod fast_decode;
mod forward;
pub mod headers;
pub mod jsonrpc;
pub mod modern;
mod resumable;
pub mod sse;
pub mod stdio;
pub mod streamable;

use std::{task::Poll, time::Duration};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use rmcp::model::{ClientJsonRpcMessage, GetExtensions};
use tokio_util::sync::CancellationToken;

pub(crate) use encode::{
    FrameParts, endpoint_frame, json_body, outbound_frame_parts, outbound_json, to_json,
};

use crate::{
    app::{ClientIp, LogContext},
    auth::Principal,
    session::{SecurityEvent, SecurityEventKind},
    telemetry::{labels::StreamKind, metrics},
};

/// Outbound messages buffered per stream before a consumer counts as too slow.
pub const STREAM_BUFFER: usize = 256;

/// The origin of a session created by `req`: the client address and the authenticated
/// principal that will own it.
pub(crate) fn origin_of(req: &poem::Request) -> crate::session::Origin {
    crate::session::Origin {
        remote_addr: req.remote_addr().as_socket_addr().map(|a| a.to_string()),
        owner: req
            .extensions()
            .get::<Principal>()
            .and_then(Principal::owner),
    }
}

/// Session binding: a session answers only to the principal that created it. Anyone else
/// (another subject, or no subject at all) gets exactly the error of an unknown session, and
/// the attempt is reported as a security event.
pub(crate) fn check_owner(
    req: &poem::Request,
    session: &crate::session::Session,
    state: &crate::app::AppState,
) -> Result<(), crate::error::ApiError> {
    let principal = req.extensions().get::<Principal>();
    let caller = principal.and_then(Principal::owner);
    if caller.as_deref() == session.owner() {
        return Ok(());
    }
    let tag = session.log_tag().to_owned();
    state.observers.security_event(&SecurityEvent {
        kind: SecurityEventKind::SessionBindingViolation,
        principal: principal.map(Principal::id),
        client_ip: ClientIp::of(req),
        credential: principal.and_then(Principal::credential_tag),
        reason: "session owned by another principal",
        target: req.uri().path(),
        session: Some(&tag),
    });
    Err(crate::error::ApiError::UnknownSession)
}

/// Hand the request's principal to the MCP engine (rmcp request extensions), where tool
/// listing and calls are filtered by scope.
pub(crate) fn attach_principal(req: &poem::Request, msg: &mut ClientJsonRpcMessage) {
    if let (Some(p), rmcp::model::JsonRpcMessage::Request(r)) =
        (req.extensions().get::<Principal>(), msg)
    {
        r.request.extensions_mut().insert(p.clone());
    }
}

/// Opik credentials the caller supplies in the headers named by `opik.caller_key_header` /
/// `opik.caller_workspace_header` (both off by default), which the tools then use instead of
/// the server's, field by field. The MCP `Authorization` token itself is never forwarded
/// upstream (the MCP authorization spec forbids token passthrough).
pub(crate) fn attach_credentials(
    req: &poem::Request,
    s: &crate::config::OpikSettings,
    msg: &mut ClientJsonRpcMessage,
) {
    let rmcp::model::JsonRpcMessage::Request(r) = msg else {
        return;
    };
    let get = |name: &Option<String>| {
        name.as_deref()
            .and_then(|n| req.headers().get(n))
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let api_key = get(&s.caller_key_header).map(secrecy::SecretString::from);
    let workspace = get(&s.caller_workspace_header);
    if api_key.is_some() || workspace.is_some() {
        let creds = crate::opik::Credentials { api_key, workspace };
        r.request.extensions_mut().insert(creds);
    }
}

/// Record the MCP method (and tool) of `msg` in the request's access-log context.
pub(crate) fn note_message(req: &poem::Request, msg: &rmcp::model::ClientJsonRpcMessage) {
    if let Some(ctx) = LogContext::of(req) {
        ctx.message(msg);
    }
}

/// Record the session of the request in its access-log context.
pub(crate) fn note_session(req: &poem::Request, session: &crate::session::Session) {
    if let Some(ctx) = LogContext::of(req) {
        ctx.session(session);
    }
}

/// Wrap a stream of events as an SSE response body that ends when `stop` fires and sends
/// `:` keep-alive comments while idle (every `keep_alive`, as poem's `SSE::keep_alive`
/// does; written here rather than with poem's `SSE` so keep-alives and open streams can be
/// counted).
pub(crate) fn sse_response(
    events: impl Stream<Item = Bytes> + Send + 'static,
    stop: CancellationToken,
    keep_alive: Duration,
    kind: StreamKind,
) -> poem::Response {
    let events = events.map(|frame| [frame, Bytes::new(), Bytes::new()]);
    sse_response_parts(events, stop, keep_alive, kind)
}

/// [`sse_response`] for events given as up to three pieces each (see
/// [`encode::message_frame_parts`]): the pieces of one event go out one after the other, never
/// split by a keep-alive or by `stop`.
pub(crate) fn sse_response_parts(
    events: impl Stream<Item = FrameParts> + Send + 'static,
    stop: CancellationToken,
    keep_alive: Duration,
    kind: StreamKind,
) -> poem::Response {
    let open = metrics::sse_stream_opened(kind);
    let mut events = events
        .take_until(async move { stop.cancelled_owned().await })
        .boxed();
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + keep_alive, keep_alive);
    let mut rest: FrameParts = Default::default();
    let body = futures::stream::poll_fn(move |cx| {
        let _open = &open;
        if let Some(piece) = rest.iter_mut().find(|p| !p.is_empty()) {
            return Poll::Ready(Some(Ok(std::mem::take(piece))));
        }
        if let Poll::Ready(next) = events.poll_next_unpin(cx) {
            return Poll::Ready(next.map(|[first, second, third]| {
                rest = [second, third, Bytes::new()];
                Ok::<_, std::io::Error>(first)
            }));
        }
        tick.poll_tick(cx).map(|_| {
            metrics::sse_keepalive();
            Some(Ok(Bytes::from_static(b":\n\n")))
        })
    });
    poem::Response::builder()
        .content_type("text/event-stream")
        .header("cache-control", "no-cache, no-transform")
        .header("x-accel-buffering", "no")
        .body(poem::Body::from_bytes_stream(body))
}
