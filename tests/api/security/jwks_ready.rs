//! `/readyz` in JWT mode with a JWKS: not ready (503, naming the `jwks` check) until keys are
//! loaded, ready soon after the issuer answers, and degraded (still ready) when refreshes
//! keep failing past `auth.jwt.jwks_max_stale_secs`. The JWKS metrics follow.

use std::{
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use super::{jwks::jwks_server, support::*};

async fn readyz(app: &SecApp) -> (u16, Value) {
    let resp = app.admin_get("/readyz").await;
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("json"))
}

/// Poll `/readyz` until `want` holds (or fail after 10 s).
async fn until(app: &SecApp, want: impl Fn(u16, &Value) -> bool) -> (u16, Value) {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = readyz(app).await;
        if want(status, &body) {
            return (status, body);
        }
        assert!(
            Instant::now() < end,
            "readyz never matched: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn jwks_only(s: &mut opik_mcp::config::Settings, url: &str) {
    jwt_mode(s);
    s.auth.jwt.hs_secret = None;
    s.auth.jwt.jwks_url = Some(url.into());
}

#[tokio::test]
async fn readyz_is_503_naming_jwks_until_keys_load_then_200_within_a_refetch_interval() {
    // Arrange: the issuer is down at start-up; refreshes every hour, re-fetch window 1 s.
    let key = ec_key();
    let server = jwks_server(json!([jwk(&key, "k1")])).await;
    server.down.store(true, Ordering::SeqCst);
    let app = spawn_secure(|s| {
        jwks_only(s, &server.url);
        s.auth.jwt.jwks_refresh_secs = 3600;
        s.auth.jwt.jwks_min_refetch_secs = 1;
    })
    .await;
    // Act + Assert: not ready, and the body says why.
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["jwks"]["ok"], false, "{body}");
    let detail = body["checks"]["jwks"]["detail"].as_str().expect("detail");
    assert!(detail.contains("no signing keys loaded"), "{detail}");
    assert!(detail.contains("503"), "the fetch error is named: {detail}");
    // The issuer comes back: ready without waiting for the hourly refresh.
    server.down.store(false, Ordering::SeqCst);
    let started = Instant::now();
    let (_, body) = until(&app, |s, _| s == 200).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(body["checks"]["jwks"]["ok"], true);
    assert_eq!(body["checks"]["jwks"]["data"]["keys"], 1);
    let metrics = app.admin_get("/metrics").await.text().await.expect("text");
    assert!(metrics.contains("opik_mcp_jwks_keys 1"), "{metrics}");
    assert!(metrics.contains("opik_mcp_jwks_fetches_total{result=\"error\"}"));
}

#[tokio::test]
async fn refreshes_failing_past_the_staleness_bound_are_degraded_but_ready() {
    // Arrange: keys load; refresh every second; stale after one second.
    let key = ec_key();
    let server = jwks_server(json!([jwk(&key, "k1")])).await;
    let app = spawn_secure(|s| {
        jwks_only(s, &server.url);
        s.auth.jwt.jwks_refresh_secs = 1;
        s.auth.jwt.jwks_max_stale_secs = 1;
    })
    .await;
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready", "{body}");
    // Act: the issuer fails from now on.
    server.down.store(true, Ordering::SeqCst);
    // Assert: still ready (cached keys verify), but degraded, with the failure named.
    let (status, body) = until(&app, |_, b| b["status"] == "degraded").await;
    assert_eq!(status, 200, "{body}");
    let detail = body["checks"]["jwks"]["detail"].as_str().expect("detail");
    assert!(
        detail.contains("stale") && detail.contains("503"),
        "{detail}"
    );
    let token = sign(
        key.alg,
        &key.encoding,
        &claims("alice", "opik:read"),
        Some("k1"),
    );
    let resp = post_as(
        &app,
        Some(&token),
        &crate::helpers::initialize_request(1),
        None,
    )
    .await;
    assert_eq!(resp.status(), 200, "the cached key still verifies");
}
