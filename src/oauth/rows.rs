//! The rows of the broker's tables (see the migration for what each column means).

/// A registered client (RFC 7591).
#[derive(Debug, Clone)]
pub struct ClientRow {
    /// Opaque id we issued.
    pub client_id: String,
    /// SHA-256 (hex) of its secret, for confidential clients.
    pub secret_hash: Option<String>,
    /// Display name, as registered.
    pub client_name: Option<String>,
    /// Registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// `none`, `client_secret_post` or `client_secret_basic`.
    pub auth_method: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// A sign-in in progress.
#[derive(Debug, Clone)]
pub struct RequestRow {
    /// SHA-256 of the id carried by the upstream `state` (phase `upstream`) or the consent
    /// form (phase `consent`).
    pub id_hash: String,
    /// `upstream` or `consent`.
    pub phase: String,
    /// The MCP client.
    pub client_id: String,
    /// Where the code goes.
    pub redirect_uri: String,
    /// The client's PKCE S256 challenge.
    pub code_challenge: String,
    /// The client's `state`, returned with the code.
    pub client_state: Option<String>,
    /// Scopes to grant, space-separated.
    pub scopes: String,
    /// SHA-256 of the browser-binding cookie set by `/authorize`.
    pub browser_hash: String,
    /// Our PKCE verifier towards the upstream provider.
    pub upstream_verifier: String,
    /// The OIDC `nonce` sent upstream.
    pub nonce: String,
    /// The signed-in user (phase `consent`).
    pub subject: Option<String>,
    /// Their email (phase `consent`).
    pub email: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
}

/// One user's authorization of one client.
#[derive(Debug, Clone)]
pub struct GrantRow {
    /// Opaque id (UUIDv7).
    pub id: String,
    /// The client.
    pub client_id: String,
    /// The client's name when granted.
    pub client_name: Option<String>,
    /// The user (upstream `sub`).
    pub subject: String,
    /// The user's email, when the provider gave one.
    pub email: Option<String>,
    /// Granted scopes, space-separated.
    pub scopes: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub last_used_at: i64,
    /// Unix seconds: when its newest refresh token expires.
    pub expires_at: i64,
    /// Unix seconds, once revoked.
    pub revoked_at: Option<i64>,
    /// Why it was revoked.
    pub revoked_reason: Option<String>,
}

/// An authorization code.
#[derive(Debug, Clone)]
pub struct CodeRow {
    /// SHA-256 of the code.
    pub code_hash: String,
    /// The grant it starts.
    pub grant_id: String,
    /// The client it was issued to.
    pub client_id: String,
    /// The redirect URI it was sent to (the token request must repeat it).
    pub redirect_uri: String,
    /// The client's PKCE S256 challenge.
    pub code_challenge: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// A filter over grants.
#[derive(Debug, Clone, Default)]
pub struct GrantsQuery {
    /// One grant by id.
    pub id: Option<String>,
    /// Exact subject.
    pub subject: Option<String>,
    /// Exact client id.
    pub client_id: Option<String>,
    /// Only grants neither revoked nor expired (as of `now`).
    pub active_only: bool,
    /// Unix seconds.
    pub now: i64,
    /// Most rows returned.
    pub limit: u32,
}
