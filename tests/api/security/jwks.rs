//! JWKS: keys from a local JWKS server, rotation mid-test, rate-limited re-fetch on an
//! unknown `kid`, and serving through an outage.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

use poem::{
    EndpointExt, Response, Route, Server,
    listener::{Acceptor, Listener, TcpListener},
};
use serde_json::{Value, json};

use super::support::*;
use crate::helpers::initialize_request;

/// A JWKS endpoint whose key set and availability the test controls.
pub(super) struct JwksServer {
    pub(super) url: String,
    pub(super) keys: Arc<Mutex<Value>>,
    pub(super) down: Arc<AtomicBool>,
    hits: Arc<AtomicUsize>,
}

pub(super) async fn jwks_server(initial: Value) -> JwksServer {
    let keys = Arc::new(Mutex::new(initial));
    let down = Arc::new(AtomicBool::new(false));
    let hits = Arc::new(AtomicUsize::new(0));
    let (k, d, h) = (keys.clone(), down.clone(), hits.clone());
    let ep = poem::endpoint::make_sync(move |_| {
        h.fetch_add(1, Ordering::SeqCst);
        if d.load(Ordering::SeqCst) {
            return Response::builder()
                .status(poem::http::StatusCode::SERVICE_UNAVAILABLE)
                .finish();
        }
        let body = json!({ "keys": k.lock().expect("lock").clone() }).to_string();
        Response::builder()
            .content_type("application/json")
            .body(body)
    });
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .expect("bind");
    let addr = acceptor.local_addr()[0]
        .as_socket_addr()
        .copied()
        .expect("addr");
    tokio::spawn(
        Server::new_with_acceptor(acceptor)
            .run(Route::new().at("/jwks.json", ep.map_to_response())),
    );
    JwksServer {
        url: format!("http://{addr}/jwks.json"),
        keys,
        down,
        hits,
    }
}

fn jwks_mode(s: &mut opik_mcp::config::Settings, url: &str, min_refetch: u64) {
    jwt_mode(s);
    s.auth.jwt.hs_secret = None;
    s.auth.jwt.jwks_url = Some(url.into());
    s.auth.jwt.jwks_min_refetch_secs = min_refetch;
    s.auth.jwt.jwks_refresh_secs = 3600;
}

async fn status(app: &SecApp, token: &str) -> u16 {
    post_as(app, Some(token), &initialize_request(1), None)
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn keys_rotate_mid_test_and_an_unknown_kid_triggers_one_refetch() {
    let (k1, k2) = (ec_key(), ec_key());
    let server = jwks_server(json!([jwk(&k1, "k1")])).await;
    let app = spawn_secure(|s| jwks_mode(s, &server.url, 1)).await;
    let jwks = app.jwks.clone().expect("jwks cache");
    assert_eq!(jwks.fetches(), 1, "fetched at start-up");
    let t1 = sign(
        k1.alg,
        &k1.encoding,
        &claims("alice", "opik:read"),
        Some("k1"),
    );
    assert_eq!(status(&app, &t1).await, 200);

    // The issuer rotates to k2 (k1 retired). A k2 token's unknown kid triggers a re-fetch,
    // but not within jwks_min_refetch_secs of the last fetch.
    *server.keys.lock().expect("lock") = json!([jwk(&k2, "k2")]);
    let t2 = sign(
        k2.alg,
        &k2.encoding,
        &claims("alice", "opik:read"),
        Some("k2"),
    );
    assert_eq!(
        status(&app, &t2).await,
        401,
        "re-fetch rate-limited after start-up"
    );
    assert_eq!(jwks.fetches(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(status(&app, &t2).await, 200);
    assert_eq!(jwks.fetches(), 2);
    // k1 is gone after the rotation.
    assert_eq!(status(&app, &t1).await, 401);

    // Unknown kids do not hammer the issuer: at most one fetch per min_refetch window.
    let stranger = ec_key();
    let t3 = sign(
        stranger.alg,
        &stranger.encoding,
        &claims("x", "opik:read"),
        Some("nope"),
    );
    for _ in 0..10 {
        assert_eq!(status(&app, &t3).await, 401);
    }
    assert!(jwks.fetches() <= 4, "fetches: {}", jwks.fetches());
}

#[tokio::test]
async fn a_jwks_outage_keeps_the_cached_keys_serving() {
    let k1 = ec_key();
    let server = jwks_server(json!([jwk(&k1, "k1")])).await;
    let app = spawn_secure(|s| jwks_mode(s, &server.url, 1)).await;
    let jwks = app.jwks.clone().expect("jwks cache");
    server.down.store(true, Ordering::SeqCst);
    // A forced refresh fails and keeps the keys.
    assert!(jwks.fetch().await.is_err());
    let t1 = sign(
        k1.alg,
        &k1.encoding,
        &claims("alice", "opik:read"),
        Some("k1"),
    );
    assert_eq!(status(&app, &t1).await, 200, "cached key still verifies");
    // An unknown kid during the outage is refused, not an error page.
    let k2 = ec_key();
    let t2 = sign(
        k2.alg,
        &k2.encoding,
        &claims("alice", "opik:read"),
        Some("k2"),
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(status(&app, &t2).await, 401);
    assert!(server.hits.load(Ordering::SeqCst) >= 3);
    // The issuer comes back with k2: the next unknown-kid miss (after the window) loads it.
    server.down.store(false, Ordering::SeqCst);
    *server.keys.lock().expect("lock") = json!([jwk(&k1, "k1"), jwk(&k2, "k2")]);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(status(&app, &t2).await, 200);
}

#[tokio::test]
async fn start_up_survives_an_unreachable_jwks() {
    let server = jwks_server(json!([])).await;
    server.down.store(true, Ordering::SeqCst);
    let app = spawn_secure(|s| jwks_mode(s, &server.url, 1)).await;
    let jwks = app.jwks.clone().expect("jwks cache");
    assert_eq!(
        jwks.fetches(),
        1,
        "one attempt at start-up, then serving anyway"
    );
    let resp = app
        .client
        .get(app.url("/health"))
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), 200);
}
