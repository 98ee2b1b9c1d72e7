//! Hand-written parts of the public document besides the MCP endpoints: the RFC 9728
//! protected-resource metadata and the browser client (both plain routes mounted by
//! `http`, present only when configured, and described only then), and the refusals the
//! middleware in front of every route can answer with, declared on each operation.

use serde_json::{Value, json};

use crate::{
    auth::{METADATA_PREFIX, metadata_path},
    config::Settings,
    oauth::REGISTER_FALLBACK,
};

/// The metadata routes `http::wellknown::register` mounts, when JWTs are accepted (with API
/// keys only, the registration refusal it mounts instead).
pub fn well_known(settings: &Settings) -> Value {
    if !settings.auth.mode.jwt() {
        return match settings.auth.mode.api_key() {
            true => no_sign_in(),
            false => json!({}),
        };
    }
    let mut routes = vec![METADATA_PREFIX.to_owned()];
    if let Some(path) = settings.auth.resource.as_deref().and_then(metadata_path)
        && path != METADATA_PREFIX
    {
        routes.push(path);
    }
    let mut paths = serde_json::Map::new();
    for (i, path) in routes.into_iter().enumerate() {
        let op = json!({"get": {
            "tags": ["OAuth"],
            "operationId": if i == 0 { "protectedResourceMetadata" } else { "protectedResourceMetadataForPath" },
            "summary": "OAuth protected-resource metadata (RFC 9728)",
            "description": "Where MCP clients learn which authorization server issues tokens for \
                this server, and which scopes exist. Public (no token), cacheable, readable from \
                any origin. The root form and the path-inserted form for the MCP endpoint \
                (`auth.resource`) serve the same document.",
            "responses": {"200": {
                "description": "The metadata.",
                "headers": {
                    "Cache-Control": {"description": "`public, max-age=3600`.", "schema": {"type": "string"}},
                    "Access-Control-Allow-Origin": {"description": "`*`.", "schema": {"type": "string"}}
                },
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ProtectedResourceMetadata"}}}
            }}
        }});
        paths.insert(path, op);
    }
    let list = |d: &str| json!({"type": "array", "items": {"type": "string"}, "description": d});
    json!({
        "tags": [{"name": "OAuth", "description": "Discovery for OAuth clients (present when JWTs are accepted)."}],
        "paths": paths,
        "components": {"schemas": {"ProtectedResourceMetadata": {
            "type": "object",
            "title": "ProtectedResourceMetadata",
            "description": "RFC 9728 §2 metadata of this resource server.",
            "required": ["resource", "authorization_servers", "scopes_supported", "bearer_methods_supported", "resource_name"],
            "properties": {
                "resource": {"type": "string", "description": "`auth.resource`: the audience tokens must carry."},
                "authorization_servers": list("Issuers whose tokens are accepted (`auth.authorization_servers`, default `[auth.jwt.issuer]`)."),
                "scopes_supported": list("Every scope a tool or operation can require."),
                "bearer_methods_supported": list("Always `[\"header\"]`: tokens only in `Authorization`."),
                "resource_name": {"type": "string", "example": "opik-mcp"}
            }
        }}}
    })
}

/// `POST /register` on an API-key server: the refusal OAuth clients end their discovery on.
fn no_sign_in() -> Value {
    json!({
        "tags": [{"name": "OAuth", "description": "What OAuth clients find on a server that accepts API keys only."}],
        "paths": {REGISTER_FALLBACK: {"post": {
            "tags": ["OAuth"],
            "operationId": "registerClientRefused",
            "summary": "Client registration: refused, this server takes API keys",
            "description": "Clients that meet a 401 try OAuth sign-in; finding no metadata they \
                register here (the MCP spec's fallback), and show the user this answer: an \
                RFC 7591 error saying that the server accepts API keys only (and, when the \
                request carries one, that the key was refused). Only present with \
                `auth.mode = \"api-key\"`.",
            "responses": {"403": {
                "description": "Always.",
                "content": {"application/json": {"schema": {
                    "type": "object",
                    "title": "OAuthError",
                    "required": ["error", "error_description"],
                    "properties": {
                        "error": {"type": "string", "example": "access_denied"},
                        "error_description": {"type": "string"}
                    }
                }}}
            }}
        }}}
    })
}

