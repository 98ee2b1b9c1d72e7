//! The HTTP client every mode uses.

/// A client for `connections` concurrent connections; `insecure` accepts any server
/// certificate (the benchmark's self-signed one on loopback).
pub fn build(connections: usize, insecure: bool) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .tcp_nodelay(true)
        .tls_danger_accept_invalid_certs(insecure)
        .build()
}
