//! RFC 9728 OAuth protected-resource metadata, served at the root well-known URI and at the
//! path-inserted form for the MCP endpoint (clients probe the path form first), when JWTs
//! are accepted. Public and cacheable; any origin may read it.

use poem::{Response, Route, http::StatusCode};
use serde_json::json;

use crate::{
    auth::{METADATA_PREFIX, metadata_path},
    config::Settings,
    mcp::McpEngine,
};

/// The metadata document.
pub fn document(settings: &Settings, engine: &McpEngine) -> serde_json::Value {
    json!({
        "resource": settings.auth.resource,
        "authorization_servers": settings.auth.authorization_servers(),
        "scopes_supported": engine.scopes().supported(),
        "bearer_methods_supported": ["header"],
        "resource_name": "opik-mcp",
    })
}

/// Add the metadata routes to `route` when JWTs are accepted (without them there is no
/// authorization server to point at, and the routes are absent: 404).
pub fn register(route: Route, settings: &Settings, engine: &McpEngine) -> Route {
    if !settings.auth.mode.jwt() {
        return route;
    }
    let body = document(settings, engine).to_string();
    let serve = move || {
        let body = body.clone();
        poem::get(poem::endpoint::make_sync(move |_| {
            Response::builder()
                .status(StatusCode::OK)
                .content_type("application/json")
                .header("cache-control", "public, max-age=3600")
                .header("access-control-allow-origin", "*")
                .body(body.clone())
        }))
    };
    let mut route = route.at(METADATA_PREFIX, serve());
    if let Some(path) = settings.auth.resource.as_deref().and_then(metadata_path)
        && path != METADATA_PREFIX
    {
        route = route.at(path, serve());
    }
    route
}
