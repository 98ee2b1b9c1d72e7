//! The audit writer: one task that batches queued ops (by size and time) into one
//! transaction each, spills to the fsync'd file when the database is down or slow, replays
//! the file in order once it is back, and on shutdown stores everything accepted.
//!
//! Failure modes (see docs/operations.md):
//! - database error or a batch slower than `audit.write_timeout_secs`: the batch goes to
//!   the spill file; the database is retried with exponential backoff (replay in order,
//!   then direct writes again). State `spilling`, `/readyz` degraded.
//! - spill append fails too (disk full, `audit.spill_max_bytes`, permissions): state
//!   `failing`. fail-closed keeps the ops in memory and retries (new requests get 503, so
//!   memory stays bounded); fail-open drops them and counts them as lost.

use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use tokio::{
    sync::mpsc::{UnboundedReceiver, error::TryRecvError},
    time::Instant,
};
use tokio_util::sync::CancellationToken;

use super::{
    Op, Store,
    sink::{Shared, WriterState, metric},
    spill::Spill,
};
use crate::{
    config::{AuditSettings, OnFailure},
    telemetry::metrics as telemetry,
};

/// Longest pause between database retries.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Time one replay round may take before new records get a turn.
const REPLAY_ROUND: Duration = Duration::from_millis(250);

/// The writer task's state.
pub(crate) struct Writer {
    store: Store,
    rx: UnboundedReceiver<Op>,
    shared: Arc<Shared>,
    /// `None` only while a blocking call holds it.
    spill: Option<Spill>,
    batch_size: usize,
    batch_interval: Duration,
    write_timeout: Duration,
    retry_interval: Duration,
    policy: OnFailure,
    /// Ops neither the database nor the spill file took (fail-closed only).
    stuck: Vec<Op>,
    /// The database is not tried again before this.
    retry_at: Option<Instant>,
    backoff: Duration,
}

impl Writer {
    pub(crate) fn new(
        store: Store,
        rx: UnboundedReceiver<Op>,
        shared: Arc<Shared>,
        spill: Spill,
        cfg: &AuditSettings,
    ) -> Self {
        shared
            .spill_pending
            .store(spill.pending(), Ordering::Release);
        let w = Self {
            store,
            rx,
            shared,
            spill: Some(spill),
            batch_size: cfg.batch_size,
            batch_interval: cfg.batch_interval(),
            write_timeout: cfg.write_timeout(),
            retry_interval: cfg.retry_interval(),
            policy: cfg.on_failure,
            stuck: Vec::new(),
            retry_at: None,
            backoff: cfg.retry_interval(),
        };
        w.refresh_state();
        w
    }

    /// Run until `stop`, then store what was accepted within `flush_timeout`.
    pub(crate) async fn run(mut self, stop: CancellationToken, flush_timeout: Duration) {
        while !stop.is_cancelled() {
            let batch = self.gather(&stop).await;
            if !batch.is_empty() {
                self.place(batch).await;
            }
            self.retry_stuck().await;
            self.replay().await;
            self.refresh_state();
        }
        self.finish(flush_timeout).await;
    }

    fn spill_pending(&self) -> u64 {
        self.spill.as_ref().map_or(0, Spill::pending)
    }

    fn db_due(&self) -> bool {
        self.retry_at.is_none_or(|t| Instant::now() >= t)
    }

    /// When the loop must wake without new ops: a retry or a replay is due.
    fn wake_at(&self) -> Option<Instant> {
        if self.stuck.is_empty() && self.spill_pending() == 0 && self.retry_at.is_none() {
            return None;
        }
        Some(self.retry_at.unwrap_or_else(Instant::now))
    }

    /// Wait for a first op (or a due retry, or stop), then fill the batch until it is full
    /// or `batch_interval` has passed.
    async fn gather(&mut self, stop: &CancellationToken) -> Vec<Op> {
        let mut batch = Vec::new();
        let wake = self.wake_at();
        tokio::select! {
            op = self.rx.recv() => match op {
                Some(op) => batch.push(op),
                None => { stop.cancelled().await; }
            },
            _ = stop.cancelled() => {}
            _ = sleep_until_opt(wake) => {}
        }
        if !batch.is_empty() {
            let deadline = Instant::now() + self.batch_interval;
            while batch.len() < self.batch_size {
                match self.rx.try_recv() {
                    Ok(op) => {
                        batch.push(op);
                        continue;
                    }
                    Err(TryRecvError::Disconnected) => break,
                    Err(TryRecvError::Empty) => {}
                }
                tokio::select! {
                    op = self.rx.recv() => match op {
                        Some(op) => batch.push(op),
                        None => break,
                    },
                    _ = tokio::time::sleep_until(deadline) => break,
                    _ = stop.cancelled() => break,
                }
            }
        }
        self.took(batch.len());
        batch
    }

