//! `startup`: spawn the server binary and time the first `GET /health` 200.

use std::{
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};

/// Options of `startup`.
#[derive(clap::Args)]
pub struct StartupArgs {
    /// Path of the opik-mcp binary.
    #[arg(long, default_value = "target/release/opik-mcp")]
    pub bin: String,
    /// Runs (the median is reported).
    #[arg(long, default_value_t = 11)]
    pub runs: usize,
    /// Write the figures (median, min, max in ms) as JSON here.
    #[arg(long)]
    pub json: Option<std::path::PathBuf>,
    /// Extra arguments for the server.
    #[arg(last = true)]
    pub extra: Vec<String>,
}

pub async fn run(args: StartupArgs) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let mut times = Vec::new();
    for _ in 0..args.runs {
        let port = free_port()?;
        let start = Instant::now();
        let mut child = tokio::process::Command::new(&args.bin)
            .args(["--transport=sse", "--sse-host=127.0.0.1", "--sse-log-path="])
            .arg(format!("--sse-port={port}"))
            .args(&args.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("spawning {}", args.bin))?;
        let url = format!("http://127.0.0.1:{port}/health");
        let elapsed = loop {
            if let Ok(r) = client.get(&url).send().await
                && r.status() == 200
            {
                break start.elapsed();
            }
            if start.elapsed() > Duration::from_secs(10) {
                bail!("no /health 200 within 10 s");
            }
            tokio::time::sleep(Duration::from_micros(500)).await;
        };
        times.push(elapsed);
        child.kill().await?;
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (median, min, max) = (
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
    );
    println!(
        "start to first /health 200: median {median:.1} ms, min {min:.1} ms, max {max:.1} ms over {} runs",
        times.len()
    );
    if let Some(p) = &args.json {
        let figures = serde_json::json!({"median_ms": median, "min_ms": min, "max_ms": max,
                                         "runs": times.len()});
        std::fs::write(p, figures.to_string())?;
    }
    Ok(())
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
