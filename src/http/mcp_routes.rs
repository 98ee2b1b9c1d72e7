//! The MCP routes (`/sse`, `/messages`, the Streamable HTTP path) behind their checks
//! ([`middleware::McpGuard`]), dispatched on the route [`middleware::Edge`] classified.
//!
//! Why not only poem's `Route`: it moves each matched endpoint's future (here the checks and
//! the transport handler, several kilobytes) to the heap on every request, and `poem::get`/
//! `poem::post` box the handler's once more. The MCP routes are exact paths the request was
//! already classified by, so [`Dispatch`] calls them directly and hands every other request
//! to the `Route`. They stay registered in the `Route` as well, which serves them when the
//! configured path is not a plain one (a path poem's router would read as a pattern).

use std::{future::Future, pin::Pin};

use futures::FutureExt;
use poem::{
    Endpoint, Request, Response, Result, Route,
    error::MethodNotAllowedError,
    http::{Method, StatusCode},
};

use super::{AppState, app_state, middleware, plain_shape};
use crate::{
    error::ApiError,
    telemetry::labels,
    transports::{sse, streamable},
};

/// Which MCP route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum McpRoute {
    /// The Streamable HTTP path (any method; the transport answers the wrong ones).
    Streamable,
    /// `GET /sse`, the legacy SSE stream.
    Sse,
    /// `POST /messages`, the legacy SSE transport's inbound messages.
    Messages,
}

impl McpRoute {
    fn of(route: labels::Route) -> Option<Self> {
        match route {
            labels::Route::Mcp => Some(Self::Streamable),
            labels::Route::Sse => Some(Self::Sse),
            labels::Route::Messages => Some(Self::Messages),
            _ => None,
        }
    }
}

/// The MCP routes behind their checks.
#[derive(Clone)]
pub(super) struct McpRoutes {
    guard: middleware::McpGuard,
}

impl McpRoutes {
    pub(super) fn new(guard: middleware::McpGuard) -> Self {
        Self { guard }
    }

    /// `req` on route `which`: the checks, then the transport, in one box. Their future is
    /// the largest part of a request's (the transport's alone is ~7 KB); boxed here, where it
    /// is built in place, the future of the whole chain (which poem moves into a box of its
    /// own, copying it twice) stays small.
    fn call(
        &self,
        req: Request,
        which: McpRoute,
    ) -> Pin<Box<dyn Future<Output = Response> + Send + '_>> {
        Box::pin(self.guard.call(req, move |req| handle(which, req)))
    }

    /// The endpoint that serves `which` inside poem's `Route`.
    pub(super) fn at(&self, which: McpRoute) -> Guarded {
        Guarded {
            routes: self.clone(),
            which,
        }
    }
}

async fn handle(which: McpRoute, mut req: Request) -> Response {
    match which {
        McpRoute::Streamable => {
            let body = req.take_body();
            let state = app_state(&req);
            streamable::endpoint(req, body, state).await
        }
        McpRoute::Sse => {
            let Some(head) = method_is(&mut req, Method::GET) else {
                return method_not_allowed();
            };
            let state = app_state(&req);
            let mut resp = sse::open_stream(&req, state).await;
            if head {
                resp.set_body(());
            }
            resp
        }
        McpRoute::Messages => {
            if method_is(&mut req, Method::POST).is_none() {
                return method_not_allowed();
            }
            let body = req.take_body();
            let state = app_state(&req);
            sse::post_message(req, body, state).await
        }
    }
}

/// Whether `req` may go to a route that serves only `method`, as poem's `RouteMethod` decides:
/// `Some(false)` for `method`, `Some(true)` for a `HEAD` on a `GET` route (served as a `GET`
/// without its body: the method is changed here), `None` for anything else (405).
fn method_is(req: &mut Request, method: Method) -> Option<bool> {
    if *req.method() == method {
        return Some(false);
    }
    if *req.method() == Method::HEAD && method == Method::GET {
        req.set_method(Method::GET);
        return Some(true);
    }
    None
}

/// The 405 of an MCP route, a JSON-RPC error.
fn method_not_allowed() -> Response {
    let e = poem::Error::from(MethodNotAllowedError);
    debug_assert_eq!(e.status(), StatusCode::METHOD_NOT_ALLOWED);
    ApiError::from_poem(&e).into_rpc_response(None)
}

/// One MCP route inside poem's `Route` (see the module doc).
pub(super) struct Guarded {
    routes: McpRoutes,
    which: McpRoute,
}

impl Endpoint for Guarded {
    type Output = Response;

    fn call(&self, req: Request) -> impl Future<Output = Result<Response>> + Send {
        self.routes.call(req, self.which).map(Ok)
    }
}

/// The public routes behind the [`middleware::Edge`]: the Host syntax check (one valid `Host`,
/// no absolute-form target: 400), the state attached, then MCP requests straight to
/// [`McpRoutes`] and the others to `other`, whose errors poem raises itself (no route, wrong
/// method) get our body shape ([`plain_shape`]).
pub(super) struct Dispatch {
    mcp: McpRoutes,
    /// Whether the Streamable HTTP path is one poem's router matches as it is written (else
    /// that route is left to `other`).
    direct_mcp_path: bool,
    other: Route,
    state: AppState,
}

impl Dispatch {
    pub(super) fn new(mcp: McpRoutes, state: AppState, other: Route) -> Self {
        Self {
            mcp,
            direct_mcp_path: is_plain_path(&state.settings.server.mcp_path),
            other,
            state,
        }
    }
}

impl Endpoint for Dispatch {
    type Output = Response;

    // An `async fn`: see `middleware::Edge`'s `call`.
    async fn call(&self, mut req: Request) -> Result<Response> {
        if let Some(refused) = middleware::host::syntax_refusal(&req) {
            return Ok(refused);
        }
        req.extensions_mut().insert(self.state.clone());
        let which = McpRoute::of(middleware::route_of(&req))
            .filter(|w| *w != McpRoute::Streamable || self.direct_mcp_path);
        Ok(match which {
            Some(which) => self.mcp.call(req, which).await,
            None => self
                .other
                .call(req)
                .await
                .unwrap_or_else(|e| plain_shape(&e)),
        })
    }
}

/// Whether poem's router matches `path` as written: no empty segment (poem merges `//`) and
/// none of the characters of its patterns (`:name`, `<regex>`, `*rest`, `{name}`).
fn is_plain_path(path: &str) -> bool {
    !path.contains("//")
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-._~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_paths_are_dispatched_directly() {
        assert!(is_plain_path("/mcp"));
        assert!(is_plain_path("/api/v1/mcp-server_2.0"));
        for p in [
            "//mcp",
            "/mcp/:id",
            "/mcp/<\\d+>",
            "/mcp/*rest",
            "/mcp/{id}",
        ] {
            assert!(!is_plain_path(p), "{p}");
        }
    }

    #[test]
    fn route_methods_are_decided_like_poems() {
        let mut get = Request::builder().method(Method::GET).finish();
        assert_eq!(method_is(&mut get, Method::GET), Some(false));
        let mut head = Request::builder().method(Method::HEAD).finish();
        assert_eq!(method_is(&mut head, Method::GET), Some(true));
        assert_eq!(*head.method(), Method::GET, "HEAD is served as GET");
        let mut head = Request::builder().method(Method::HEAD).finish();
        assert_eq!(method_is(&mut head, Method::POST), None);
        let mut delete = Request::builder().method(Method::DELETE).finish();
        assert_eq!(method_is(&mut delete, Method::GET), None);
        assert_eq!(
            method_not_allowed().status(),
            StatusCode::METHOD_NOT_ALLOWED
        );
    }
}
