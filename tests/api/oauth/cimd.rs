//! Client ID Metadata Documents: a client whose id is the URL of its metadata. Fetched with
//! limits, checked to name itself, cached.

use std::sync::{
    Arc,
    atomic::{AtomicU32, Ordering},
};

use poem::{
    EndpointExt, Request, Route,
    endpoint::make_sync,
    listener::{Acceptor, Listener, TcpListener},
};
use reqwest::StatusCode;
use serde_json::json;

use super::{BrokerApp, CLIENT_REDIRECT, Pkce, spawn_broker};

/// Serves `/client.json` (naming itself), `/liar.json` (naming another client) and
/// `/huge.json` (9 KiB); counts fetches.
async fn document_server() -> (String, Arc<AtomicU32>) {
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .expect("bind");
    let base = format!(
        "http://{}",
        acceptor.local_addr()[0].as_socket_addr().expect("addr")
    );
    let fetches = Arc::new(AtomicU32::new(0));
    let count = Arc::clone(&fetches);
    let b = base.clone();
    let app = Route::new()
        .at(
            "/*path",
            make_sync(move |req: Request| {
                count.fetch_add(1, Ordering::Relaxed);
                let path = req.uri().path().to_owned();
                let id = match path.as_str() {
                    "/liar.json" => "https://someone-else.example/client.json".to_owned(),
                    _ => format!("{b}{path}"),
                };
                let mut doc = json!({
                    "client_id": id,
                    "client_name": "Metadata Client",
                    "redirect_uris": [CLIENT_REDIRECT],
                    "token_endpoint_auth_method": "none",
                });
                if path == "/huge.json" {
                    doc["padding"] = json!("x".repeat(9 * 1024));
                }
                poem::Response::builder()
                    .content_type("application/json")
                    .body(doc.to_string())
            }),
        )
        .boxed();
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    (base, fetches)
}

#[tokio::test]
async fn a_metadata_document_client_signs_in_and_its_document_is_cached() {
    let b = spawn_broker().await;
    let (base, fetches) = document_server().await;
    let client_id = format!("{base}/client.json");
    let tokens = b.tokens(&client_id).await;
    assert_eq!(
        b.mcp_with(tokens["access_token"].as_str().expect("t"))
            .await
            .status(),
        StatusCode::OK
    );
    let refresh = super::flow::refresh_with(
        &b,
        &client_id,
        tokens["refresh_token"].as_str().expect("refresh"),
    )
    .await;
    assert_eq!(refresh.status(), StatusCode::OK);
    assert_eq!(
        fetches.load(Ordering::Relaxed),
        1,
        "fetched once, then cached"
    );
}

#[tokio::test]
async fn unusable_metadata_documents_stop_the_sign_in_with_a_page() {
    let b = spawn_broker().await;
    let (base, _) = document_server().await;
    for (path, says) in [
        ("/liar.json", "names another client_id"),
        ("/huge.json", "larger than 8 KiB"),
    ] {
        let params = BrokerApp::authorize_params(&format!("{base}{path}"), &Pkce::new());
        let resp = b.authorize(&params).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{path}");
        assert!(resp.headers().get("location").is_none());
        let page = resp.text().await.expect("page");
        assert!(page.contains(says), "{path}: {page}");
    }
    // A document on a closed port: refused the same way, within the timeout.
    let dead = super::closed_port_url("/client.json");
    let resp = b
        .authorize(&BrokerApp::authorize_params(&dead, &Pkce::new()))
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(
        resp.text()
            .await
            .expect("page")
            .contains("could not be fetched")
    );
}
