//! Static API keys: only their SHA-256 is configured.
//!
//! A plain SHA-256 (rather than a password hash such as Argon2) is enough because the keys
//! are long random bearer tokens, not human-chosen passwords: there is nothing to
//! brute-force. Lookup is by digest, so the timing of the map lookup depends on the digest of
//! the presented value, never on the configured key.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::{Principal, Scopes, principal::credential_tag};
use crate::config::ApiKeySettings;

/// The configured keys, by digest.
#[derive(Default)]
pub struct ApiKeys {
    by_digest: HashMap<[u8; 32], Entry>,
}

struct Entry {
    name: String,
    scopes: Vec<String>,
}

impl ApiKeys {
    /// Build from validated settings (hex digests are checked by `AuthSettings::validate`).
    pub fn new(keys: &[ApiKeySettings]) -> Self {
        let by_digest = keys
            .iter()
            .filter_map(|k| {
                let mut digest = [0u8; 32];
                hex::decode_to_slice(&k.sha256, &mut digest).ok()?;
                Some((
                    digest,
                    Entry {
                        name: k.name.clone(),
                        scopes: k.scopes.clone(),
                    },
                ))
            })
            .collect();
        Self { by_digest }
    }

    /// The principal of a presented key, if it is configured.
    pub fn verify(&self, presented: &str) -> Option<Principal> {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let entry = self.by_digest.get(&digest)?;
        Some(Principal::api_key(
            &entry.name,
            Scopes::from_names(&entry.scopes),
            credential_tag(presented),
        ))
    }

    /// How many keys are configured.
    pub fn len(&self) -> usize {
        self.by_digest.len()
    }

    /// Whether no key is configured.
    pub fn is_empty(&self) -> bool {
        self.by_digest.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_key_whose_hash_is_configured_is_accepted() {
        let key = "k".repeat(40);
        let keys = ApiKeys::new(&[ApiKeySettings {
            name: "ci".into(),
            sha256: hex::encode(Sha256::digest(key.as_bytes())),
            scopes: vec!["opik:read".into()],
        }]);
        let p = keys.verify(&key).expect("accepted");
        assert_eq!(p.id(), "key:ci");
        assert!(p.has_scope("opik:read") && !p.has_scope("opik:write"));
        assert!(keys.verify("k").is_none());
        assert!(
            keys.verify(&hex::encode(Sha256::digest(key.as_bytes())))
                .is_none()
        );
    }
}
