//! Resumable streams (Streamable HTTP, 2025-03-26 … 2025-11-25): every event a session's GET
//! stream sends carries an id naming its stream and its place in it (`<stream>-<seq>`), and a
//! bounded log of the last events lets a client that lost the connection resume with
//! `Last-Event-ID` without losing what was sent meanwhile. A POST answered as an event stream
//! (sessions at 2025-11-25 or later) is a stream of its own (`<n>-0` primes it, `<n>-1` is the
//! reply), kept in the same log so that a client whose POST connection dropped gets the reply
//! by resuming that stream.

use std::{
    collections::{HashSet, VecDeque},
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use bytes::Bytes;
use tokio::sync::Notify;

/// The stream number of a session's GET stream; POST streams are numbered from 1. Kept in
/// the id so that ids of one stream can never be taken for another's.
pub const GET_STREAM: u64 = 0;

/// Bytes held by every session's replay log (the `opik_mcp_stream_replay_bytes` gauge).
static HELD_BYTES: AtomicUsize = AtomicUsize::new(0);

/// What all replay logs hold, in bytes.
pub fn held_bytes() -> usize {
    HELD_BYTES.load(Ordering::Relaxed)
}

/// How many events a log keeps, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct ReplayLimits {
    /// Most events kept (0: none).
    pub events: usize,
    /// Oldest event kept.
    pub age: Duration,
}

impl Default for ReplayLimits {
    fn default() -> Self {
        Self {
            events: 100,
            age: Duration::from_secs(300),
        }
    }
}

/// A kept event: its stream, its place in it, when it was sent, the framed bytes.
type Kept = (u64, u64, Instant, Bytes);

/// The session's log of sent events, all streams together (one bound for all).
#[derive(Default)]
struct Log {
    /// The last sequence number given on the GET stream (events are numbered from 1).
    last: u64,
    /// The last POST stream number given.
    last_post: u64,
    /// POST streams still waiting for their reply.
    pending: HashSet<u64>,
    events: VecDeque<Kept>,
}

/// The replay log of a session's streams.
#[derive(Default)]
pub struct ReplayLog {
    limits: Mutex<ReplayLimits>,
    log: Mutex<Log>,
    /// Woken when a POST stream gets its reply (or ends without one).
    settled: Notify,
}

impl ReplayLog {
    /// Set the bounds (at session start).
    pub fn set_limits(&self, limits: ReplayLimits) {
        *self.limits.lock().unwrap_or_else(|p| p.into_inner()) = limits;
    }

    /// Frame `json` as the stream's next event (`id:` and `data:`) and keep it for replay.
    pub fn frame(&self, json: &[u8]) -> Bytes {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.last += 1;
        let seq = log.last;
        self.keep(&mut log, GET_STREAM, seq, json)
    }

