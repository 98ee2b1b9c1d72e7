//! `/metrics` after a scripted workload: exact counter values, and bounded labels.
//!
//! The recorder is process-global; nextest runs every test in its own process, so the counts
//! below are exact (under plain `cargo test` other tests of this binary would add to them).

use std::collections::HashMap;

use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

/// Parse the exposition text (fails the test if it is not valid Prometheus text).
pub(crate) async fn scrape(app: &TestApp) -> (String, prometheus_parse::Scrape) {
    let resp = app.admin_get("/metrics").await;
    assert_eq!(resp.status(), 200);
    let ct = resp.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(ct.starts_with("text/plain"), "{ct}");
    let text = resp.text().await.expect("body");
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    let parsed = prometheus_parse::Scrape::parse(lines).expect("Prometheus text format");
    (text, parsed)
}

/// The value of one series (`name` with exactly these labels), or 0 if absent.
pub(crate) fn value(s: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    let want: HashMap<&str, &str> = labels.iter().copied().collect();
    let found: Vec<f64> = s
        .samples
        .iter()
        .filter(|x| x.metric == name)
        .filter(|x| {
            x.labels.len() == want.len() && want.iter().all(|(k, v)| x.labels.get(k) == Some(*v))
        })
        .map(|x| match x.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            _ => panic!("{name} is not a scalar"),
        })
        .collect();
    assert!(found.len() <= 1, "{name} {labels:?} matched {found:?}");
    found.first().copied().unwrap_or(0.0)
}

