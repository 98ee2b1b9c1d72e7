//! `proxy`: a per-request round-robin HTTP proxy in front of several replicas, with no
//! affinity of any kind: request N goes to upstream N mod U. Bodies stream both ways (an SSE
//! response flows as the upstream writes it). Used to check that sessions shared through
//! PostgreSQL survive every request landing on a different replica (tests/suites/12-replicas.sh).

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use futures::TryStreamExt;
use poem::{Body, Request, Response, Server, http::StatusCode, listener::TcpListener};

/// Arguments of `proxy`.
#[derive(clap::Args)]
pub struct ProxyArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3100")]
    pub listen: String,
    /// Upstream base URLs, comma-separated (e.g. `http://127.0.0.1:3001,http://127.0.0.1:3002`).
    #[arg(long, value_delimiter = ',', required = true)]
    pub upstream: Vec<String>,
}

/// Headers that describe one hop, not the message (RFC 9110 §7.6.1), plus `host`.
const HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

struct Proxy {
    upstream: Vec<String>,
    next: AtomicUsize,
    client: reqwest::Client,
}

impl Proxy {
    async fn forward(&self, req: Request) -> Response {
        let n = self.next.fetch_add(1, Ordering::Relaxed) % self.upstream.len();
        let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
        let url = format!("{}{}", self.upstream[n], path);
        let mut out = self.client.request(req.method().clone(), url);
        for (name, value) in req.headers() {
            if !HOP.contains(&name.as_str()) {
                out = out.header(name, value);
            }
        }
        let (_, body) = req.into_parts();
        let stream = body.into_bytes_stream();
        let out = out.body(reqwest::Body::wrap_stream(stream));
        match out.send().await {
            Ok(resp) => {
                let mut builder = Response::builder().status(resp.status());
                for (name, value) in resp.headers() {
                    if !HOP.contains(&name.as_str()) && name != "content-length" {
                        builder = builder.header(name, value);
                    }
                }
                let body = resp.bytes_stream().map_err(std::io::Error::other);
                builder.body(Body::from_bytes_stream(body))
            }
            Err(e) => Response::builder()
                .status(StatusCode::BAD_GATEWAY)
                .body(format!("upstream {n} failed: {e}")),
        }
    }
}

/// Serve until interrupted.
pub async fn run(args: ProxyArgs) -> anyhow::Result<()> {
    anyhow::ensure!(!args.upstream.is_empty(), "--upstream is required");
    let proxy = Arc::new(Proxy {
        upstream: args
            .upstream
            .iter()
            .map(|u| u.trim_end_matches('/').to_owned())
            .collect(),
        next: AtomicUsize::new(0),
        // No pooling across upstreams matters here; keep-alive per upstream is fine.
        client: reqwest::Client::builder().build()?,
    });
    let app = poem::endpoint::make(move |req: Request| {
        let proxy = Arc::clone(&proxy);
        async move { proxy.forward(req).await }
    });
    eprintln!(
        "proxy: {} -> {} (round robin per request)",
        args.listen,
        args.upstream.join(", ")
    );
    Server::new(TcpListener::bind(args.listen)).run(app).await?;
    Ok(())
}
