//! The checks of every MCP route, in order: Host/Origin → CORS → rate limit per client IP →
//! auth → rate limit per principal (and SSE stream caps) → handler.
//!
//! One function rather than a poem middleware per check: each layer is its own future, holding
//! its own copy of the request (about half a kilobyte), and the stack of them was moved to the
//! heap on every request. Each check keeps its own file (`origin.rs`, `cors.rs`,
//! `ratelimit.rs`, `auth.rs`); this only runs them.

use std::future::Future;

use poem::{Request, Response};

use super::{Cors, HostOriginCheck, auth, ratelimit};
use crate::http::AppState;

/// The MCP routes' checks (see the module doc for the order and why).
#[derive(Clone)]
pub struct McpGuard {
    state: AppState,
    cors: Cors,
    origin: HostOriginCheck,
}

impl McpGuard {
    /// The checks with this state and CORS/Origin policy.
    pub fn new(state: AppState, cors: Cors, origin: HostOriginCheck) -> Self {
        Self {
            state,
            cors,
            origin,
        }
    }

    /// Run the checks on `req`, then `handler` when they pass. Rate limit refusals are
    /// decided before authentication for the per-IP quota (it caps floods of bad credentials
    /// before any verification work) and after it for the per-principal quota (keyed by the
    /// authenticated principal). CORS headers go on every answer after the preflight, 401s
    /// and 429s included, so browser clients can read them.
    pub async fn call<F, Fut>(&self, mut req: Request, handler: F) -> Response
    where
        F: FnOnce(Request) -> Fut,
        Fut: Future<Output = Response>,
    {
        let state = &self.state;
        if let Some(refused) = self.origin.refusal(&req) {
            return refused;
        }
        let cross_origin = match self.cors.before(&req) {
            Ok(origin) => origin,
            Err(answer) => return answer,
        };
        let mut resp = match admit(state, &mut req).await {
            Ok(admitted) => {
                let resp = handler(req).await;
                ratelimit::principal_finish(state, resp, admitted)
            }
            Err(refused) => refused,
        };
        self.cors.after(&mut resp, cross_origin);
        resp
    }
}

/// The quotas and authentication: `Err` with the refusal.
async fn admit(
    state: &AppState,
    req: &mut Request,
) -> std::result::Result<ratelimit::Admitted, Response> {
    if let Some(refused) = ratelimit::ip_admit(state, req) {
        return Err(refused);
    }
    auth::authenticate(state, req).await?;
    ratelimit::principal_admit(state, req)
}
