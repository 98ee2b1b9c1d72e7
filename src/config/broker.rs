//! `[auth.broker]`: the OAuth broker. With an upstream OIDC provider configured,
//! this server is the OAuth 2.1 authorization server MCP clients see (metadata, client
//! registration, `/authorize`, `/token`, revocation, its own signing key), and it delegates
//! the user's login to the upstream provider as one confidential client (src/oauth/).

use std::{collections::BTreeMap, path::PathBuf};

use secrecy::SecretString;
use serde::Deserialize;

use super::{AuthSettings, ConfigError, auth::check_url};

/// Settings of the OAuth broker; off unless `upstream_issuer` is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrokerSettings {
    /// Issuer URL of the upstream OIDC provider (its discovery document is read
    /// from `<issuer>/.well-known/openid-configuration`). Setting it turns the broker on. Env
    /// `OPIK_MCP_AUTH__BROKER__UPSTREAM_ISSUER`. Default none.
    pub upstream_issuer: Option<String>,
    /// Client id of this server at the upstream provider. Env
    /// `OPIK_MCP_AUTH__BROKER__CLIENT_ID`. Required with the broker.
    pub client_id: Option<String>,
    /// Client secret of this server at the upstream provider; never logged. Env
    /// `OPIK_MCP_AUTH__BROKER__CLIENT_SECRET`. Required with the broker.
    pub client_secret: Option<SecretString>,
    /// Scopes asked of the upstream provider. Env `OPIK_MCP_AUTH__BROKER__UPSTREAM_SCOPES`.
    /// Default `["openid", "email", "profile"]`.
    pub upstream_scopes: Vec<String>,
    /// Timeout of each request to the upstream provider (discovery, keys, code exchange),
    /// seconds. Env `OPIK_MCP_AUTH__BROKER__UPSTREAM_TIMEOUT_SECS`. Default 10.
    pub upstream_timeout_secs: u64,
    /// Path of the callback the upstream provider redirects to, on the origin of
    /// `auth.resource`; register `<origin><path>` as the redirect URI at the provider. Env
    /// `OPIK_MCP_AUTH__BROKER__CALLBACK_PATH`. Default `/oauth/callback`.
    pub callback_path: String,
    /// PEM file of the token signing key (PKCS#8 EC P-256). Unset: a key is generated once
    /// and kept in the database, shared by every replica. Env
    /// `OPIK_MCP_AUTH__BROKER__SIGNING_KEY_PATH`. Default none.
    pub signing_key_path: Option<PathBuf>,
    /// Lifetime of the access tokens issued, seconds (5 to 86400; tokens are accepted for
    /// `auth.jwt.leeway_secs` longer). Env `OPIK_MCP_AUTH__BROKER__ACCESS_TOKEN_TTL_SECS`.
    /// Default 3600.
    pub access_token_ttl_secs: u64,
    /// Lifetime of a refresh token, seconds; each refresh issues a new one. Env
    /// `OPIK_MCP_AUTH__BROKER__REFRESH_TOKEN_TTL_SECS`. Default 2592000 (30 days).
    pub refresh_token_ttl_secs: u64,
    /// How long a refresh token that was just rotated may be presented again, seconds (0 to
    /// 60; 0: never). A client that refreshes from two requests at once (the TypeScript SDK
    /// does when both meet the expired token) presents the same token twice; within this
    /// window the second gets its own new tokens instead of revoking the grant as a reuse.
    /// Env `OPIK_MCP_AUTH__BROKER__REFRESH_REUSE_GRACE_SECS`. Default 30.
    pub refresh_reuse_grace_secs: u64,
    /// Lifetime of an authorization code, seconds (at most 60). Env
    /// `OPIK_MCP_AUTH__BROKER__CODE_TTL_SECS`. Default 60.
    pub code_ttl_secs: u64,
    /// Time a user has to sign in upstream and answer the consent page, seconds. Env
    /// `OPIK_MCP_AUTH__BROKER__LOGIN_TTL_SECS`. Default 600.
    pub login_ttl_secs: u64,
    /// Email domains allowed to sign in (`example.com`); empty allows any. Env
    /// `OPIK_MCP_AUTH__BROKER__ALLOWED_DOMAINS`. Default empty.
    pub allowed_domains: Vec<String>,
    /// Upstream groups allowed to sign in (one is enough); empty allows any. Env
    /// `OPIK_MCP_AUTH__BROKER__ALLOWED_GROUPS`. Default empty.
    pub allowed_groups: Vec<String>,
    /// ID-token claim holding the user's groups (an array of strings). Env
    /// `OPIK_MCP_AUTH__BROKER__GROUPS_CLAIM`. Default `groups`.
    pub groups_claim: String,
    /// Scopes every signed-in user gets. Env `OPIK_MCP_AUTH__BROKER__DEFAULT_SCOPES`. Default
    /// `["opik:read", "opik:write"]`.
    pub default_scopes: Vec<String>,
    /// More scopes by upstream group: `group_scopes."opik-admins" = ["opik:admin"]`. Env
    /// `OPIK_MCP_AUTH__BROKER__GROUP_SCOPES`. Default empty.
    pub group_scopes: BTreeMap<String, Vec<String>>,
    /// Client registrations accepted per client IP per hour. Env
    /// `OPIK_MCP_AUTH__BROKER__REGISTRATIONS_PER_HOUR`. Default 20.
    pub registrations_per_hour: u32,
    /// Private-use URI schemes accepted in redirect URIs besides https and loopback http
    /// (RFC 8252 §7.1), e.g. `["cursor"]`. Env `OPIK_MCP_AUTH__BROKER__REDIRECT_SCHEMES`.
    /// Default empty.
    pub redirect_schemes: Vec<String>,
    /// Accept client ids that are URLs of Client ID Metadata Documents (fetched and cached).
    /// Env `OPIK_MCP_AUTH__BROKER__CLIENT_METADATA_DOCUMENTS`. Default true.
    pub client_metadata_documents: bool,
    /// How long a fetched client metadata document is reused, seconds. Env
    /// `OPIK_MCP_AUTH__BROKER__CLIENT_METADATA_CACHE_SECS`. Default 300.
    pub client_metadata_cache_secs: u64,
}

