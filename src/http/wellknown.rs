//! RFC 9728 OAuth protected-resource metadata, served at the root well-known URI and at the
//! path-inserted form for the MCP endpoint (clients probe the path form first), when JWTs
//! are accepted. Public and cacheable; any origin may read it.
//!
//! Without JWTs (API keys only) there is no metadata, and instead the registration URL that
//! OAuth-capable clients fall back to answers with an OAuth error saying why sign-in cannot
//! work here, which the clients show to their user (see [`no_sign_in`]).

use poem::{Request, Response, Route, http::StatusCode};
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

// Declared in `oauth` with the broker's other paths: the OpenAPI document names it too.
pub use crate::oauth::REGISTER_FALLBACK;

/// Add the metadata routes to `route` when JWTs are accepted (without them there is no
/// authorization server to point at, and the routes are absent: 404). With API keys only,
/// add the registration fallback's refusal instead.
pub fn register(route: Route, settings: &Settings, engine: &McpEngine) -> Route {
    if !settings.auth.mode.jwt() {
        return match settings.auth.mode.api_key() {
            // Any method: a GET gets the same explanation rather than a 405.
            true => route.at(REGISTER_FALLBACK, poem::endpoint::make_sync(no_sign_in)),
            false => route,
        };
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

/// The answer to a client registration on a server that takes API keys only.
///
/// Every 401 sends an OAuth-capable client (the TypeScript SDK behind mcp-remote, Claude Code
/// and the Inspector; the Python SDK) into discovery; with no metadata anywhere it ends by
/// registering at the origin's `/register`, and shows the user whatever that answers. A 404
/// there reads as a broken sign-in; this RFC 7591 §3.2.2 error names the real problem. It is
/// an OAuth protocol answer, not one of our API errors, so it has the OAuth body shape. Only
/// the presence of an `Authorization` header is looked at (the TypeScript SDK forwards the
/// MCP requests' headers): checking the key here would be an unthrottled oracle.
fn no_sign_in(req: Request) -> Response {
    let sent = req.headers().contains_key("authorization");
    let what = match sent {
        true => "the API key sent was refused",
        // Not "none was sent": the Python SDK sends its registration without the headers
        // the MCP requests carried.
        false => "the MCP request was refused for a missing or unknown key",
    };
    let description = format!(
        "this server does not offer OAuth sign-in: it accepts API keys only, and {what}. \
         Configure the MCP client to send the header `Authorization: Bearer <API key>` \
         (ask the server's operator for a key)"
    );
    let body = json!({ "error": "access_denied", "error_description": description });
    Response::builder()
        .status(StatusCode::FORBIDDEN)
        .content_type("application/json")
        .header("cache-control", "no-store")
        .body(body.to_string())
}
