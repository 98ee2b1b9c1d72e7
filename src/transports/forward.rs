//! Forwarding one Streamable HTTP request into its session's engine and waiting for the
//! reply: shared by plain POST answers (`streamable`) and resumable POST streams
//! (`resumable`), below both.

use std::sync::Arc;

use rmcp::model::{ErrorData, RequestId, ServerJsonRpcMessage};

use super::jsonrpc;
use crate::{
    app::AppState,
    error::{ApiError, rpc_error as error_reply},
    session::{NoReply, ReplyWaiter, SendError, Session, TransportKind},
};

/// How a forwarded request ended.
pub(super) enum Forwarded {
    /// The engine's reply (or the timeout's error).
    Reply(Box<ServerJsonRpcMessage>),
    /// The client cancelled it: it gets no reply.
    Cancelled,
}

/// Send a request into the engine and wait for its reply (bounded by the request timeout).
pub(super) async fn forward_request(
    session: &Arc<Session>,
    msg: rmcp::model::ClientJsonRpcMessage,
    state: &AppState,
) -> Result<Forwarded, ApiError> {
    let (waiter, id) = start_request(session, msg)?;
    await_reply(waiter, id, state).await
}

/// Admit a request and send it into the engine: the waiter for its reply, and its id.
pub(super) fn start_request(
    session: &Arc<Session>,
    msg: rmcp::model::ClientJsonRpcMessage,
) -> Result<(ReplyWaiter, RequestId), ApiError> {
    jsonrpc::admit(session, &msg)?;
    let id = jsonrpc::request_id(&msg)
        .ok_or_else(|| ApiError::InvalidRequest("not a request".into()))?;
    let waiter = session.wait_reply(id.clone()).map_err(send_error)?;
    session.send(msg).map_err(send_error)?;
    Ok((waiter, id))
}

/// Wait for a sent request's reply (bounded by the request timeout).
pub(super) async fn await_reply(
    waiter: ReplyWaiter,
    id: RequestId,
    state: &AppState,
) -> Result<Forwarded, ApiError> {
    let timeout = state.settings.server.request_timeout();
    match tokio::time::timeout(timeout, waiter.recv()).await {
        Ok(Ok(reply)) => Ok(Forwarded::Reply(Box::new(reply))),
        Ok(Err(NoReply::Cancelled)) => Ok(Forwarded::Cancelled),
        // The session ended (deleted, expired, shut down) while the request waited.
        Ok(Err(NoReply::SessionEnded)) => Err(ApiError::UnknownSession),
        Err(_) => Ok(Forwarded::Reply(Box::new(error_reply(
            id,
            ErrorData::internal_error(
                format!("request timed out after {} s", timeout.as_secs()),
                None,
            ),
        )))),
    }
}

pub(super) fn send_error(e: SendError) -> ApiError {
    ApiError::from_send(e, TransportKind::StreamableHttp)
}
