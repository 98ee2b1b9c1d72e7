//! Silent connections and the per-address connection bound, over raw loopback sockets: a
//! socket that sends nothing (or only the HTTP/2 preface) is closed at the request-head
//! deadline, not the idle timeout, and one address holding many silent sockets cannot take
//! `/health` down.

use std::{net::SocketAddr, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
    time::Instant,
};

use crate::helpers::{TestApp, spawn_app_with};

/// The head deadline these tests configure; the idle timeout stays at its 300 s default.
const DEADLINE: Duration = Duration::from_secs(1);
/// Slack for a loaded 2-core machine.
const MARGIN: Duration = Duration::from_secs(3);

fn addr(app: &TestApp) -> SocketAddr {
    app.base
        .trim_start_matches("http://")
        .parse()
        .expect("socket address")
}

/// Wait until the server closes `s` (EOF or reset); returns how long that took, or `None`
/// if it is still open after `within`.
async fn closed_within(s: &mut TcpStream, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout_at(started + within, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => continue,
            Err(_) => return None,
        }
    }
}

/// A connection to the app from the loopback address `from` (e.g. 127.0.0.2).
async fn connect_from(from: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(format!("{from}:0").parse().expect("addr"))
        .expect("bind source");
    socket.connect(to).await.expect("connect")
}

async fn app() -> TestApp {
    spawn_app_with(|s| s.limits.header_read_timeout_secs = DEADLINE.as_secs()).await
}

#[tokio::test]
async fn a_socket_that_sends_nothing_is_closed_at_the_head_deadline_not_the_idle_timeout() {
    // Arrange: a plain TCP connection that never sends a byte.
    let app = app().await;
    let mut s = TcpStream::connect(addr(&app)).await.expect("connect");
    // Act + Assert: closed after about one deadline (the idle timeout is 300 s).
    let took = closed_within(&mut s, DEADLINE + MARGIN)
        .await
        .expect("silent socket closed by the head deadline");
    assert!(took >= DEADLINE - Duration::from_millis(100), "{took:?}");
}

#[tokio::test]
async fn a_socket_that_sends_only_the_http2_preface_is_closed_at_the_head_deadline() {
    // Arrange: prior-knowledge HTTP/2: the preface, then nothing (no SETTINGS, no HEADERS).
    let app = app().await;
    let mut s = TcpStream::connect(addr(&app)).await.expect("connect");
    s.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .expect("preface");
    // Act + Assert
    let took = closed_within(&mut s, DEADLINE + MARGIN)
        .await
        .expect("preface-only socket closed by the head deadline");
    assert!(took >= DEADLINE - Duration::from_millis(100), "{took:?}");
}

#[tokio::test]
async fn a_connection_that_made_a_request_is_not_cut_by_the_first_request_deadline() {
    // Arrange: an HTTP/1 connection whose request body arrives after the deadline.
    let app = app().await;
    let mut s = TcpStream::connect(addr(&app)).await.expect("connect");
    s.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("request");
    let mut buf = [0u8; 1024];
    let n = s.read(&mut buf).await.expect("response");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    // Act: a second request well inside the keep-alive head deadline, after the first
    // request deadline has passed since the accept.
    tokio::time::sleep(DEADLINE / 2).await;
    s.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("second request");
    tokio::time::sleep(DEADLINE).await;
    // Assert: it was answered on the same connection.
    let n = s.read(&mut buf).await.expect("second response");
    assert!(
        String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
}

#[tokio::test]
async fn health_stays_up_while_one_address_holds_many_silent_sockets() {
    // Arrange: at most 16 connections per address; 200 silent sockets from 127.0.0.2.
    const PER_IP: usize = 16;
    const SOCKETS: usize = 200;
    let app = spawn_app_with(|s| {
        s.limits.header_read_timeout_secs = 3;
        s.limits.max_connections_per_ip = PER_IP;
    })
    .await;
    let to = addr(&app);
    let mut held = Vec::with_capacity(SOCKETS);
    for _ in 0..SOCKETS {
        held.push(connect_from("127.0.0.2", to).await);
    }
    // Act: give the server a moment, then see which sockets it closed at once, and ask for
    // /health from 127.0.0.1 while the rest are held.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut refused = 0;
    for s in &mut held {
        if closed_within(s, Duration::from_millis(10)).await.is_some() {
            refused += 1;
        }
    }
    let health = app.client.get(app.url("/health")).send().await;
    // Assert: all but PER_IP were closed at accept; /health answered meanwhile.
    assert_eq!(refused, SOCKETS - PER_IP, "sockets closed at accept");
    assert_eq!(health.expect("/health").status(), 200);
    // The held ones go at the head deadline, and the address gets its places back.
    let mut late = 0;
    for s in &mut held {
        if closed_within(s, Duration::from_secs(3) + MARGIN)
            .await
            .is_some()
        {
            late += 1;
        }
    }
    assert_eq!(late, SOCKETS, "every socket closed by now");
    let mut again = connect_from("127.0.0.2", to).await;
    again
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .expect("request");
    let mut reply = String::new();
    again.read_to_string(&mut reply).await.expect("reply");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let metrics = app.admin_get("/metrics").await.text().await.expect("text");
    let per_ip = metric(&metrics, "reason=\"per_ip_limit\"");
    assert!(per_ip >= (SOCKETS - PER_IP) as f64, "{per_ip}");
    assert!(metric(&metrics, "reason=\"no_request\"") >= PER_IP as f64);
}

/// The value of `opik_mcp_connections_closed_total{<label>}`.
fn metric(text: &str, label: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with("opik_mcp_connections_closed_total") && l.contains(label))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {label} series in:\n{text}"))
}