    fn took(&self, n: usize) {
        let left = self.shared.queued.fetch_sub(n, Ordering::AcqRel) - n;
        metrics::gauge!(metric::QUEUED).set(left as f64);
    }

    /// Store a batch: the database when it is up and nothing older waits, else the spill.
    async fn place(&mut self, batch: Vec<Op>) {
        if !self.stuck.is_empty() {
            self.stuck.extend(batch);
            return;
        }
        if self.spill_pending() == 0 && self.db_due() && self.write_db(&batch).await {
            return;
        }
        self.spill_batch(batch).await;
    }

    /// One transaction; on failure the database is paused (backoff).
    async fn write_db(&mut self, ops: &[Op]) -> bool {
        let started = Instant::now();
        let result = tokio::time::timeout(self.write_timeout, self.store.write_batch(ops)).await;
        let error = match result {
            Ok(Ok(())) => {
                telemetry::audit_batch(ops.len(), started.elapsed());
                self.shared
                    .written
                    .fetch_add(ops.len() as u64, Ordering::Relaxed);
                metrics::counter!(metric::WRITTEN).increment(ops.len() as u64);
                if self.retry_at.take().is_some() {
                    tracing::info!("audit database is back");
                }
                self.backoff = self.retry_interval;
                return true;
            }
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("batch write took longer than {:?}", self.write_timeout),
        };
        if self.retry_at.is_none() {
            tracing::warn!(error = %error, "audit database unavailable; spilling to file");
        }
        self.shared.set_error(Some(error));
        self.retry_at = Some(Instant::now() + self.backoff);
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        false
    }

    /// Append to the spill file (blocking I/O off the runtime). On failure the policy
    /// decides: keep in memory (fail-closed) or drop and count (fail-open).
    async fn spill_batch(&mut self, batch: Vec<Op>) {
        let n = batch.len();
        let (spill, result, batch) = self
            .with_spill(move |s| {
                let r = s.append(&batch);
                (r, batch)
            })
            .await;
        self.spill = spill;
        match result {
            Ok(()) => telemetry::audit_spilled(n as u64),
            Err(e) => {
                let msg = format!("spill file: {e}");
                self.shared.set_error(Some(msg.clone()));
                match self.policy {
                    OnFailure::FailClosed => {
                        if self.stuck.is_empty() {
                            tracing::error!(error = %msg,
                                "audit records cannot be stored; refusing new requests");
                        }
                        self.stuck = batch;
                        self.retry_at.get_or_insert(Instant::now() + self.backoff);
                    }
                    OnFailure::FailOpen => self.shared.lose(n as u64, &msg),
                }
            }
        }
        self.publish_spill();
    }

