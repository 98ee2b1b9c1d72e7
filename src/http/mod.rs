//! The HTTP service: routes and the middleware pipeline, assembled in one place, plus the
//! admin listener's app ([`admin::build_admin_app`]).

pub mod admin;
pub mod client;
pub mod conn_limit;
mod idle_io;
pub mod listener;
mod mcp_routes;
pub mod middleware;
pub mod serve;
pub mod stream_get;
pub mod tls;
pub mod wellknown;

// Both live in `app` (the transports take the state too); re-exported for the HTTP code and
// the tests that name them here.
pub use crate::app::{AppState, AppStateInner, readiness};

use poem::{Endpoint, EndpointExt, IntoEndpoint, Request, Response, Route, web::Data};

use crate::{error::ApiError, openapi};
use mcp_routes::McpRoute;

/// Build the public poem application.
///
/// Middleware order, outermost first (STYLE.md §12), in one endpoint ([`middleware::Edge`]):
/// route classification (once, into the request extensions, read by every later step) →
/// catch-panic → request-id → access-log → metrics → request limits (timeout + header size;
/// body size is enforced where the body is read, 413); then ([`mcp_routes::Dispatch`]) Host
/// syntax (one valid `Host`, no absolute-form target: 400) → routes. On the MCP routes
/// ([`middleware::McpGuard`]): Host/Origin check → CORS → rate limit per client IP → auth → rate limit per principal
/// (and SSE stream caps) → handler. Rate limiting is split around auth: the per-IP quota
/// caps floods of bad credentials before any verification work, and the per-principal quota
/// needs the authenticated principal as its key. CORS sits outside auth so preflights (which
/// carry no credentials) are answered and 401s are readable by browser clients. The
/// protected-resource metadata and `/health` are public. Errors poem raises itself (no
/// route, wrong method) get our body shapes.
pub fn build_app(state: AppState) -> impl Endpoint + 'static {
    let s = &state.settings;
    let mcp_path = s.server.mcp_path.clone();
    let origin_check =
        middleware::HostOriginCheck::from_settings(&s.server).with_origins(&s.cors.allowed_origins);
    let cors = middleware::Cors::new(&s.cors, origin_check.clone());
    let limits = middleware::RequestLimits {
        max_header_bytes: s.limits.max_header_bytes,
        timeout: s.limits.request_timeout(),
    };
    let mcp =
        mcp_routes::McpRoutes::new(middleware::McpGuard::new(state.clone(), cors, origin_check));

    let routes = Route::new()
        .at("/sse", mcp.at(McpRoute::Sse))
        .at("/messages", mcp.at(McpRoute::Messages))
        .at(&mcp_path, mcp.at(McpRoute::Streamable))
        .nest("/", openapi::public_service());
    // The browser client (`server.serve_client`, on a loopback bind by default), outside
    // auth: the page itself holds no data; it asks the user for a token.
    let routes = if s.server.serves_client() {
        routes
            .at("/client", poem::get(client::redirect))
            .at("/client/", poem::get(client::index))
    } else {
        routes
    };
    let routes = wellknown::register(routes, s, &state.engine);
    // The OAuth broker's endpoints (public, outside the MCP guard: they are how a client
    // gets its token).
    let routes = match &state.broker {
        Some(broker) => broker.register(routes),
        None => routes,
    };
    let routes = state.public_docs.attach(routes);

    mcp_routes::Dispatch::new(mcp, state, routes)
        .with(middleware::Edge::new(&mcp_path, limits))
        .into_endpoint()
}

/// An error poem raised outside the MCP routes (no route, wrong method…) as the `Error`
/// object. Every non-MCP route serves GET only.
pub(crate) fn plain_shape(e: &poem::Error) -> Response {
    let err = ApiError::from_poem(e);
    let allow_get = matches!(err, ApiError::MethodNotAllowed);
    let keep_status = matches!(err, ApiError::InvalidRequest(_)).then(|| e.status());
    let mut resp = err.into_plain_response();
    // A client error poem-openapi raised (a failed security check is 401) keeps its status.
    if let Some(status) = keep_status {
        resp.set_status(status);
    }
    if allow_get {
        crate::error::set_allow(&mut resp, "GET");
    }
    resp
}

fn app_state(req: &Request) -> AppState {
    // `mcp_routes::Dispatch` inserts the state into every public request (`.data(state)` on
    // the admin listener).
    #[expect(
        clippy::expect_used,
        reason = "AppState is attached to every request before routing"
    )]
    req.data::<AppState>()
        .cloned()
        .expect("AppState attached before routing")
}

/// Send small writes at once on an accepted connection (plain or, under TLS, its socket). An
/// event stream writes an event as a few pieces; with Nagle's algorithm on, a last small piece
/// waited for the client's delayed ACK of the previous one (about 40 ms) whenever they left in
/// separate segments. A failure only costs latency.
pub(crate) fn no_delay(stream: &tokio::net::TcpStream) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "could not set TCP_NODELAY");
    }
}

/// Extract the state in `#[handler]` functions.
pub type State<'a> = Data<&'a AppState>;
