//! `idle`: hold N SSE streams open and sample the server's RSS at steps, then close them all.

use std::time::Duration;

use anyhow::{Context, bail};
use futures::{StreamExt, stream};
use serde::Serialize;

use crate::proc_stats;

/// Options of `idle`.
#[derive(clap::Args)]
pub struct IdleArgs {
    /// Server base URL.
    #[arg(long, default_value = "http://127.0.0.1:3001")]
    pub url: String,
    /// Server PID (required: RSS is read from /proc).
    #[arg(long)]
    pub pid: u32,
    /// Stream counts at which to sample, ascending.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    pub steps: Vec<usize>,
    /// Streams opened concurrently while ramping up.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Seconds to wait after every stream closed before the last sample.
    #[arg(long, default_value_t = 12)]
    pub settle_secs: u64,
    /// Accept any server certificate (a self-signed one on loopback).
    #[arg(long)]
    pub insecure: bool,
    /// Write the samples as JSON here.
    #[arg(long)]
    pub json: Option<std::path::PathBuf>,
}

#[derive(Serialize)]
struct Sample {
    streams: usize,
    rss_kib: u64,
    fds: usize,
}

pub async fn run(args: IdleArgs) -> anyhow::Result<()> {
    let client = crate::client::build(0, args.insecure)?;
    let url = format!("{}/sse", args.url.trim_end_matches('/'));
    let mut samples = vec![sample(args.pid, 0)?];
    let mut held = Vec::new();
    for &target in &args.steps {
        let need = target.saturating_sub(held.len());
        let opened: Vec<_> = stream::iter(0..need)
            .map(|_| open(&client, &url))
            .buffer_unordered(args.concurrency)
            .collect()
            .await;
        for s in opened {
            held.push(s.with_context(|| format!("opening stream {} of {target}", held.len()))?);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        samples.push(sample(args.pid, held.len())?);
    }
    drop(held);
    // The server notices closed streams at its next write (keep-alive): wait for it.
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if sample(args.pid, 0)?.fds < samples[0].fds + 16 {
            break;
        }
    }
    // Then give the server time to hand freed memory back (it checks every few seconds).
    tokio::time::sleep(Duration::from_secs(args.settle_secs)).await;
    samples.push(sample(args.pid, 0)?);
    println!("{:>8} {:>10} {:>8}", "streams", "RSS MiB", "fds");
    for s in &samples {
        println!(
            "{:>8} {:>10.1} {:>8}",
            s.streams,
            s.rss_kib as f64 / 1024.0,
            s.fds
        );
    }
    if let Some(p) = &args.json {
        std::fs::write(p, serde_json::to_string_pretty(&samples)?)?;
    }
    Ok(())
}

fn sample(pid: u32, streams: usize) -> anyhow::Result<Sample> {
    Ok(Sample {
        streams,
        rss_kib: proc_stats::rss_kib(pid).context("no such server pid")?,
        fds: proc_stats::open_fds(pid).unwrap_or(0),
    })
}

async fn open(
    client: &reqwest::Client,
    url: &str,
) -> anyhow::Result<impl futures::Stream<Item = reqwest::Result<bytes::Bytes>>> {
    let resp = client.get(url).send().await?;
    if !resp.status().is_success() {
        bail!("GET /sse answered {}", resp.status());
    }
    let mut body = resp.bytes_stream();
    // Wait for the endpoint event so the session really exists.
    let first = body.next().await.context("stream closed")??;
    if !String::from_utf8_lossy(&first).contains("endpoint") {
        bail!("first event is not endpoint");
    }
    Ok(body)
}
