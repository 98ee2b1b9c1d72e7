//! The upstream OIDC provider: discovery (fetched lazily and kept once it worked),
//! the authorization URL and the code exchange (with the `oauth2` crate: confidential client,
//! PKCE S256 towards the provider too, the `nonce` of OIDC), and the ID token check
//! (jsonwebtoken over the provider's JWKS, through the same [`JwksCache`] as resource-server
//! mode). `openidconnect` would do the last part but brings its own RSA/EC stack (and the
//! `rsa` crate's open advisory); jsonwebtoken is already ours.

use std::{sync::Arc, time::Duration};

use jsonwebtoken::{Algorithm, Validation, decode, decode_header};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope,
    StandardTokenResponse, TokenUrl,
    basic::{
        BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
        BasicTokenType,
    },
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::RwLock;

use super::http_client::{self, HttpError};
use crate::{
    auth::{JwksCache, VerifyKey},
    config::{BrokerSettings, JwtSettings},
    telemetry::labels::OAuthRefusal,
};

/// Why the upstream leg failed. Each maps to a page and status in `error.rs`.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The provider did not answer in time (504).
    #[error("the sign-in provider did not answer in time")]
    Timeout,
    /// The provider could not be reached or answered nonsense (502).
    #[error("the sign-in provider is unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the code exchange (502; the user may retry).
    #[error("the sign-in provider refused the sign-in: {0}")]
    Refused(String),
    /// The ID token failed a check (502).
    #[error("the sign-in provider's ID token is invalid: {0}")]
    BadIdToken(&'static str),
}

impl UpstreamError {
    /// The refusal it causes (for the metric).
    pub fn refusal(&self) -> OAuthRefusal {
        match self {
            UpstreamError::Timeout => OAuthRefusal::UpstreamTimeout,
            UpstreamError::Unavailable(_)
            | UpstreamError::Refused(_)
            | UpstreamError::BadIdToken(_) => OAuthRefusal::UpstreamError,
        }
    }
}

impl From<HttpError> for UpstreamError {
    fn from(e: HttpError) -> Self {
        match e {
            HttpError::Timeout => UpstreamError::Timeout,
            other => UpstreamError::Unavailable(other.to_string()),
        }
    }
}

/// The `id_token` of the provider's token response.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct IdTokenField {
    /// The ID token (OIDC Core §3.1.3.3).
    #[serde(default)]
    pub id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenField {}

type TokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;
type OidcClient = oauth2::Client<
    BasicErrorResponse,
    TokenResponse,
    BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What discovery told us.
struct Discovered {
    authorization_endpoint: AuthUrl,
    token_endpoint: TokenUrl,
    jwks: Arc<JwksCache>,
}

/// The ID token's claims we use.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Upstream `sub`.
    pub subject: String,
    /// `email`, when given and not marked unverified.
    pub email: Option<String>,
    /// The groups claim, when given.
    pub groups: Vec<String>,
}

/// The upstream provider.
pub struct Upstream {
    issuer: String,
    client_id: String,
    client_secret: ClientSecret,
    redirect: RedirectUrl,
    scopes: Vec<String>,
    groups_claim: String,
    timeout: Duration,
    http: reqwest::Client,
    discovered: RwLock<Option<Arc<Discovered>>>,
}

impl Upstream {
    /// From validated settings; `callback` is our full callback URL.
    pub fn new(b: &BrokerSettings, callback: String) -> anyhow::Result<Self> {
        let timeout = Duration::from_secs(b.upstream_timeout_secs);
        Ok(Self {
            issuer: b.upstream_issuer.clone().unwrap_or_default(),
            client_id: b.client_id.clone().unwrap_or_default(),
            client_secret: ClientSecret::new(
                b.client_secret
                    .as_ref()
                    .map(|s| s.expose_secret().to_owned())
                    .unwrap_or_default(),
            ),
            redirect: RedirectUrl::new(callback)?,
            scopes: b.upstream_scopes.clone(),
            groups_claim: b.groups_claim.clone(),
            timeout,
            http: http_client::upstream_client(timeout)?,
            discovered: RwLock::new(None),
        })
    }

    /// Discovery, fetched once it works (a failure is retried at the next sign-in).
    async fn discovered(&self) -> Result<Arc<Discovered>, UpstreamError> {
        if let Some(d) = self.discovered.read().await.as_ref() {
            return Ok(Arc::clone(d));
        }
        let mut slot = self.discovered.write().await;
        if let Some(d) = slot.as_ref() {
            return Ok(Arc::clone(d));
        }
        let d = Arc::new(self.discover().await?);
        *slot = Some(Arc::clone(&d));
        Ok(d)
    }

    /// Fetch discovery now (start-up; a failure is logged and retried later).
    pub async fn warm_up(&self) {
        match self.discovered().await {
            Ok(_) => tracing::info!(issuer = %self.issuer, "upstream sign-in provider discovered"),
            Err(e) => {
                tracing::warn!(issuer = %self.issuer, error = %e, "upstream discovery failed; will retry")
            }
        }
    }

