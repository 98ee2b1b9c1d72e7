//! Authentication of every request to the MCP endpoints (sessions are not credentials).
//! The accepted [`Principal`] goes into the request extensions for the transports (session
//! binding) and, through them, the MCP engine (tool scopes).

use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};

use super::client_ip;
use crate::{
    auth::{AuthError, Principal, credential_tag},
    config::AuthMode,
    error::{ApiError, RpcError},
    http::AppState,
    session::{SecurityEvent, SecurityEventKind},
};

/// The auth layer.
pub struct Authenticate(pub AppState);

impl<E: Endpoint> Middleware<E> for Authenticate {
    type Output = AuthenticateEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        AuthenticateEndpoint {
            inner: ep,
            state: self.0.clone(),
        }
    }
}

/// The endpoint wrapped by [`Authenticate`].
pub struct AuthenticateEndpoint<E> {
    inner: E,
    state: AppState,
}

impl<E: Endpoint> Endpoint for AuthenticateEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        let state = &self.state;
        let ip = client_ip(&req, &state.settings.rate_limit);
        let result = state
            .auth
            .authenticate(req.headers(), req.uri().query(), ip)
            .await;
        match result {
            Ok(principal) => {
                if state.auth.mode() != AuthMode::None {
                    emit(
                        state,
                        &req,
                        SecurityEventKind::Authenticated,
                        Some(&principal),
                        "ok",
                        None,
                    );
                }
                req.extensions_mut().insert(principal);
                Ok(self.inner.call(req).await?.into_response())
            }
            Err(e) => {
                let tag = presented_credential(&req);
                let kind = match e.is_forbidden() {
                    true => SecurityEventKind::Forbidden,
                    false => SecurityEventKind::AuthenticationFailed,
                };
                emit(state, &req, kind, None, e.reason(), tag.as_deref());
                Ok(RpcError(to_api_error(state, e), None).into_response())
            }
        }
    }
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
    let value = req.headers().get("authorization")?;
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
