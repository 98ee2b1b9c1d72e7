//! Schemas of the OAuth broker's requests and answers (see `broker.rs`).

use serde_json::{Value, json};

fn string(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

fn strings(description: &str) -> Value {
    json!({"type": "array", "items": {"type": "string"}, "description": description})
}

fn object(title: &str, description: &str, required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "title": title, "description": description,
           "required": required, "properties": properties})
}

/// Every schema the broker's operations refer to.
pub fn schemas() -> Value {
    json!({
        "OAuthError": object("OAuthError", "An OAuth error (RFC 6749 §5.2, RFC 7591 §3.2.2).",
            &["error", "error_description"], json!({
                "error": {"type": "string", "example": "invalid_grant"},
                "error_description": string("What is wrong, for people; never a secret.")
            })),
        "AuthorizationServerMetadata": metadata(),
        "Jwks": object("Jwks", "JSON Web Key Set (RFC 7517).", &["keys"], json!({
            "keys": {"type": "array", "items": {"type": "object"},
                     "description": "EC P-256 public keys (`kty`, `crv`, `x`, `y`, `kid`, `alg`: ES256, `use`: sig)."}
        })),
        "ClientRegistration": object("ClientRegistration", "RFC 7591 client metadata.",
            &["redirect_uris"], json!({
                "redirect_uris": strings("1 to 10 URIs: https, http on a loopback host, or a listed private-use scheme."),
                "token_endpoint_auth_method": {"type": "string",
                    "enum": ["none", "client_secret_basic", "client_secret_post"],
                    "description": "Default `client_secret_basic` (RFC 7591); MCP clients send `none`."},
                "grant_types": strings("`authorization_code`, `refresh_token`."),
                "response_types": strings("`code`."),
                "client_name": string("Shown on the consent page (at most 200 characters)."),
                "scope": string("Scopes the client may ask for (validated, then ignored).")
            })),
        "ClientInformation": object("ClientInformation", "The registered client (RFC 7591 §3.2.1).",
            &["client_id", "client_id_issued_at", "redirect_uris", "token_endpoint_auth_method",
              "grant_types", "response_types"], json!({
                "client_id": string("Its id."),
                "client_id_issued_at": {"type": "integer", "description": "Unix seconds."},
                "redirect_uris": strings("As registered."),
                "token_endpoint_auth_method": string("As registered."),
                "grant_types": strings("Always `authorization_code`, `refresh_token`."),
                "response_types": strings("Always `code`."),
                "client_name": string("As registered."),
                "client_secret": string("Confidential clients only; shown once, stored hashed."),
                "client_secret_expires_at": {"type": "integer", "description": "0: never."}
            })),
        "TokenRequest": object("TokenRequest", "A token request (RFC 6749 §4.1.3, §6).",
            &["grant_type"], json!({
                "grant_type": {"type": "string", "enum": ["authorization_code", "refresh_token"]},
                "code": string("authorization_code: the code."),
                "code_verifier": string("authorization_code: the PKCE verifier."),
                "redirect_uri": string("authorization_code: as in the authorization request."),
                "refresh_token": string("refresh_token: the refresh token."),
                "client_id": string("The client (or HTTP Basic credentials)."),
                "client_secret": string("Confidential clients using client_secret_post."),
                "resource": string("If given, `auth.resource`."),
                "scope": string("refresh_token: at most the granted scopes.")
            })),
        "TokenResponse": object("TokenResponse", "Tokens (RFC 6749 §5.1).",
            &["access_token", "token_type", "expires_in", "refresh_token", "scope"], json!({
                "access_token": string("An ES256 JWT (`typ: at+jwt`) for `auth.resource`."),
                "token_type": {"type": "string", "example": "Bearer"},
                "expires_in": {"type": "integer", "description": "Seconds (`auth.broker.access_token_ttl_secs`)."},
                "refresh_token": string("Opaque; a new one each time."),
                "scope": string("The granted scopes, space-separated.")
            })),
        "RevocationRequest": object("RevocationRequest", "RFC 7009 §2.1.", &["token"], json!({
            "token": string("A refresh token (its grant is revoked) or an access token."),
            "token_type_hint": string("Ignored."),
            "client_id": string("The client (or HTTP Basic credentials)."),
            "client_secret": string("Confidential clients using client_secret_post.")
        })),
        "ConsentForm": object("ConsentForm", "The consent page's form.", &["consent_id", "decision"], json!({
            "consent_id": string("The page's one-time id."),
            "decision": {"type": "string", "enum": ["allow", "deny"]}
        }))
    })
}

fn metadata() -> Value {
    let url = |d: &str| json!({"type": "string", "format": "uri", "description": d});
    object(
        "AuthorizationServerMetadata",
        "RFC 8414 §2 metadata of the broker.",
        &[
            "issuer",
            "authorization_endpoint",
            "token_endpoint",
            "registration_endpoint",
            "revocation_endpoint",
            "jwks_uri",
            "scopes_supported",
            "response_types_supported",
            "grant_types_supported",
            "code_challenge_methods_supported",
        ],
        json!({
            "issuer": url("The origin of `auth.resource`."),
            "authorization_endpoint": url("`/authorize`."),
            "token_endpoint": url("`/token`."),
            "registration_endpoint": url("`/register`."),
            "revocation_endpoint": url("`/revoke`."),
            "jwks_uri": url("`/.well-known/jwks.json`."),
            "scopes_supported": strings("This server's scopes."),
            "response_types_supported": strings("`code`."),
            "response_modes_supported": strings("`query`."),
            "grant_types_supported": strings("`authorization_code`, `refresh_token`."),
            "token_endpoint_auth_methods_supported": strings("`none`, `client_secret_basic`, `client_secret_post`."),
            "revocation_endpoint_auth_methods_supported": strings("As for the token endpoint."),
            "code_challenge_methods_supported": strings("`S256`."),
            "client_id_metadata_document_supported": {"type": "boolean",
                "description": "`auth.broker.client_metadata_documents`."},
            "authorization_response_iss_parameter_supported": {"type": "boolean", "description": "Always true (RFC 9207)."},
            "resource_indicators_supported": {"type": "boolean", "description": "Always true (RFC 8707)."}
        }),
    )
}
