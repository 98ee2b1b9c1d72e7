//! `conformance-server`: the product's own HTTP stack (listeners, middleware, sessions,
//! Streamable HTTP and legacy SSE transports) serving the official conformance suite's
//! fixture tools, prompts and resources (`test_*`) in place of the Opik handler, so every
//! suite scenario exercises our transports. Configuration is read exactly as the shipped
//! binary reads it (environment and `--config`), with the bind address from the arguments;
//! the audit trail and the admin listener are off.

mod catalog;
mod handler;
mod tools;

use std::{net::IpAddr, sync::Arc};

use anyhow::Context;
use clap::Parser;
use opik_mcp::{
    config::{self, Cli},
    session::HandlerFactory,
    startup::Application,
};
use rmcp::ServiceExt;

/// Arguments of `conformance-server`.
#[derive(clap::Args)]
pub struct ConformanceArgs {
    /// Port to listen on (0 picks a free one; the address is printed).
    #[arg(long, default_value_t = 3001)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// A configuration file, as the server's `--config`.
    #[arg(long)]
    config: Option<String>,
}

/// Build the product's application with the fixture handler and serve until stopped.
pub async fn run(args: ConformanceArgs) -> anyhow::Result<()> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut argv = vec![
        "opik-mcp".to_owned(),
        "--transport=sse".to_owned(),
        format!("--sse-host={}", args.host),
        format!("--sse-port={}", args.port),
        "--sse-log-path".to_owned(),
    ];
    if let Some(c) = args.config {
        argv.push(format!("--config={c}"));
    }
    let cli = Cli::try_parse_from(argv).context("conformance-server arguments")?;
    let mut settings = config::load(&cli).context("conformance-server configuration")?;
    // A test fixture: no audit database in the working directory, no admin listener on a
    // fixed port that a second copy (or the server under test) would collide with.
    settings.audit.enabled = false;
    settings.admin.enabled = false;
    opik_mcp::telemetry::init(&settings.log, None)?;
    let app = Application::build(settings).await?;
    let factory: HandlerFactory = Arc::new(|| handler::Fixtures::default().into_dyn());
    app.registry().set_handler(factory);
    println!(
        "conformance-server: listening on http://{}/mcp",
        app.local_addr()
    );
    app.run_until_stopped().await
}
