//! `[auth]`: who may call the MCP endpoints (JWT bearer tokens, static API keys, or nobody
//! checked on loopback), and which scopes each tool needs.

use std::{collections::BTreeMap, path::PathBuf};

use secrecy::SecretString;
use serde::Deserialize;

use super::BrokerSettings;

/// Which credentials are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// No authentication: only on a loopback bind, unless `auth.allow_unauthenticated`.
    #[default]
    None,
    /// JWT bearer tokens (OAuth 2.1 resource server, MCP authorization spec).
    Jwt,
    /// Static API keys as bearer tokens.
    ApiKey,
    /// Either: a token shaped like a JWT is checked as one, anything else as an API key.
    Both,
}

impl AuthMode {
    /// Whether JWTs are accepted.
    pub fn jwt(self) -> bool {
        matches!(self, AuthMode::Jwt | AuthMode::Both)
    }

    /// Whether API keys are accepted.
    pub fn api_key(self) -> bool {
        matches!(self, AuthMode::ApiKey | AuthMode::Both)
    }
}

/// Authentication and authorization of the HTTP transports (stdio is not authenticated).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// `none`, `jwt`, `api-key` or `both`. Flag `--auth-mode`, env `OPIK_MCP_AUTH__MODE`.
    /// Default `none`.
    pub mode: AuthMode,
    /// Allow `auth.mode = none` on a non-loopback bind. Flag `--allow-unauthenticated`, env
    /// `OPIK_MCP_AUTH__ALLOW_UNAUTHENTICATED`. Default false.
    pub allow_unauthenticated: bool,
    /// Canonical URL of the MCP endpoint, e.g. `https://mcp.example.com/mcp`: the RFC 8707
    /// resource JWTs must name in `aud`, and the base of the protected-resource metadata URL.
    /// Required with JWTs. Flag `--resource-url`, env `OPIK_MCP_AUTH__RESOURCE`. Default none.
    pub resource: Option<String>,
    /// OAuth authorization servers listed in the protected-resource metadata (RFC 9728).
    /// Env `OPIK_MCP_AUTH__AUTHORIZATION_SERVERS`. Default: `[auth.jwt.issuer]`.
    pub authorization_servers: Vec<String>,
    /// JWT validation.
    pub jwt: JwtSettings,
    /// Static API keys (`[[auth.api_keys]]`).
    pub api_keys: Vec<ApiKeySettings>,
    /// Scope requirements.
    pub scopes: ScopeSettings,
    /// The OAuth broker (`[auth.broker]`): this server as the authorization server MCP
    /// clients see, delegating login to an upstream OIDC provider.
    pub broker: BrokerSettings,
}

/// A PEM public key for JWT signatures.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PemKeySettings {
    /// PEM file (SPKI public key: RSA, EC P-256/P-384 or Ed25519).
    pub path: PathBuf,
    /// Key id matched against the token's `kid`; a token without `kid` tries every key of
    /// its algorithm family. Default none.
    #[serde(default)]
    pub kid: Option<String>,
}

