//! `/readyz` on the admin listener: named checks, 503 when one fails, back to 200 when it
//! recovers; `/healthz` stays 200 throughout.

use std::{net::SocketAddr, time::Duration};

use opik_mcp::http::readiness::{CheckResult, check_fn};
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

async fn ready(app: &TestApp) -> (u16, Value) {
    let resp = app.admin_get("/readyz").await;
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("json"))
}

async fn live(app: &TestApp) -> u16 {
    app.admin_get("/healthz").await.status().as_u16()
}

/// A dependency check the way a database check works: can we open a connection?
fn tcp_check(addr: SocketAddr) -> impl opik_mcp::http::readiness::ReadinessCheck {
    check_fn("database", move || async move {
        match tokio::net::TcpStream::connect(addr).await {
            Ok(_) => CheckResult::pass("reachable"),
            Err(e) => CheckResult::fail(format!("unreachable: {e}")),
        }
    })
}

#[tokio::test]
async fn readiness_flips_to_503_while_a_dependency_is_down_and_back_when_it_returns() {
    let app = spawn_app().await;
    let db = std::net::TcpListener::bind("127.0.0.1:0").expect("bind fake db");
    let addr = db.local_addr().expect("addr");
    app.readiness.add(tcp_check(addr));

    let (status, body) = ready(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["checks"]["database"]["ok"], true);
    assert!(body["checks"]["database"]["latency_ms"].as_f64().is_some());

    drop(db); // the database goes away
    let (status, body) = ready(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["checks"]["database"]["ok"], false);
    assert_eq!(
        body["checks"]["sessions"]["ok"], true,
        "other checks still reported"
    );
    assert_eq!(live(&app).await, 200, "liveness is unaffected");

    let _db = std::net::TcpListener::bind(addr).expect("the database comes back");
    let (status, body) = ready(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready");
    assert_eq!(live(&app).await, 200);
}

#[tokio::test]
async fn a_hanging_check_fails_within_the_readiness_timeout() {
    let app = spawn_app_with(|s| s.admin.readiness_timeout_secs = 1).await;
    app.readiness.add(check_fn("stuck", || async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        CheckResult::pass("never")
    }));
    let t = std::time::Instant::now();
    let (status, body) = ready(&app).await;
    assert_eq!(status, 503);
    assert_eq!(body["checks"]["stuck"]["ok"], false);
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn readiness_and_metrics_are_not_served_on_the_public_port() {
    let app = spawn_app().await;
    for path in ["/readyz", "/healthz", "/metrics"] {
        let resp = app.client.get(app.url(path)).send().await.expect("GET");
        assert_eq!(resp.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn the_admin_listener_can_be_disabled() {
    let app = spawn_app_with(|s| s.admin.enabled = false).await;
    assert!(app.admin.is_empty());
    let resp = app
        .client
        .get(app.url("/health"))
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), 200);
}

/// A stand-in Opik that answers `GET /opik/api/is-alive/ping`.
fn fake_opik_ping(listener: std::net::TcpListener) -> tokio::task::JoinHandle<()> {
    use poem::{EndpointExt, Route, get, handler, listener::TcpAcceptor};
    #[handler]
    fn ping() -> &'static str {
        "{}"
    }
    listener.set_nonblocking(true).expect("nonblocking");
    let acceptor = TcpAcceptor::from_std(listener).expect("acceptor");
    let app = Route::new()
        .at("/opik/api/is-alive/ping", get(ping))
        .map_to_response();
    tokio::spawn(async move {
        let _ = poem::Server::new_with_acceptor(acceptor).run(app).await;
    })
}

fn opik_at(url: String) -> impl FnOnce(&mut opik_mcp::config::Settings) {
    move |s| {
        s.admin.check_opik = true;
        s.opik.api_url = url;
        s.opik.retry_backoff_ms = 1;
    }
}

#[tokio::test]
async fn the_opted_in_opik_check_passes_while_opik_answers() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let _server = fake_opik_ping(listener);
    let app = spawn_app_with(opik_at(format!("http://{addr}/opik/api"))).await;
    let (status, body) = ready(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["checks"]["opik"]["ok"], true);
    assert_eq!(body["checks"]["opik"]["detail"], "reachable");
}

#[tokio::test]
async fn the_opted_in_opik_check_fails_readiness_while_opik_is_unreachable() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = closed.local_addr().expect("addr");
    drop(closed);
    let app = spawn_app_with(opik_at(format!("http://{addr}/opik/api"))).await;
    let (status, body) = ready(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["opik"]["ok"], false);
    assert!(body["checks"]["opik"]["detail"].is_string(), "{body}");
    assert_eq!(live(&app).await, 200, "liveness is not readiness");
}

#[tokio::test]
async fn without_opting_in_there_is_no_opik_check() {
    let app = spawn_app_with(|s| s.opik.api_url = "http://127.0.0.1:9/opik/api".into()).await;
    let (status, body) = ready(&app).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["checks"].get("opik").is_none());
}
