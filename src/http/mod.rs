//! The HTTP service: routes and the middleware pipeline, assembled in one place, plus the
//! admin listener's app ([`admin::build_admin_app`]).

pub mod admin;
pub mod headers;
pub mod middleware;
pub mod readiness;
mod state;

pub use state::{AppState, Inner as AppStateInner};

use poem::{
    Endpoint, EndpointExt, IntoEndpoint, IntoResponse, Request, Response, Route, endpoint::make,
    http::HeaderValue, middleware::CatchPanic, web::Data,
};

use crate::{
    error::ApiError,
    openapi,
    transports::{sse, streamable},
};

/// Build the public poem application.
///
/// Middleware order, outermost first:
/// catch-panic → request-id → access-log → metrics → (timeout → size-limit → CORS →
/// rate-limit → auth, as they land; `shared/STYLE.md` §12) → Host/Origin check (MCP routes
/// only) → routes. Errors poem raises itself (no route, wrong method) get our body shapes.
pub fn build_app(state: AppState) -> impl Endpoint + 'static {
    let guard = middleware::HostOriginCheck::from_settings(&state.settings.server);
    let mcp_path = state.settings.server.mcp_path.clone();

    let routes = Route::new()
        .at(
            "/sse",
            poem::get(make(|req: Request| async move {
                let state = app_state(&req);
                sse::open_stream(&req, state).await
            }))
            .with(guard.clone())
            .catch_all_error(rpc_shape),
        )
        .at(
            "/messages",
            poem::post(make(|mut req: Request| async move {
                let body = req.take_body();
                let state = app_state(&req);
                sse::post_message(req, body, state).await
            }))
            .with(guard.clone())
            .catch_all_error(rpc_shape),
        )
        .at(
            &mcp_path,
            make(|mut req: Request| async move {
                let body = req.take_body();
                let state = app_state(&req);
                streamable::endpoint(req, body, state).await
            })
            .with(guard),
        )
        .nest("/", openapi::public_service());
    let routes = state.public_docs.attach(routes);

    routes
        .catch_all_error(|e| async move { plain_shape(&e) })
        .data(state)
        .with(middleware::HttpMetrics::new(&mcp_path))
        .with(middleware::AccessLog::new(&mcp_path))
        .with(middleware::RequestIdLayer)
        .with(CatchPanic::new().with_handler(panic_response))
        .into_endpoint()
}

/// An error poem raised outside the MCP routes (no route, wrong method…) as the `Error`
/// object. Every non-MCP route serves GET only.
pub(crate) fn plain_shape(e: &poem::Error) -> Response {
    let err = ApiError::from_poem(e);
    let allow_get = matches!(err, ApiError::MethodNotAllowed);
    let mut resp = err.into_plain_response();
    if allow_get {
        resp.headers_mut()
            .insert("allow", HeaderValue::from_static("GET"));
    }
    resp
}

/// An error poem raised on an MCP route (wrong method) as a JSON-RPC error.
async fn rpc_shape(e: poem::Error) -> Response {
    ApiError::from_poem(&e).into_rpc_response(None)
}

pub(crate) fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::Internal(anyhow::anyhow!("handler panicked")).into_response()
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
