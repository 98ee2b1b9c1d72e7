//! Resumable GET streams (Streamable HTTP): event ids, the priming event, and `Last-Event-ID`
//! replay after a proxy cut the stream in the middle of an event. The session runs a small
//! handler (through the registry's handler seam) whose `notify` tool sends log notifications,
//! which travel on the session's GET stream. POST streams: `resumption_post.rs`; cancelled
//! requests: `resumption_cancel.rs`.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use futures::StreamExt;
use rmcp::{
    ErrorData, RoleServer, ServerHandler, ServiceExt,
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, Implementation,
        ServerCapabilities, ServerConfig, ServerNotification,
    },
    service::RequestContext,
};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use crate::helpers::{PROTOCOL, TestApp};

#[path = "resumption_cancel.rs"]
mod cancel;
#[path = "resumption_post.rs"]
mod post;

/// Waits `sleep_ms`, sends `n` log notifications numbered from `from`, then answers.
#[derive(Clone)]
struct Notifier;

impl ServerHandler for Notifier {
    fn get_info(&self) -> ServerConfig {
        let caps = ServerCapabilities::builder().enable_tools().build();
        ServerConfig::new(caps).with_server_info(Implementation::new("opik-mcp", "test"))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        cx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let args = request.arguments.unwrap_or_default();
        let n = args.get("n").and_then(Value::as_u64).unwrap_or(1);
        let from = args.get("from").and_then(Value::as_u64).unwrap_or(0);
        let sleep = args.get("sleep_ms").and_then(Value::as_u64).unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(sleep)).await;
        for i in from..from + n {
            let note: ServerNotification = serde_json::from_value(json!({
                "method": "notifications/message", "params": { "level": "info", "data": i }
            }))
            .expect("a notification");
            cx.peer.send_notification(note).await.expect("sent");
        }
        Ok(CallToolResult::success(vec![]).into())
    }
}

async fn app_with_notifier() -> TestApp {
    notifier_app_with(|_| {}).await
}

async fn notifier_app_with(tweak: impl FnOnce(&mut opik_mcp::config::Settings)) -> TestApp {
    let app = crate::helpers::spawn_app_with(tweak).await;
    app.registry.set_handler(Arc::new(|| Notifier.into_dyn()));
    app
}

/// A TCP proxy that passes each response until `cut_after` event ids went through plus a
/// few bytes of the next event, then closes both sides: a stream cut mid-event.
async fn cutting_proxy(upstream: SocketAddr, cut_after: usize) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let mut server = TcpStream::connect(upstream).await.expect("upstream");
            tokio::spawn(async move {
                let (mut cr, mut cw) = client.split();
                let (mut sr, mut sw) = server.split();
                let up = async { tokio::io::copy(&mut cr, &mut sw).await.ok() };
                let down = async {
                    let (mut seen, mut buf) = (Vec::new(), vec![0u8; 4096]);
                    while let Ok(n) = sr.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        seen.extend_from_slice(&buf[..n]);
                        let ids: Vec<usize> = find_all(&seen, b"\nid: ");
                        if ids.len() > cut_after {
                            let keep = ids[cut_after] + 12 - (seen.len() - n);
                            let _ = cw.write_all(&buf[..keep.min(n)]).await;
                            break;
                        }
                        if cw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                };
                tokio::select! { _ = up => {}, _ = down => {} }
            });
        }
    });
    addr
}

fn find_all(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    (0..hay.len().saturating_sub(needle.len() - 1))
        .filter(|&i| &hay[i..i + needle.len()] == needle)
        .collect()
}

/// The complete events of a raw SSE body (a cut event at the end is not one): (id, retry,
/// data) per event.
fn parse_events(body: &str) -> Vec<(String, Option<String>, String)> {
    let complete = body.rfind("\n\n").map_or("", |end| &body[..end]);
    complete
        .split("\n\n")
        .filter(|e| !e.trim().is_empty() && !e.starts_with(':'))
        .map(|e| {
            let field = |k: &str| e.lines().find_map(|l| l.strip_prefix(k)).map(str::to_owned);
            (
                field("id: ").unwrap_or_default(),
                field("retry: "),
                field("data: ").unwrap_or_default(),
            )
        })
        .collect()
}

