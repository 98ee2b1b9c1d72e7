//! Retention: delete audit rows and ended sessions older than `audit.retention_days`, in
//! small batches (short transactions, short locks), once per `audit.retention_interval_secs`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::{Store, StoreError};

/// Pause between two delete batches, so the writer gets the lock in between.
const BETWEEN_BATCHES: Duration = Duration::from_millis(20);

/// What one purge removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Purged {
    /// Audit rows deleted.
    pub audit: u64,
    /// Session rows deleted.
    pub sessions: u64,
}

/// Delete everything older than `cutoff`, `batch` rows per statement.
pub async fn purge(store: &Store, cutoff: DateTime<Utc>, batch: u32) -> Result<Purged, StoreError> {
    let mut purged = Purged::default();
    loop {
        let n = store.purge_audit(cutoff, batch).await?;
        purged.audit += n;
        if n < u64::from(batch) {
            break;
        }
        tokio::time::sleep(BETWEEN_BATCHES).await;
    }
    loop {
        let n = store.purge_sessions(cutoff, batch).await?;
        purged.sessions += n;
        if n < u64::from(batch) {
            break;
        }
        tokio::time::sleep(BETWEEN_BATCHES).await;
    }
    Ok(purged)
}

/// Run [`purge`] every `interval` until `stop`; `days = 0` keeps everything.
pub async fn run(store: Store, days: u32, interval: Duration, batch: u32, stop: CancellationToken) {
    if days == 0 {
        return;
    }
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let cutoff = Utc::now() - chrono::Duration::days(i64::from(days));
        let result = tokio::select! {
            _ = stop.cancelled() => return,
            r = purge(&store, cutoff, batch) => r,
        };
        match result {
            Ok(p) if p.audit + p.sessions > 0 => {
                tracing::info!(audit = p.audit, sessions = p.sessions, %cutoff, "retention purge")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error.cause_chain = ?e, "retention purge failed; will retry"),
        }
    }
}
