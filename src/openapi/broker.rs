//! The OAuth broker's endpoints in the public document (present only with `[auth.broker]`),
//! and its grants API in the admin document. The endpoints are plain poem routes (OAuth fixes
//! their error shapes: RFC 6749 JSON errors, redirects back to the client, and pages for the
//! browser steps that must not redirect), so they are described by hand here; the
//! integration tests exercise every documented answer.

use serde_json::{Value, json};

use crate::config::Settings;

const TAG: &str = "Sign-in";
/// Our own failure on a browser step (the store): a page.
const OWN_FAILURE: &str = "This server failed (details are logged, never shown).";
/// Our own failure on a JSON endpoint.
const SERVER_ERROR: &str = "`server_error` (details are logged, never returned).";

fn oauth_error(description: &str) -> Value {
    json!({
        "description": description,
        "headers": {"Cache-Control": {"description": "`no-store`.", "schema": {"type": "string"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OAuthError"}}}
    })
}

fn page(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"text/html": {"schema": {"type": "string"}}}
    })
}

fn redirect(description: &str) -> Value {
    json!({
        "description": description,
        "headers": {"Location": {"description": "Where the browser goes next.", "schema": {"type": "string"}}}
    })
}

fn query(name: &str, required: bool, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": required, "description": description,
           "schema": {"type": "string"}})
}

