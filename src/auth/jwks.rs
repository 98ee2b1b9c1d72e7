//! A JWKS cache: fetched at start-up and every `auth.jwt.jwks_refresh_secs`, re-fetched when
//! a token names an unknown `kid` (at most once per `auth.jwt.jwks_min_refetch_secs`), and
//! kept as it was when a fetch fails, so a transient outage of the issuer does not stop
//! valid tokens. While no key is loaded the refresh runs every `jwks_min_refetch_secs`, so
//! the server becomes ready soon after the issuer does. [`JwksCache::status`] feeds the
//! `jwks` readiness check. jsonwebtoken has no fetching of its own, hence this small module.

use std::{
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use jsonwebtoken::{AlgorithmFamily, DecodingKey, jwk::Jwk};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::jwt::VerifyKey;
use crate::{config::JwtSettings, telemetry::metrics};

/// Largest JWKS document accepted.
const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// Why a fetch failed (the previous keys stay in use).
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    /// Transport failure or timeout.
    #[error("JWKS request failed: {0}")]
    Http(#[from] reqwest::Error),
    /// Non-200 answer.
    #[error("JWKS answered HTTP {0}")]
    Status(u16),
    /// Not a JWKS document.
    #[error("JWKS document is invalid: {0}")]
    Invalid(String),
}

/// The cached keys of one JWKS URL.
pub struct JwksCache {
    url: String,
    client: reqwest::Client,
    keys: RwLock<Arc<Vec<VerifyKey>>>,
    last_attempt: Mutex<Option<Instant>>,
    fetch_lock: tokio::sync::Mutex<()>,
    min_refetch: Duration,
    refresh_every: Duration,
    fetches: AtomicU64,
    failures: AtomicU64,
    /// When the key set was last fetched successfully, and the last failure since.
    health: Mutex<(Option<Instant>, Option<String>)>,
}

/// What the cache holds, for readiness.
#[derive(Debug, Clone)]
pub struct JwksStatus {
    /// Usable keys loaded.
    pub keys: usize,
    /// Time since the last successful fetch (`None`: never).
    pub since_success: Option<Duration>,
    /// The last fetch's error, if it failed (user-info of the URL masked).
    pub last_error: Option<String>,
}

impl JwksCache {
    /// A cache for `jwt.jwks_url` (validated: https, or http on loopback).
    pub fn new(jwt: &JwtSettings, url: &str) -> anyhow::Result<Self> {
        let loopback_http = url.starts_with("http://");
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(jwt.jwks_timeout_secs))
            .https_only(!loopback_http)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            url: url.to_owned(),
            client,
            keys: RwLock::new(Arc::new(Vec::new())),
            last_attempt: Mutex::new(None),
            fetch_lock: tokio::sync::Mutex::new(()),
            min_refetch: Duration::from_secs(jwt.jwks_min_refetch_secs),
            refresh_every: Duration::from_secs(jwt.jwks_refresh_secs),
            fetches: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            health: Mutex::new((None, None)),
        })
    }

    /// Keys loaded, age of the last success, and the last error.
    pub fn status(&self) -> JwksStatus {
        let (ok_at, err) = self
            .health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        JwksStatus {
            keys: self.all().len(),
            since_success: ok_at.map(|t| t.elapsed()),
            last_error: err,
        }
    }

    /// Every cached key.
    pub fn all(&self) -> Arc<Vec<VerifyKey>> {
        Arc::clone(&self.keys.read().unwrap_or_else(|p| p.into_inner()))
    }

    fn find(&self, kid: &str) -> Vec<VerifyKey> {
        self.all()
            .iter()
            .filter(|k| k.kid.as_deref() == Some(kid))
            .cloned()
            .collect()
    }

    /// The keys with `kid`, re-fetching the set once (rate-limited) when none is cached.
    pub async fn key(&self, kid: &str) -> Vec<VerifyKey> {
        let found = self.find(kid);
        if !found.is_empty() {
            return found;
        }
        {
            let _one_at_a_time = self.fetch_lock.lock().await;
            // Another request may have fetched while we waited.
            let found = self.find(kid);
            if !found.is_empty() {
                return found;
            }
            let recent = self
                .last_attempt
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_some_and(|t| t.elapsed() < self.min_refetch);
            if recent {
                tracing::debug!(kid, "unknown JWKS kid; re-fetch rate-limited");
                return Vec::new();
            }
            tracing::info!(kid, "unknown JWKS kid: re-fetching the key set");
            let _ = self.fetch_logged().await;
        }
        self.find(kid)
    }

    /// How many fetches were attempted (for tests and metrics).
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// How many fetches failed.
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    async fn fetch_logged(&self) -> Result<usize, JwksError> {
        let result = self.fetch().await;
        match &result {
            Ok(n) => tracing::info!(keys = n, "JWKS loaded"),
            Err(e) => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                let error = crate::scrub::mask_userinfo(&e.to_string()).into_owned();
                tracing::warn!(error, "JWKS fetch failed; keeping the previous keys");
            }
        }
        result
    }

    /// Fetch and replace the key set. On failure the previous keys stay.
    pub async fn fetch(&self) -> Result<usize, JwksError> {
        *self.last_attempt.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let result = self.fetch_once().await;
        let mut health = self.health.lock().unwrap_or_else(|p| p.into_inner());
        match &result {
            Ok(_) => *health = (Some(Instant::now()), None),
            Err(e) => health.1 = Some(crate::scrub::mask_userinfo(&e.to_string()).into_owned()),
        }
        metrics::jwks_fetch(result.as_ref().ok().copied());
        result
    }

    async fn fetch_once(&self) -> Result<usize, JwksError> {
        let resp = self.client.get(&self.url).send().await?;
        if resp.status() != reqwest::StatusCode::OK {
            return Err(JwksError::Status(resp.status().as_u16()));
        }
        if resp
            .content_length()
            .is_some_and(|n| n > MAX_JWKS_BYTES as u64)
        {
            return Err(JwksError::Invalid("document too large".into()));
        }
        let bytes = resp.bytes().await?;
        if bytes.len() > MAX_JWKS_BYTES {
            return Err(JwksError::Invalid("document too large".into()));
        }
        let keys = parse(&bytes)?;
        let n = keys.len();
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(keys);
        Ok(n)
    }

    /// Refresh every `jwks_refresh_secs` (every `jwks_min_refetch_secs` while no key is
    /// loaded) until `stop`.
    pub async fn run_refresher(self: Arc<Self>, stop: CancellationToken) {
        loop {
            let wait = match self.all().is_empty() {
                true => self.refresh_every.min(self.min_refetch),
                false => self.refresh_every,
            };
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(wait) => {
                    let _one_at_a_time = self.fetch_lock.lock().await;
                    let _ = self.fetch_logged().await;
                }
            }
        }
    }
}

