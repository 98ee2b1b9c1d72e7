//! The authorization-server metadata (RFC 8414) and the JWKS of our signing key: public,
//! cacheable, readable from any origin.

use poem::{Endpoint, Request, Response, endpoint::make_sync, http::StatusCode};
use serde_json::{Value, json};

use super::{Broker, JWKS_PATH, web};

impl Broker {
    /// The RFC 8414 document.
    pub fn metadata(&self) -> Value {
        json!({
            "issuer": self.issuer,
            "authorization_endpoint": self.url("/authorize"),
            "token_endpoint": self.url("/token"),
            "registration_endpoint": self.url("/register"),
            "revocation_endpoint": self.url("/revoke"),
            "jwks_uri": self.url(JWKS_PATH),
            "scopes_supported": self.supported,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported":
                ["none", "client_secret_basic", "client_secret_post"],
            "revocation_endpoint_auth_methods_supported":
                ["none", "client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "client_id_metadata_document_supported": self.cimd.enabled(),
            "authorization_response_iss_parameter_supported": true,
            "resource_indicators_supported": true,
        })
    }
}

fn json_response(body: &Value) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .content_type("application/json")
        .header("cache-control", "public, max-age=3600")
        .body(body.to_string())
}

/// `GET /.well-known/oauth-authorization-server`.
pub fn metadata_endpoint() -> impl Endpoint<Output = Response> {
    web::cors(poem::get(make_sync(|req: Request| {
        json_response(&web::broker(&req).metadata())
    })))
}

/// `GET /.well-known/jwks.json`.
pub fn jwks_endpoint() -> impl Endpoint<Output = Response> {
    web::cors(poem::get(make_sync(|req: Request| {
        json_response(&web::broker(&req).key.jwks())
    })))
}
