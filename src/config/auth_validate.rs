//! Start-up checks of `[auth]`; every error names its key.

use std::{collections::HashSet, str::FromStr};

use jsonwebtoken::Algorithm;
use secrecy::ExposeSecret;

use super::{AuthMode, AuthSettings};
use crate::config::ConfigError;

impl AuthSettings {
    /// The accepted JWT algorithms (explicit list, or every algorithm of the key families
    /// configured).
    pub fn jwt_algorithms(&self) -> Result<Vec<Algorithm>, ConfigError> {
        let j = &self.jwt;
        if !j.algorithms.is_empty() {
            return j
                .algorithms
                .iter()
                .map(|a| {
                    Algorithm::from_str(a).map_err(|_| {
                        ConfigError::invalid(
                            "auth.jwt.algorithms",
                            format!("unknown algorithm {a:?} (none is never accepted)"),
                        )
                    })
                })
                .collect();
        }
        let mut algs = Vec::new();
        if self.broker.enabled() {
            // The broker's own key (src/oauth/keys.rs) is P-256.
            algs.push(Algorithm::ES256);
        }
        if j.hs_secret.is_some() {
            algs.extend([Algorithm::HS256, Algorithm::HS384, Algorithm::HS512]);
        }
        if !j.public_keys.is_empty() || j.jwks_url.is_some() {
            algs.extend([
                Algorithm::RS256,
                Algorithm::RS384,
                Algorithm::RS512,
                Algorithm::PS256,
                Algorithm::PS384,
                Algorithm::PS512,
                Algorithm::ES256,
                Algorithm::ES384,
                Algorithm::EdDSA,
            ]);
        }
        Ok(algs)
    }

    /// The `authorization_servers` of the protected-resource metadata.
    pub fn authorization_servers(&self) -> Vec<String> {
        if self.authorization_servers.is_empty() {
            self.issuer().into_iter().collect()
        } else {
            self.authorization_servers.clone()
        }
    }

    /// The `iss` accepted in JWTs: `auth.jwt.issuer`, or with the broker its own issuer.
    pub fn issuer(&self) -> Option<String> {
        self.jwt.issuer.clone().or_else(|| self.broker_issuer())
    }

    /// The broker's issuer identifier: the origin of `auth.resource` (`https://h:port`),
    /// where its metadata and endpoints are served. `None` without the broker.
    pub fn broker_issuer(&self) -> Option<String> {
        if !self.broker.enabled() {
            return None;
        }
        let url = url::Url::parse(self.resource.as_deref()?).ok()?;
        Some(url.origin().ascii_serialization())
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        self.validate_scopes()?;
        if self.mode.jwt() {
            self.validate_jwt()?;
        }
        if self.mode.api_key() {
            self.validate_api_keys()?;
        }
        if let Some(r) = &self.resource {
            check_url("auth.resource", r)?;
        }
        for s in &self.authorization_servers {
            check_url("auth.authorization_servers", s)?;
        }
        if self.broker.enabled() {
            self.validate_broker()?;
        }
        Ok(())
    }

    fn validate_jwt(&self) -> Result<(), ConfigError> {
        let j = &self.jwt;
        let mode = match self.mode {
            AuthMode::Both => "both",
            _ => "jwt",
        };
        if self.resource.is_none() {
            return Err(ConfigError::invalid(
                "auth.resource",
                format!(
                    "is required when auth.mode={mode}: the canonical URL of the MCP endpoint \
                     (e.g. https://mcp.example.com/mcp), which tokens must carry as `aud`"
                ),
            ));
        }
        if self.broker.enabled() {
            // Issuer and key are the broker's own (validate_broker).
            return self.validate_jwt_limits();
        }
        if j.issuer.as_deref().is_none_or(str::is_empty) {
            return Err(ConfigError::invalid(
                "auth.jwt.issuer",
                format!("is required when auth.mode={mode}"),
            ));
        }
        if j.hs_secret.is_none() && j.public_keys.is_empty() && j.jwks_url.is_none() {
            return Err(ConfigError::invalid(
                "auth.jwt",
                format!(
                    "auth.mode={mode} needs a key: set auth.jwt.hs_secret, \
                     auth.jwt.public_keys or auth.jwt.jwks_url"
                ),
            ));
        }
        if let Some(secret) = &j.hs_secret
            && secret.expose_secret().len() < 32
        {
            return Err(ConfigError::invalid(
                "auth.jwt.hs_secret",
                "must be at least 32 bytes",
            ));
        }
        let algs = self.jwt_algorithms()?;
        let has_hmac = algs
            .iter()
            .any(|a| a.family() == jsonwebtoken::AlgorithmFamily::Hmac);
        if has_hmac && j.hs_secret.is_none() {
            return Err(ConfigError::invalid(
                "auth.jwt.algorithms",
                "lists an HS* algorithm but auth.jwt.hs_secret is not set",
            ));
        }
        validate_jwks(j)?;
        self.validate_jwt_limits()
    }