fn form_body(schema: &str) -> Value {
    json!({"required": true, "content": {"application/x-www-form-urlencoded": {
        "schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

fn json_ok(description: &str, schema: &str, cache: &str) -> Value {
    json!({
        "description": description,
        "headers": {
            "Cache-Control": {"description": cache, "schema": {"type": "string"}},
            "Access-Control-Allow-Origin": {"description": "`*`.", "schema": {"type": "string"}}
        },
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
    })
}

/// The broker's public routes, when it is on.
pub fn public(settings: &Settings) -> Value {
    if !settings.auth.broker.enabled() {
        return json!({});
    }
    let callback = settings.auth.broker.callback_path.clone();
    let mut paths = discovery_paths();
    for (path, item) in [
        ("/register", register()),
        ("/authorize", authorize()),
        (callback.as_str(), callback_op()),
        (crate::oauth::CONSENT_PATH, consent()),
        ("/token", token()),
        ("/revoke", revoke()),
    ] {
        paths.insert(path.to_owned(), item);
    }
    json!({
        "tags": [{"name": TAG, "description": "The built-in OAuth broker (`[auth.broker]`): \
            this server as the authorization server MCP clients sign in with, delegating the \
            login to the company identity provider. Present only when it is on."}],
        "paths": paths,
        "components": {"schemas": super::broker_schemas::schemas()}
    })
}

fn discovery_paths() -> serde_json::Map<String, Value> {
    let mut paths = serde_json::Map::new();
    paths.insert(
        crate::oauth::METADATA_PATH.to_owned(),
        json!({"get": {
            "tags": [TAG], "operationId": "authorizationServerMetadata",
            "summary": "Authorization-server metadata (RFC 8414)",
            "description": "The issuer is the origin of `auth.resource`; the protected-resource \
                metadata lists it as the authorization server.",
            "responses": {"200": json_ok("The metadata.", "AuthorizationServerMetadata",
                "`public, max-age=3600`.")}
        }}),
    );
    paths.insert(
        crate::oauth::JWKS_PATH.to_owned(),
        json!({"get": {
            "tags": [TAG], "operationId": "jwks",
            "summary": "The public key the access tokens are signed with (JWKS)",
            "responses": {"200": json_ok("One ES256 key.", "Jwks", "`public, max-age=3600`.")}
        }}),
    );
    paths
}

fn register() -> Value {
    json!({"post": {
        "tags": [TAG], "operationId": "registerClient",
        "summary": "Dynamic client registration (RFC 7591)",
        "description": "Public clients (`token_endpoint_auth_method: none`) get no secret; \
            confidential ones get a `client_secret`, shown once. Redirect URIs: https, http on a \
            loopback host, or a scheme of `auth.broker.redirect_schemes`. Rate-limited per \
            client IP (`auth.broker.registrations_per_hour`).",
        "requestBody": {"required": true, "content": {"application/json": {"schema":
            {"$ref": "#/components/schemas/ClientRegistration"}}}},
        "responses": {
            "201": {"description": "Registered.", "content": {"application/json": {"schema":
                {"$ref": "#/components/schemas/ClientInformation"}}}},
            "400": oauth_error("`invalid_redirect_uri` or `invalid_client_metadata`, with what is wrong."),
            "429": {
                "description": "Too many registrations from this address.",
                "headers": {"Retry-After": {"description": "Seconds.", "schema": {"type": "integer"}}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OAuthError"}}}
            },
            "500": oauth_error(SERVER_ERROR)
        }
    }})
}

fn authorize() -> Value {
    let params = [
        query("response_type", true, "`code`."),
        query(
            "client_id",
            true,
            "A registered client id, or the https URL of a Client ID Metadata Document.",
        ),
        query(
            "redirect_uri",
            false,
            "One the client registered (required when it registered several).",
        ),
        query(
            "code_challenge",
            true,
            "PKCE: base64url SHA-256 of the verifier (43 to 128 characters).",
        ),
        query("code_challenge_method", true, "`S256`."),
        query("resource", true, "`auth.resource` (RFC 8707)."),
        query("state", false, "Returned unchanged (at most 1024 bytes)."),
        query(
            "scope",
            false,
            "Ignored beyond validation: users get every scope they are entitled to.",
        ),
    ];
    json!({"get": {
        "tags": [TAG], "operationId": "authorize",
        "summary": "Start a sign-in (the browser is sent to the identity provider)",
        "parameters": params,
        "responses": {
            "302": redirect("To the identity provider's login; or, once the client and its \
                redirect URI are known good, back to the client with `error` (`invalid_request`, \
                `invalid_target`, `invalid_scope`, `unsupported_response_type`), `state` and `iss`."),
            "400": page("Unknown client, unregistered redirect URI, unusable metadata document, or a malformed request: a page, never a redirect."),
            "502": page("The identity provider is unreachable or answered nonsense."),
            "504": page("The identity provider did not answer within `auth.broker.upstream_timeout_secs`."),
            "500": page(OWN_FAILURE)
        }
    }})
}

fn callback_op() -> Value {
    let params = [
        query("state", true, "This server's id of the sign-in."),
        query("code", false, "The identity provider's code."),
        query("error", false, "The identity provider's refusal."),
        query("error_description", false, "Its explanation."),
    ];
    json!({"get": {
        "tags": [TAG], "operationId": "signInCallback",
        "summary": "The identity provider's redirect back (`auth.broker.callback_path`)",
        "description": "Registered as the redirect URI at the identity provider. Exchanges its \
            code, checks the ID token and the domain/group policy, then asks for consent.",
        "parameters": params,
        "responses": {
            "200": page("The consent page (this client, these scopes: allow or deny)."),
            "302": redirect("Back to the client: with a `code` when this user already granted this client the same scopes; with `error=access_denied` when the user is not allowed or refused at the provider."),
            "400": page("Unknown, replayed or expired sign-in, or another browser."),
            "502": page("The identity provider refused the code exchange, failed, or sent an invalid ID token."),
            "504": page("The identity provider did not answer in time."),
            "500": page(OWN_FAILURE)
        }
    }})
}

fn consent() -> Value {
    json!({"post": {
        "tags": [TAG], "operationId": "consent",
        "summary": "The consent page's answer",
        "requestBody": form_body("ConsentForm"),
        "responses": {
            "302": redirect("Back to the client with a `code` (allow) or `error=access_denied` (deny), `state` and `iss`."),
            "400": page("Unknown or already answered consent, another browser, or a malformed form."),
            "500": page(OWN_FAILURE)
        }
    }})
}

fn token() -> Value {
    json!({"post": {
        "tags": [TAG], "operationId": "token",
        "summary": "Tokens for a code (PKCE checked) or a refresh token (rotated)",
        "description": "Never calls the identity provider. A code or refresh token presented \
            again revokes its grant (a refresh token within `auth.broker.refresh_reuse_grace_secs` \
            of its rotation gets new tokens instead).",
        "requestBody": form_body("TokenRequest"),
        "responses": {
            "200": {"description": "An access token (ES256 JWT for `auth.resource`) and a new refresh token.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenResponse"}}}},
            "400": oauth_error("`invalid_request`, `invalid_grant`, `invalid_target`, `invalid_scope` or `unsupported_grant_type`."),
            "401": oauth_error("`invalid_client` (with `WWW-Authenticate: Basic`)."),
            "500": oauth_error(SERVER_ERROR)
        }
    }})
}

fn revoke() -> Value {
    json!({"post": {
        "tags": [TAG], "operationId": "revoke",
        "summary": "Revoke a refresh token and its grant (RFC 7009)",
        "description": "Unknown tokens and access tokens are answered 200 too (access tokens \
            expire on their own).",
        "requestBody": form_body("RevocationRequest"),
        "responses": {
            "200": {"description": "Done (or nothing to do)."},
            "400": oauth_error("`invalid_request`."),
            "401": oauth_error("`invalid_client`."),
            "500": oauth_error(SERVER_ERROR)
        }
    }})
}

/// The broker's grants API (under `/admin/oauth`) for the admin document.
pub fn admin() -> anyhow::Result<Value> {
    let mut api: Value = serde_json::from_str(&crate::oauth::admin::admin_spec())?;
    let meta = json!({"get": {
        "tags": ["Meta"], "operationId": "adminOauthOpenapiJson",
        "summary": "The OAuth grants API's own OpenAPI document (JSON)",
        "responses": {"200": {"description": "The document.",
            "content": {"application/json": {"schema": {"type": "object"}}}}}
    }});
    if let Some(paths) = api["paths"].as_object_mut() {
        paths.insert("/admin/oauth/openapi.json".into(), meta);
    }
    Ok(api)
}