    /// Run `f` on the spill file in a blocking thread.
    async fn with_spill<T: Send + 'static>(
        &mut self,
        f: impl FnOnce(&mut Spill) -> (std::io::Result<()>, T) + Send + 'static,
    ) -> (Option<Spill>, std::io::Result<()>, T) {
        #[expect(
            clippy::expect_used,
            reason = "taken only for the duration of one call"
        )]
        let mut spill = self.spill.take().expect("spill file taken twice");
        let joined = tokio::task::spawn_blocking(move || {
            let (r, t) = f(&mut spill);
            (spill, r, t)
        })
        .await;
        match joined {
            Ok((s, r, t)) => (Some(s), r, t),
            Err(e) => panic!("spill task panicked: {e}"),
        }
    }

    fn publish_spill(&self) {
        let pending = self.spill_pending();
        self.shared.spill_pending.store(pending, Ordering::Release);
        metrics::gauge!(metric::SPILL_PENDING).set(pending as f64);
    }

    /// Retry ops held in memory: the database first, else the spill file.
    async fn retry_stuck(&mut self) {
        if self.stuck.is_empty() || !self.db_due() {
            return;
        }
        let batch = std::mem::take(&mut self.stuck);
        if self.spill_pending() == 0 && self.write_db(&batch).await {
            tracing::info!(records = batch.len(), "held audit records stored");
            return;
        }
        self.spill_batch(batch).await;
        if self.stuck.is_empty() {
            tracing::info!("held audit records spilled");
        }
    }

    /// Replay the spill file in order while the database takes it (one round at most).
    async fn replay(&mut self) {
        if !self.db_due() || !self.stuck.is_empty() {
            return;
        }
        if self.spill_pending() == 0 {
            if self.retry_at.is_some() && self.store.ping().await.is_ok() {
                self.retry_at = None;
                self.backoff = self.retry_interval;
            }
            return;
        }
        let round = Instant::now() + REPLAY_ROUND;
        while self.spill_pending() > 0 && Instant::now() < round {
            let size = self.batch_size * 4;
            let (spill, read, chunk) = self
                .with_spill(move |s| match s.read_chunk(size) {
                    Ok(c) => (Ok(()), Some(c)),
                    Err(e) => (Err(e), None),
                })
                .await;
            self.spill = spill;
            let Some(chunk) = read.ok().and(chunk) else {
                tracing::error!("cannot read the audit spill file; will retry");
                self.retry_at = Some(Instant::now() + self.backoff);
                return;
            };
            self.shared.lose(chunk.corrupt, "unreadable spill line");
            if !chunk.ops.is_empty() && !self.write_db(&chunk.ops).await {
                return;
            }
            telemetry::audit_replayed(chunk.ops.len() as u64);
            let (spill, advanced, ()) = self.with_spill(move |s| (s.advance(&chunk), ())).await;
            self.spill = spill;
            if let Err(e) = advanced {
                tracing::error!(error = %e, "cannot truncate the audit spill file");
            }
            self.publish_spill();
        }
        if self.spill_pending() == 0 {
            tracing::info!("audit spill file replayed");
        }
    }

    fn refresh_state(&self) {
        let state = if !self.stuck.is_empty() {
            WriterState::Failing
        } else if self.spill_pending() > 0 || self.retry_at.is_some() {
            WriterState::Spilling
        } else {
            WriterState::Ok
        };
        if state == WriterState::Ok {
            self.shared.set_error(None);
        }
        self.shared.set_state(state);
    }

    /// Shutdown: take everything queued, store it (database, else spill), replay what time
    /// allows; only what neither takes is lost (and counted).
    async fn finish(mut self, flush_timeout: Duration) {
        let deadline = Instant::now() + flush_timeout;
        self.rx.close();
        let mut rest = std::mem::take(&mut self.stuck);
        let mut drained = 0;
        while let Ok(op) = self.rx.try_recv() {
            rest.push(op);
            drained += 1;
        }
        self.took(drained);
        // One more database attempt whatever the backoff says: this is the last chance.
        self.retry_at = None;
        let total = rest.len();
        let mut chunks = rest.chunks(self.batch_size.max(1)).map(<[Op]>::to_vec);
        while let Some(chunk) = chunks.next() {
            let direct = self.spill_pending() == 0 && self.db_due() && Instant::now() < deadline;
            if direct && self.write_db(&chunk).await {
                continue;
            }
            let remainder: Vec<Op> = std::iter::once(chunk)
                .chain(chunks.by_ref())
                .flatten()
                .collect();
            self.spill_or_lose(remainder).await;
            break;
        }
        while self.spill_pending() > 0 && self.db_due() && Instant::now() < deadline {
            let before = self.spill_pending();
            self.replay().await;
            if self.spill_pending() == before {
                break;
            }
        }
        self.refresh_state();
        let s = &self.shared;
        tracing::info!(
            flushed = total,
            written = s.written.load(Ordering::Relaxed),
            spill_pending = self.spill_pending(),
            lost = s.lost.load(Ordering::Relaxed),
            "audit writer stopped"
        );
    }

    async fn spill_or_lose(&mut self, ops: Vec<Op>) {
        let n = ops.len() as u64;
        let (spill, result, ()) = self.with_spill(move |s| (s.append(&ops), ())).await;
        self.spill = spill;
        if let Err(e) = result {
            self.shared.lose(n, &format!("shutdown: spill file: {e}"));
        }
        self.publish_spill();
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
