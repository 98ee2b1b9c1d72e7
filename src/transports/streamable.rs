//! Streamable HTTP (2025-03-26, 2025-06-18, 2025-11-25) on one path: POST, GET and DELETE.

use std::sync::Arc;

use futures::StreamExt;
use poem::{
    Body, Request, Response,
    http::{HeaderValue, Method, StatusCode, header},
};
use rmcp::model::{JsonRpcMessage, RequestId, ServerJsonRpcMessage};

use super::forward::{Forwarded, forward_request, send_error, start_request};
use super::{STREAM_BUFFER, headers, jsonrpc, sse_response};
use crate::{
    app::AppState,
    domain::SessionId,
    error::{ApiError, RpcError},
    session::{EndReason, Lookup, Session, TransportKind},
    telemetry::labels::StreamKind,
};

use super::headers::X_ACCEL_BUFFERING;
pub use super::headers::{SESSION_HEADER, VERSION_HEADER};

/// How long after a DELETE's answer is written the requests still waiting on the session end.
/// A closing SDK client cancels its in-flight requests (closing their connections, which
/// drops them here) right after the DELETE returns; one that sees their 404 first, while it
/// is still tearing down, raises (the Python SDK 2.x writes it into a closed stream). 50 ms
/// was too short on a loaded machine (1 close in 6 raised); a client that keeps waiting
/// still gets its 404, a second later.
const ANSWER_FIRST: std::time::Duration = std::time::Duration::from_secs(1);

/// Dispatch by method: POST, GET and DELETE; anything else is 405.
pub async fn endpoint(req: Request, body: Body, state: AppState) -> Response {
    let result = match *req.method() {
        Method::POST => post(&req, body, &state).await,
        Method::GET => get(&req, &state).await,
        Method::DELETE => delete(&req, &state).await,
        _ => Err(ApiError::MethodNotAllowed.into()),
    };
    result.unwrap_or_else(poem::IntoResponse::into_response)
}

async fn post(req: &Request, body: Body, state: &AppState) -> Result<Response, RpcError> {
    headers::require_json_content(req)?;
    if !headers::accepts(req, "application/json") || !headers::accepts(req, "text/event-stream") {
        return Err(ApiError::NotAcceptable(
            "Accept must list both application/json and text/event-stream",
        )
        .into());
    }
    let bytes = headers::read_body(body, state.settings.server.max_body_bytes).await?;
    let mut msg = jsonrpc::decode_lenient(&bytes)?;
    super::note_message(req, &msg);
    super::attach_principal(req, &mut msg);
    super::attach_credentials(req, &state.settings.opik, &mut msg);
    if super::modern::is_modern(req, &msg, &bytes) {
        // Boxed, as `initialize` below: the common request's future keeps no room for them.
        return Ok(Box::pin(super::modern::handle(req, msg, &bytes, state)).await);
    }
    jsonrpc::check_standard_params(&msg)?;
    let id = jsonrpc::request_id(&msg);
    if jsonrpc::is_initialize(&msg) {
        return Box::pin(initialize(req, msg, id, state)).await;
    }
    in_session(req, msg, id, state).await
}

/// `initialize`: a new session, its handshake forwarded, then shared with other replicas.
async fn initialize(
    req: &Request,
    msg: rmcp::model::ClientJsonRpcMessage,
    id: Option<RequestId>,
    state: &AppState,
) -> Result<Response, RpcError> {
    let rpc = |e: ApiError| RpcError(e, id.clone());
    if req.headers().contains_key(&SESSION_HEADER) {
        return Err(rpc(ApiError::InvalidRequest(
            "initialize starts a new session and must not carry Mcp-Session-Id".into(),
        )));
    }
    let session = state
        .sessions
        .create(TransportKind::StreamableHttp, super::origin_of(req))
        .map_err(|e| rpc(e.into()))?;
    super::note_session(req, &session);
    let init = state.sessions.is_shared().then(|| msg.clone());
    let reply = match forward_request(&session, msg, state).await.map_err(rpc)? {
        Forwarded::Reply(reply) => *reply,
        Forwarded::Cancelled => {
            state.sessions.end(session.id(), EndReason::EngineStopped);
            return Ok(cancelled_response(state));
        }
    };
    if matches!(reply, JsonRpcMessage::Error(_)) {
        // A failed handshake leaves nothing to continue: do not hand out the id.
        state.sessions.end(session.id(), EndReason::EngineStopped);
        return Ok(reply_response(&reply, state, None));
    }
    // Other replicas could not serve it: refuse rather than hand out half a session.
    state
        .sessions
        .share(&session, init.as_ref())
        .await
        .map_err(|e| rpc(e.into()))?;
    Ok(reply_response(&reply, state, Some(session.id())))
}