/// The browser client's routes, when `server.serve_client` is on.
pub fn client(settings: &Settings) -> Value {
    if !settings.server.serves_client() {
        return json!({});
    }
    json!({
        "tags": [{"name": "Client", "description": "The single-file browser client (`server.serve_client`)."}],
        "paths": {
            "/client/": {"get": {
                "tags": ["Client"], "operationId": "clientPage",
                "summary": "The browser client",
                "description": "A static page (strict Content-Security-Policy) that connects to this server's MCP endpoints; the token is typed into the page.",
                "responses": {"200": {"description": "The page.", "content": {"text/html": {"schema": {"type": "string"}}}}}
            }},
            "/client": {"get": {
                "tags": ["Client"], "operationId": "clientRedirect",
                "summary": "Redirect to `/client/`",
                "responses": {"308": {
                    "description": "Permanent redirect.",
                    "headers": {"Location": {"description": "`/client/`.", "schema": {"type": "string"}}}
                }}
            }}
        }
    })
}

/// The document routes every listener serves (`Docs::attach`): this document as JSON and
/// YAML, and its explorer. `admin_api` adds the admin API's own document.
pub fn meta(admin_api: bool) -> Value {
    // The documents are objects once parsed (clients and validators parse JSON and YAML).
    let op = |id: &str, summary: &str, ty: &str| {
        let schema = if ty == "text/html" {
            json!({"type": "string"})
        } else {
            json!({"type": "object"})
        };
        json!({"get": {
            "tags": ["Meta"], "operationId": id, "summary": summary,
            "responses": {"200": {"description": summary, "content": {ty: {"schema": schema}}}}
        }})
    };
    let mut paths = serde_json::Map::new();
    paths.insert(
        "/openapi.json".into(),
        op(
            "openapiJson",
            "This OpenAPI document (JSON)",
            "application/json",
        ),
    );
    paths.insert(
        "/openapi.yaml".into(),
        op(
            "openapiYaml",
            "This OpenAPI document (YAML)",
            "application/yaml",
        ),
    );
    paths.insert(
        "/docs".into(),
        op(
            "docs",
            "The explorer (Swagger UI) for this document",
            "text/html",
        ),
    );
    if admin_api {
        paths.insert(
            "/admin/openapi.json".into(),
            op(
                "adminOpenapiJson",
                "The admin API's own OpenAPI document (JSON)",
                "application/json",
            ),
        );
    }
    json!({
        "tags": [{"name": "Meta", "description": "This document and its explorer."}],
        "paths": paths
    })
}

fn plain_error(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

/// The refusals every public non-MCP route can answer with (the request limits and the
/// panic guard sit in front of all routes).
pub fn public_errors() -> Vec<(&'static str, Value)> {
    vec![
        (
            "408",
            plain_error("No response started within `limits.request_timeout_secs`."),
        ),
        (
            "431",
            plain_error("Request headers larger than `limits.max_header_bytes`."),
        ),
        (
            "500",
            plain_error("Internal error (details are logged, never returned)."),
        ),
    ]
}

/// The refusals every admin route can answer with (only the panic guard: the admin
/// listener has no request limits).
pub fn admin_errors() -> Vec<(&'static str, Value)> {
    vec![(
        "500",
        plain_error("Internal error (details are logged, never returned)."),
    )]
}

/// Declare `errors` on every operation not tagged `Mcp` (those declare JSON-RPC errors of
/// their own), and `401` on every operation that requires a bearer token, without
/// replacing a response an operation already declares.
pub fn declare_errors(doc: &mut Value, errors: &[(&str, Value)]) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    let ops = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    for op in ops {
        if op["tags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "Mcp"))
        {
            continue;
        }
        let secured = op["security"].as_array().is_some_and(|s| {
            !s.is_empty()
                && s.iter()
                    .all(|r| r.as_object().is_some_and(|r| !r.is_empty()))
        });
        let Some(responses) = op["responses"].as_object_mut() else {
            continue;
        };
        for (status, body) in errors {
            responses
                .entry((*status).to_owned())
                .or_insert_with(|| body.clone());
        }
        if secured {
            responses
                .entry("401".to_owned())
                .or_insert_with(|| plain_error("Missing or wrong bearer token."));
        }
    }
}
