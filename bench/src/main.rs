//! opik-mcp-bench: a load generator for opik-mcp over legacy SSE and Streamable HTTP.
//!
//! Modes:
//! - `load`: S concurrent sessions, one request in flight each, R requests per session.
//! - `idle`: open N SSE streams, hold them, report the server's RSS at steps and after closing.
//! - `startup`: spawn the binary and time the first `GET /health` 200.
//! - `health`: the HTTP-stack ceiling, `GET /health` with keep-alive over C connections.
//! - `proxy`: a per-request round-robin proxy in front of several replicas (no affinity).
//! - `fake-opik`: a minimal Opik REST API, so an Opik tool can be driven on loopback.
//! - `hello`: poem's hello-world (`GET /health`, no middleware), the HTTP stack's ceiling.
//! - `conformance-server`: the product's HTTP stack with the conformance suite's fixtures.

mod client;
mod conformance;
mod fake_opik;
mod health;
mod hello;
mod idle;
mod load;
mod proc_stats;
mod proxy;
mod report;
mod startup;

use clap::{Parser, Subcommand};

/// Load generator for opik-mcp.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Drive MCP requests over S sessions.
    Load(load::LoadArgs),
    /// Hold N idle SSE streams and sample the server's memory.
    Idle(idle::IdleArgs),
    /// Median time from spawn to the first `/health` 200.
    Startup(startup::StartupArgs),
    /// `GET /health` throughput with keep-alive (the HTTP ceiling).
    Health(health::HealthArgs),
    /// Per-request round-robin HTTP proxy over several replicas.
    Proxy(proxy::ProxyArgs),
    /// Serve a minimal fake Opik API (`list-projects`) on loopback.
    FakeOpik(fake_opik::FakeOpikArgs),
    /// Serve poem's hello-world (`GET /health`, no middleware) on loopback.
    Hello(hello::HelloArgs),
    /// The server's own HTTP stack serving the conformance suite's fixtures.
    ConformanceServer(conformance::ConformanceArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().mode {
        Mode::Load(a) => load::run(a).await,
        Mode::Idle(a) => idle::run(a).await,
        Mode::Startup(a) => startup::run(a).await,
        Mode::Health(a) => health::run(a).await,
        Mode::Proxy(a) => proxy::run(a).await,
        Mode::FakeOpik(a) => fake_opik::run(a).await,
        Mode::Hello(a) => hello::run(a).await,
        Mode::ConformanceServer(a) => conformance::run(a).await,
    }
}