#[tokio::test]
async fn counters_match_a_scripted_workload_exactly() {
    let app = spawn_app().await;
    // Streamable HTTP: one session, tools/list, a good and an unknown tool, then DELETE.
    let sid = app.initialize().await;
    app.rpc(&sid, 1, "tools/list", json!({})).await;
    let ok = app
        .rpc(
            &sid,
            2,
            "tools/call",
            json!({"name": "get-server-info", "arguments": {}}),
        )
        .await;
    assert!(ok.get("result").is_some(), "{ok}");
    let unknown = app
        .rpc(
            &sid,
            3,
            "tools/call",
            json!({"name": "no-such-tool", "arguments": {}}),
        )
        .await;
    assert!(unknown.get("error").is_some(), "{unknown}");
    app.rpc(&sid, 4, "ping", json!({})).await;
    let del = app
        .client
        .delete(app.url("/mcp"))
        .header("mcp-session-id", &sid)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(del.status(), 200);
    // Legacy SSE: one session initialized.
    let mut sse = app.open_sse().await;
    sse.initialize(&app).await;
    // Refusals: foreign Origin, foreign Host, unknown path.
    let evil = app
        .client
        .post(app.url("/mcp"))
        .header("origin", "https://evil.example")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("POST");
    assert_eq!(evil.status(), 403);
    let host = app
        .client
        .get(app.url("/sse"))
        .header("host", "attacker.example")
        .send()
        .await
        .expect("GET");
    assert_eq!(host.status(), 403);
    let missing = app.client.get(app.url("/nope")).send().await.expect("GET");
    assert_eq!(missing.status(), 404);

    let (text, m) = scrape(&app).await;
    let st = ("transport", "streamable-http");
    assert_eq!(value(&m, "opik_mcp_sessions_opened_total", &[st]), 1.0);
    assert_eq!(
        value(
            &m,
            "opik_mcp_sessions_opened_total",
            &[("transport", "sse")]
        ),
        1.0
    );
    let deleted = [st, ("reason", "deleted")];
    assert_eq!(value(&m, "opik_mcp_sessions_closed_total", &deleted), 1.0);
    assert_eq!(value(&m, "opik_mcp_sessions_active", &[st]), 0.0);
    assert_eq!(
        value(&m, "opik_mcp_sessions_active", &[("transport", "sse")]),
        1.0
    );
    assert_eq!(
        value(&m, "opik_mcp_sse_streams_open", &[("transport", "sse")]),
        1.0
    );
    assert_eq!(
        value(&m, "opik_mcp_messages_total", &[("method", "initialize")]),
        2.0
    );
    let initialized = [("method", "notifications/initialized")];
    assert_eq!(value(&m, "opik_mcp_messages_total", &initialized), 2.0);
    assert_eq!(
        value(&m, "opik_mcp_messages_total", &[("method", "tools/call")]),
        2.0
    );
    let call_ok = [("method", "tools/call"), ("outcome", "ok")];
    assert_eq!(value(&m, "opik_mcp_requests_total", &call_ok), 1.0);
    let call_err = [("method", "tools/call"), ("outcome", "protocol_error")];
    assert_eq!(value(&m, "opik_mcp_requests_total", &call_err), 1.0);
    let ping = [("method", "ping"), ("outcome", "ok")];
    assert_eq!(value(&m, "opik_mcp_requests_total", &ping), 1.0);
    let info = [("tool", "get-server-info"), ("outcome", "ok")];
    assert_eq!(value(&m, "opik_mcp_tool_calls_total", &info), 1.0);
    let other = [("tool", "other"), ("outcome", "protocol_error")];
    assert_eq!(value(&m, "opik_mcp_tool_calls_total", &other), 1.0);
    assert_eq!(
        value(&m, "opik_mcp_origin_rejected_total", &[("kind", "origin")]),
        1.0
    );
    assert_eq!(
        value(&m, "opik_mcp_origin_rejected_total", &[("kind", "host")]),
        1.0
    );
    // initialize, notifications/initialized, 4 calls: 6 POSTs answered 200 or 202.
    let post = |status| [("route", "mcp"), ("method", "POST"), ("status", status)];
    assert_eq!(value(&m, "opik_mcp_http_requests_total", &post("200")), 5.0);
    assert_eq!(value(&m, "opik_mcp_http_requests_total", &post("202")), 1.0);
    assert_eq!(value(&m, "opik_mcp_http_requests_total", &post("403")), 1.0);
    let nope = [("route", "other"), ("method", "GET"), ("status", "404")];
    assert_eq!(value(&m, "opik_mcp_http_requests_total", &nope), 1.0);
    assert_eq!(value(&m, "opik_mcp_audit_lost_total", &[]), 0.0);
    assert!(text.contains("opik_mcp_http_request_duration_seconds_bucket{"));
    assert!(text.contains("# HELP opik_mcp_tool_calls_total "));
    assert!(value(&m, "process_resident_memory_bytes", &[]) > 0.0);
    assert!(value(&m, "opik_mcp_tokio_workers", &[]) >= 1.0);

    // No label value carries the session id (nor part of it), a path or a foreign tool.
    assert!(!text.contains(&sid) && !text.contains(&sid[..16]));
    let legacy_id = sse.endpoint.split('=').nth(1).expect("legacy session id");
    assert!(!text.contains(&legacy_id[..16]));
    assert!(!text.contains("no-such-tool") && !text.contains("/nope"));
    for s in &m.samples {
        for (k, v) in s.labels.iter() {
            assert!(!["session", "session_id", "subject", "path"].contains(&k.as_str()));
            assert!(v.len() <= 40, "suspicious label value {k}={v}");
        }
    }
}

#[tokio::test]
async fn bytes_out_counts_the_bodies_sent() {
    let app = spawn_app().await;
    let body = app
        .client
        .get(app.url("/health"))
        .send()
        .await
        .expect("GET")
        .bytes()
        .await
        .expect("body");
    let (_, m) = scrape(&app).await;
    let bytes = value(
        &m,
        "opik_mcp_http_response_bytes_total",
        &[("route", "health")],
    );
    assert_eq!(bytes, body.len() as f64);
}

