//! The HTTP service: routes and the middleware pipeline, assembled in one place.

pub mod headers;
mod health;
pub mod middleware;
mod state;
pub mod tls;
pub mod wellknown;

pub use state::{AppState, Inner as AppStateInner};

use poem::{
    Endpoint, EndpointExt, IntoEndpoint, Request, Route, endpoint::make, middleware::CatchPanic,
    web::Data,
};

use crate::transports::{sse, streamable};

/// Build the poem application.
///
/// Middleware order, outermost first (STYLE.md §12):
/// catch-panic → (request-id) → access-log → (metrics) → request limits (timeout + header
/// size; body size is enforced where the body is read, 413) → routes. On the MCP routes:
/// Host/Origin check → CORS → rate limit per client IP → auth → rate limit per principal
/// (and SSE stream caps) → handler. Rate limiting is split around auth: the per-IP quota
/// caps floods of bad credentials before any verification work, and the per-principal quota
/// needs the authenticated principal as its key. CORS sits outside auth so preflights (which
/// carry no credentials) are answered and 401s are readable by browser clients. The
/// protected-resource metadata and health endpoints are public.
pub fn build_app(state: AppState) -> impl Endpoint + 'static {
    let s = &state.settings;
    let mcp_path = s.server.mcp_path.clone();
    let origin_check =
        middleware::HostOriginCheck::from_settings(&s.server).with_origins(&s.cors.allowed_origins);
    let cors = middleware::Cors::new(&s.cors, origin_check.clone(), &mcp_path);
    let limits = middleware::RequestLimits {
        max_header_bytes: s.limits.max_header_bytes,
        timeout: s.limits.request_timeout(),
        mcp_path: mcp_path.clone(),
    };

    let mcp_routes = Route::new()
        .at(
            "/sse",
            poem::get(make(|req: Request| async move {
                let state = app_state(&req);
                sse::open_stream(&req, state).await
            })),
        )
        .at(
            "/messages",
            poem::post(make(|mut req: Request| async move {
                let body = req.take_body();
                let state = app_state(&req);
                sse::post_message(req, body, state).await
            })),
        )
        .at(
            &mcp_path,
            make(|mut req: Request| async move {
                let body = req.take_body();
                let state = app_state(&req);
                streamable::endpoint(req, body, state).await
            }),
        )
        .with(middleware::PrincipalRateLimit(state.clone()))
        .with(middleware::Authenticate(state.clone()))
        .with(middleware::IpRateLimit(state.clone()))
        .with(cors)
        .with(origin_check);

    let public = Route::new()
        .at("/health", poem::get(health::health))
        .at("/healthz", poem::get(health::healthz))
        .at("/readyz", poem::get(health::readyz));
    wellknown::register(public, s, &state.engine)
        .nest("/", mcp_routes)
        .data(state)
        .catch_all_error(crate::error::shape_poem_error)
        .with(limits)
        .with(middleware::AccessLog)
        .with(CatchPanic::new())
        .into_endpoint()
}

fn app_state(req: &Request) -> AppState {
    // `.data(state)` is applied to the whole route tree in `build_app`.
    #[expect(
        clippy::expect_used,
        reason = "AppState is attached to every route in build_app"
    )]
    req.data::<AppState>()
        .cloned()
        .expect("AppState attached in build_app")
}

/// Extract the state in `#[handler]` functions.
pub type State<'a> = Data<&'a AppState>;
