//! The HTTP service: routes and the middleware pipeline, assembled in one place.

mod client;
pub mod headers;
mod health;
pub mod middleware;
mod state;

pub use state::{AppState, Inner as AppStateInner};

use poem::{
    Endpoint, EndpointExt, IntoEndpoint, Request, Route, endpoint::make, middleware::CatchPanic,
    web::Data,
};

use crate::transports::{sse, streamable};

/// Build the poem application.
///
/// Middleware order, outermost first:
/// catch-panic → access-log → Host/Origin check (MCP routes only) → routes.
/// Later layers (request id, metrics, timeout, CORS, rate limit, auth) slot in between,
/// in the order written in `shared/STYLE.md` §12.
pub fn build_app(state: AppState) -> impl Endpoint + 'static {
    let guard = middleware::HostOriginCheck::from_settings(&state.settings.server);
    let mcp_path = state.settings.server.mcp_path.clone();

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
        .with(guard);

    let mut routes = Route::new();
    if state.settings.server.serve_client {
        routes = routes
            .at("/client", poem::get(client::redirect))
            .at("/client/", poem::get(client::index));
    }
    routes
        .at("/health", poem::get(health::health))
        .at("/healthz", poem::get(health::healthz))
        .at("/readyz", poem::get(health::readyz))
        .nest("/", mcp_routes)
        .data(state)
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