#[tokio::test]
async fn sse_keepalives_are_counted() {
    let app = crate::helpers::spawn_app_with(|s| s.server.keep_alive_secs = 1).await;
    let _sse = app.open_sse().await;
    tokio::time::sleep(std::time::Duration::from_millis(2300)).await;
    let (_, m) = scrape(&app).await;
    assert!(value(&m, "opik_mcp_sse_keepalives_total", &[]) >= 2.0);
}

/// Security and upstream families count what happened: refusals by reason and bucket, Opik
/// requests by endpoint and status with their retries, and the database pool.
#[tokio::test]
async fn security_upstream_and_pool_metrics_count_the_workload() {
    use opik_mcp::config::{ApiKeySettings, AuthMode};
    use sha2::{Digest, Sha256};

    const KEY: &str = "metrics-test-key-0123456789abcdef0123";
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead_url = format!("http://{}/opik/api", dead.local_addr().expect("addr"));
    drop(dead); // refused connections from now on: retryable, so 1 + 2 retries per GET
    let app = crate::helpers::spawn_app_with(|s| {
        s.auth.mode = AuthMode::ApiKey;
        s.auth.api_keys = vec![ApiKeySettings {
            name: "metrics".into(),
            sha256: hex::encode(Sha256::digest(KEY)),
            scopes: vec!["opik:read".into()],
        }];
        s.opik.api_url = dead_url;
        s.opik.retry_backoff_ms = 1;
        s.rate_limit.exempt_loopback = false;
        s.rate_limit.per_principal = opik_mcp::config::Limit::new(60, 6);
    })
    .await;
    let post = |token: Option<&'static str>, body: serde_json::Value, sid: Option<String>| {
        let mut req = app
            .client
            .post(app.url("/mcp"))
            .header("Accept", "application/json, text/event-stream")
            .json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(sid) = sid {
            req = req.header("Mcp-Session-Id", sid);
        }
        req.send()
    };
    let init = crate::helpers::initialize_request(1);
    assert_eq!(
        post(None, init.clone(), None).await.expect("send").status(),
        401
    );
    let wrong = "wrong-key-0123456789abcdef0123456789";
    assert_eq!(
        post(Some(wrong), init.clone(), None)
            .await
            .expect("send")
            .status(),
        401
    );
    let resp = post(Some(KEY), init, None).await.expect("send");
    let sid = resp.headers()["mcp-session-id"]
        .to_str()
        .expect("sid")
        .to_owned();
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "list-projects", "arguments": {}}});
    let answer: serde_json::Value = post(Some(KEY), call, Some(sid.clone()))
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(answer["result"]["isError"], true, "{answer}");
    // Spend the principal's burst (6: initialize, the call, and these) until a 429.
    let mut limited = 0;
    for id in 3..12 {
        let ping = json!({"jsonrpc": "2.0", "id": id, "method": "ping"});
        let status = post(Some(KEY), ping, Some(sid.clone()))
            .await
            .expect("send")
            .status();
        limited += u32::from(status == 429);
    }
    assert!(limited >= 1, "the burst of 6 was spent");

    let (_, m) = scrape(&app).await;
    let auth = |reason| value(&m, "opik_mcp_auth_failures_total", &[("reason", reason)]);
    assert_eq!(auth("missing"), 1.0);
    assert_eq!(auth("unknown_key"), 1.0);
    assert_eq!(
        value(&m, "opik_mcp_rate_limited_total", &[("bucket", "subject")]),
        f64::from(limited)
    );
    let upstream = [("endpoint", "projects"), ("status", "error")];
    assert_eq!(
        value(&m, "opik_mcp_upstream_requests_total", &upstream),
        3.0
    );
    let retries = [("endpoint", "projects")];
    assert_eq!(value(&m, "opik_mcp_upstream_retries_total", &retries), 2.0);
    assert_eq!(value(&m, "opik_mcp_db_pool_max_connections", &[]), 10.0);
    assert!(value(&m, "opik_mcp_db_pool_connections", &[("state", "idle")]) >= 0.0);
}
