//! Authentication of every request to the MCP endpoints (sessions are not credentials).
//! The accepted [`Principal`] goes into the request extensions for the transports (session
//! binding) and, through them, the MCP engine (tool scopes).

use poem::{
    IntoResponse, Request, Response,
    http::{HeaderValue, header::CONNECTION},
};

use super::client_ip;
use crate::{
    auth::{AuthError, Principal, credential_tag},
    config::AuthMode,
    error::{ApiError, RpcError},
    http::AppState,
    session::{SecurityEvent, SecurityEventKind},
};

/// Authenticate `req`: the accepted principal goes into its extensions; `Err` is the
/// refusal (401/403), answered once the body is drained.
pub(super) async fn authenticate(
    state: &AppState,
    req: &mut Request,
) -> std::result::Result<(), Response> {
    let ip = client_ip(req, &state.settings.rate_limit);
    let result = state
        .auth
        .authenticate(req.headers(), req.uri().query(), ip)
        .await;
    match result {
        Ok(principal) => {
            if state.auth.mode() != AuthMode::None {
                emit(
                    state,
                    req,
                    SecurityEventKind::Authenticated,
                    Some(&principal),
                    "ok",
                    None,
                );
            }
            req.extensions_mut().insert(principal);
            Ok(())
        }
        Err(e) => {
            let tag = presented_credential(req);
            let kind = match e.is_forbidden() {
                true => SecurityEventKind::Forbidden,
                false => SecurityEventKind::AuthenticationFailed,
            };
            emit(state, req, kind, None, e.reason(), tag.as_deref());
            let drained = drain_body(req).await;
            let mut resp = RpcError(to_api_error(state, e), None).into_response();
            if !drained {
                resp.headers_mut()
                    .insert(CONNECTION, HeaderValue::from_static("close"));
            }
            Err(resp)
        }
    }
}

/// Most of a refused request's body read before answering (an MCP message is far smaller).
const DRAIN_LIMIT: usize = 64 * 1024;
/// Longest wait for it: a client without credentials must not hold the connection open.
const DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Read what is left of a refused request's body. Answered before its body has arrived, an
/// HTTP/1.1 connection is closed after the response without notice, and a client that goes
/// straight on to OAuth discovery over the same connection (as the SDKs do after a 401)
/// fails with a read error. `false` when the body is larger than [`DRAIN_LIMIT`], slower
/// than [`DRAIN_TIMEOUT`] or broken: the caller then says `Connection: close`.
async fn drain_body(req: &mut Request) -> bool {
    let read = req.take_body().into_bytes_limit(DRAIN_LIMIT);
    matches!(tokio::time::timeout(DRAIN_TIMEOUT, read).await, Ok(Ok(_)))
}

fn to_api_error(state: &AppState, e: AuthError) -> ApiError {
    let challenge = state.auth.challenge(&e);
    let message = e.to_string();
    match e {
        AuthError::InsufficientScope(_) => ApiError::InsufficientScope { challenge, message },
        AuthError::Missing | AuthError::TokenInQuery | AuthError::InvalidToken(_) => {
            ApiError::Unauthenticated { challenge, message }
        }
    }
}

/// Short hash of the bearer value presented, for the event (never the value itself).
fn presented_credential(req: &Request) -> Option<String> {
    let value = req.headers().get(poem::http::header::AUTHORIZATION)?;
    let value = String::from_utf8_lossy(value.as_bytes());
    let token = value.split_once(' ').map_or(&*value, |(_, t)| t.trim());
    Some(credential_tag(token))
}

fn emit(
    state: &AppState,
    req: &Request,
    kind: SecurityEventKind,
    principal: Option<&Principal>,
    reason: &str,
    credential: Option<&str>,
) {
    state.observers.security_event(&SecurityEvent {
        kind,
        principal: principal.map(Principal::id),
        client_ip: client_ip(req, &state.settings.rate_limit),
        credential: credential.or_else(|| principal.and_then(Principal::credential_tag)),
        reason,
        target: req.uri().path(),
        session: None,
    });
}
