//! Authentication and authorization of the HTTP transports (MCP authorization spec
//! 2025-11-25: the server is an OAuth 2.1 resource server).
//!
//! [`Authenticator`] turns the `Authorization` header of every request into a [`Principal`]
//! (or a refusal whose `WWW-Authenticate` challenge it also writes). Sessions are never
//! credentials: each request is authenticated on its own. stdio is not authenticated.

mod api_keys;
mod jwks;
mod jwt;
mod principal;
mod scopes;
mod verified;

pub use api_keys::ApiKeys;
pub use jwks::{JwksCache, JwksError};
pub use jwt::{JwtError, JwtVerifier, VerifyKey};
pub use principal::{Principal, PrincipalKind, Scopes, credential_tag};
pub use scopes::{ToolScopes, classify};

use std::{net::IpAddr, sync::Arc};

use poem::http::HeaderMap;

use crate::config::{AuthMode, AuthSettings};

/// Path prefix of the RFC 9728 protected-resource metadata.
pub const METADATA_PREFIX: &str = "/.well-known/oauth-protected-resource";

/// Why a request was refused by the auth layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No credentials (RFC 6750 §3.1: no error code in the challenge).
    #[error("authentication required")]
    Missing,
    /// `access_token` in the query string (refused: tokens go only in the header).
    #[error("access tokens are accepted only in the Authorization header")]
    TokenInQuery,
    /// Credentials presented but not valid; the text is the `error_description`.
    #[error("{0}")]
    InvalidToken(&'static str),
    /// Valid credentials lacking the scopes every MCP request needs.
    #[error("insufficient scope: {0} required")]
    InsufficientScope(String),
}

impl AuthError {
    /// Stable reason for security events.
    pub fn reason(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing_credentials",
            AuthError::TokenInQuery => "token_in_query",
            AuthError::InvalidToken(d) => d,
            AuthError::InsufficientScope(_) => "insufficient_scope",
        }
    }

    /// Whether this is a 403 (scope) rather than a 401.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, AuthError::InsufficientScope(_))
    }
}

/// Decides who is calling; built once at start-up.
pub struct Authenticator {
    mode: AuthMode,
    jwt: Option<JwtVerifier>,
    api_keys: ApiKeys,
    required: Vec<String>,
    /// The `scope` of every challenge: what an OAuth client should ask its authorization
    /// server for.
    challenge_scopes: Vec<String>,
    resource_metadata: Option<String>,
}

impl Authenticator {
    /// Build from validated settings (reads PEM keys; a bad one fails start-up).
    pub fn new(auth: &AuthSettings, jwks: Option<Arc<JwksCache>>) -> anyhow::Result<Self> {
        let jwt = match auth.mode.jwt() {
            true => Some(JwtVerifier::new(auth, jwks)?),
            false => None,
        };
        let api_keys = match auth.mode.api_key() {
            true => ApiKeys::new(&auth.api_keys),
            false => ApiKeys::default(),
        };
        Ok(Self {
            mode: auth.mode,
            jwt,
            api_keys,
            required: auth.scopes.required.clone(),
            challenge_scopes: auth.scopes.challenge_scopes().to_vec(),
            // Only with JWTs is there a metadata document (and an authorization server) to
            // point at; an API-key server sending clients to a 404 starts them on an OAuth
            // discovery that can only fail.
            resource_metadata: match auth.mode.jwt() {
                true => auth.resource.as_deref().and_then(metadata_url),
                false => None,
            },
        })
    }

    /// Also accept JWTs signed by `key` (the broker's own key) with the configured issuer
    /// and audience.
    pub fn with_own_key(mut self, key: VerifyKey) -> Self {
        if let Some(jwt) = &mut self.jwt {
            jwt.trust(key);
        }
        self
    }

    /// The configured mode.
    pub fn mode(&self) -> AuthMode {
        self.mode
    }

