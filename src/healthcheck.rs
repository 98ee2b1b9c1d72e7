//! `opik-mcp healthcheck`: a one-shot HTTP/1.1 GET for container health checks.
//!
//! The runtime image is distroless (no shell, no curl), so Docker's `HEALTHCHECK` runs the
//! binary itself. This is blocking std I/O on purpose: no runtime, no config, no TLS (the
//! probe targets the plain-HTTP admin listener on loopback), and it exits within the timeout.

use std::{
    io::{Read, Write},
    net::{TcpStream, ToSocketAddrs},
    time::{Duration, Instant},
};

use crate::config::HealthcheckArgs;

/// Why a probe failed.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The URL is not a plain `http://host[:port]/path` URL.
    #[error("unsupported URL {0:?}: expected http://host[:port]/path")]
    BadUrl(String),
    /// Name resolution, connect, write or read failed, or the deadline passed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The answer was not an HTTP status line.
    #[error("not an HTTP response: {0:?}")]
    BadResponse(String),
    /// The status was not 2xx.
    #[error("unhealthy: HTTP {0}")]
    Status(u16),
}

/// GET `args.url`; `Ok(status)` for a 2xx answer.
pub fn probe(args: &HealthcheckArgs) -> Result<u16, ProbeError> {
    let url = url::Url::parse(&args.url).map_err(|_| ProbeError::BadUrl(args.url.clone()))?;
    let host = match (url.scheme(), url.host_str()) {
        ("http", Some(h)) => h.to_owned(),
        _ => return Err(ProbeError::BadUrl(args.url.clone())),
    };
    let port = url.port_or_known_default().unwrap_or(80);
    let deadline = Instant::now() + Duration::from_secs(args.timeout_secs.max(1));
    let remaining = || {
        deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };

    let host_for_lookup = host.trim_start_matches('[').trim_end_matches(']');
    let addr = (host_for_lookup, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| std::io::Error::other(format!("{host} resolves to no address")))?;
    let mut stream = TcpStream::connect_timeout(&addr, remaining())?;
    stream.set_write_timeout(Some(remaining()))?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: opik-mcp-healthcheck\r\nConnection: close\r\n\r\n",
        &url[url::Position::BeforePath..url::Position::AfterQuery],
        &url[url::Position::BeforeHost..url::Position::AfterPort],
    );
    stream.write_all(request.as_bytes())?;

    // Only the status line matters; read until it is complete.
    let mut head = Vec::with_capacity(256);
    let mut buf = [0u8; 256];
    while !head.contains(&b'\n') && head.len() < 4096 {
        stream.set_read_timeout(Some(remaining()))?;
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let line = line.lines().next().unwrap_or_default();
    let status = line
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.get(2..5))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| ProbeError::BadResponse(line.chars().take(80).collect()))?;
    if (200..300).contains(&status) {
        Ok(status)
    } else {
        Err(ProbeError::Status(status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(url: &str) -> HealthcheckArgs {
        HealthcheckArgs {
            url: url.into(),
            timeout_secs: 1,
        }
    }

    #[test]
    fn https_and_relative_urls_are_refused_before_any_io() {
        for url in ["https://127.0.0.1/healthz", "/healthz", "ftp://x/"] {
            assert!(
                matches!(probe(&args(url)), Err(ProbeError::BadUrl(_))),
                "{url}"
            );
        }
    }

    #[test]
    fn a_closed_port_is_an_io_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let r = probe(&args(&format!("http://127.0.0.1:{port}/healthz")));
        assert!(matches!(r, Err(ProbeError::Io(_))), "{r:?}");
    }
}