/// A POST on an existing session: a request is answered (or streamed, resumable), anything
/// else is sent into the engine and acknowledged with 202.
async fn in_session(
    req: &Request,
    msg: rmcp::model::ClientJsonRpcMessage,
    id: Option<RequestId>,
    state: &AppState,
) -> Result<Response, RpcError> {
    let rpc = |e: ApiError| RpcError(e, id.clone());
    let session = session_from_headers(req, state).await.map_err(rpc)?;
    super::note_session(req, &session);
    check_protocol_version(req).map_err(rpc)?;
    match &msg {
        // 2025-11-25+: a resumable stream of its own (priming event first, see `resumable`).
        JsonRpcMessage::Request(_)
            if !state.settings.server.json_response && session.primes_streams() =>
        {
            let (waiter, id) = start_request(&session, msg).map_err(rpc)?;
            Ok(super::resumable::post_stream(session, waiter, id, state))
        }
        JsonRpcMessage::Request(_) => match forward_request(&session, msg, state).await {
            Ok(Forwarded::Reply(reply)) => Ok(reply_response(&reply, state, None)),
            Ok(Forwarded::Cancelled) => Ok(cancelled_response(state)),
            Err(e) => Err(rpc(e)),
        },
        _ => {
            jsonrpc::admit(&session, &msg)?;
            if let Some(cancelled) = jsonrpc::cancelled_request(&msg) {
                // The spec: the receiver of a cancellation SHOULD NOT answer the request.
                // Its POST ends without a reply (see `cancelled_response`).
                session.cancel_request(&cancelled);
            }
            session.send(msg).map_err(send_error)?;
            Ok(Response::builder().status(StatusCode::ACCEPTED).finish())
        }
    }
}

fn reply_response(
    reply: &ServerJsonRpcMessage,
    state: &AppState,
    sid: Option<&SessionId>,
) -> Response {
    let builder = Response::builder().status(StatusCode::OK);
    let builder = match sid {
        Some(id) => builder.header(SESSION_HEADER.clone(), id.as_ref()),
        None => builder,
    };
    let body = |before: &'static [u8], after: &'static [u8]| {
        super::json_body(reply, before, after)
            .unwrap_or_else(|_| poem::Body::from([before, b"{}", after].concat()))
    };
    if state.settings.server.json_response {
        builder
            .header(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )
            .body(body(b"", b""))
    } else {
        builder
            .header(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/event-stream"),
            )
            .header(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))
            .header(X_ACCEL_BUFFERING.clone(), HeaderValue::from_static("no"))
            .body(body(b"event: message\ndata: ", b"\n\n"))
    }
}

/// The answer to a request the client cancelled: no JSON-RPC reply at all. On an event
/// stream, the stream ends without events; in JSON mode, `202 Accepted` with no body (what
/// both official SDK clients take as "nothing to deliver").
fn cancelled_response(state: &AppState) -> Response {
    if state.settings.server.json_response {
        return Response::builder().status(StatusCode::ACCEPTED).finish();
    }
    Response::builder()
        .status(StatusCode::OK)
        .header(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        )
        .header(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))
        .header(X_ACCEL_BUFFERING.clone(), HeaderValue::from_static("no"))
        .finish()
}

/// The live session named by the `Mcp-Session-Id` header.
async fn session_from_headers(req: &Request, state: &AppState) -> Result<Arc<Session>, ApiError> {
    let mut values = req.headers().get_all(&SESSION_HEADER).iter();
    let raw = values
        .next()
        .ok_or(ApiError::MissingSessionId("Mcp-Session-Id header"))?;
    if values.next().is_some() {
        return Err(ApiError::MalformedSessionId(
            "Mcp-Session-Id header (sent twice)",
        ));
    }
    let raw = raw
        .to_str()
        .ok()
        .filter(|s| {
            !s.is_empty() && s.len() <= 256 && s.bytes().all(|b| (0x21..=0x7e).contains(&b))
        })
        .ok_or(ApiError::MalformedSessionId("Mcp-Session-Id header"))?;
    // Well-formed per the spec but not one of ours: as unknown as an expired one.
    let id = SessionId::parse(raw).map_err(|_| ApiError::UnknownSession)?;
    match state
        .sessions
        .find(&id, TransportKind::StreamableHttp)
        .await
    {
        Lookup::Live(s) if s.transport() == TransportKind::StreamableHttp => {
            super::check_owner(req, &s, state)?;
            Ok(s)
        }
        Lookup::Live(_) | Lookup::Ended(_) | Lookup::Unknown => Err(ApiError::UnknownSession),
    }
}

