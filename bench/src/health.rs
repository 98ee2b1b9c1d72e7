//! `health`: `GET /health` with keep-alive over C connections — the HTTP stack's ceiling,
//! so MCP throughput can be stated as a fraction of it on the same run.

use std::time::{Duration, Instant};

use futures::future::join_all;

use crate::report::Latencies;

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
}

pub async fn run(args: HealthArgs) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.connections + 8)
        .tcp_nodelay(true)
        .build()?;
    let url = format!("{}/health", args.url.trim_end_matches('/'));
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
    let wall: Duration = start.elapsed();
    println!(
        "GET /health: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, errors {errors}, {} connections",
        all.count() as f64 / wall.as_secs_f64(),
        all.quantile_ms(0.5),
        all.quantile_ms(0.99),
        args.connections
    );
    Ok(())
}
