//! Adapters between the wire and the transport-agnostic MCP engine. The only code that
//! touches both poem and rmcp.

pub mod jsonrpc;
pub mod sse;
pub mod stdio;
pub mod streamable;

use std::time::Duration;

use futures::{Stream, StreamExt};
use poem::web::sse::{Event, SSE};
use rmcp::model::ServerJsonRpcMessage;
use tokio_util::sync::CancellationToken;

use crate::error::ApiError;

/// Outbound messages buffered per stream before a consumer counts as too slow.
pub const STREAM_BUFFER: usize = 256;

/// The origin of a session created by `req`: the client address (the auth layer adds the
/// owner).
pub(crate) fn origin_of(req: &poem::Request) -> crate::session::Origin {
    crate::session::Origin {
        remote_addr: req.remote_addr().as_socket_addr().map(|a| a.to_string()),
        owner: None,
    }
}

/// The HTTP refusal for a session that could not be created.
pub(crate) fn registry_error(e: crate::session::RegistryError) -> ApiError {
    use crate::session::RegistryError;
    match e {
        RegistryError::Full(_) | RegistryError::ShuttingDown => {
            ApiError::Unavailable(e.to_string())
        }
        RegistryError::AuditUnavailable => ApiError::AuditUnavailable,
    }
}

/// Serialize one server message as an SSE `message` event.
pub(crate) fn message_event(msg: &ServerJsonRpcMessage) -> Event {
    match serde_json::to_string(msg) {
        Ok(json) => Event::message(json).event_type("message"),
        Err(e) => {
            tracing::error!(error = %e, "could not serialize a server message");
            Event::message("{}").event_type("message")
        }
    }
}

/// Wrap a stream of events as an SSE response body that ends when `stop` fires and sends
/// `:` keep-alive comments while idle.
pub(crate) fn sse_response(
    events: impl Stream<Item = Event> + Send + 'static,
    stop: CancellationToken,
    keep_alive: Duration,
) -> poem::Response {
    use poem::IntoResponse;
    let events = events.take_until(async move { stop.cancelled_owned().await });
    let mut resp = SSE::new(events).keep_alive(keep_alive).into_response();
    let h = resp.headers_mut();
    h.insert(
        "cache-control",
        poem::http::HeaderValue::from_static("no-cache, no-transform"),
    );
    h.insert(
        "x-accel-buffering",
        poem::http::HeaderValue::from_static("no"),
    );
    resp
}
