//! A keyed GCRA limiter (`governor`) over a key store with a hard cap.
//!
//! governor's own keyed stores grow with every distinct key until `retain_recent` runs, so a
//! flood of distinct keys (spoofed IPs, invented API-key names) could grow memory without
//! bound between sweeps. [`BoundedStore`] caps the number of keys: past the cap, keys it has
//! not seen share one overflow bucket (they are limited together) until the periodic sweep
//! evicts idle keys. Eviction is exact: a key is dropped only once it has been idle for the
//! time its bucket takes to refill, when its state equals a fresh one.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use dashmap::DashMap;
use governor::{
    Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    middleware::StateInformationMiddleware,
    nanos::Nanos,
    state::{InMemoryState, NotKeyed, StateStore},
};

/// One key's bucket and when it was last used.
#[derive(Default)]
struct Slot {
    state: InMemoryState,
    last_used_ms: AtomicU64,
}

/// A governor state store with at most `max_keys` keys. Shared (`Arc`) so the limiter's
/// owner can sweep and measure it: governor lends no borrow of the store it owns.
#[derive(Clone)]
pub struct BoundedStore(Arc<StoreInner>);

/// The contents of [`BoundedStore`].
pub struct StoreInner {
    map: DashMap<Arc<str>, Slot>,
    overflow: InMemoryState,
    max_keys: usize,
    overflowed: AtomicU64,
    epoch: Instant,
}

impl StoreInner {
    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }
}

impl StateStore for BoundedStore {
    type Key = Arc<str>;

    fn measure_and_replace<T, F, E>(&self, key: &Self::Key, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        let this = &self.0;
        let now = this.now_ms();
        if let Some(slot) = this.map.get(key) {
            slot.last_used_ms.store(now, Ordering::Relaxed);
            return slot.state.measure_and_replace(&NotKeyed::NonKey, f);
        }
        if this.map.len() >= this.max_keys {
            this.overflowed.fetch_add(1, Ordering::Relaxed);
            return this.overflow.measure_and_replace(&NotKeyed::NonKey, f);
        }
        let slot = this.map.entry(Arc::clone(key)).or_default();
        slot.last_used_ms.store(now, Ordering::Relaxed);
        slot.state.measure_and_replace(&NotKeyed::NonKey, f)
    }
}

/// The outcome of one check, with what the `x-ratelimit-*` headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// No quota applies.
    Unlimited,
    /// Allowed.
    Allowed {
        /// Burst size (`x-ratelimit-limit`).
        limit: u32,
        /// Requests left right now (`x-ratelimit-remaining`).
        remaining: u32,
        /// Seconds until the bucket is full again (`x-ratelimit-reset`).
        reset_secs: u64,
    },
    /// Refused.
    Limited {
        /// Burst size.
        limit: u32,
        /// Time until one request is allowed again (`Retry-After`).
        retry_after: Duration,
    },
}

/// A keyed limiter with bounded memory.
pub struct KeyedLimiter {
    name: &'static str,
    limiter: RateLimiter<Arc<str>, BoundedStore, DefaultClock, StateInformationMiddleware>,
    store: BoundedStore,
    burst: u32,
    /// Time one cell takes to replenish.
    period: Duration,
}

/// Approximate bytes one key costs (map entry, key `Arc<str>` header, bucket); the key text
/// itself is added per key.
const BYTES_PER_KEY: usize = 64;

impl KeyedLimiter {
    /// A limiter named `name` (for logs) with `quota`, remembering at most `max_keys` keys.
    pub fn new(name: &'static str, quota: Quota, max_keys: usize) -> Self {
        let store = BoundedStore(Arc::new(StoreInner {
            map: DashMap::new(),
            overflow: InMemoryState::default(),
            max_keys,
            overflowed: AtomicU64::new(0),
            epoch: Instant::now(),
        }));
        let clock = DefaultClock::default();
        let limiter = RateLimiter::<_, _, _, governor::middleware::NoOpMiddleware<_>>::new(
            quota,
            store.clone(),
            clock,
        )
        .with_middleware::<StateInformationMiddleware>();
        Self {
            name,
            limiter,
            store,
            burst: quota.burst_size().get(),
            period: quota.replenish_interval(),
        }
    }

    /// Count one request for `key`.
    pub fn check(&self, key: &Arc<str>) -> Decision {
        match self.limiter.check_key(key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let missing = self.burst.saturating_sub(remaining);
                Decision::Allowed {
                    limit: self.burst,
                    remaining,
                    reset_secs: (self.period * missing).as_secs_f64().ceil() as u64,
                }
            }
            Err(not_until) => Decision::Limited {
                limit: self.burst,
                retry_after: not_until.wait_time_from(self.limiter.clock().now()),
            },
        }
    }

    /// The limiter's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    fn store(&self) -> &StoreInner {
        &self.store.0
    }

    /// Keys currently remembered.
    pub fn len(&self) -> usize {
        self.store().map.len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks that went to the shared overflow bucket because the key cap was reached.
    pub fn overflowed(&self) -> u64 {
        self.store().overflowed.load(Ordering::Relaxed)
    }

    /// Approximate memory held by the keys, bytes.
    pub fn approx_bytes(&self) -> usize {
        self.store()
            .map
            .iter()
            .map(|e| BYTES_PER_KEY + e.key().len())
            .sum()
    }

    /// Drop keys idle for longer than their bucket takes to refill (their state is then the
    /// same as a fresh key's). Returns how many were dropped.
    pub fn evict_idle(&self) -> usize {
        let store = self.store();
        let refill = self.period * self.burst;
        let refill_ms = refill.as_millis() as u64;
        let now = store.now_ms();
        let before = store.map.len();
        store.map.retain(|_, slot| {
            now.saturating_sub(slot.last_used_ms.load(Ordering::Relaxed)) <= refill_ms
        });
        if store.map.len() < before / 2 {
            store.map.shrink_to_fit();
        }
        before.saturating_sub(store.map.len())
    }
}
