//! Recently verified JWTs and their principals. A client sends the same bearer token on every
//! request; checking its signature every time was the largest cost of a request in the full
//! pipeline (RS256: about 40 % of a `ping`'s instructions, docs/performance.md). A hit skips the check
//! and returns exactly the principal the check produced.
//!
//! An entry never outlives what a fresh check would accept: it ends at the token's `exp`
//! (without the leeway a fresh check allows, so the cache is stricter), after [`MAX_TTL`],
//! and as soon as the JWKS is fetched again (a rotated-out key stops working at once, as
//! without the cache). Static PEM keys and the HMAC secret never change while running.

#[cfg(test)]
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dashmap::DashMap;

use super::Principal;

/// Longest life of an entry, whatever the token's `exp`.
pub const MAX_TTL: Duration = Duration::from_secs(300);
/// Most tokens remembered; past it, expired entries are dropped and new ones not stored.
pub const MAX_ENTRIES: usize = 10_000;

struct Entry {
    principal: Principal,
    until: Instant,
    generation: u64,
}

/// The cache; keyed by the whole token (a hit needs the exact bytes that were verified).
/// Hashed with foldhash (seeded per map) rather than the standard library's SipHash-1-3: a
/// token is several hundred bytes, hashed on every authenticated request (≈ 1,600
/// instructions of a `ping` with the standard hasher). Its stronger flooding resistance buys
/// nothing here: only tokens whose signature was verified are stored, so a client cannot fill
/// the map with colliding keys.
#[derive(Default)]
pub struct VerifiedTokens {
    map: DashMap<Box<str>, Entry, foldhash::fast::RandomState>,
    /// Lookups answered from the cache; only the tests read it.
    #[cfg(test)]
    hits: AtomicU64,
}

impl VerifiedTokens {
    /// The principal of `token` if it was verified under key-set `generation` and is still
    /// within its deadline.
    pub fn get(&self, token: &str, generation: u64) -> Option<Principal> {
        let entry = self.map.get(token)?;
        if entry.generation == generation && Instant::now() < entry.until {
            #[cfg(test)]
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Some(entry.principal.clone());
        }
        drop(entry);
        self.map.remove(token);
        None
    }

    /// Remember a verified token until its `exp` (Unix seconds) or [`MAX_TTL`].
    pub fn insert(&self, token: &str, principal: &Principal, exp: Option<u64>, generation: u64) {
        let Some(exp) = exp else { return };
        let now_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let left = Duration::from_secs(exp.saturating_sub(now_unix)).min(MAX_TTL);
        if left.is_zero() {
            return;
        }
        if self.map.len() >= MAX_ENTRIES {
            let now = Instant::now();
            self.map.retain(|_, e| e.until > now);
            if self.map.len() >= MAX_ENTRIES {
                return;
            }
        }
        self.map.insert(
            token.into(),
            Entry {
                principal: principal.clone(),
                until: Instant::now() + left,
                generation,
            },
        );
    }

    /// How many lookups were answered from the cache.
    #[cfg(test)]
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Scopes;

    fn principal() -> Principal {
        Principal::jwt("alice", Scopes::from_names(["opik:read"]), "tag".into())
    }

    fn in_secs(s: u64) -> Option<u64> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
        Some(now + s)
    }

    #[test]
    fn a_hit_needs_the_same_token_and_key_generation() {
        let c = VerifiedTokens::default();
        c.insert("t1", &principal(), in_secs(60), 1);
        assert_eq!(
            c.get("t1", 1).map(|p| p.id().to_owned()),
            Some("jwt:alice".into())
        );
        assert!(c.get("t2", 1).is_none(), "another token");
        assert!(c.get("t1", 2).is_none(), "the JWKS was fetched again");
        assert!(c.get("t1", 1).is_none(), "a stale entry is dropped");
        assert_eq!(c.hits(), 1);
    }

    #[test]
    fn expired_or_exp_less_tokens_are_not_kept() {
        let c = VerifiedTokens::default();
        c.insert("old", &principal(), in_secs(0), 1);
        c.insert("no-exp", &principal(), None, 1);
        assert!(c.get("old", 1).is_none());
        assert!(c.get("no-exp", 1).is_none());
    }
}