/// JWT validation settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JwtSettings {
    /// Required `iss`. Flag `--jwt-issuer`, env `OPIK_MCP_AUTH__JWT__ISSUER`. Required with
    /// JWTs.
    pub issuer: Option<String>,
    /// Audiences accepted besides `auth.resource`. Env `OPIK_MCP_AUTH__JWT__AUDIENCES`.
    /// Default empty.
    pub audiences: Vec<String>,
    /// Accepted `alg` values (HS256/384/512, RS256/384/512, PS256/384/512, ES256, ES384,
    /// `EdDSA`). Default: every algorithm of the configured keys' families.
    pub algorithms: Vec<String>,
    /// Clock-skew allowance for `exp` and `nbf`, seconds. Env
    /// `OPIK_MCP_AUTH__JWT__LEEWAY_SECS`. Default 60.
    pub leeway_secs: u64,
    /// Shared secret for HS256/384/512 (at least 32 bytes). Env
    /// `OPIK_MCP_AUTH__JWT__HS_SECRET`. Default none.
    pub hs_secret: Option<SecretString>,
    /// PEM public keys (`[[auth.jwt.public_keys]]` with `path` and optional `kid`).
    pub public_keys: Vec<PemKeySettings>,
    /// JWKS URL of the issuer (https; http only for a loopback host). Flag `--jwks-url`, env
    /// `OPIK_MCP_AUTH__JWT__JWKS_URL`. Default none.
    pub jwks_url: Option<String>,
    /// Seconds between background JWKS refreshes. Env
    /// `OPIK_MCP_AUTH__JWT__JWKS_REFRESH_SECS`. Default 300.
    pub jwks_refresh_secs: u64,
    /// Least seconds between two JWKS fetches triggered by an unknown `kid`. Env
    /// `OPIK_MCP_AUTH__JWT__JWKS_MIN_REFETCH_SECS`. Default 30.
    pub jwks_min_refetch_secs: u64,
    /// JWKS request timeout, seconds. Env `OPIK_MCP_AUTH__JWT__JWKS_TIMEOUT_SECS`. Default 5.
    pub jwks_timeout_secs: u64,
    /// Claim holding the granted scopes (a space-separated string or an array); `scp` is
    /// also read when this is absent. Env `OPIK_MCP_AUTH__JWT__SCOPE_CLAIM`. Default `scope`.
    pub scope_claim: String,
    /// Longest accepted token, bytes. Env `OPIK_MCP_AUTH__JWT__MAX_TOKEN_BYTES`. Default 8192.
    pub max_token_bytes: usize,
}

impl Default for JwtSettings {
    fn default() -> Self {
        Self {
            issuer: None,
            audiences: Vec::new(),
            algorithms: Vec::new(),
            leeway_secs: 60,
            hs_secret: None,
            public_keys: Vec::new(),
            jwks_url: None,
            jwks_refresh_secs: 300,
            jwks_min_refetch_secs: 30,
            jwks_timeout_secs: 5,
            scope_claim: "scope".into(),
            max_token_bytes: 8192,
        }
    }
}

/// One static API key. Only its SHA-256 is configured; the key itself is a bearer token
/// (`Authorization: Bearer <key>`) of at least 32 random characters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeySettings {
    /// Name of the key's holder: the principal for logs, sessions and rate limits.
    pub name: String,
    /// Lowercase hex SHA-256 of the key (`printf %s "$KEY" | sha256sum`).
    pub sha256: String,
    /// Scopes granted, e.g. `["opik:read"]`.
    pub scopes: Vec<String>,
}

/// Scope names and requirements.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScopeSettings {
    /// Scope of read-only tools (`readOnlyHint`). Default `opik:read`.
    pub read: String,
    /// Scope of tools that change data without destroying it (`destructiveHint: false`).
    /// Default `opik:write`.
    pub write: String,
    /// Scope of destructive tools (`destructiveHint` true or absent on a tool that is not
    /// read-only, as the MCP spec defaults it). Default `opik:admin`.
    pub admin: String,
    /// Scopes every request to the MCP endpoints needs; a token without them gets 403
    /// `insufficient_scope`. The `scope` of the challenge unless `challenge` is set.
    /// Default `["opik:read"]`.
    pub required: Vec<String>,
    /// Scopes the `401`/`403` challenge names (`WWW-Authenticate: Bearer scope="…"`): OAuth
    /// clients ask their authorization server for exactly these, so list every scope a
    /// signed-in user should get (e.g. `["opik:read", "opik:write"]`); must include
    /// `required`. Env `OPIK_MCP_AUTH__SCOPES__CHALLENGE`. Default empty: `required`.
    pub challenge: Vec<String>,
    /// Per-tool overrides, by tool name: `tools."get-opik-help" = "opik:write"`. Default
    /// empty.
    pub tools: BTreeMap<String, String>,
}

impl Default for ScopeSettings {
    fn default() -> Self {
        Self {
            read: "opik:read".into(),
            write: "opik:write".into(),
            admin: "opik:admin".into(),
            required: vec!["opik:read".into()],
            challenge: Vec::new(),
            tools: BTreeMap::new(),
        }
    }
}

impl ScopeSettings {
    /// The scopes the challenge names: `challenge`, or `required` when that is empty.
    pub fn challenge_scopes(&self) -> &[String] {
        match self.challenge.is_empty() {
            true => &self.required,
            false => &self.challenge,
        }
    }
}

#[path = "auth_validate.rs"]
mod validate;
pub(super) use validate::check_url;
