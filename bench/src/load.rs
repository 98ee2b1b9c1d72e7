//! `load`: S sessions × R requests, one in flight per session, over either transport.

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use eventsource_stream::Eventsource;
use futures::{StreamExt, future::join_all};
use serde_json::{Value, json};

use crate::{
    client, proc_stats,
    report::{self, Figures, Latencies},
};

/// Which transport to drive.
#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum Transport {
    /// Legacy HTTP+SSE.
    Sse,
    /// Streamable HTTP.
    Streamable,
}

/// Options of `load`.
#[derive(clap::Args, Clone)]
pub struct LoadArgs {
    /// Server base URL.
    #[arg(long, default_value = "http://127.0.0.1:3001")]
    pub url: String,
    /// Transport(s) to drive, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "sse,streamable")]
    pub transport: Vec<Transport>,
    /// Concurrent sessions.
    #[arg(long, default_value_t = 100)]
    pub sessions: usize,
    /// Requests per session.
    #[arg(long, default_value_t = 200)]
    pub requests: usize,
    /// `ping`, `tools/list` or `tools/call`.
    #[arg(long, default_value = "tools/list")]
    pub method: String,
    /// Tool for `tools/call`.
    #[arg(long, default_value = "get-server-info")]
    pub tool: String,
    /// JSON arguments for `tools/call`.
    #[arg(long, default_value = "{}")]
    pub args: String,
    /// Bearer token to send.
    #[arg(long)]
    pub token: Option<String>,
    /// `Origin` header to send (exercises the CORS and Origin checks).
    #[arg(long)]
    pub origin: Option<String>,
    /// Accept any server certificate (a self-signed one on loopback).
    #[arg(long)]
    pub insecure: bool,
    /// Server PID, to report RSS before/after.
    #[arg(long)]
    pub pid: Option<u32>,
    /// Label of this run in the output.
    #[arg(long, default_value = "")]
    pub label: String,
    /// Write the figures as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Exit non-zero on any error or misrouted reply (smoke mode for CI).
    #[arg(long)]
    pub strict: bool,
}

#[derive(Default)]
struct SessionResult {
    connect: Option<Duration>,
    latencies: Option<Latencies>,
    errors: u64,
    misrouted: u64,
}

pub async fn run(args: LoadArgs) -> anyhow::Result<()> {
    let mut figs = Vec::new();
    for &t in &args.transport {
        figs.push(run_one(&args, t).await?);
    }
    report::print(&figs, args.json.as_deref())?;
    if args.strict {
        let bad: u64 = figs.iter().map(|f| f.errors + f.misrouted).sum();
        let expected = (args.sessions * args.requests) as u64;
        if bad > 0 || figs.iter().any(|f| f.replies != expected) {
            bail!("smoke run failed: {bad} errors or misrouted replies");
        }
        println!("{} passed, 0 failed", figs.len());
    }
    Ok(())
}

async fn run_one(args: &LoadArgs, transport: Transport) -> anyhow::Result<Figures> {
    let client = client::build(args.sessions * 2 + 16, args.insecure)?;
    let ctx = Arc::new(Ctx {
        client,
        base: args.url.trim_end_matches('/').to_owned(),
        token: args.token.clone(),
        origin: args.origin.clone(),
        request: request_template(args)?,
        requests: args.requests,
    });
    let rss_before = args.pid.and_then(proc_stats::rss_kib);
    let cpu_before = args.pid.and_then(proc_stats::cpu_us);
    let start = Instant::now();
    let results = join_all((0..args.sessions).map(|s| {
        let ctx = Arc::clone(&ctx);
        tokio::spawn(async move {
            let r = match transport {
                Transport::Sse => sse_session(&ctx, s).await,
                Transport::Streamable => streamable_session(&ctx, s).await,
            };
            r.unwrap_or_else(|e| {
                eprintln!("session {s}: {e:#}");
                SessionResult {
                    errors: 1,
                    ..Default::default()
                }
            })
        })
    }))
    .await;
    let wall = start.elapsed();
    let rss_after = args.pid.and_then(proc_stats::rss_kib);
    let cpu = args
        .pid
        .and_then(proc_stats::cpu_us)
        .zip(cpu_before)
        .map(|(a, b)| a.saturating_sub(b));

    let mut all = Latencies::new();
    let mut connects = Latencies::new();
    let (mut errors, mut misrouted) = (0, 0);
    for r in results {
        let r = r.context("session task panicked")?;
        errors += r.errors;
        misrouted += r.misrouted;
        if let Some(l) = &r.latencies {
            all.merge(l);
        }
        if let Some(c) = r.connect {
            connects.record(c);
        }
    }
    Ok(Figures {
        label: if args.label.is_empty() {
            args.method.clone()
        } else {
            args.label.clone()
        },
        transport: format!("{transport:?}").to_lowercase(),
        method: args.method.clone(),
        sessions: args.sessions,
        requests_per_session: args.requests,
        replies: all.count(),
        errors,
        misrouted,
        wall_s: wall.as_secs_f64(),
        replies_per_s: all.count() as f64 / wall.as_secs_f64(),
        p50_ms: all.quantile_ms(0.5),
        p90_ms: all.quantile_ms(0.9),
        p99_ms: all.quantile_ms(0.99),
        max_ms: all.max_ms(),
        connect_p50_ms: connects.quantile_ms(0.5),
        connect_p99_ms: connects.quantile_ms(0.99),
        rss_before_kib: rss_before,
        rss_after_kib: rss_after,
        // Connects and initializes included: the server's whole cost per reply.
        server_cpu_us_per_reply: cpu.map(|c| c as f64 / all.count().max(1) as f64),
    })
}

