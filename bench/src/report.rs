//! Latency statistics and output (table + JSON).

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Collected figures of one run.
#[derive(Debug, Serialize, Default)]
pub struct Figures {
    pub label: String,
    pub transport: String,
    pub method: String,
    pub sessions: usize,
    pub requests_per_session: usize,
    pub replies: u64,
    pub errors: u64,
    pub misrouted: u64,
    pub wall_s: f64,
    pub replies_per_s: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub connect_p50_ms: f64,
    pub connect_p99_ms: f64,
    pub rss_before_kib: Option<u64>,
    pub rss_after_kib: Option<u64>,
    pub server_cpu_us_per_reply: Option<f64>,
}

/// A latency histogram in microseconds.
pub struct Latencies(Histogram<u64>);

impl Latencies {
    pub fn new() -> Self {
        #[expect(clippy::unwrap_used, reason = "constant, valid bounds")]
        Self(Histogram::new_with_bounds(1, 600_000_000, 3).unwrap())
    }

    pub fn record(&mut self, d: Duration) {
        let us = d.as_micros().clamp(1, 600_000_000) as u64;
        let _ = self.0.record(us);
    }

    pub fn merge(&mut self, other: &Latencies) {
        let _ = self.0.add(&other.0);
    }

    pub fn count(&self) -> u64 {
        self.0.len()
    }

    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        self.0.value_at_quantile(q) as f64 / 1000.0
    }

    pub fn max_ms(&self) -> f64 {
        self.0.max() as f64 / 1000.0
    }
}

/// Print figures as a table row set and optionally write JSON.
pub fn print(figs: &[Figures], json: Option<&std::path::Path>) -> anyhow::Result<()> {
    println!(
        "{:<28} {:>9} {:>8} {:>6} {:>9} {:>11} {:>8} {:>8} {:>8} {:>8} {:>9} {:>10} {:>10} {:>11}",
        "run",
        "transport",
        "sessions",
        "errors",
        "misrouted",
        "replies/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "conn p50",
        "RSS before",
        "RSS after",
        "srv CPU/rep"
    );
    for f in figs {
        println!(
            "{:<28} {:>9} {:>8} {:>6} {:>9} {:>11.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>9.2} {:>10} {:>10} {:>11}",
            f.label,
            f.transport,
            f.sessions,
            f.errors,
            f.misrouted,
            f.replies_per_s,
            f.p50_ms,
            f.p90_ms,
            f.p99_ms,
            f.max_ms,
            f.connect_p50_ms,
            f.rss_before_kib
                .map(|k| format!("{} MiB", k / 1024))
                .unwrap_or_default(),
            f.rss_after_kib
                .map(|k| format!("{} MiB", k / 1024))
                .unwrap_or_default(),
            f.server_cpu_us_per_reply
                .map(|c| format!("{c:.0} us"))
                .unwrap_or_default(),
        );
    }
    if let Some(path) = json {
        std::fs::write(path, serde_json::to_string_pretty(figs)?)?;
    }
    Ok(())
}
