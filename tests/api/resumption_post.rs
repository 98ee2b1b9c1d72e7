//! Resumable POST streams (sessions at 2025-11-25, replies as event streams): the priming
//! event, the reply resumed through GET with the POST stream's `Last-Event-ID`, and a reply
//! never resumed kept off every other stream.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{cutting_proxy, notifier_app_with, parse_events, read_get};
use crate::helpers::{TestApp, initialize_request};

/// An event-stream app with the notifying handler.
async fn event_stream_app(request_timeout_secs: u64) -> TestApp {
    notifier_app_with(|s| {
        s.server.json_response = false;
        s.server.request_timeout_secs = request_timeout_secs;
        s.opik.request_timeout_ms = s.opik.request_timeout_ms.min(request_timeout_secs * 500);
    })
    .await
}

/// Initialize a session at `version` in event-stream mode; returns its id.
async fn initialize_at(app: &TestApp, version: &str) -> String {
    let mut init = initialize_request(0);
    init["params"]["protocolVersion"] = json!(version);
    let resp = app.post_mcp(&init, None).await;
    assert_eq!(resp.status(), 200);
    let sid = resp.headers()["mcp-session-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let body = resp.text().await.expect("body");
    assert!(body.contains("serverInfo"), "{body}");
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(app.post_mcp(&note, Some(&sid)).await.status(), 202);
    sid
}

/// POST a slow `tools/call` (id `id`) at `base`; the raw body as far as it came.
async fn post_slow_call(base: &str, sid: &str, id: i64, sleep_ms: u64) -> (u16, String) {
    let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "notify", "arguments": {"n": 0, "sleep_ms": sleep_ms}}});
    let resp = reqwest::Client::new()
        .post(format!("{base}/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", sid)
        .header("mcp-protocol-version", crate::helpers::PROTOCOL)
        .body(call.to_string())
        .send()
        .await
        .expect("POST /mcp");
    let status = resp.status().as_u16();
    let mut body = Vec::new();
    let mut resp = resp;
    while let Ok(Some(chunk)) = resp.chunk().await {
        body.extend_from_slice(&chunk);
    }
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn replies(events: &[(String, Option<String>, String)]) -> Vec<(String, Value)> {
    events
        .iter()
        .filter(|(_, _, d)| !d.trim().is_empty())
        .map(|(id, _, d)| (id.clone(), serde_json::from_str(d).expect("json")))
        .collect()
}

fn upstream(app: &TestApp) -> std::net::SocketAddr {
    app.base
        .trim_start_matches("http://")
        .parse()
        .expect("addr")
}

#[tokio::test]
async fn a_post_stream_cut_after_its_priming_event_is_resumed_through_get_exactly_once() {
    let app = event_stream_app(60).await;
    let sid = initialize_at(&app, "2025-11-25").await;
    let standalone = tokio::spawn({
        let (base, sid) = (app.base.clone(), sid.clone());
        async move { read_get(&base, &sid, None, Duration::from_secs(3)).await }
    });
    // The proxy passes the priming event, then cuts inside the reply.
    let proxy = format!("http://{}", cutting_proxy(upstream(&app), 1).await);
    let (status, body) = post_slow_call(&proxy, &sid, 1, 300).await;
    assert_eq!(status, 200);
    let first = parse_events(&body);
    assert_eq!(
        first.len(),
        1,
        "only the priming event got through: {body:?}"
    );
    let (id, retry, data) = &first[0];
    assert_eq!(
        (id.as_str(), retry.as_deref(), data.as_str()),
        ("1-0", Some("1000"), ""),
        "a fresh stream's priming event: {body:?}"
    );

    let started = Instant::now();
    let (status, body) = read_get(&app.base, &sid, Some("1-0"), Duration::from_secs(5)).await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the resumed stream ends"
    );
    let got = replies(&parse_events(&body));
    assert_eq!(got.len(), 1, "the reply, once: {body:?}");
    assert_eq!(got[0].0, "1-1");
    assert_eq!(got[0].1["id"], 1);
    assert!(got[0].1["result"].is_object(), "{body:?}");

    let (_, again) = read_get(&app.base, &sid, Some("1-1"), Duration::from_secs(1)).await;
    assert!(
        replies(&parse_events(&again)).is_empty(),
        "nothing after the reply: {again:?}"
    );
    let (_, standalone) = standalone.await.expect("reader");
    assert!(
        replies(&parse_events(&standalone)).is_empty(),
        "the reply never went on the GET stream: {standalone:?}"
    );
}

#[tokio::test]
async fn a_reply_whose_post_dropped_and_was_not_resumed_stays_off_other_streams() {
    let app = event_stream_app(60).await;
    let sid = initialize_at(&app, "2025-11-25").await;
    let standalone = tokio::spawn({
        let (base, sid) = (app.base.clone(), sid.clone());
        async move { read_get(&base, &sid, None, Duration::from_secs(2)).await }
    });
    // The client reads the priming event and goes before the reply is written.
    let gone = tokio::time::timeout(
        Duration::from_millis(200),
        post_slow_call(&app.base, &sid, 1, 500),
    )
    .await;
    assert!(
        gone.is_err(),
        "the call was still running when the client left"
    );
    let (_, body) = standalone.await.expect("reader");
    let events = parse_events(&body);
    assert_eq!(events.len(), 1, "only the GET stream's priming: {body:?}");
    assert_eq!(events[0].0, "0-0");
    let (_, body) = read_get(&app.base, &sid, Some("0-0"), Duration::from_secs(1)).await;
    assert!(replies(&parse_events(&body)).is_empty(), "{body:?}");
    // Kept all along: the stream's own id still gets it.
    let (_, body) = read_get(&app.base, &sid, Some("1-0"), Duration::from_secs(2)).await;
    assert_eq!(replies(&parse_events(&body)).len(), 1, "{body:?}");
}

#[tokio::test]
async fn a_timeout_after_the_priming_event_is_a_json_rpc_error_event_with_the_request_id() {
    let app = event_stream_app(1).await;
    let sid = initialize_at(&app, "2025-11-25").await;
    let (status, body) = post_slow_call(&app.base, &sid, 7, 2500).await;
    assert_eq!(status, 200, "the stream was open: {body:?}");
    let events = parse_events(&body);
    assert_eq!(events[0].2, "", "primed first: {body:?}");
    let got = replies(&events);
    assert_eq!(got.len(), 1, "{body:?}");
    assert_eq!(got[0].1["id"], 7);
    let message = got[0].1["error"]["message"].as_str().expect("an error");
    assert!(message.contains("timed out"), "{message}");
}

#[tokio::test]
async fn a_session_before_2025_11_25_gets_its_reply_in_one_event_without_id_or_priming() {
    let app = event_stream_app(60).await;
    let sid = initialize_at(&app, "2025-06-18").await;
    let (status, body) = post_slow_call(&app.base, &sid, 3, 0).await;
    assert_eq!(status, 200);
    let events = parse_events(&body);
    assert_eq!(events.len(), 1, "{body:?}");
    assert_eq!(events[0].0, "", "no id: {body:?}");
    assert!(events[0].1.is_none(), "no retry: {body:?}");
    assert_eq!(replies(&events)[0].1["id"], 3);
}