    /// Authenticate one request from its headers and query string.
    pub async fn authenticate(
        &self,
        headers: &HeaderMap,
        query: Option<&str>,
        client_ip: Option<IpAddr>,
    ) -> Result<Principal, AuthError> {
        if self.mode == AuthMode::None {
            return Ok(Principal::anonymous(client_ip));
        }
        if query.is_some_and(has_query_token) {
            return Err(AuthError::TokenInQuery);
        }
        let token = bearer_token(headers)?;
        let principal = match (self.mode, looks_like_jwt(token)) {
            (AuthMode::Jwt, _) | (AuthMode::Both, true) => self.verify_jwt(token).await?,
            (AuthMode::ApiKey, _) | (AuthMode::Both, false) => self
                .api_keys
                .verify(token)
                .ok_or(AuthError::InvalidToken("unknown API key"))?,
            (AuthMode::None, _) => Principal::anonymous(client_ip),
        };
        if let Some(missing) = self.required.iter().find(|s| !principal.has_scope(s)) {
            return Err(AuthError::InsufficientScope(missing.clone()));
        }
        Ok(principal)
    }

    async fn verify_jwt(&self, token: &str) -> Result<Principal, AuthError> {
        let Some(jwt) = &self.jwt else {
            return Err(AuthError::InvalidToken("malformed token"));
        };
        jwt.verify(token).await.map_err(|e| {
            AuthError::InvalidToken(match e {
                JwtError::Malformed => "malformed token",
                JwtError::TooLarge => "token too large",
                JwtError::AlgorithmNotAllowed => "algorithm not allowed",
                JwtError::UnknownKey => "unknown signing key",
                JwtError::BadSignature => "invalid signature",
                JwtError::Expired => "token expired",
                JwtError::NotYetValid => "token not yet valid",
                JwtError::WrongAudience => "token audience is not this server",
                JwtError::WrongIssuer => "token issuer not accepted",
                JwtError::BadClaim => "missing or malformed claim",
                JwtError::CriticalHeader => "unsupported critical header",
            })
        })
    }

