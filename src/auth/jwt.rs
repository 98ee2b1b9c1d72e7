//! JWT bearer-token validation with `jsonwebtoken`: signature (HS* from a secret; RS*, PS*,
//! ES256/384 and `EdDSA` from PEM keys or a JWKS), `exp`/`nbf` with leeway, `iss`, and `aud`
//! against the server's canonical URL (RFC 8707).

use std::{path::Path, sync::Arc};

use jsonwebtoken::{
    Algorithm, AlgorithmFamily, DecodingKey, Header, Validation, decode, decode_header,
    errors::ErrorKind,
};
use secrecy::ExposeSecret;
use serde_json::{Map, Value};

use super::{JwksCache, Principal, Scopes, principal::credential_tag, verified::VerifiedTokens};
use crate::config::AuthSettings;

/// A verification key and what it may verify.
#[derive(Clone)]
pub struct VerifyKey {
    /// Key id (`kid`), if known.
    pub kid: Option<String>,
    /// The key.
    pub key: Arc<DecodingKey>,
    /// The one algorithm the key is declared for (JWK `alg`), if declared.
    pub alg: Option<Algorithm>,
}

impl VerifyKey {
    /// Whether this key may verify a token signed with `alg` (same family, and the declared
    /// algorithm if any): an RSA key never verifies an HS256 token and vice versa.
    pub fn fits(&self, alg: Algorithm) -> bool {
        self.key.family() == alg.family() && self.alg.is_none_or(|a| a == alg)
    }
}

/// Why a JWT was refused. The `Display` text is the `error_description` of the challenge:
/// short, fixed, and never containing token content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Not a JWT, or a header we cannot parse (including `alg: none`).
    #[error("malformed token")]
    Malformed,
    /// Longer than `auth.jwt.max_token_bytes`.
    #[error("token too large")]
    TooLarge,
    /// `alg` not accepted.
    #[error("algorithm not allowed")]
    AlgorithmNotAllowed,
    /// No key with this `kid` (after a JWKS refresh).
    #[error("unknown signing key")]
    UnknownKey,
    /// The signature does not verify.
    #[error("invalid signature")]
    BadSignature,
    /// `exp` passed.
    #[error("token expired")]
    Expired,
    /// `nbf` in the future.
    #[error("token not yet valid")]
    NotYetValid,
    /// `aud` does not name this server.
    #[error("token audience is not this server")]
    WrongAudience,
    /// `iss` is not the configured issuer.
    #[error("token issuer not accepted")]
    WrongIssuer,
    /// A required claim (`exp`, `iss`, `aud`, `sub`) is missing or malformed.
    #[error("missing or malformed claim")]
    BadClaim,
    /// The header lists `crit` extensions; this server implements none (RFC 7515 §4.1.11:
    /// a token with a critical extension the recipient does not understand is invalid).
    #[error("unsupported critical header")]
    CriticalHeader,
}

/// Validates JWTs; built once at start-up.
pub struct JwtVerifier {
    hs: Option<VerifyKey>,
    static_keys: Vec<VerifyKey>,
    jwks: Option<Arc<JwksCache>>,
    allowed: Vec<Algorithm>,
    validation: Validation,
    scope_claim: String,
    max_len: usize,
    verified: VerifiedTokens,
}

/// Most keys tried for one token without `kid`.
const MAX_CANDIDATES: usize = 8;