impl Default for BrokerSettings {
    fn default() -> Self {
        Self {
            upstream_issuer: None,
            client_id: None,
            client_secret: None,
            upstream_scopes: vec!["openid".into(), "email".into(), "profile".into()],
            upstream_timeout_secs: 10,
            callback_path: "/oauth/callback".into(),
            signing_key_path: None,
            access_token_ttl_secs: 3600,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            refresh_reuse_grace_secs: 30,
            code_ttl_secs: 60,
            login_ttl_secs: 600,
            allowed_domains: Vec::new(),
            allowed_groups: Vec::new(),
            groups_claim: "groups".into(),
            default_scopes: vec!["opik:read".into(), "opik:write".into()],
            group_scopes: BTreeMap::new(),
            registrations_per_hour: 20,
            redirect_schemes: Vec::new(),
            client_metadata_documents: true,
            client_metadata_cache_secs: 300,
        }
    }
}

impl BrokerSettings {
    /// Whether the broker is on.
    pub fn enabled(&self) -> bool {
        self.upstream_issuer.is_some()
    }

    /// Checks of the broker's own keys (the cross-checks with `[auth]` are in
    /// `auth_validate.rs`). `known_scope` says whether a scope name is one of ours.
    pub(crate) fn validate(&self, known_scope: impl Fn(&str) -> bool) -> Result<(), ConfigError> {
        if self.client_id.as_deref().is_none_or(str::is_empty) {
            return Err(ConfigError::invalid(
                "auth.broker.client_id",
                "is required with auth.broker.upstream_issuer: the client id of this server \
                 at the upstream provider",
            ));
        }
        if self.client_secret.is_none() {
            return Err(ConfigError::invalid(
                "auth.broker.client_secret",
                "is required with auth.broker.upstream_issuer (env \
                 OPIK_MCP_AUTH__BROKER__CLIENT_SECRET)",
            ));
        }
        if !self.upstream_scopes.iter().any(|s| s == "openid") {
            return Err(ConfigError::invalid(
                "auth.broker.upstream_scopes",
                "must include openid (the broker reads the user from the ID token)",
            ));
        }
        let path_ok = self.callback_path.starts_with('/')
            && !self.callback_path.contains(['?', '#', ' '])
            && self.callback_path.len() <= 200;
        if !path_ok {
            return Err(ConfigError::invalid(
                "auth.broker.callback_path",
                "must be an absolute path without query or fragment",
            ));
        }
        self.validate_lifetimes()?;
        self.validate_scopes(known_scope)?;
        for scheme in &self.redirect_schemes {
            let ok = scheme.len() <= 64
                && scheme.starts_with(|c: char| c.is_ascii_lowercase())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c))
                && ![
                    "http",
                    "https",
                    "javascript",
                    "data",
                    "file",
                    "blob",
                    "about",
                ]
                .contains(&scheme.as_str());
            if !ok {
                return Err(ConfigError::invalid(
                    "auth.broker.redirect_schemes",
                    format!("{scheme:?} is not a private-use URI scheme (lowercase, e.g. cursor)"),
                ));
            }
        }
        Ok(())
    }

    fn validate_lifetimes(&self) -> Result<(), ConfigError> {
        let ranges: [(&'static str, u64, u64, u64); 7] = [
            (
                "auth.broker.upstream_timeout_secs",
                self.upstream_timeout_secs,
                1,
                120,
            ),
            (
                "auth.broker.access_token_ttl_secs",
                self.access_token_ttl_secs,
                // Seconds are allowed so that expiry and refresh can be tried out (and
                // tested with real clients) without waiting minutes; shorter is never less safe.
                5,
                86_400,
            ),
            (
                "auth.broker.refresh_token_ttl_secs",
                self.refresh_token_ttl_secs,
                300,
                365 * 86_400,
            ),
            (
                "auth.broker.refresh_reuse_grace_secs",
                self.refresh_reuse_grace_secs,
                0,
                60,
            ),
            ("auth.broker.code_ttl_secs", self.code_ttl_secs, 5, 60),
            ("auth.broker.login_ttl_secs", self.login_ttl_secs, 60, 3600),
            (
                "auth.broker.client_metadata_cache_secs",
                self.client_metadata_cache_secs,
                0,
                86_400,
            ),
        ];
        for (key, value, min, max) in ranges {
            if !(min..=max).contains(&value) {
                return Err(ConfigError::invalid(
                    key,
                    format!("must be between {min} and {max}"),
                ));
            }
        }
        if self.registrations_per_hour == 0 {
            return Err(ConfigError::invalid(
                "auth.broker.registrations_per_hour",
                "must be greater than 0",
            ));
        }
        Ok(())
    }

    fn validate_scopes(&self, known_scope: impl Fn(&str) -> bool) -> Result<(), ConfigError> {
        let granted = self
            .default_scopes
            .iter()
            .map(|s| ("auth.broker.default_scopes", s))
            .chain(
                self.group_scopes
                    .values()
                    .flatten()
                    .map(|s| ("auth.broker.group_scopes", s)),
            );
        for (key, scope) in granted {
            if !known_scope(scope) {
                return Err(ConfigError::invalid(
                    key,
                    format!("{scope:?} is not one of the scopes in [auth.scopes]"),
                ));
            }
        }
        if self.groups_claim.is_empty() {
            return Err(ConfigError::invalid(
                "auth.broker.groups_claim",
                "must not be empty",
            ));
        }
        for d in &self.allowed_domains {
            if d.is_empty() || d.starts_with('@') || d.contains(char::is_whitespace) {
                return Err(ConfigError::invalid(
                    "auth.broker.allowed_domains",
                    format!("{d:?} is not a domain (write example.com, without @)"),
                ));
            }
        }
        Ok(())
    }
}