/// Parse a JWKS document; keys we cannot use (encryption keys, symmetric `oct` keys, unknown
/// types) are skipped, not fatal. Symmetric keys are never taken from a JWKS: a public key
/// set must not turn into an HMAC secret.
fn parse(bytes: &[u8]) -> Result<Vec<VerifyKey>, JwksError> {
    let doc: Value =
        serde_json::from_slice(bytes).map_err(|e| JwksError::Invalid(e.to_string()))?;
    let list = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| JwksError::Invalid("no \"keys\" array".into()))?;
    let keys = list
        .iter()
        .filter_map(|v| serde_json::from_value::<Jwk>(v.clone()).ok())
        .filter(|jwk| {
            !matches!(
                jwk.common.public_key_use,
                Some(jsonwebtoken::jwk::PublicKeyUse::Encryption)
            )
        })
        .filter_map(|jwk| {
            let key = DecodingKey::from_jwk(&jwk).ok()?;
            if key.family() == AlgorithmFamily::Hmac {
                return None;
            }
            let alg = match jwk.common.key_algorithm {
                Some(a) => Some(a.to_string().parse::<jsonwebtoken::Algorithm>().ok()?),
                None => None,
            };
            Some(VerifyKey {
                kid: jwk.common.key_id.clone(),
                key: Arc::new(key),
                alg,
            })
        })
        .collect();
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_and_encryption_keys_are_skipped() {
        let doc = br#"{"keys":[
            {"kty":"oct","kid":"s","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"},
            {"kty":"EC","kid":"e","use":"enc","crv":"P-256",
             "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty":"EC","kid":"ok","alg":"ES256","crv":"P-256",
             "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty":"weird","kid":"w"}
        ]}"#;
        let keys = parse(doc).expect("parses");
        let kids: Vec<_> = keys.iter().filter_map(|k| k.kid.as_deref()).collect();
        assert_eq!(kids, ["ok"]);
    }

    #[test]
    fn a_document_without_keys_is_invalid() {
        assert!(parse(b"{}").is_err());
        assert!(parse(b"not json").is_err());
    }
}
