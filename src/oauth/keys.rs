//! The broker's token signing key: ES256 (P-256), from `auth.broker.signing_key_path` or
//! generated once and kept in the database so every replica signs and verifies with the same
//! key. jsonwebtoken signs; aws-lc-rs generates the key and gives its public point for the
//! JWKS (jsonwebtoken has no key generation).

use std::{path::Path, sync::Arc};

use anyhow::Context;
use aws_lc_rs::{
    rand::SystemRandom,
    signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use rustls_pki_types::{PrivateKeyDer, pem::PemObject};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::store::OAuthStore;
use crate::auth::VerifyKey;

/// The key tokens are signed with.
pub struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    public_jwk: Value,
    verify: VerifyKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// The configured PEM file, else the key in the database (made now if there is none).
    pub async fn load(path: Option<&Path>, store: &OAuthStore) -> anyhow::Result<Self> {
        if let Some(path) = path {
            return Self::from_pem_file(path);
        }
        if let Some((kid, der)) = store.signing_key().await? {
            return Self::from_pkcs8(kid, &der).context("the stored signing key is invalid");
        }
        let der =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .map_err(|_| anyhow::anyhow!("cannot generate a signing key"))?;
        let kid = uuid::Uuid::now_v7().simple().to_string();
        store
            .insert_signing_key(&kid, der.as_ref(), super::now())
            .await?;
        // Another replica may have stored one at the same moment: the oldest wins for all.
        let (kid, der) = store
            .signing_key()
            .await?
            .context("the signing key was not stored")?;
        tracing::info!(
            kid,
            "generated the broker's signing key (stored in the database)"
        );
        Self::from_pkcs8(kid, &der)
    }

    fn from_pem_file(path: &Path) -> anyhow::Result<Self> {
        let key = format!("auth.broker.signing_key_path: {}", path.display());
        let der = match PrivateKeyDer::from_pem_file(path) {
            Ok(PrivateKeyDer::Pkcs8(der)) => der.secret_pkcs8_der().to_vec(),
            Ok(_) => anyhow::bail!("{key} is not a PKCS#8 key (BEGIN PRIVATE KEY)"),
            Err(e) => anyhow::bail!("{key}: cannot read a PEM private key: {e}"),
        };
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
            .map_err(|_| anyhow::anyhow!("{key} is not an EC P-256 private key"))?;
        // The same file gives the same kid on every replica.
        let kid = hex::encode(&Sha256::digest(pair.public_key().as_ref())[..8]);
        Self::from_pkcs8(kid, &der)
    }

    fn from_pkcs8(kid: String, der: &[u8]) -> anyhow::Result<Self> {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
            .map_err(|_| anyhow::anyhow!("not an EC P-256 PKCS#8 key"))?;
        // Uncompressed point: 0x04 || x || y.
        let point = pair.public_key().as_ref();
        anyhow::ensure!(point.len() == 65, "unexpected P-256 public key encoding");
        let x = URL_SAFE_NO_PAD.encode(&point[1..33]);
        let y = URL_SAFE_NO_PAD.encode(&point[33..]);
        let decoding = DecodingKey::from_ec_components(&x, &y)?;
        let public_jwk = json!({
            "kty": "EC", "crv": "P-256", "x": x, "y": y,
            "kid": kid, "alg": "ES256", "use": "sig",
        });
        Ok(Self {
            verify: VerifyKey {
                kid: Some(kid.clone()),
                key: Arc::new(decoding),
                alg: Some(Algorithm::ES256),
            },
            encoding: EncodingKey::from_ec_der(der),
            public_jwk,
            kid,
        })
    }

    /// Sign `claims` as a JWT (`typ: at+jwt`, RFC 9068).
    pub fn sign(&self, claims: &Value) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        header.typ = Some("at+jwt".into());
        jsonwebtoken::encode(&header, claims, &self.encoding)
    }

    /// The public JWKS document.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.public_jwk] })
    }

    /// The key for our own verifier.
    pub fn verify_key(&self) -> VerifyKey {
        self.verify.clone()
    }
}