/// 2025-06-18+: an invalid or unsupported `MCP-Protocol-Version` is a 400. Absent means
/// 2025-03-26 (spec), which we serve.
fn check_protocol_version(req: &Request) -> Result<(), ApiError> {
    let Some(v) = req.headers().get(&VERSION_HEADER) else {
        return Ok(());
    };
    let supported = crate::mcp::supported_versions();
    let ok = v
        .to_str()
        .is_ok_and(|v| supported.iter().any(|s| s.as_str() == v));
    if ok {
        Ok(())
    } else {
        let list: Vec<&str> = supported.iter().map(|s| s.as_str()).collect();
        Err(ApiError::UnsupportedProtocolVersion(
            String::from_utf8_lossy(v.as_bytes())
                .chars()
                .take(64)
                .collect(),
            list.join(", "),
        ))
    }
}

/// GET: the session's stream for server-initiated messages (one per session).
async fn get(req: &Request, state: &AppState) -> Result<Response, RpcError> {
    if !headers::accepts(req, "text/event-stream") {
        return Err(ApiError::NotAcceptable("Accept must list text/event-stream").into());
    }
    let session = session_from_headers(req, state).await?;
    super::note_session(req, &session);
    check_protocol_version(req)?;
    // A resuming client first gets what its stream sent after the last event it saw; an id
    // this stream never gave (another stream's, another replica's, pruned) replays nothing.
    let last_event_id = req
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok());
    // A POST stream's id resumes that stream (its reply), not the GET stream.
    if let Some((id, stream)) =
        last_event_id.and_then(|id| Some((id, session.replay_log().post_stream(id)?)))
    {
        let id = id.to_owned();
        return Ok(super::resumable::resume_post_stream(
            session, stream, id, state,
        ));
    }
    let missed = last_event_id
        .and_then(|id| session.replay_log().since(id))
        .unwrap_or_default();
    let rx = state
        .sessions
        .attach_stream(&session, STREAM_BUFFER)
        .await
        .map_err(|_| ApiError::StreamConflict)?;
    let priming = session.primes_streams().then(|| {
        session
            .replay_log()
            .priming(state.settings.limits.stream_retry_ms)
    });
    let head = futures::stream::iter(priming.into_iter().chain(missed));
    // The receiver ends by itself when the session closes (its sender is dropped).
    let events = head.chain(super::resumable::LiveEvents::new(rx, session));
    let stop = state.draining.clone();
    Ok(sse_response(
        events,
        stop,
        state.settings.server.keep_alive(),
        StreamKind::Streamable,
    ))
}

/// DELETE: end the session (on every replica, when sessions are shared: the row is marked
/// ended before the answer, so no replica serves it afterwards).
async fn delete(req: &Request, state: &AppState) -> Result<Response, RpcError> {
    let session = session_from_headers(req, state).await?;
    super::note_session(req, &session);
    // The DELETE is answered first; the requests still waiting on the session end (404)
    // once that answer has gone out: a client that sees the 404 of its own in-flight
    // request before the answer to its DELETE takes the session for lost and raises.
    let waiters = session.take_waiters();
    state
        .sessions
        .end_everywhere(&session, EndReason::Deleted)
        .await;
    // Polled when the (empty) body is written, right before the answer is flushed; the
    // short pause covers the flush. Never polled (the client left): dropped with the body.
    let after_answer = futures::stream::once(async move {
        tokio::spawn(async move {
            tokio::time::sleep(ANSWER_FIRST).await;
            drop(waiters);
        });
        Ok::<_, std::io::Error>(bytes::Bytes::new())
    });
    Ok(Response::builder()
        .status(StatusCode::OK)
        .body(Body::from_bytes_stream(after_answer)))
}
