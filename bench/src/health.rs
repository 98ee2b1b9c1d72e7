//! `health`: `GET /health` with keep-alive over C connections — the HTTP stack's ceiling,
//! so MCP throughput can be stated as a fraction of it on the same run.

use std::{path::PathBuf, time::Instant};

use futures::future::join_all;

use crate::{
    client, proc_stats,
    report::{self, Figures, Latencies},
};

/// Options of `health`.
#[derive(clap::Args)]
pub struct HealthArgs {
    /// Server base URL.
    #[arg(long, default_value = "http://127.0.0.1:3001")]
    pub url: String,
    /// Concurrent connections (one request in flight each).
    #[arg(long, default_value_t = 100)]
    pub connections: usize,
    /// Requests per connection.
    #[arg(long, default_value_t = 200)]
    pub requests: usize,
    /// Accept any server certificate (a self-signed one on loopback).
    #[arg(long)]
    pub insecure: bool,
    /// Server PID, to report RSS and CPU per request.
    #[arg(long)]
    pub pid: Option<u32>,
    /// Label of this run in the output.
    #[arg(long, default_value = "GET /health")]
    pub label: String,
    /// Write the figures as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

pub async fn run(args: HealthArgs) -> anyhow::Result<()> {
    let client = client::build(args.connections + 8, args.insecure)?;
    let url = format!("{}/health", args.url.trim_end_matches('/'));
    let rss_before = args.pid.and_then(proc_stats::rss_kib);
    let cpu_before = args.pid.and_then(proc_stats::cpu_us);
    let start = Instant::now();
    let tasks = (0..args.connections).map(|_| {
        let client = client.clone();
        let url = url.clone();
        let n = args.requests;
        tokio::spawn(async move {
            let mut lat = Latencies::new();
            let mut errors = 0u64;
            for _ in 0..n {
                let t = Instant::now();
                match client.get(&url).send().await {
                    Ok(r) if r.status() == 200 => {
                        let _ = r.bytes().await;
                        lat.record(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        })
    });
    let mut all = Latencies::new();
    let mut errors = 0;
    for r in join_all(tasks).await {
        let (l, e) = r?;
        all.merge(&l);
        errors += e;
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = args
        .pid
        .and_then(proc_stats::cpu_us)
        .zip(cpu_before)
        .map(|(a, b)| a.saturating_sub(b));
    let fig = Figures {
        label: args.label.clone(),
        transport: if url.starts_with("https") {
            "https"
        } else {
            "http"
        }
        .into(),
        method: "GET /health".into(),
        sessions: args.connections,
        requests_per_session: args.requests,
        replies: all.count(),
        errors,
        misrouted: 0,
        wall_s: wall,
        replies_per_s: all.count() as f64 / wall,
        p50_ms: all.quantile_ms(0.5),
        p90_ms: all.quantile_ms(0.9),
        p99_ms: all.quantile_ms(0.99),
        max_ms: all.max_ms(),
        connect_p50_ms: 0.0,
        connect_p99_ms: 0.0,
        rss_before_kib: rss_before,
        rss_after_kib: args.pid.and_then(proc_stats::rss_kib),
        server_cpu_us_per_reply: cpu.map(|c| c as f64 / all.count().max(1) as f64),
    };
    report::print(&[fig], args.json.as_deref())
}
