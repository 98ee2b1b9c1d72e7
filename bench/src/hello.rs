//! `hello`: poem's hello-world, `GET /health` answered by a bare poem handler with no
//! middleware — the ceiling of the HTTP stack opik-mcp is built on, measured in the same run as
//! the server (`scripts/bench.sh`: MCP ping ÷ this).

use poem::{Route, Server, get, handler, listener::TcpListener};

/// Options of `hello`.
#[derive(clap::Args)]
pub struct HelloArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3002")]
    pub listen: String,
}

#[handler]
fn health() -> &'static str {
    "ok"
}

pub async fn run(args: HelloArgs) -> anyhow::Result<()> {
    let app = Route::new().at("/health", get(health));
    println!("poem hello-world on http://{}", args.listen);
    Server::new(TcpListener::bind(args.listen)).run(app).await?;
    Ok(())
}