struct Ctx {
    client: reqwest::Client,
    base: String,
    token: Option<String>,
    origin: Option<String>,
    request: Value,
    requests: usize,
}

impl Ctx {
    fn post(&self, url: &str, body: &Value) -> reqwest::RequestBuilder {
        let mut b = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body.to_string());
        if let Some(t) = &self.token {
            b = b.bearer_auth(t);
        }
        if let Some(o) = &self.origin {
            b = b.header("origin", o);
        }
        b
    }

    fn body(&self, id: &str) -> Value {
        let mut v = self.request.clone();
        v["id"] = json!(id);
        v
    }
}

fn request_template(args: &LoadArgs) -> anyhow::Result<Value> {
    Ok(match args.method.as_str() {
        "ping" => json!({"jsonrpc": "2.0", "id": 0, "method": "ping"}),
        "tools/list" => json!({"jsonrpc": "2.0", "id": 0, "method": "tools/list"}),
        "tools/call" => {
            let arguments: Value =
                serde_json::from_str(&args.args).context("--args is not JSON")?;
            json!({"jsonrpc": "2.0", "id": 0, "method": "tools/call",
                   "params": {"name": args.tool, "arguments": arguments}})
        }
        other => bail!("unsupported --method {other}"),
    })
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "opik-mcp-bench", "version": env!("CARGO_PKG_VERSION")}}})
}

const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

async fn streamable_session(ctx: &Ctx, s: usize) -> anyhow::Result<SessionResult> {
    let url = format!("{}/mcp", ctx.base);
    let t0 = Instant::now();
    let resp = ctx
        .post(&url, &initialize())
        .send()
        .await?
        .error_for_status()?;
    let sid = resp
        .headers()
        .get("mcp-session-id")
        .context("no Mcp-Session-Id")?
        .to_str()?
        .to_owned();
    let _ = resp.bytes().await?;
    let note: Value = serde_json::from_str(INITIALIZED)?;
    ctx.post(&url, &note)
        .header("mcp-session-id", &sid)
        .send()
        .await?
        .error_for_status()?;
    let mut out = SessionResult {
        connect: Some(t0.elapsed()),
        ..Default::default()
    };
    let mut lat = Latencies::new();
    for k in 0..ctx.requests {
        let id = format!("s{s}-{k}");
        let t = Instant::now();
        let resp = ctx
            .post(&url, &ctx.body(&id))
            .header("mcp-session-id", &sid)
            .header("mcp-protocol-version", "2025-11-25")
            .send()
            .await;
        let reply: Option<Value> = match resp {
            Ok(r) if r.status().is_success() => r.json().await.ok(),
            _ => None,
        };
        match reply {
            Some(v) if v["id"] != json!(id) => out.misrouted += 1,
            Some(v) if v.get("error").is_some() => out.errors += 1,
            Some(_) => lat.record(t.elapsed()),
            None => out.errors += 1,
        }
    }
    // The DELETE needs the same credentials as every other request (without them it is
    // refused with 401 and the session lingers until its idle TTL; found by the soak).
    let mut delete = ctx.client.delete(&url).header("mcp-session-id", &sid);
    if let Some(t) = &ctx.token {
        delete = delete.bearer_auth(t);
    }
    let _ = delete.send().await;
    out.latencies = Some(lat);
    Ok(out)
}

async fn sse_session(ctx: &Ctx, s: usize) -> anyhow::Result<SessionResult> {
    let t0 = Instant::now();
    let mut get = ctx
        .client
        .get(format!("{}/sse", ctx.base))
        .header("accept", "text/event-stream");
    if let Some(t) = &ctx.token {
        get = get.bearer_auth(t);
    }
    if let Some(o) = &ctx.origin {
        get = get.header("origin", o);
    }
    let resp = get.send().await?.error_for_status()?;
    let mut events = resp.bytes_stream().eventsource();
    let endpoint = match events.next().await {
        Some(Ok(e)) if e.event == "endpoint" => e.data,
        _ => bail!("no endpoint event"),
    };
    let post_url = format!("{}{}", ctx.base, endpoint);
    let mut next_message = async || -> anyhow::Result<Value> {
        loop {
            match tokio::time::timeout(Duration::from_secs(60), events.next()).await {
                Ok(Some(Ok(e))) if e.event == "message" => {
                    return Ok(serde_json::from_str(&e.data)?);
                }
                Ok(Some(Ok(_))) => continue,
                _ => bail!("stream ended"),
            }
        }
    };
    ctx.post(&post_url, &initialize())
        .send()
        .await?
        .error_for_status()?;
    let init = next_message().await?;
    if init["id"] != "init" {
        bail!("initialize reply misrouted");
    }
    let note: Value = serde_json::from_str(INITIALIZED)?;
    ctx.post(&post_url, &note)
        .send()
        .await?
        .error_for_status()?;
    let mut out = SessionResult {
        connect: Some(t0.elapsed()),
        ..Default::default()
    };
    let mut lat = Latencies::new();
    for k in 0..ctx.requests {
        let id = format!("s{s}-{k}");
        let t = Instant::now();
        match ctx.post(&post_url, &ctx.body(&id)).send().await {
            Ok(r) if r.status().as_u16() == 202 => {}
            _ => {
                out.errors += 1;
                continue;
            }
        }
        match next_message().await {
            Ok(v) if v["id"] != json!(id) => out.misrouted += 1,
            Ok(v) if v.get("error").is_some() => out.errors += 1,
            Ok(_) => lat.record(t.elapsed()),
            Err(_) => {
                out.errors += 1;
                break;
            }
        }
    }
    out.latencies = Some(lat);
    Ok(out)
}
