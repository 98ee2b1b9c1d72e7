//! The OAuth broker (`[auth.broker]`): this server as the OAuth 2.1 authorization server MCP
//! clients see, for identity providers that offer no dynamic client registration (Entra ID,
//! Okta, Google…). Design notes and the flow are in docs/security.md "Sign-in".
//!
//! - Clients: RFC 7591 registration (`registration.rs`) or Client ID Metadata Documents
//!   (`cimd.rs`); redirect URI rules in `redirect.rs`.
//! - Sign-in: `/authorize` (PKCE S256 and `resource` required) → upstream provider (one
//!   confidential client, PKCE and `nonce` too; `upstream.rs`) → `callback.rs` (ID token,
//!   domain/group policy) → per-client consent (`consent.rs`, the confused-deputy rule for a
//!   proxy with a static upstream client) → code.
//! - Tokens (`token.rs`): ES256 JWTs for `auth.resource` signed by our key (`keys.rs`); opaque
//!   refresh tokens stored hashed, rotated, a reused one revokes its grant. Revocation
//!   (`revoke.rs`), metadata and JWKS (`metadata.rs`), the admin API (`admin.rs`).
//! - State lives in the shared store (`store.rs`), so any replica serves any step.

#[macro_use]
mod sql;

pub mod admin;
mod audit;
mod authorize;
mod callback;
mod cimd;
mod clients;
mod consent;
mod error;
mod http_client;
mod keys;
mod metadata;
mod pages;
mod policy;
mod redirect;
mod registration;
mod revoke;
mod rows;
mod store;
mod store_tokens;
mod token;
mod upstream;
mod web;

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use poem::{EndpointExt, Route};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

pub use store::OAuthStore;

use crate::{
    auth::VerifyKey,
    config::{BrokerSettings, RateLimitSettings, Settings},
    ratelimit::KeyedLimiter,
    store::{AuditSink, Store},
};

/// A client, however it is known.
#[derive(Debug, Clone)]
pub struct Client {
    /// Its id.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// SHA-256 of its secret (confidential clients).
    pub secret_hash: Option<String>,
}

/// Path of the authorization-server metadata (RFC 8414).
pub const METADATA_PATH: &str = "/.well-known/oauth-authorization-server";
/// Where clients register when no authorization server metadata names an endpoint: the
/// origin's `/register` (MCP authorization spec 2025-03-26 fallback; both official SDKs).
pub const REGISTER_FALLBACK: &str = "/register";
/// Path of the JWKS of our signing key.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";
/// Path the consent form posts to.
pub const CONSENT_PATH: &str = "/oauth/consent";

/// How often expired sign-ins, codes and tokens are deleted.
const PURGE_EVERY: Duration = Duration::from_secs(600);
/// How long expired or revoked grants stay listed in the admin API.
const KEEP_GRANTS_SECS: i64 = 30 * 86_400;

/// The broker, built once at start-up when `auth.broker.upstream_issuer` is set.
pub struct Broker {
    cfg: BrokerSettings,
    issuer: String,
    resource: String,
    required: Vec<String>,
    supported: Vec<String>,
    store: OAuthStore,
    key: keys::SigningKey,
    upstream: upstream::Upstream,
    cimd: cimd::MetadataDocuments,
    registrations: Arc<KeyedLimiter>,
    audit: AuditSink,
    client_ip: RateLimitSettings,
}

impl Broker {
    /// Connect to the store, load (or make) the signing key and discover the upstream
    /// provider (an unreachable one is retried at the first sign-in). `None` without the
    /// broker.
    pub async fn start(
        settings: &Settings,
        supported_scopes: Vec<String>,
        audit: AuditSink,
    ) -> anyhow::Result<Option<Arc<Self>>> {
        let cfg = settings.auth.broker.clone();
        let (Some(issuer), Some(resource)) = (
            settings.auth.broker_issuer(),
            settings.auth.resource.clone(),
        ) else {
            return Ok(None);
        };
        let mut db = settings.database.clone();
        // Sign-ins are rare: a few connections, apart from the audit writer's.
        db.max_connections = db.max_connections.clamp(2, 4);
        db.min_connections = 0;
        let store = Store::connect(&db)
            .await
            .context("the OAuth broker cannot open the database (database.url)")?;
        store
            .migrate()
            .await
            .context("cannot migrate the database")?;
        let store = OAuthStore(store);
        let key = keys::SigningKey::load(cfg.signing_key_path.as_deref(), &store).await?;
        let callback = format!("{issuer}{}", cfg.callback_path);
        let upstream = upstream::Upstream::new(&cfg, callback)?;
        upstream.warm_up().await;
        let per_hour = std::num::NonZeroU32::new(cfg.registrations_per_hour)
            .context("auth.broker.registrations_per_hour must be > 0")?;
        let registrations = Arc::new(KeyedLimiter::new(
            "oauth_registration",
            governor::Quota::per_hour(per_hour),
            10_000,
        ));
        tracing::info!(%issuer, upstream = ?cfg.upstream_issuer, "OAuth broker on");
        Ok(Some(Arc::new(Self {
            cimd: cimd::MetadataDocuments::new(&cfg)?,
            required: settings.auth.scopes.required.clone(),
            supported: supported_scopes,
            client_ip: settings.rate_limit.clone(),
            cfg,
            issuer,
            resource,
            store,
            key,
            upstream,
            registrations,
            audit,
        })))
    }

    /// The key our own verifier trusts.
    pub fn verify_key(&self) -> VerifyKey {
        self.key.verify_key()
    }

    /// The registration limiter (swept with the others).
    pub fn limiter(&self) -> Arc<KeyedLimiter> {
        Arc::clone(&self.registrations)
    }

    /// The store of grants (admin API, tests).
    pub fn store(&self) -> &OAuthStore {
        &self.store
    }

    /// Add the broker's public routes to `route`.
    pub fn register(self: &Arc<Self>, route: Route) -> Route {
        let b = Arc::clone(self);
        route
            .at(
                METADATA_PATH,
                metadata::metadata_endpoint().data(Arc::clone(&b)),
            )
            .at(JWKS_PATH, metadata::jwks_endpoint().data(Arc::clone(&b)))
            .at("/register", registration::endpoint().data(Arc::clone(&b)))
            .at("/authorize", authorize::endpoint().data(Arc::clone(&b)))
            .at(
                &b.cfg.callback_path,
                callback::endpoint().data(Arc::clone(&b)),
            )
            .at(CONSENT_PATH, consent::endpoint().data(Arc::clone(&b)))
            .at("/token", token::endpoint().data(Arc::clone(&b)))
            .at("/revoke", revoke::endpoint().data(b))
    }

    /// Delete expired rows every few minutes until `stop`.
    pub async fn run_purge(self: Arc<Self>, stop: CancellationToken) {
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(PURGE_EVERY) => {
                    match self.store.purge(now(), KEEP_GRANTS_SECS).await {
                        Ok(n) if n > 0 => tracing::debug!(rows = n, "oauth broker: purged"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "oauth broker: purge failed"),
                    }
                }
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }
}

/// Unix seconds now.
pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A fresh 256-bit random value, base64url.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 (hex) of a secret: what the store keeps.
pub(crate) fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