/// GET /mcp at `base`; reads until the stream ends or `within` passes; returns the body.
async fn read_get(base: &str, sid: &str, last: Option<&str>, within: Duration) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .get(format!("{base}/mcp"))
        .header("accept", "text/event-stream")
        .header("mcp-session-id", sid)
        .header("mcp-protocol-version", PROTOCOL);
    if let Some(last) = last {
        req = req.header("last-event-id", last);
    }
    let resp = req.send().await.expect("GET /mcp");
    let status = resp.status().as_u16();
    let mut body = Vec::new();
    let mut chunks = resp.bytes_stream();
    let _ = tokio::time::timeout(within, async {
        while let Some(Ok(c)) = chunks.next().await {
            body.extend_from_slice(&c);
        }
    })
    .await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn data_numbers(events: &[(String, Option<String>, String)]) -> Vec<u64> {
    events
        .iter()
        .filter(|(_, _, d)| !d.trim().is_empty())
        .map(|(_, _, d)| {
            serde_json::from_str::<Value>(d).expect("json")["params"]["data"]
                .as_u64()
                .expect("n")
        })
        .collect()
}

/// Wait until the server has noticed that the session's GET stream is gone.
async fn stream_detached(app: &TestApp, sid: &str) {
    let id = opik_mcp::domain::SessionId::parse(sid).expect("session id");
    for _ in 0..100 {
        match app.registry.lookup(&id) {
            opik_mcp::session::Lookup::Live(s) if s.has_stream() => {}
            _ => return,
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the cut GET stream is still attached after 5 s");
}

#[tokio::test]
async fn a_get_stream_cut_mid_event_resumes_from_last_event_id_without_loss_or_duplicates() {
    let app = app_with_notifier().await;
    let sid = app.initialize().await;
    let upstream: SocketAddr = app
        .base
        .trim_start_matches("http://")
        .parse()
        .expect("addr");
    // Passes the priming event and two events, then cuts inside the third.
    let proxy = format!("http://{}", cutting_proxy(upstream, 3).await);
    let first = tokio::spawn({
        let sid = sid.clone();
        async move { read_get(&proxy, &sid, None, Duration::from_secs(10)).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let call = json!({"name": "notify", "arguments": {"n": 5}});
    let reply = app.rpc(&sid, 1, "tools/call", call).await;
    assert!(reply["result"].is_object(), "{reply}");

    let (status, body) = first.await.expect("reader");
    assert_eq!(status, 200);
    let first = parse_events(&body);
    let (id, retry, data) = &first[0];
    assert_eq!(
        (id.as_str(), retry.as_deref(), data.as_str()),
        ("0-0", Some("1000"), ""),
        "priming event first: {body:?}"
    );
    let seen = data_numbers(&first);
    assert!(
        !seen.is_empty() && seen.len() < 5,
        "the proxy cut the stream: {body:?}"
    );
    let last = first.last().expect("events").0.clone();
    assert_eq!(
        last,
        format!("0-{}", seen.len()),
        "ids count the stream's events"
    );

    stream_detached(&app, &sid).await;
    let resumed = tokio::spawn({
        let (base, sid) = (app.base.clone(), sid.clone());
        async move { read_get(&base, &sid, Some(&last), Duration::from_secs(2)).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let call = json!({"name": "notify", "arguments": {"n": 1, "from": 5}});
    app.rpc(&sid, 2, "tools/call", call).await;
    let (status, body) = resumed.await.expect("reader");
    assert_eq!(status, 200);
    let events = parse_events(&body);
    let mut all = seen.clone();
    all.extend(data_numbers(&events));
    assert_eq!(
        all,
        vec![0, 1, 2, 3, 4, 5],
        "missed events replayed once, then live: {body:?}"
    );
    let ids: Vec<&str> = events.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        ids.last(),
        Some(&"0-6"),
        "the live event continues the numbering: {ids:?}"
    );
}

#[tokio::test]
async fn an_unknown_last_event_id_opens_a_fresh_stream_and_the_replay_log_is_in_the_metrics() {
    let app = app_with_notifier().await;
    let sid = app.initialize().await;
    let reader = tokio::spawn({
        let (base, sid) = (app.base.clone(), sid.clone());
        async move { read_get(&base, &sid, Some("7-1"), Duration::from_secs(1)).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.rpc(
        &sid,
        1,
        "tools/call",
        json!({"name": "notify", "arguments": {"n": 2}}),
    )
    .await;
    let (status, body) = reader.await.expect("reader");
    assert_eq!(status, 200);
    assert_eq!(data_numbers(&parse_events(&body)), vec![0, 1], "{body:?}");
    let metrics = app
        .admin_get("/metrics")
        .await
        .text()
        .await
        .expect("metrics");
    let line = metrics
        .lines()
        .find(|l| l.starts_with("opik_mcp_stream_replay_bytes "))
        .expect("the replay gauge");
    let bytes: f64 = line
        .rsplit(' ')
        .next()
        .expect("value")
        .parse()
        .expect("number");
    assert!(bytes > 0.0, "{line}");
}