    fn validate_jwt_limits(&self) -> Result<(), ConfigError> {
        let j = &self.jwt;
        if j.leeway_secs > 600 {
            return Err(ConfigError::invalid(
                "auth.jwt.leeway_secs",
                "must be at most 600",
            ));
        }
        if j.max_token_bytes < 512 {
            return Err(ConfigError::invalid(
                "auth.jwt.max_token_bytes",
                "must be at least 512",
            ));
        }
        if j.scope_claim.is_empty() {
            return Err(ConfigError::invalid(
                "auth.jwt.scope_claim",
                "must not be empty",
            ));
        }
        Ok(())
    }

    fn validate_api_keys(&self) -> Result<(), ConfigError> {
        const KEY: &str = "auth.api_keys";
        if self.api_keys.is_empty() {
            return Err(ConfigError::invalid(
                KEY,
                "at least one key is required when auth.mode is api-key or both",
            ));
        }
        let mut names = HashSet::new();
        let mut hashes = HashSet::new();
        for k in &self.api_keys {
            if k.name.trim().is_empty()
                || k.name.len() > 128
                || k.name.chars().any(char::is_control)
            {
                return Err(ConfigError::invalid(
                    KEY,
                    "each name must be 1-128 printable characters",
                ));
            }
            if !names.insert(k.name.as_str()) {
                return Err(ConfigError::invalid(
                    KEY,
                    format!("name {:?} is used twice", k.name),
                ));
            }
            let hex_ok = k.sha256.len() == 64
                && k.sha256
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            if !hex_ok {
                return Err(ConfigError::invalid(
                    KEY,
                    format!(
                        "sha256 of {:?} must be 64 lowercase hex characters (the SHA-256 of the \
                         key, not the key)",
                        k.name
                    ),
                ));
            }
            if !hashes.insert(k.sha256.as_str()) {
                return Err(ConfigError::invalid(
                    KEY,
                    format!("the key of {:?} is configured twice", k.name),
                ));
            }
            if k.scopes.is_empty() {
                return Err(ConfigError::invalid(
                    KEY,
                    format!("{:?} needs at least one scope", k.name),
                ));
            }
            for s in &k.scopes {
                check_scope(KEY, s)?;
            }
        }
        Ok(())
    }

    fn validate_scopes(&self) -> Result<(), ConfigError> {
        let s = &self.scopes;
        check_scope("auth.scopes.read", &s.read)?;
        check_scope("auth.scopes.write", &s.write)?;
        check_scope("auth.scopes.admin", &s.admin)?;
        for r in &s.required {
            check_scope("auth.scopes.required", r)?;
        }
        for v in s.tools.values() {
            check_scope("auth.scopes.tools", v)?;
        }
        for c in &s.challenge {
            check_scope("auth.scopes.challenge", c)?;
        }
        // A client that asks for the challenged scopes must get a token that passes.
        if let Some(r) = s
            .required
            .iter()
            .find(|r| !s.challenge_scopes().contains(r))
        {
            return Err(ConfigError::invalid(
                "auth.scopes.challenge",
                format!("must include every required scope (missing {r:?})"),
            ));
        }
        Ok(())
    }
}

/// RFC 6749 §3.3 scope-token characters (no space, `"` or `\`).
fn check_scope(key: &'static str, scope: &str) -> Result<(), ConfigError> {
    let ok = !scope.is_empty()
        && scope
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ConfigError::invalid(
            key,
            format!(
                "{scope:?} is not a valid scope name (printable ASCII, no space, quote or backslash)"
            ),
        ))
    }
}

/// An https URL, or http on a loopback host (local testing); no fragment.
pub(crate) fn check_url(key: &'static str, value: &str) -> Result<(), ConfigError> {
    let url = url::Url::parse(value)
        .map_err(|e| ConfigError::invalid(key, format!("{value:?} is not a URL: {e}")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    if !scheme_ok || url.fragment().is_some() {
        return Err(ConfigError::invalid(
            key,
            format!("{value:?} must be an https URL (http only for loopback) without a fragment"),
        ));
    }
    Ok(())
}

/// The JWKS settings: a usable URL, positive periods, staleness no shorter than a refresh.
fn validate_jwks(j: &super::JwtSettings) -> Result<(), ConfigError> {
    if let Some(url) = &j.jwks_url {
        check_url("auth.jwt.jwks_url", url)?;
    }
    for (key, v) in [
        ("auth.jwt.jwks_refresh_secs", j.jwks_refresh_secs),
        ("auth.jwt.jwks_min_refetch_secs", j.jwks_min_refetch_secs),
        ("auth.jwt.jwks_timeout_secs", j.jwks_timeout_secs),
    ] {
        if v == 0 {
            return Err(ConfigError::invalid(key, "must be greater than 0"));
        }
    }
    if j.jwks_max_stale_secs < j.jwks_refresh_secs {
        return Err(ConfigError::invalid(
            "auth.jwt.jwks_max_stale_secs",
            "must be at least auth.jwt.jwks_refresh_secs",
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "auth_validate_tests.rs"]
mod tests;
