//! Rate limits over HTTP: 429 with headers, isolation between principals, per-tool quotas
//! over MCP, the SSE stream cap and the per-IP quota.

use opik_mcp::config::Limit;
use serde_json::{Value, json};

use super::support::*;

fn header(resp: &reqwest::Response, name: &str) -> u64 {
    resp.headers()
        .get(name)
        .unwrap_or_else(|| panic!("{name} present"))
        .to_str()
        .expect("ascii")
        .parse()
        .expect("number")
}

#[tokio::test]
async fn a_burst_past_the_principal_quota_gets_429_with_headers_and_others_are_unaffected() {
    let app = spawn_secure(|s| {
        api_key_mode(s);
        s.rate_limit.per_principal = Limit::new(60, 3);
    })
    .await;
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    let sid = initialize_as(&app, READ_KEY).await; // 2 requests: initialize + initialized
    let third = post_as(&app, Some(READ_KEY), &ping, Some(&sid)).await;
    assert_eq!(third.status(), 200);
    assert_eq!(header(&third, "x-ratelimit-limit"), 3);
    assert_eq!(header(&third, "x-ratelimit-remaining"), 0);
    assert!(header(&third, "x-ratelimit-reset") >= 1);
    let over = post_as(&app, Some(READ_KEY), &ping, Some(&sid)).await;
    assert_eq!(over.status(), 429);
    assert_eq!(header(&over, "x-ratelimit-limit"), 3);
    assert_eq!(header(&over, "x-ratelimit-remaining"), 0);
    let retry = header(&over, "retry-after");
    assert!((1..=2).contains(&retry), "retry-after {retry}");
    assert_eq!(header(&over, "x-ratelimit-reset"), retry);
    let body: Value = over.json().await.expect("json");
    assert_eq!(body["error"]["code"], -32029);
    // Another principal has its own bucket.
    let other = initialize_as(&app, ADMIN_KEY).await;
    assert!(!other.is_empty());
    let hits = app.events.of("rate_limited");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].principal.as_deref(), Some("key:reader"));
}

#[tokio::test]
async fn an_over_quota_tool_call_is_a_json_rpc_error_with_the_retry_time() {
    let app = spawn_secure(|s| {
        api_key_mode(s);
        s.rate_limit.per_tool = Limit::new(6, 2);
    })
    .await;
    let sid = initialize_as(&app, READ_KEY).await;
    let call = json!({"name": "get-server-info", "arguments": {}});
    for id in 1..=2 {
        let ok = rpc_as(&app, READ_KEY, &sid, id, "tools/call", call.clone()).await;
        assert_eq!(ok["result"]["isError"], false);
    }
    let over = rpc_as(&app, READ_KEY, &sid, 3, "tools/call", call.clone()).await;
    assert_eq!(over["error"]["code"], -32029);
    let retry = over["error"]["data"]["retryAfterSecs"]
        .as_u64()
        .expect("retry time");
    assert!((1..=10).contains(&retry), "{retry}");
    // Another tool has its own quota.
    let help = json!({"name": "get-opik-help", "arguments": {"topic": "general"}});
    let ok = rpc_as(&app, READ_KEY, &sid, 4, "tools/call", help).await;
    assert_eq!(ok["result"]["isError"], false);
}

#[tokio::test]
async fn concurrent_sse_streams_per_principal_are_capped() {
    let app = spawn_secure(|s| {
        api_key_mode(s);
        s.rate_limit.max_streams_per_principal = 2;
        // A vanished client is noticed at the next write: keep-alives every second.
        s.server.keep_alive_secs = 1;
    })
    .await;
    let open = || {
        app.client
            .get(app.url("/sse"))
            .bearer_auth(READ_KEY)
            .header("accept", "text/event-stream")
            .send()
    };
    let a = open().await.expect("1");
    let b = open().await.expect("2");
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let c = open().await.expect("3");
    assert_eq!(c.status(), 429);
    assert!(c.headers().contains_key("retry-after"));
    // Another principal is not affected, and closing a stream frees a slot.
    let d = app
        .client
        .get(app.url("/sse"))
        .bearer_auth(ADMIN_KEY)
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("other");
    assert_eq!(d.status(), 200);
    drop(a);
    let mut freed = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if open().await.expect("retry").status() == 200 {
            freed = true;
            break;
        }
    }
    assert!(freed, "a closed stream frees its slot");
}

#[tokio::test]
async fn the_per_ip_quota_applies_before_authentication() {
    let app = spawn_secure(|s| {
        api_key_mode(s);
        s.rate_limit.exempt_loopback = false;
        s.rate_limit.per_ip = Limit::new(60, 5);
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let r = post_as(
            &app,
            Some("bogus-key-that-never-verifies-000000000"),
            &json!({}),
            None,
        )
        .await;
        statuses.push(r.status().as_u16());
    }
    assert_eq!(&statuses[..5], [401; 5]);
    assert!(statuses[5..].iter().all(|&s| s == 429), "{statuses:?}");
}

#[tokio::test]
async fn one_hundred_thousand_principals_keep_the_limiter_bounded() {
    let app = spawn_secure(|s| {
        api_key_mode(s);
        s.rate_limit.max_keys = 1000;
        // One token a minute: the overflow bucket the flood exhausts stays empty for the
        // rest of the test however slow the machine (at 600/min it refilled within 100 ms,
        // and a loaded CI machine let the last request through).
        s.rate_limit.per_principal = opik_mcp::config::Limit::new(1, 100);
    })
    .await;
    let sid = initialize_as(&app, READ_KEY).await;
    let limiter = app
        .limiters
        .iter()
        .find(|l| l.name() == "per_principal")
        .expect("principal limiter")
        .clone();
    for i in 0..100_000u32 {
        let _ = limiter.check(&std::sync::Arc::from(format!("jwt:user-{i}")));
    }
    assert_eq!(limiter.len(), 1000);
    assert!(
        limiter.approx_bytes() < 200_000,
        "{} bytes",
        limiter.approx_bytes()
    );
    assert_eq!(
        limiter.overflowed(),
        99_001,
        "the flood past the cap (plus the pre-flood key's slot)"
    );
    // A principal seen before the flood keeps its own bucket.
    let ping = json!({"jsonrpc": "2.0", "id": 9, "method": "ping"});
    assert_eq!(
        post_as(&app, Some(READ_KEY), &ping, Some(&sid))
            .await
            .status(),
        200
    );
    // A new one shares the overflow bucket (exhausted by the flood) until idle keys are
    // swept: degraded, but memory stays bounded.
    let resp = post_as(&app, Some(ADMIN_KEY), &ping, None).await;
    assert_eq!(resp.status(), 429);
}
