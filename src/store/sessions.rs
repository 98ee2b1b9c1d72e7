//! [`SessionsWriter`]: session rows written on create and close, with last-seen and counters
//! updated at most every `audit.session_update_secs` (never per message).

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicI64, Ordering},
    },
    time::Duration,
};

use chrono::{DateTime, Utc};
use dashmap::DashMap;
use tokio_util::sync::CancellationToken;

use super::{AuditSink, Op, SessionActivity, SessionEnd, SessionOpened, model::now};
use crate::{
    domain::SessionId,
    events::{ClientInfo, EndReason, ObservedSession, Observer, Outcome, RequestEvent},
};

/// In-memory counters of one live session.
struct Tracked {
    hash: String,
    requests: AtomicI64,
    errors: AtomicI64,
    last_seen_us: AtomicI64,
    dirty: AtomicBool,
    client: Mutex<Option<ClientInfo>>,
}

impl Tracked {
    fn activity(&self, ended: Option<SessionEnd>) -> SessionActivity {
        let client = self
            .client
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let last_seen = DateTime::from_timestamp_micros(self.last_seen_us.load(Ordering::Acquire))
            .unwrap_or_else(Utc::now);
        SessionActivity {
            session_hash: self.hash.clone(),
            last_seen_at: last_seen,
            request_count: self.requests.load(Ordering::Acquire),
            error_count: self.errors.load(Ordering::Acquire),
            protocol_version: client.as_ref().map(|c| c.protocol_version.clone()),
            client_name: client.as_ref().map(|c| c.name.clone()),
            client_version: client.map(|c| c.version),
            ended,
        }
    }
}

/// Keeps the `sessions` table in step with the registry.
pub struct SessionsWriter {
    sink: AuditSink,
    instance_id: String,
    live: DashMap<SessionId, Arc<Tracked>>,
}

impl SessionsWriter {
    /// Rows go to `sink`, tagged with this replica's `instance_id`.
    pub fn new(sink: AuditSink, instance_id: String) -> Arc<Self> {
        Arc::new(Self {
            sink,
            instance_id,
            live: DashMap::new(),
        })
    }

    /// Queue an update for every session with activity since the last flush.
    pub fn flush(&self) {
        for entry in &self.live {
            if entry.dirty.swap(false, Ordering::AcqRel) {
                self.sink.submit(Op::SessionActivity(entry.activity(None)));
            }
        }
    }

    /// Flush every `period` until `stop`.
    pub async fn run(self: Arc<Self>, period: Duration, stop: CancellationToken) {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tick.tick() => self.flush(),
            }
        }
    }
}

impl Observer for SessionsWriter {
    fn session_opened(&self, session: &dyn ObservedSession) {
        let at = now();
        let hash = session.id_hash().to_owned();
        self.live.insert(
            session.id().clone(),
            Arc::new(Tracked {
                hash: hash.clone(),
                requests: AtomicI64::new(0),
                errors: AtomicI64::new(0),
                last_seen_us: AtomicI64::new(at.timestamp_micros()),
                dirty: AtomicBool::new(false),
                client: Mutex::new(None),
            }),
        );
        self.sink.submit(Op::SessionOpened(SessionOpened {
            session_hash: hash,
            transport: session.transport().as_str().to_owned(),
            subject: session.owner().map(str::to_owned),
            client_addr: session.origin().remote_addr.clone(),
            instance_id: self.instance_id.clone(),
            created_at: at,
        }));
    }

    fn request_finished(&self, session: &dyn ObservedSession, e: &RequestEvent<'_>) {
        let Some(t) = self.live.get(session.id()).map(|t| Arc::clone(t.value())) else {
            return;
        };
        t.requests.fetch_add(1, Ordering::AcqRel);
        if e.outcome != Outcome::Ok {
            t.errors.fetch_add(1, Ordering::AcqRel);
        }
        t.last_seen_us
            .fetch_max(now().timestamp_micros(), Ordering::AcqRel);
        if e.method == "initialize" {
            *t.client.lock().unwrap_or_else(|p| p.into_inner()) = session.client_info();
        }
        t.dirty.store(true, Ordering::Release);
    }

    fn session_closed(&self, session: &dyn ObservedSession, reason: EndReason) {
        let Some((_, t)) = self.live.remove(session.id()) else {
            return;
        };
        if t.client.lock().unwrap_or_else(|p| p.into_inner()).is_none() {
            *t.client.lock().unwrap_or_else(|p| p.into_inner()) = session.client_info();
        }
        let end = SessionEnd {
            ended_at: now(),
            reason: reason.as_str().to_owned(),
        };
        self.sink.submit(Op::SessionActivity(t.activity(Some(end))));
    }
}
