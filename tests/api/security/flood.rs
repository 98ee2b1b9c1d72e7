//! Thousands of connections from one principal (hostile clients): 2,000 concurrent
//! sockets with the same API key, half opening sessions and half opening SSE streams, all held
//! open. The principal's limits bound what it gets; the server never answers 5xx and another
//! principal is served meanwhile; closed streams leave no sessions.

use std::time::Duration;

use futures::future::join_all;
use opik_mcp::config::Limit;
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use super::support::*;
use crate::helpers::initialize_request;

const CONNECTIONS: usize = 2_000;
const MAX_SESSIONS: usize = 20;
const MAX_STREAMS: usize = 10;

/// One raw request on its own socket; returns its status code and the still open socket.
async fn raw(addr: String, sse: bool) -> (bool, u16, Option<TcpStream>) {
    let Ok(mut s) = TcpStream::connect(&addr).await else {
        return (sse, 0, None);
    };
    let body = initialize_request(0).to_string();
    let req = if sse {
        format!(
            "GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {READ_KEY}\r\n\
             Accept: text/event-stream\r\n\r\n"
        )
    } else {
        format!(
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {READ_KEY}\r\n\
             Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    if s.write_all(req.as_bytes()).await.is_err() {
        return (sse, 0, None);
    }
    let mut buf = [0u8; 64];
    let mut seen = Vec::new();
    while !seen.windows(2).any(|w| w == b"\r\n") {
        match tokio::time::timeout(Duration::from_secs(30), s.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => seen.extend_from_slice(&buf[..n]),
            _ => return (sse, 0, None),
        }
    }
    let status = String::from_utf8_lossy(&seen)
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (sse, status, Some(s))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_connections_from_one_api_key_get_its_limits_not_the_servers() {
    // Arrange: per-principal bounds small, the per-IP quota out of the way (every socket
    // comes from 127.0.0.1), the per-principal quota below the flood.
    let app = spawn_secure(|s| {
        api_key_mode(s);
        s.limits.max_sessions_per_principal = MAX_SESSIONS;
        s.rate_limit.max_streams_per_principal = MAX_STREAMS;
        s.rate_limit.per_ip = Limit::new(1_000_000, 100_000);
        s.rate_limit.per_principal = Limit::new(600, 500);
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    // Act: the flood, every socket held open; another principal works meanwhile.
    let flood = join_all((0..CONNECTIONS).map(|i| tokio::spawn(raw(addr.clone(), i % 2 == 0))));
    let other = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        initialize_as(&app, ADMIN_KEY).await
    };
    let (results, other_sid) = tokio::join!(flood, other);
    let results: Vec<_> = results.into_iter().map(|r| r.expect("task")).collect();
    // Assert: only limit answers, and the limits hold.
    let count = |sse: bool, code: u16| results.iter().filter(|r| r.0 == sse && r.1 == code).count();
    let (streams, sessions) = (count(true, 200), count(false, 200));
    let refused = count(true, 429) + count(false, 429);
    eprintln!("flood: {streams} streams, {sessions} sessions, {refused} refused with 429");
    assert_eq!(
        streams + sessions + refused,
        CONNECTIONS,
        "every connection answered 200 or 429: {:?}",
        results
            .iter()
            .map(|r| r.1)
            .filter(|c| *c != 200 && *c != 429)
            .collect::<Vec<_>>()
    );
    assert!(streams <= MAX_STREAMS, "{streams} streams");
    assert!(
        streams + sessions <= MAX_SESSIONS,
        "{streams} + {sessions} sessions"
    );
    assert!(
        sessions >= 1 && streams >= 1,
        "the principal was served too"
    );
    assert!(!other_sid.is_empty(), "another principal is served");
    assert_eq!(app.registry.len(), streams + sessions + 1);
    let ping = json!({"jsonrpc": "2.0", "id": 9, "method": "ping"});
    let pong = post_as(&app, Some(ADMIN_KEY), &ping, Some(&other_sid)).await;
    assert_eq!(pong.status(), 200);
    // Closing the sockets ends the stream sessions (Streamable sessions live until deleted).
    drop(results);
    app.registry_settles(sessions + 1).await;
}
