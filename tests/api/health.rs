use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_answers_exactly_the_seed_contract() {
    let app = spawn_app().await;
    let resp = app
        .client
        .get(app.url("/health"))
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body, json!({"status": "ok"}));
}

#[tokio::test]
async fn liveness_and_readiness_report_ok_with_named_checks() {
    let app = spawn_app().await;
    let live: Value = app.admin_get("/healthz").await.json().await.expect("json");
    assert_eq!(live["status"], "ok");
    let resp = app.admin_get("/readyz").await;
    assert_eq!(resp.status(), 200);
    let ready: Value = resp.json().await.expect("json");
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["checks"]["sessions"]["ok"], true);
    assert_eq!(ready["checks"]["draining"]["ok"], true);
}

#[tokio::test]
async fn readiness_is_503_when_the_session_cap_is_reached() {
    let app = crate::helpers::spawn_app_with(|s| s.server.max_sessions = 1).await;
    let _sid = app.initialize().await;
    let resp = app.admin_get("/readyz").await;
    assert_eq!(resp.status(), 503);
    let ready: Value = resp.json().await.expect("json");
    assert_eq!(ready["checks"]["sessions"]["ok"], false);
}
