//! The HTTP client every mode uses.

/// A client for `connections` concurrent connections; `insecure` accepts any server
/// certificate (the benchmark's self-signed one on loopback). HTTP/1.1 only, over TLS too:
/// each session gets its own connections, as separate MCP clients would, and TLS runs stay
/// comparable with plain ones (over HTTP/2, ALPN would multiplex every session on one
/// connection, where 100 open SSE streams plus 100 POSTs reach the server's stream limit).
pub fn build(connections: usize, insecure: bool) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .tcp_nodelay(true)
        .http1_only()
        .tls_danger_accept_invalid_certs(insecure)
        .build()
}