    /// Open a POST stream: its number and its priming event (`<n>-0`, empty data, `retry`).
    pub fn open_post(&self, retry_ms: u64) -> (u64, Bytes) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.last_post += 1;
        let stream = log.last_post;
        log.pending.insert(stream);
        let priming = format!("id: {stream}-0\nretry: {retry_ms}\ndata: \n\n");
        (stream, Bytes::from(priming))
    }

    /// Frame `json` as POST stream `stream`'s reply (`<n>-1`) and keep it for replay, whether
    /// or not the POST's connection is still there to take it.
    pub fn frame_post(&self, stream: u64, json: &[u8]) -> Bytes {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        let frame = self.keep(&mut log, stream, 1, json);
        log.pending.remove(&stream);
        drop(log);
        self.settled.notify_waiters();
        frame
    }

    /// POST stream `stream` ends without a reply (the client cancelled the request).
    pub fn close_post(&self, stream: u64) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.pending.remove(&stream);
        drop(log);
        self.settled.notify_waiters();
    }

    /// The POST stream `last_event_id` names, if it is one this log gave.
    pub fn post_stream(&self, last_event_id: &str) -> Option<u64> {
        let (stream, _) = parse_id(last_event_id)?;
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        (stream != GET_STREAM && stream <= log.last_post).then_some(stream)
    }

    /// The events of POST stream `stream` after `last_event_id` once its reply is in (or it
    /// ended without one), waiting at most `wait` for that.
    pub async fn settle_post(
        &self,
        stream: u64,
        last_event_id: &str,
        wait: Duration,
    ) -> Vec<Bytes> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let settled = self.settled.notified();
            tokio::pin!(settled);
            settled.as_mut().enable();
            let pending = {
                let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
                log.pending.contains(&stream)
            };
            if !pending || tokio::time::timeout_at(deadline, settled).await.is_err() {
                return self.since(last_event_id).unwrap_or_default();
            }
        }
    }

    fn keep(&self, log: &mut Log, stream: u64, seq: u64, json: &[u8]) -> Bytes {
        let limits = *self.limits.lock().unwrap_or_else(|p| p.into_inner());
        let mut buf = Vec::with_capacity(json.len() + 48);
        buf.extend_from_slice(format!("id: {stream}-{seq}\n").as_bytes());
        if stream != GET_STREAM {
            buf.extend_from_slice(b"event: message\n");
        }
        buf.extend_from_slice(b"data: ");
        buf.extend_from_slice(json);
        buf.extend_from_slice(b"\n\n");
        let frame = Bytes::from(buf);
        if limits.events > 0 {
            HELD_BYTES.fetch_add(frame.len(), Ordering::Relaxed);
            log.events
                .push_back((stream, seq, Instant::now(), frame.clone()));
        }
        prune(log, limits);
        frame
    }

    /// The priming event a stream opens with: the id of the last event sent (so resuming
    /// from it replays nothing old), empty data, and the client's reconnection delay.
    pub fn priming(&self, retry_ms: u64) -> Bytes {
        let last = self.log.lock().unwrap_or_else(|p| p.into_inner()).last;
        Bytes::from(format!(
            "id: {GET_STREAM}-{last}\nretry: {retry_ms}\ndata: \n\n"
        ))
    }

    /// The events of `last_event_id`'s stream sent after it, oldest first, still in the log.
    /// `None` when the id is not one this log gave.
    pub fn since(&self, last_event_id: &str) -> Option<Vec<Bytes>> {
        let (stream, seq) = parse_id(last_event_id)?;
        let limits = *self.limits.lock().unwrap_or_else(|p| p.into_inner());
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        let known = match stream {
            GET_STREAM => seq <= log.last,
            _ => stream <= log.last_post && seq <= 1,
        };
        if !known {
            return None;
        }
        prune(&mut log, limits);
        Some(
            log.events
                .iter()
                .filter(|(s, n, _, _)| *s == stream && *n > seq)
                .map(|(_, _, _, f)| f.clone())
                .collect(),
        )
    }
}

impl Drop for ReplayLog {
    fn drop(&mut self) {
        let log = self.log.get_mut().unwrap_or_else(|p| p.into_inner());
        let held: usize = log.events.iter().map(|(_, _, _, f)| f.len()).sum();
        HELD_BYTES.fetch_sub(held, Ordering::Relaxed);
    }
}

/// `<stream>-<seq>` as numbers.
fn parse_id(id: &str) -> Option<(u64, u64)> {
    let (stream, seq) = id.trim().split_once('-')?;
    Some((stream.parse().ok()?, seq.parse().ok()?))
}

/// Drop events beyond the count or older than the age.
fn prune(log: &mut Log, limits: ReplayLimits) {
    while let Some((_, _, at, frame)) = log.events.front() {
        if log.events.len() <= limits.events && at.elapsed() <= limits.age {
            break;
        }
        HELD_BYTES.fetch_sub(frame.len(), Ordering::Relaxed);
        log.events.pop_front();
    }
}

#[cfg(test)]
#[path = "replay_tests.rs"]
mod tests;
