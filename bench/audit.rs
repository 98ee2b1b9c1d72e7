//! Audit benchmarks (not a timed test): `cargo bench --bench audit`.
//!
//! 1. Writer throughput: records/s the batch writer sustains into SQLite (temp file) and
//!    PostgreSQL (a fresh database on `BENCH_PG_URL`, default the local test server).
//! 2. MCP throughput with the audit trail off vs on, in the same run, alternating rounds:
//!    `tools/call` over Streamable HTTP from concurrent sessions on loopback.
//!
//! Client and server share the machine (and, on a shared host, with other tenants), so
//! absolute figures are lower bounds; the on/off ratio is the figure that matters (goal
//! ≥ 0.9). Each round also reports the process's CPU time per request, which does not
//! depend on how much CPU other processes leave us.
//! `BENCH_PROFILE=on|off` runs a single round (for `perf record`).

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use opik_mcp::{
    config::{Settings, TransportMode},
    session::Outcome,
    startup::Application,
    store::{AuditRecord, Op, Persistence, RecordKind, SessionActivity, SessionOpened},
};
use serde_json::{Value, json};
use sqlx::{Connection, Executor, PgConnection};

const WRITER_RECORDS: u64 = 200_000;
const MCP_SESSIONS: usize = 32;
const MCP_ROUND: Duration = Duration::from_secs(5);
const MCP_ROUNDS: usize = 3;

fn base_settings(dir: &std::path::Path, db_url: &str) -> Settings {
    let mut s = Settings {
        transport: TransportMode::Sse,
        ..Settings::default()
    };
    s.server.host = "127.0.0.1".into();
    s.server.port = 0;
    s.server.log_path = "".into();
    s.database.url = db_url.to_owned().into();
    s.audit.spill_path = dir.join("bench.spill");
    s
}

fn record(i: u64) -> Op {
    Op::Audit(AuditRecord {
        id: uuid::Uuid::now_v7(),
        occurred_at: chrono::Utc::now(),
        kind: RecordKind::Request,
        session_hash: Some("a".repeat(64)),
        subject: Some("bench".into()),
        method: Some("tools/call".into()),
        name: Some("get-server-info".into()),
        arguments_digest: Some("d".repeat(64)),
        arguments: None,
        outcome: Outcome::Ok,
        error_code: None,
        http_status: None,
        upstream_status: None,
        latency_us: Some(250),
        request_id: Some(i.to_string()),
        client_addr: Some("127.0.0.1:40000".into()),
        detail: None,
    })
}

/// Sessions whose activity the mixed workload updates (a busy server's flush: one update per
/// active session per interval).
const WRITER_SESSIONS: u64 = 100;

fn session_hash(n: u64) -> String {
    format!("{n:064x}")
}

/// Op `i` of the mixed workload: every tenth op updates one of the sessions' activity.
fn mixed_op(i: u64) -> Op {
    if i % 10 != 9 {
        return record(i);
    }
    Op::SessionActivity(SessionActivity {
        session_hash: session_hash(i / 10 % WRITER_SESSIONS),
        last_seen_at: chrono::Utc::now(),
        request_count: (i / 10) as i64,
        error_count: 0,
        protocol_version: Some("2025-11-25".into()),
        client_name: Some("bench".into()),
        client_version: None,
        ended: None,
    })
}

/// Ops/s from submit to commit: audit records only, or (`mixed`) with a session update for
/// every nine records, spread over [`WRITER_SESSIONS`] sessions opened first.
async fn writer_throughput(settings: &Settings, mixed: bool) -> f64 {
    let p = Persistence::start(settings, "bench".into())
        .await
        .expect("persistence")
        .expect("enabled");
    let sink = p.sink();
    let mut opened = 0;
    if mixed {
        for n in 0..WRITER_SESSIONS {
            sink.submit(Op::SessionOpened(SessionOpened {
                session_hash: session_hash(n),
                transport: "streamable-http".into(),
                subject: Some("bench".into()),
                client_addr: None,
                instance_id: "bench".into(),
                created_at: chrono::Utc::now(),
            }));
        }
        opened = WRITER_SESSIONS;
        while sink.status().written < opened {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let start = Instant::now();
    for i in 0..WRITER_RECORDS {
        sink.submit(if mixed { mixed_op(i) } else { record(i) });
    }
    while sink.status().written < opened + WRITER_RECORDS {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let rate = WRITER_RECORDS as f64 / start.elapsed().as_secs_f64();
    let status = p.shutdown().await;
    assert_eq!(status.lost, 0);
    rate
}

struct Pg {
    name: String,
    url: String,
    admin: String,
}

async fn pg_database() -> Pg {
    let admin = std::env::var("BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!("opik_mcp_bench_{}", uuid::Uuid::new_v4().simple());
    let mut c = PgConnection::connect(&admin).await.expect("PostgreSQL");
    c.execute(sqlx::AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
        .await
        .expect("create");
    let mut url = url::Url::parse(&admin).expect("url");
    url.set_path(&name);
    Pg {
        name,
        url: url.to_string(),
        admin,
    }
}

async fn drop_pg(pg: Pg) {
    let mut c = PgConnection::connect(&pg.admin).await.expect("PostgreSQL");
    c.execute(sqlx::AssertSqlSafe(format!(
        r#"DROP DATABASE IF EXISTS "{}" WITH (FORCE)"#,
        pg.name
    )))
    .await
    .expect("drop");
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    body: &Value,
    sid: Option<&str>,
) -> reqwest::Response {
    let mut req = client
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body.to_string());
    if let Some(s) = sid {
        req = req
            .header("mcp-session-id", s)
            .header("mcp-protocol-version", "2025-11-25");
    }
    req.send().await.expect("POST")
}

/// CPU time this process has used (user + system), from `/proc/self/stat` (Linux).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    // After the command name: state is field 3, utime 14 and stime 15 (1-based).
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i)?.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux
}

/// One round's result.
#[derive(Debug, Clone, Copy)]
struct Round {
    /// Requests per second.
    rate: f64,
    /// CPU microseconds per request (client + server + writer: the whole process).
    cpu_us: f64,
}

/// Requests/s of `tools/call` over `MCP_SESSIONS` concurrent sessions for `MCP_ROUND`.
async fn mcp_round(settings: Settings) -> Round {
    let app = Application::build(settings).await.expect("app");
    let url = format!("http://{}/mcp", app.local_addr());
    let stop_app = app.shutdown_token();
    let server = tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(MCP_SESSIONS * 2)
        .build()
        .expect("client");
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "bench", "version": "1"}}});
    let mut sids = Vec::new();
    for _ in 0..MCP_SESSIONS {
        let resp = post(&client, &url, &init, None).await;
        sids.push(
            resp.headers()["mcp-session-id"]
                .to_str()
                .expect("sid")
                .to_owned(),
        );
    }
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let cpu_start = cpu_time();
    let tasks: Vec<_> = sids
        .into_iter()
        .map(|sid| {
            let (client, url, done, stop) =
                (client.clone(), url.clone(), done.clone(), stop.clone());
            tokio::spawn(async move {
                let mut id = 1i64;
                while !stop.load(Ordering::Relaxed) {
                    let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                        "params": {"name": "get-server-info", "arguments": {}}});
                    let resp = post(&client, &url, &body, Some(&sid)).await;
                    assert_eq!(resp.status(), 200);
                    resp.bytes().await.expect("body");
                    done.fetch_add(1, Ordering::Relaxed);
                    id += 1;
                }
            })
        })
        .collect();
    tokio::time::sleep(MCP_ROUND).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.expect("task");
    }
    let elapsed = start.elapsed();
    let cpu = cpu_time() - cpu_start;
    let n = done.load(Ordering::Relaxed) as f64;
    stop_app.cancel();
    server.await.expect("server").expect("stopped");
    Round {
        rate: n / elapsed.as_secs_f64(),
        cpu_us: cpu.as_secs_f64() * 1e6 / n,
    }
}