    /// The `WWW-Authenticate` value for a refusal (RFC 6750 §3, MCP authorization spec).
    pub fn challenge(&self, err: &AuthError) -> String {
        let mut parts: Vec<String> = Vec::new();
        match err {
            AuthError::Missing => {}
            AuthError::TokenInQuery => {
                parts.push(r#"error="invalid_request""#.into());
                parts.push(format!(r#"error_description="{err}""#));
            }
            AuthError::InvalidToken(d) => {
                parts.push(r#"error="invalid_token""#.into());
                parts.push(format!(r#"error_description="{d}""#));
            }
            AuthError::InsufficientScope(_) => {
                parts.push(r#"error="insufficient_scope""#.into());
            }
        }
        if let Some(url) = &self.resource_metadata {
            parts.push(format!(r#"resource_metadata="{url}""#));
        } else {
            parts.push(r#"realm="opik-mcp""#.into());
        }
        if !self.challenge_scopes.is_empty() {
            parts.push(format!(r#"scope="{}""#, self.challenge_scopes.join(" ")));
        }
        if let AuthError::InsufficientScope(s) = err {
            parts.push(format!(r#"error_description="the {s} scope is required""#));
        }
        format!("Bearer {}", parts.join(", "))
    }
}

/// The RFC 9728 metadata URL of a resource: the well-known prefix inserted between the
/// origin and the path (`https://h/mcp` → `https://h/.well-known/oauth-protected-resource/mcp`).
pub fn metadata_url(resource: &str) -> Option<String> {
    let url = url::Url::parse(resource).ok()?;
    let origin = url.origin().ascii_serialization();
    Some(format!("{origin}{}", metadata_path(resource)?))
}

/// The path part of [`metadata_url`].
pub fn metadata_path(resource: &str) -> Option<String> {
    let url = url::Url::parse(resource).ok()?;
    let path = url.path().trim_end_matches('/');
    Some(format!("{METADATA_PREFIX}{path}"))
}

/// The bearer token of the one `Authorization` header.
/// Whether `token` is all RFC 6750 §2.1 b64token characters. Every request's token is
/// checked and a JWT is hundreds of bytes: without an early exit, and with comparisons only,
/// the compiler checks many bytes per instruction (a list of seven per byte cost ≈ 8
/// instructions a byte).
fn is_b64token(token: &[u8]) -> bool {
    token.iter().fold(true, |ok, &b| {
        let letter = (b | 0x20).wrapping_sub(b'a') < 26;
        let digit = b.wrapping_sub(b'0') < 10;
        let mark = (b == b'-') | (b == b'.') | (b == b'_') | (b == b'~');
        let b64 = (b == b'+') | (b == b'/') | (b == b'=');
        ok & (letter | digit | mark | b64)
    })
}

fn bearer_token(headers: &HeaderMap) -> Result<&str, AuthError> {
    let mut values = headers.get_all(poem::http::header::AUTHORIZATION).iter();
    let value = values.next().ok_or(AuthError::Missing)?;
    if values.next().is_some() {
        return Err(AuthError::InvalidToken(
            "more than one Authorization header",
        ));
    }
    let value = value
        .to_str()
        .map_err(|_| AuthError::InvalidToken("malformed Authorization header"))?;
    let (scheme, token) = value.split_once(' ').ok_or(AuthError::Missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        // Another scheme (Basic…) is not a bearer credential: ask for one.
        return Err(AuthError::Missing);
    }
    let token = token.trim();
    let ok = !token.is_empty() && is_b64token(token.as_bytes());
    if !ok {
        return Err(AuthError::InvalidToken("malformed Authorization header"));
    }
    Ok(token)
}

fn looks_like_jwt(token: &str) -> bool {
    token.bytes().filter(|&b| b == b'.').count() == 2
}

/// RFC 6750 §2.3 `access_token` in the query string.
fn has_query_token(query: &str) -> bool {
    url::form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k == "access_token")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_url_inserts_the_well_known_prefix() {
        assert_eq!(
            metadata_url("https://mcp.example.com/mcp").as_deref(),
            Some("https://mcp.example.com/.well-known/oauth-protected-resource/mcp")
        );
        assert_eq!(
            metadata_url("https://mcp.example.com:8443/").as_deref(),
            Some("https://mcp.example.com:8443/.well-known/oauth-protected-resource")
        );
    }

    #[test]
    fn bearer_token_rules() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer_token(&h), Err(AuthError::Missing));
        h.insert("authorization", "Basic abc".parse().expect("hv"));
        assert_eq!(bearer_token(&h), Err(AuthError::Missing));
        h.insert("authorization", "bearer a.b.c".parse().expect("hv"));
        assert_eq!(bearer_token(&h), Ok("a.b.c"));
        h.insert("authorization", "Bearer a b".parse().expect("hv"));
        assert!(matches!(bearer_token(&h), Err(AuthError::InvalidToken(_))));
        h.append("authorization", "Bearer x".parse().expect("hv"));
        assert!(matches!(bearer_token(&h), Err(AuthError::InvalidToken(_))));
        // Every b64token character, and nothing else.
        let all = "AZaz09-._~+/=";
        h.insert(
            "authorization",
            format!("Bearer {all}").parse().expect("hv"),
        );
        assert_eq!(bearer_token(&h), Ok(all));
        for bad in ["a,b", "a\"b", "a%b", "a:b", "a@b", "a!b", "a;b", "a*b"] {
            h.insert(
                "authorization",
                format!("Bearer {bad}").parse().expect("hv"),
            );
            assert!(
                matches!(bearer_token(&h), Err(AuthError::InvalidToken(_))),
                "{bad:?} accepted"
            );
        }
        let valid = (0..=255u8)
            .filter(|&b| is_b64token(&[b]))
            .map(char::from)
            .collect::<String>();
        assert_eq!(
            valid,
            "+-./0123456789=ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~"
        );
        // Long tokens are checked many bytes at a time: a bad byte anywhere is still found.
        let long = vec![b'a'; 801];
        assert!(is_b64token(&long));
        for pos in [0, 1, 15, 16, 31, 32, 63, 64, 400, 799, 800] {
            let mut bad = long.clone();
            bad[pos] = b'!';
            assert!(!is_b64token(&bad), "bad byte at {pos}");
            bad[pos] = 0xC3;
            assert!(!is_b64token(&bad), "non-ASCII byte at {pos}");
        }
    }

    #[test]
    fn query_tokens_are_detected() {
        assert!(has_query_token("sessionId=1&access_token=x"));
        assert!(!has_query_token("sessionId=1"));
    }
}
