//! Resumable streams (Streamable HTTP, 2025-03-26 … 2025-11-25): every event a session's GET
//! stream sends carries an id naming its stream and its place in it (`<stream>-<seq>`), and a
//! bounded log of the last events lets a client that lost the connection resume with
//! `Last-Event-ID` without losing what was sent meanwhile.

use std::{
    collections::VecDeque,
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use bytes::Bytes;

/// The stream number of a session's GET stream (the only resumable stream: POST replies
/// are answered in one piece). Kept in the id so that ids of other streams can never be
/// taken for it.
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

/// One stream's log of sent events.
#[derive(Default)]
struct Log {
    /// The last sequence number given (events are numbered from 1).
    last: u64,
    events: VecDeque<(u64, Instant, Bytes)>,
}

/// The replay log of a session's GET stream.
#[derive(Default)]
pub struct ReplayLog {
    limits: Mutex<ReplayLimits>,
    log: Mutex<Log>,
}

impl ReplayLog {
    /// Set the bounds (at session start).
    pub fn set_limits(&self, limits: ReplayLimits) {
        *self.limits.lock().unwrap_or_else(|p| p.into_inner()) = limits;
    }

    /// Frame `json` as the stream's next event (`id:` and `data:`) and keep it for replay.
    pub fn frame(&self, json: &[u8]) -> Bytes {
        let limits = *self.limits.lock().unwrap_or_else(|p| p.into_inner());
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.last += 1;
        let mut buf = Vec::with_capacity(json.len() + 32);
        buf.extend_from_slice(format!("id: {GET_STREAM}-{}\ndata: ", log.last).as_bytes());
        buf.extend_from_slice(json);
        buf.extend_from_slice(b"\n\n");
        let frame = Bytes::from(buf);
        if limits.events > 0 {
            HELD_BYTES.fetch_add(frame.len(), Ordering::Relaxed);
            let seq = log.last;
            log.events.push_back((seq, Instant::now(), frame.clone()));
        }
        prune(&mut log, limits);
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

    /// The events sent after `last_event_id`, oldest first, still in the log. `None` when
    /// the id is not one of this stream's (another stream's, or not ours at all).
    pub fn since(&self, last_event_id: &str) -> Option<Vec<Bytes>> {
        let (stream, seq) = last_event_id.trim().split_once('-')?;
        let (stream, seq) = (stream.parse::<u64>().ok()?, seq.parse::<u64>().ok()?);
        let limits = *self.limits.lock().unwrap_or_else(|p| p.into_inner());
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        if stream != GET_STREAM || seq > log.last {
            return None;
        }
        prune(&mut log, limits);
        Some(
            log.events
                .iter()
                .filter(|(n, _, _)| *n > seq)
                .map(|(_, _, f)| f.clone())
                .collect(),
        )
    }
}

impl Drop for ReplayLog {
    fn drop(&mut self) {
        let log = self.log.get_mut().unwrap_or_else(|p| p.into_inner());
        let held: usize = log.events.iter().map(|(_, _, f)| f.len()).sum();
        HELD_BYTES.fetch_sub(held, Ordering::Relaxed);
    }
}

/// Drop events beyond the count or older than the age.
fn prune(log: &mut Log, limits: ReplayLimits) {
    while let Some((_, at, frame)) = log.events.front() {
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
