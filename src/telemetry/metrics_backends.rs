//! The typed helpers of the metrics the service's back ends report: the audit store, the
//! upstream Opik API, the JWT issuer's key set (JWKS) and the async runtime. Declared with
//! the others in `metrics.rs`.

use std::time::Duration;

use metrics::{counter, gauge, histogram};

use super::*;
use crate::telemetry::labels::{PoolState, UpstreamEndpoint};

// ---- Store -----------------------------------------------------------------------------

/// One audit batch was written.
pub fn audit_batch(records: usize, took: Duration) {
    histogram!(AUDIT_BATCH_SIZE).record(records as f64);
    histogram!(AUDIT_BATCH_DURATION).record(took.as_secs_f64());
}

/// Audit records spilled to the local file.
pub fn audit_spilled(records: u64) {
    counter!(AUDIT_SPILLED).increment(records);
}

/// Spilled audit records written back.
pub fn audit_replayed(records: u64) {
    counter!(AUDIT_REPLAYED).increment(records);
}

/// Audit records lost.
pub fn audit_lost(records: u64) {
    counter!(AUDIT_LOST).increment(records);
}

/// Database pool usage (sample it periodically or at scrape).
pub fn db_pool(in_use: u32, idle: u32, max: u32) {
    gauge!(DB_POOL_CONNECTIONS, "state" => PoolState::InUse.as_str()).set(f64::from(in_use));
    gauge!(DB_POOL_CONNECTIONS, "state" => PoolState::Idle.as_str()).set(f64::from(idle));
    gauge!(DB_POOL_MAX).set(f64::from(max));
}

// ---- JWKS ------------------------------------------------------------------------------

/// A JWKS fetch finished: `Some(keys)` when it succeeded with that many usable keys.
pub fn jwks_fetch(keys: Option<usize>) {
    let result = if keys.is_some() { "ok" } else { "error" };
    counter!(JWKS_FETCHES, "result" => result).increment(1);
    if let Some(n) = keys {
        gauge!(JWKS_KEYS).set(n as f64);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        gauge!(JWKS_LAST_SUCCESS).set(now.as_secs_f64());
    }
}

// ---- Upstream Opik ---------------------------------------------------------------------

/// One request to the Opik API finished; `status` is `None` when no response arrived.
pub fn upstream_request(endpoint: UpstreamEndpoint, status: Option<u16>, took: Duration) {
    let status = match status {
        Some(code @ 100..=599) => code.to_string(),
        Some(_) | None => "error".to_owned(),
    };
    counter!(UPSTREAM_REQUESTS, "endpoint" => endpoint.as_str(), "status" => status).increment(1);
    histogram!(UPSTREAM_DURATION, "endpoint" => endpoint.as_str()).record(took.as_secs_f64());
}

/// A request to the Opik API timed out.
pub fn upstream_timeout(endpoint: UpstreamEndpoint) {
    counter!(UPSTREAM_TIMEOUTS, "endpoint" => endpoint.as_str()).increment(1);
}

/// A request to the Opik API is retried.
pub fn upstream_retry(endpoint: UpstreamEndpoint) {
    counter!(UPSTREAM_RETRIES, "endpoint" => endpoint.as_str()).increment(1);
}

// ---- Runtime ---------------------------------------------------------------------------

/// Sample the async runtime's stable metrics (cheap: a few atomic loads).
pub fn tokio_runtime(handle: &tokio::runtime::Handle) {
    let m = handle.metrics();
    gauge!(TOKIO_WORKERS).set(m.num_workers() as f64);
    gauge!(TOKIO_ALIVE_TASKS).set(m.num_alive_tasks() as f64);
    gauge!(TOKIO_GLOBAL_QUEUE).set(m.global_queue_depth() as f64);
}