    async fn discover(&self) -> Result<Discovered, UpstreamError> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        );
        let (status, _, body) =
            http_client::send(self.http.get(&url), http_client::MAX_RESPONSE_BYTES).await?;
        if !status.is_success() {
            return Err(UpstreamError::Unavailable(format!(
                "discovery answered HTTP {status}"
            )));
        }
        let doc: Value = serde_json::from_slice(&body)
            .map_err(|_| UpstreamError::Unavailable("discovery is not JSON".into()))?;
        let text = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_owned);
        // OIDC Discovery §4.3: the document must name the issuer we asked.
        if text("issuer").as_deref() != Some(self.issuer.as_str()) {
            return Err(UpstreamError::Unavailable(
                "discovery names another issuer".into(),
            ));
        }
        let missing = |k: &str| UpstreamError::Unavailable(format!("discovery lacks {k}"));
        let auth =
            text("authorization_endpoint").ok_or_else(|| missing("authorization_endpoint"))?;
        let token = text("token_endpoint").ok_or_else(|| missing("token_endpoint"))?;
        let jwks_uri = text("jwks_uri").ok_or_else(|| missing("jwks_uri"))?;
        let bad = |k: &str| UpstreamError::Unavailable(format!("discovery {k} is not a URL"));
        let jwt = JwtSettings {
            jwks_timeout_secs: self.timeout.as_secs(),
            ..JwtSettings::default()
        };
        let jwks = JwksCache::new(&jwt, &jwks_uri).map_err(|_| bad("jwks_uri"))?;
        jwks.fetch()
            .await
            .map_err(|e| UpstreamError::Unavailable(e.to_string()))?;
        Ok(Discovered {
            authorization_endpoint: AuthUrl::new(auth)
                .map_err(|_| bad("authorization_endpoint"))?,
            token_endpoint: TokenUrl::new(token).map_err(|_| bad("token_endpoint"))?,
            jwks: Arc::new(jwks),
        })
    }

    fn client(&self, d: &Discovered) -> OidcClient {
        oauth2::Client::new(ClientId::new(self.client_id.clone()))
            .set_client_secret(self.client_secret.clone())
            .set_auth_uri(d.authorization_endpoint.clone())
            .set_token_uri(d.token_endpoint.clone())
            .set_redirect_uri(self.redirect.clone())
    }

    /// The provider's authorization URL for one sign-in, and our PKCE verifier for it.
    pub async fn authorize_url(
        &self,
        state: String,
        nonce: &str,
    ) -> Result<(String, String), UpstreamError> {
        let d = self.discovered().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, _) = self
            .client(&d)
            .authorize_url(|| CsrfToken::new(state))
            .add_scopes(self.scopes.iter().cloned().map(Scope::new))
            .add_extra_param("nonce", nonce)
            .set_pkce_challenge(challenge)
            .url();
        Ok((url.to_string(), verifier.secret().clone()))
    }

    /// Exchange the provider's code and check its ID token (signature, issuer, audience,
    /// expiry, `nonce`).
    pub async fn sign_in(
        &self,
        code: String,
        verifier: String,
        nonce: &str,
    ) -> Result<Identity, UpstreamError> {
        let d = self.discovered().await?;
        let http = self.http.clone();
        let send = move |req| http_client::execute(http.clone(), req);
        let token = self
            .client(&d)
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier))
            .request_async(&send)
            .await
            .map_err(|e| match e {
                RequestTokenError::Request(h) => UpstreamError::from(h),
                RequestTokenError::ServerResponse(r) => {
                    UpstreamError::Refused(match r.error_description().map(|d| clip(d, 200)) {
                        Some(d) => format!("{} ({d})", r.error()),
                        None => r.error().to_string(),
                    })
                }
                RequestTokenError::Parse(..) | RequestTokenError::Other(_) => {
                    UpstreamError::Unavailable("unreadable token response".into())
                }
            })?;
        let id_token =
            token
                .extra_fields()
                .id_token
                .as_deref()
                .ok_or(UpstreamError::BadIdToken(
                    "no id_token in the token response",
                ))?;
        self.check_id_token(&d.jwks, id_token, nonce).await
    }

    async fn check_id_token(
        &self,
        jwks: &JwksCache,
        token: &str,
        nonce: &str,
    ) -> Result<Identity, UpstreamError> {
        let header = decode_header(token).map_err(|_| UpstreamError::BadIdToken("malformed"))?;
        if header.alg == Algorithm::HS256
            || header.alg == Algorithm::HS384
            || header.alg == Algorithm::HS512
        {
            return Err(UpstreamError::BadIdToken("symmetric algorithm"));
        }
        let keys: Vec<VerifyKey> = match &header.kid {
            Some(kid) => jwks.key(kid).await,
            None => jwks.all().to_vec(),
        };
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 60;
        let claims = keys
            .iter()
            .filter(|k| k.fits(header.alg))
            .find_map(|k| decode::<Map<String, Value>>(token, &k.key, &validation).ok())
            .ok_or(UpstreamError::BadIdToken(
                "signature, issuer, audience or expiry",
            ))?
            .claims;
        if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
            return Err(UpstreamError::BadIdToken("nonce does not match"));
        }
        self.identity(&claims)
    }

    fn identity(&self, claims: &Map<String, Value>) -> Result<Identity, UpstreamError> {
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty() && s.len() <= 255 && !s.chars().any(char::is_control))
            .ok_or(UpstreamError::BadIdToken("sub"))?;
        let unverified = claims.get("email_verified").and_then(Value::as_bool) == Some(false);
        let email = claims
            .get("email")
            .and_then(Value::as_str)
            .filter(|e| !unverified && e.len() <= 320 && e.contains('@'))
            .map(str::to_ascii_lowercase);
        let groups = match claims.get(&self.groups_claim) {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
            _ => Vec::new(),
        };
        Ok(Identity {
            subject: subject.to_owned(),
            email,
            groups,
        })
    }
}

/// At most `max` characters of `s`, control characters dropped (upstream text goes into a
/// page and a log line).
pub(super) fn clip(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}