impl JwtVerifier {
    /// Build from validated settings; PEM files are read now and a bad one fails start-up
    /// with its path.
    pub fn new(auth: &AuthSettings, jwks: Option<Arc<JwksCache>>) -> anyhow::Result<Self> {
        let j = &auth.jwt;
        let hs = j.hs_secret.as_ref().map(|s| VerifyKey {
            kid: None,
            key: Arc::new(DecodingKey::from_secret(s.expose_secret().as_bytes())),
            alg: None,
        });
        let static_keys = j
            .public_keys
            .iter()
            .map(|k| {
                Ok(VerifyKey {
                    kid: k.kid.clone(),
                    key: Arc::new(load_pem_key(&k.path)?),
                    alg: None,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = j.leeway_secs;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[auth.issuer().unwrap_or_default()]);
        let mut audiences: Vec<String> = auth.resource.iter().cloned().collect();
        audiences.extend(j.audiences.iter().cloned());
        validation.set_audience(&audiences);
        Ok(Self {
            hs,
            static_keys,
            jwks,
            allowed: auth.jwt_algorithms()?,
            validation,
            scope_claim: j.scope_claim.clone(),
            max_len: j.max_token_bytes,
            verified: VerifiedTokens::default(),
        })
    }

    /// Validate `token` and return its principal.
    pub async fn verify(&self, token: &str) -> Result<Principal, JwtError> {
        if token.len() > self.max_len {
            return Err(JwtError::TooLarge);
        }
        // Read before the keys are: a fetch during the check makes the entry stale at once.
        let generation = self.jwks.as_ref().map_or(0, |j| j.fetches());
        if let Some(p) = self.verified.get(token, generation) {
            return Ok(p);
        }
        self.verify_uncached(token, generation).await
    }

    /// Also accept tokens signed by `key` (the broker's own signing key: verified locally,
    /// no JWKS fetch of ourselves).
    pub fn trust(&mut self, key: VerifyKey) {
        self.static_keys.push(key);
    }

    async fn verify_uncached(&self, token: &str, generation: u64) -> Result<Principal, JwtError> {
        let header = decode_header(token).map_err(|_| JwtError::Malformed)?;
        if header.crit.is_some() {
            return Err(JwtError::CriticalHeader);
        }
        if !self.allowed.contains(&header.alg) {
            return Err(JwtError::AlgorithmNotAllowed);
        }
        let keys = self.candidates(&header).await;
        if keys.is_empty() {
            return Err(JwtError::UnknownKey);
        }
        let mut validation = self.validation.clone();
        validation.algorithms = vec![header.alg];
        let mut last = JwtError::UnknownKey;
        for key in keys.iter().take(MAX_CANDIDATES) {
            match decode::<Map<String, Value>>(token, &key.key, &validation) {
                Ok(data) => {
                    let principal = self.principal(&data.claims, token)?;
                    let exp = data.claims.get("exp").and_then(Value::as_f64);
                    // `exp` is checked above; a fractional one is cut to the second before.
                    let exp = exp.filter(|e| *e > 0.0).map(|e| e as u64);
                    self.verified.insert(token, &principal, exp, generation);
                    return Ok(principal);
                }
                Err(e) if matches!(e.kind(), ErrorKind::InvalidSignature) => {
                    last = JwtError::BadSignature;
                }
                Err(e) => return Err(map_error(e.kind())),
            }
        }
        Err(last)
    }

    async fn candidates(&self, header: &Header) -> Vec<VerifyKey> {
        let alg = header.alg;
        if alg.family() == AlgorithmFamily::Hmac {
            return self.hs.iter().cloned().collect();
        }
        let fits = |k: &VerifyKey| k.fits(alg);
        match &header.kid {
            Some(kid) => {
                let local: Vec<VerifyKey> = self
                    .static_keys
                    .iter()
                    .filter(|k| k.kid.as_deref() == Some(kid.as_str()) && fits(k))
                    .cloned()
                    .collect();
                if !local.is_empty() {
                    return local;
                }
                match &self.jwks {
                    Some(jwks) => jwks.key(kid).await.into_iter().filter(fits).collect(),
                    None => Vec::new(),
                }
            }
            None => {
                let mut all: Vec<VerifyKey> = self
                    .static_keys
                    .iter()
                    .filter(|k| fits(k))
                    .cloned()
                    .collect();
                if let Some(jwks) = &self.jwks {
                    all.extend(jwks.all().iter().filter(|k| fits(k)).cloned());
                }
                all
            }
        }
    }

    fn principal(&self, claims: &Map<String, Value>, token: &str) -> Result<Principal, JwtError> {
        let sub = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty() && s.len() <= 256 && !s.chars().any(char::is_control))
            .ok_or(JwtError::BadClaim)?;
        let raw = claims.get(&self.scope_claim).or_else(|| claims.get("scp"));
        let scopes = match raw {
            Some(Value::String(s)) => Scopes::from_names(s.split_whitespace()),
            Some(Value::Array(a)) => Scopes::from_names(a.iter().filter_map(Value::as_str)),
            _ => Scopes::from_names(std::iter::empty::<&str>()),
        };
        Ok(Principal::jwt(sub, scopes, credential_tag(token)))
    }
}

fn map_error(kind: &ErrorKind) -> JwtError {
    match kind {
        ErrorKind::InvalidSignature => JwtError::BadSignature,
        ErrorKind::ExpiredSignature => JwtError::Expired,
        ErrorKind::ImmatureSignature => JwtError::NotYetValid,
        ErrorKind::InvalidAudience => JwtError::WrongAudience,
        ErrorKind::InvalidIssuer => JwtError::WrongIssuer,
        ErrorKind::InvalidAlgorithm
        | ErrorKind::MissingAlgorithm
        | ErrorKind::UnsupportedAlgorithm
        | ErrorKind::InvalidAlgorithmName => JwtError::AlgorithmNotAllowed,
        ErrorKind::MissingRequiredClaim(_)
        | ErrorKind::InvalidClaimFormat(_)
        | ErrorKind::InvalidSubject => JwtError::BadClaim,
        _ => JwtError::Malformed,
    }
}

/// Read a PEM public key of any supported type (RSA, EC, Ed25519).
fn load_pem_key(path: &Path) -> anyhow::Result<DecodingKey> {
    let pem = std::fs::read(path).map_err(|e| {
        anyhow::anyhow!("auth.jwt.public_keys: cannot read {}: {e}", path.display())
    })?;
    DecodingKey::from_rsa_pem(&pem)
        .or_else(|_| DecodingKey::from_ec_pem(&pem))
        .or_else(|_| DecodingKey::from_ed_pem(&pem))
        .map_err(|_| {
            anyhow::anyhow!(
                "auth.jwt.public_keys: {} is not a PEM public key (RSA, EC P-256/P-384 or \
                 Ed25519, SPKI \"BEGIN PUBLIC KEY\")",
                path.display()
            )
        })
}
