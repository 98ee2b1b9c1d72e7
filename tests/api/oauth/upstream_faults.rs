//! The upstream provider down or slow: a clear page with 502 or 504, never a hang, and
//! nothing granted.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use super::{BrokerApp, Pkce, closed_port_url, spawn_broker_with};

#[tokio::test]
async fn a_provider_whose_token_endpoint_is_down_gives_a_502_page() {
    let b = spawn_broker_with(|idp, _| idp.set_token_endpoint(&closed_port_url("/token"))).await;
    let client_id = b.public_client().await;
    let started = b
        .start(&BrokerApp::authorize_params(&client_id, &Pkce::new()))
        .await;
    let back = b.upstream_login(&started).await;
    let resp = b.callback(&back, &started.cookie).await;
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    assert!(resp.headers().get("location").is_none());
    let page = resp.text().await.expect("page");
    assert!(page.contains("sign-in provider is unavailable"), "{page}");
}

#[tokio::test]
async fn a_slow_provider_gives_a_504_page_within_the_timeout() {
    let b = spawn_broker_with(|idp, s| {
        idp.set(|u| u.token_delay = Duration::from_secs(20));
        s.auth.broker.upstream_timeout_secs = 1;
    })
    .await;
    let client_id = b.public_client().await;
    let started = b
        .start(&BrokerApp::authorize_params(&client_id, &Pkce::new()))
        .await;
    let back = b.upstream_login(&started).await;
    let began = Instant::now();
    let resp = b.callback(&back, &started.cookie).await;
    assert_eq!(resp.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(
        began.elapsed() < Duration::from_secs(10),
        "bounded by the timeout"
    );
    let page = resp.text().await.expect("page");
    assert!(page.contains("did not answer in time"), "{page}");
    assert_eq!(b.idp.token_calls(), 1);
}

#[tokio::test]
async fn an_unreachable_provider_at_authorize_gives_a_502_page_and_start_up_still_works() {
    let b = spawn_broker_with(|_, s| {
        s.auth.broker.upstream_issuer = Some(closed_port_url(""));
    })
    .await;
    let client_id = b.public_client().await;
    let resp = b
        .authorize(&BrokerApp::authorize_params(&client_id, &Pkce::new()))
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    assert!(resp.headers().get("location").is_none());
}

#[tokio::test]
async fn an_id_token_with_another_nonce_is_refused() {
    let b = spawn_broker_with(|idp, _| idp.set(|u| u.wrong_nonce = true)).await;
    let client_id = b.public_client().await;
    let started = b
        .start(&BrokerApp::authorize_params(&client_id, &Pkce::new()))
        .await;
    let back = b.upstream_login(&started).await;
    let resp = b.callback(&back, &started.cookie).await;
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    assert!(resp.text().await.expect("page").contains("nonce"));
}
