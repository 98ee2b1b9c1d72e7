//! Hostile clients against the real server over real sockets: slowloris, clients
//! that vanish mid-request and mid-stream, reconnect storms and one client opening far more
//! sessions than allowed. Leaks are judged by the session registry, not by RSS.

use std::time::Duration;

use tokio::{io::AsyncWriteExt, net::TcpStream};

use crate::helpers::{initialize_request, spawn_app, spawn_app_with};

/// Live tasks of this test's runtime (the server's and the client's).
fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Wait until at most `baseline + 2` tasks are alive (or fail after 10 s): connection tasks
/// and session tasks of vanished clients must end.
async fn tasks_settle(baseline: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while alive_tasks() > baseline + 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} tasks alive, baseline {baseline}",
            alive_tasks()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn host_port(app: &crate::helpers::TestApp) -> String {
    app.base.trim_start_matches("http://").to_string()
}

#[tokio::test]
async fn slowloris_connections_do_not_starve_other_clients() {
    // Arrange: 64 connections each trickling a request line and headers byte by byte.
    let app = spawn_app().await;
    let addr = host_port(&app);
    let mut trickles = Vec::new();
    for _ in 0..64 {
        let mut s = TcpStream::connect(&addr).await.expect("connect");
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .expect("write");
        trickles.push(s);
    }
    // Act: keep trickling while a normal client works.
    let ticker = tokio::spawn(async move {
        for _ in 0..20 {
            for s in &mut trickles {
                let _ = s.write_all(b"a").await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        trickles
    });
    let started = tokio::time::Instant::now();
    let sid = app.initialize().await;
    let reply = app.rpc(&sid, 2, "tools/list", serde_json::json!({})).await;
    // Assert: the honest client is served promptly.
    assert!(reply["result"]["tools"].is_array(), "{reply}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(ticker.await.expect("ticker"));
}

#[tokio::test]
async fn clients_vanishing_mid_stream_leave_no_sessions_or_tasks() {
    // A vanished SSE client is noticed at once: hyper watches the socket for EOF while the
    // stream is written (the keep-alive, 15 s by default, is only the upper bound).
    let app = spawn_app().await;
    drop(app.open_sse().await);
    app.registry_settles(0).await;
    let baseline = alive_tasks();
    for _ in 0..20 {
        let sse = app.open_sse().await;
        drop(sse);
    }
    app.registry_settles(0).await;
    tasks_settle(baseline).await;
}

#[tokio::test]
async fn clients_vanishing_mid_request_leave_the_server_usable_and_no_tasks() {
    // Arrange: a session, then requests whose body is cut off by a dropped socket.
    let app = spawn_app().await;
    let sid = app.initialize().await;
    let baseline = alive_tasks();
    let addr = host_port(&app);
    for _ in 0..20 {
        let mut s = TcpStream::connect(&addr).await.expect("connect");
        let head = format!(
            "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Accept: application/json, text/event-stream\r\nMcp-Session-Id: {sid}\r\n\
             Content-Length: 1000\r\n\r\n{{\"jsonrpc\":\"2.0\",\"id\":9,"
        );
        s.write_all(head.as_bytes()).await.expect("write");
        drop(s);
    }
    // Assert: the session still answers and no extra session was created.
    let reply = app.rpc(&sid, 3, "ping", serde_json::json!({})).await;
    assert_eq!(reply["id"], 3, "{reply}");
    app.registry_settles(1).await;
    tasks_settle(baseline).await;
}

#[tokio::test]
async fn a_reconnect_storm_leaves_the_registry_empty() {
    let app = spawn_app_with(|s| s.server.keep_alive_secs = 1).await;
    let storm = (0..8).map(|_| {
        let base = app.base.clone();
        let client = app.client.clone();
        tokio::spawn(async move {
            for _ in 0..25 {
                let resp = client
                    .get(format!("{base}/sse"))
                    .header("accept", "text/event-stream")
                    .send()
                    .await
                    .expect("GET /sse");
                assert_eq!(resp.status(), 200);
                drop(resp);
            }
        })
    });
    for t in storm.collect::<Vec<_>>() {
        t.await.expect("storm task");
    }
    app.registry_settles(0).await;
    // And the server still accepts a fresh session.
    let sid = app.initialize().await;
    assert_eq!(sid.len(), 64);
}

#[tokio::test]
async fn one_client_opening_many_sessions_hits_the_cap_not_the_server() {
    // Arrange: a small session cap.
    let app = spawn_app_with(|s| s.server.max_sessions = 5).await;
    // Act: 50 initializes from one client.
    let mut statuses = Vec::new();
    for i in 0..50 {
        let resp = app.post_mcp(&initialize_request(i), None).await;
        statuses.push(resp.status().as_u16());
    }
    // Assert: five succeed, the rest get a clear 4xx/503 and never a 500.
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        5,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|&s| s == 200 || s == 429 || s == 503),
        "{statuses:?}"
    );
    assert_eq!(app.registry.len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sse_stream_that_is_never_read_is_dropped_not_buffered() {
    use tokio::io::AsyncReadExt;
    // Arrange: a legacy SSE stream on a socket with a tiny receive window, read only up to
    // its endpoint event and then never again.
    let app = spawn_app().await;
    let sock = tokio::net::TcpSocket::new_v4().expect("socket");
    sock.set_recv_buffer_size(4096).expect("rcvbuf");
    let mut s = sock
        .connect(host_port(&app).parse().expect("addr"))
        .await
        .expect("connect");
    s.write_all(b"GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        .await
        .expect("write");
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    let endpoint = loop {
        let n = s.read(&mut buf).await.expect("read");
        assert!(n > 0, "stream closed early");
        seen.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&seen);
        if let Some(i) = text.find("data: /messages?sessionId=") {
            let rest = &text[i + 6..];
            if let Some(end) = rest.find('\n') {
                break rest[..end].trim().to_string();
            }
        }
    };
    assert_eq!(app.registry.len(), 1);
    // Act: flood the session with requests whose replies go to the unread stream.
    let init = initialize_request(0);
    let post = |body: String| {
        app.client
            .post(app.url(&endpoint))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    assert_eq!(post(init.to_string()).await.expect("post").status(), 202);
    let note = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
    assert_eq!(post(note.into()).await.expect("post").status(), 202);
    let mut last = 202;
    let mut sent = 0;
    for i in 1..5_000 {
        sent = i;
        let body = format!(r#"{{"jsonrpc":"2.0","id":{i},"method":"tools/list"}}"#);
        last = post(body).await.expect("post").status().as_u16();
        if last != 202 && last != 429 && last != 503 {
            break;
        }
    }
    // Assert: the slow consumer was dropped and its session ended (410), instead of the
    // server buffering replies without bound.
    assert_eq!(last, 410, "the unread session was never dropped");
    // It was the full buffer (256 replies) that ended it, not some other refusal.
    assert!(sent > 256, "dropped after only {sent} requests");
    app.registry_settles(0).await;
    drop(s);
}
