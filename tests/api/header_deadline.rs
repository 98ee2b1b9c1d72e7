//! The request-head deadline (`limits.header_read_timeout_secs`, slowloris) and the
//! idle-connection deadline, over raw sockets: a trickled head and an idle keep-alive
//! connection are closed by the server; a slow body and a quiet SSE stream are not.

use std::time::Duration;

use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::Instant,
};

use crate::helpers::{TestApp, spawn_app_with};

/// The deadline these tests configure.
const DEADLINE: Duration = Duration::from_secs(1);
/// Slack for a loaded 2-core machine.
const MARGIN: Duration = Duration::from_secs(3);

async fn app_with_deadline() -> TestApp {
    spawn_app_with(|s| s.limits.header_read_timeout_secs = DEADLINE.as_secs()).await
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .expect("connect")
}

/// Read until the server closes (EOF or reset); returns what was read and when it closed.
/// Panics if the connection is still open after `within`.
async fn read_until_closed(s: &mut tokio::net::tcp::OwnedReadHalf, within: Duration) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let end = Instant::now() + within;
    loop {
        match tokio::time::timeout_at(end, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return seen,
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
            Err(_) => panic!("connection still open after {within:?}"),
        }
    }
}

#[tokio::test]
async fn a_request_head_trickled_byte_by_byte_is_closed_after_the_deadline() {
    // Arrange: a client that sends a request line and then one header byte every 100 ms.
    let app = app_with_deadline().await;
    let (mut rd, mut wr) = connect(&app).await.into_split();
    let started = Instant::now();
    wr.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .expect("write");
    let trickle = tokio::spawn(async move {
        for _ in 0..100 {
            if wr.write_all(b"a").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    // Act: wait for the server to close the connection.
    let seen = read_until_closed(&mut rd, DEADLINE + MARGIN).await;
    let took = started.elapsed();
    trickle.abort();
    // Assert: closed at the deadline (not before), with no response to a head never finished.
    assert!(took >= DEADLINE - Duration::from_millis(100), "{took:?}");
    assert!(
        !String::from_utf8_lossy(&seen).contains(" 200 "),
        "{}",
        String::from_utf8_lossy(&seen)
    );
    // The server itself is fine.
    let ok = app.client.get(app.url("/health")).send().await;
    assert_eq!(ok.expect("healthz").status(), 200);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_deadline() {
    // Arrange: one complete keep-alive request, answered.
    let app = app_with_deadline().await;
    let (mut rd, mut wr) = connect(&app).await.into_split();
    wr.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("write");
    let mut buf = [0u8; 4096];
    let n = rd.read(&mut buf).await.expect("read");
    let answered = Instant::now();
    assert!(
        String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    // Act: send nothing more.
    let rest = read_until_closed(&mut rd, DEADLINE + MARGIN).await;
    // Assert: the server closed it once the next head did not come in time.
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
    assert!(answered.elapsed() >= DEADLINE - Duration::from_millis(100));
}

#[tokio::test]
async fn a_slow_body_after_a_complete_head_is_not_cut_by_the_deadline() {
    // Arrange: a complete head announcing a body that arrives over 2.5 s (> the deadline).
    let app = app_with_deadline().await;
    let (mut rd, mut wr) = connect(&app).await.into_split();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": crate::helpers::PROTOCOL, "capabilities": {},
        "clientInfo": {"name": "slow-body", "version": "1"}}})
    .to_string();
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    wr.write_all(head.as_bytes()).await.expect("head");
    for chunk in body.as_bytes().chunks(body.len().div_ceil(5)) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        wr.write_all(chunk).await.expect("body chunk");
    }
    // Act + Assert: the request is answered (the head deadline covers only the head).
    let reply = read_until_closed(&mut rd, Duration::from_secs(10)).await;
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("\"serverInfo\""), "{reply}");
}

#[tokio::test]
async fn a_quiet_sse_stream_outlives_the_deadline_and_still_delivers() {
    // Arrange: a legacy SSE session, initialized.
    let app = app_with_deadline().await;
    let mut sse = app.open_sse().await;
    sse.initialize(&app).await;
    // Act: nothing is sent on the stream for three deadlines (keep-alives come every 15 s).
    tokio::time::sleep(DEADLINE * 3).await;
    let list = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/list"});
    assert_eq!(sse.post(&app, &list).await.status(), 202);
    // Assert: the reply still arrives on the same stream.
    let reply = sse.next_message().await;
    assert_eq!(reply["id"], 7);
    assert!(reply["result"]["tools"].is_array(), "{reply}");
}

#[tokio::test]
async fn a_connection_with_no_traffic_at_all_is_closed_after_the_idle_deadline() {
    // Arrange: an SSE stream whose keep-alives come less often than the idle deadline
    // would allow is impossible by validation, so take a plain connection that sends a
    // complete head of a request whose body never comes: the head deadline is over, the
    // request timeout is long, and only the idle deadline is left.
    let app = spawn_app_with(|s| {
        s.server.keep_alive_secs = 1;
        s.limits.idle_connection_secs = 2;
    })
    .await;
    let (mut rd, mut wr) = connect(&app).await.into_split();
    wr.write_all(
        b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
          Accept: application/json, text/event-stream\r\nContent-Length: 100\r\n\r\n{",
    )
    .await
    .expect("write");
    let started = Instant::now();
    // Act + Assert: closed after about 2 s of silence (not after the 90 s request timeout).
    read_until_closed(&mut rd, Duration::from_secs(2) + MARGIN).await;
    assert!(started.elapsed() >= Duration::from_millis(1900));
    drop(wr);
}