impl AuthSettings {
    /// The broker signs and verifies its own tokens: it needs JWTs on and a resource, and no
    /// other token source (an upstream provider's tokens must never be accepted here).
    pub(super) fn validate_broker(&self) -> Result<(), ConfigError> {
        let b = &self.broker;
        if let Some(issuer) = &b.upstream_issuer {
            check_url("auth.broker.upstream_issuer", issuer)?;
        }
        if !self.mode.jwt() {
            return Err(ConfigError::invalid(
                "auth.mode",
                "must be jwt or both when auth.broker.upstream_issuer is set",
            ));
        }
        let s = &self.scopes;
        b.validate(|scope| {
            [&s.read, &s.write, &s.admin].contains(&&scope.to_owned())
                || s.required
                    .iter()
                    .chain(s.tools.values())
                    .any(|r| r == scope)
        })?;
        let own = self.broker_issuer();
        if self.jwt.issuer.is_some() && self.jwt.issuer != own {
            return Err(ConfigError::invalid(
                "auth.jwt.issuer",
                format!(
                    "must be unset with the broker (its issuer is {})",
                    own.unwrap_or_default()
                ),
            ));
        }
        let other_keys = [
            ("auth.jwt.hs_secret", self.jwt.hs_secret.is_some()),
            ("auth.jwt.public_keys", !self.jwt.public_keys.is_empty()),
            ("auth.jwt.jwks_url", self.jwt.jwks_url.is_some()),
        ];
        if let Some((key, _)) = other_keys.into_iter().find(|(_, set)| *set) {
            return Err(ConfigError::invalid(
                key,
                "must be unset with the broker: it accepts only the tokens it issues",
            ));
        }
        if !self.authorization_servers.is_empty()
            && self.authorization_servers() != own.iter().cloned().collect::<Vec<_>>()
        {
            return Err(ConfigError::invalid(
                "auth.authorization_servers",
                "must be empty with the broker (it lists itself)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "broker_tests.rs"]
mod tests;
