//! The admin listener's app: `/healthz`, `/readyz`, `/metrics`, its OpenAPI document and
//! explorer, and (as it lands) the admin API. Served on `admin.host:admin.port`, apart from
//! MCP traffic; this is what Kubernetes probes and Prometheus hit.

use poem::{
    Endpoint, EndpointExt, IntoEndpoint, IntoResponse, Route,
    http::{HeaderValue, StatusCode},
};

use super::{AppState, middleware, plain_shape};
use crate::openapi;

/// Build the admin poem application.
///
/// Middleware order, outermost first: route classification (once, into the request
/// extensions) → catch-panic → request-id → access-log (at debug
/// level: probes every few seconds would drown the access log; they are counted in the
/// metrics) → metrics → request limits (header size, timeout) → Host check (DNS rebinding:
/// IP literals, `localhost` and `admin.allowed_hosts` only) → routes. A `401` carries a
/// `WWW-Authenticate` challenge.
pub fn build_admin_app(state: AppState) -> impl Endpoint + 'static {
    let mcp_path = state.settings.server.mcp_path.clone();
    let hosts = middleware::host::AdminHosts::new(&state.settings.admin.allowed_hosts);
    let limits = middleware::RequestLimits {
        max_header_bytes: state.settings.limits.max_header_bytes,
        timeout: state.settings.limits.request_timeout(),
    };
    let mut routes = Route::new();
    // The audit trail's admin API (list/filter audit records, list and end sessions), with
    // its own OpenAPI document at `/admin/openapi.json`. Mounted only with a token
    // (`audit.admin_token`), even on this listener: it reads who called what.
    if let (Some(store), Some(token)) = (&state.store, &state.settings.audit.admin_token) {
        routes = routes.nest(
            "/admin",
            crate::store::api::admin_endpoint(
                store.clone(),
                std::sync::Arc::clone(&state.registry) as _,
                token.clone(),
            ),
        );
    }
    // The OAuth broker's grants (list, revoke), behind the same token.
    if let (Some(broker), Some(token)) = (&state.broker, &state.settings.audit.admin_token) {
        routes = routes.nest(
            "/admin/oauth",
            crate::oauth::admin::admin_endpoint(std::sync::Arc::clone(broker), token.clone()),
        );
    }
    let routes = routes.nest("/", openapi::admin_service());
    let routes = state.admin_docs.attach(routes);
    routes
        .catch_all_error(|e| async move { plain_shape(&e) })
        .around(|ep, req| async move {
            // `plain_shape` answers 405 with `Allow: GET`, true of every admin route but two:
            // `/admin/sessions/{hash}` and `/admin/oauth/grants/{id}` take only DELETE.
            let path = req.uri().path();
            let delete_only =
                path.starts_with("/admin/sessions/") || path.starts_with("/admin/oauth/grants/");
            let mut resp = ep.call(req).await?.into_response();
            if delete_only && resp.status() == StatusCode::METHOD_NOT_ALLOWED {
                crate::error::set_allow(&mut resp, "DELETE");
            }
            // RFC 9110 §11.6.1: a 401 says how to authenticate (the admin API's bearer token).
            if resp.status() == StatusCode::UNAUTHORIZED
                && !resp.headers().contains_key("www-authenticate")
            {
                resp.headers_mut().insert(
                    "www-authenticate",
                    HeaderValue::from_static("Bearer realm=\"opik-mcp-admin\""),
                );
            }
            Ok(resp)
        })
        .around(move |ep, req| hosts.clone().check(ep, req))
        // Inside the limits here, outside them before the layers were one: the state is only
        // read by the routes.
        .data(state)
        .with(middleware::Edge::new(&mcp_path, limits).quiet())
        .into_endpoint()
}