async fn mcp_compare(label: &str, dir: &std::path::Path, db_url: &str) {
    let (mut off, mut on) = (Vec::new(), Vec::new());
    for round in 0..MCP_ROUNDS {
        let mut s_off = base_settings(dir, db_url);
        s_off.audit.enabled = false;
        let s_on = base_settings(dir, db_url);
        // Alternate which goes first, so warm-up and drift hit both.
        if round % 2 == 0 {
            off.push(mcp_round(s_off).await);
            on.push(mcp_round(s_on).await);
        } else {
            on.push(mcp_round(s_on).await);
            off.push(mcp_round(s_off).await);
        }
    }
    let mean = |v: &[Round], f: fn(&Round) -> f64| v.iter().map(f).sum::<f64>() / v.len() as f64;
    let (off_r, on_r) = (mean(&off, |r| r.rate), mean(&on, |r| r.rate));
    let (off_c, on_c) = (mean(&off, |r| r.cpu_us), mean(&on, |r| r.cpu_us));
    println!(
        "| audit {label} | off {off_r:.0} req/s, {off_c:.1} µs CPU/req | on {on_r:.0} req/s, {on_c:.1} µs CPU/req | throughput ratio {:.3} | CPU ratio {:.3} |",
        on_r / off_r,
        off_c / on_c
    );
    let rates = |v: &[Round]| v.iter().map(|r| r.rate.round()).collect::<Vec<_>>();
    println!("  rounds off: {:?}  on: {:?}", rates(&off), rates(&on));
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` / test harness probes
    }
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let dir = tempfile::tempdir().expect("temp dir");
    if std::env::var("BENCH_PROFILE").is_ok() {
        let url = format!("sqlite://{}", dir.path().join("p.db").display());
        let mut s = base_settings(dir.path(), &url);
        s.audit.enabled = std::env::var("BENCH_PROFILE").as_deref() == Ok("on");
        println!("profile round: {:?}", mcp_round(s).await);
        return;
    }
    let sqlite_url = format!("sqlite://{}", dir.path().join("bench.db").display());

    println!("## audit writer throughput ({WRITER_RECORDS} ops, batch 500)");
    println!(
        "| backend | audit records only | 1 in 10 a session update ({WRITER_SESSIONS} sessions) |"
    );
    let sqlite = writer_throughput(&base_settings(dir.path(), &sqlite_url), false).await;
    let mixed_url = format!("sqlite://{}", dir.path().join("mixed.db").display());
    let mixed = writer_throughput(&base_settings(dir.path(), &mixed_url), true).await;
    println!("| SQLite (WAL, synchronous=FULL) | {sqlite:.0} ops/s | {mixed:.0} ops/s |");
    let pg = pg_database().await;
    let rate = writer_throughput(&base_settings(dir.path(), &pg.url), false).await;
    let pg_mixed = pg_database().await;
    let mixed = writer_throughput(&base_settings(dir.path(), &pg_mixed.url), true).await;
    drop_pg(pg_mixed).await;
    println!("| PostgreSQL (local) | {rate:.0} ops/s | {mixed:.0} ops/s |");

    println!(
        "## MCP throughput, audit off vs on ({MCP_ROUNDS} alternating rounds of {MCP_ROUND:?})"
    );
    let fresh = format!("sqlite://{}", dir.path().join("mcp.db").display());
    mcp_compare("on SQLite", dir.path(), &fresh).await;
    mcp_compare("on PostgreSQL", dir.path(), &pg.url).await;
    drop_pg(pg).await;
}
