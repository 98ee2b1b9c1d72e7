//! What a strict OAuth client reads before it signs in: the `WWW-Authenticate` challenge, the
//! protected-resource metadata it points at, RFC 8707 audience binding, and, on a server that
//! takes API keys only, an answer that ends the client's discovery with the real reason.

use serde_json::{Value, json};

use super::support::*;
use crate::helpers::initialize_request;

/// The path part of a URL on the test resource's host (`https://mcp.test/…`).
fn path_of(url: &str) -> String {
    url.strip_prefix("https://mcp.test")
        .unwrap_or_else(|| panic!("{url} is not on the resource's host"))
        .to_owned()
}

/// The value of `name="…"` in a challenge.
fn param(challenge: &str, name: &str) -> Option<String> {
    let start = challenge.find(&format!("{name}=\""))? + name.len() + 2;
    let len = challenge[start..].find('"')?;
    Some(challenge[start..start + len].to_owned())
}

#[tokio::test]
async fn the_challenge_points_at_metadata_that_names_this_resource_and_its_issuer() {
    let app = spawn_secure(jwt_mode).await;
    let resp = post_as(&app, None, &initialize_request(1), None).await;
    assert_eq!(resp.status(), 401);
    let c = challenge(&resp);
    assert!(c.starts_with("Bearer "), "{c}");
    assert_eq!(
        param(&c, "error"),
        None,
        "no error code without credentials"
    );
    assert_eq!(param(&c, "scope").as_deref(), Some("opik:read"));
    let url = param(&c, "resource_metadata").expect("resource_metadata");
    // The client follows the URL exactly as given.
    let doc = get_json(&app, &path_of(&url)).await;
    assert_eq!(doc["resource"], RESOURCE, "exactly auth.resource");
    assert_eq!(
        doc["authorization_servers"],
        json!([ISSUER]),
        "defaults to the issuer"
    );
    assert_eq!(doc["bearer_methods_supported"], json!(["header"]));
    let scopes = doc["scopes_supported"]
        .as_array()
        .expect("scopes_supported");
    assert!(scopes.contains(&json!("opik:read")), "{scopes:?}");
}

#[tokio::test]
async fn a_refused_token_gets_invalid_token_with_the_same_pointers() {
    let app = spawn_secure(jwt_mode).await;
    let mut c = claims("alice", "opik:read");
    c["exp"] = json!(now() - 600);
    let resp = post_as(&app, Some(&hs_token(&c)), &initialize_request(1), None).await;
    assert_eq!(resp.status(), 401);
    let c = challenge(&resp);
    assert_eq!(param(&c, "error").as_deref(), Some("invalid_token"));
    assert_eq!(
        param(&c, "error_description").as_deref(),
        Some("token expired")
    );
    assert!(param(&c, "resource_metadata").is_some(), "{c}");
    assert_eq!(param(&c, "scope").as_deref(), Some("opik:read"));
}

#[tokio::test]
async fn the_challenge_asks_for_the_configured_scopes_which_the_metadata_lists() {
    let app = spawn_secure(|s| {
        jwt_mode(s);
        s.auth.scopes.challenge = vec!["opik:read".into(), "opik:write".into()];
    })
    .await;
    let resp = post_as(&app, None, &initialize_request(1), None).await;
    let c = challenge(&resp);
    assert_eq!(param(&c, "scope").as_deref(), Some("opik:read opik:write"));
    let doc = get_json(&app, "/.well-known/oauth-protected-resource/mcp").await;
    let scopes = doc["scopes_supported"].as_array().expect("scopes");
    for s in ["opik:read", "opik:write"] {
        assert!(scopes.contains(&json!(s)), "{s} in {scopes:?}");
    }
    // A token with only the required scope still passes: the challenge is what to ask for.
    let token = hs_token(&claims("bob", "opik:read"));
    assert_eq!(
        post_as(&app, Some(&token), &initialize_request(1), None)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn challenge_scopes_without_the_required_ones_fail_start_up_naming_the_key() {
    let mut settings = crate::helpers::test_settings();
    jwt_mode(&mut settings);
    settings.auth.scopes.challenge = vec!["opik:write".into()];
    let err = settings.validate().expect_err("refused").to_string();
    assert!(err.contains("auth.scopes.challenge"), "{err}");
    assert!(err.contains("opik:read"), "{err}");
}

#[tokio::test]
async fn a_token_for_another_resource_is_refused_and_audiences_match_exactly() {
    let app = spawn_secure(jwt_mode).await;
    let cases = [
        (json!("https://other.test/mcp"), 401),
        (json!("https://mcp.test"), 401),
        (json!("https://mcp.test/mcp/"), 401),
        (json!(["https://other.test/mcp"]), 401),
        (json!(["https://other.test/mcp", RESOURCE]), 200),
        (json!(RESOURCE), 200),
    ];
    for (aud, want) in cases {
        let mut c = claims("carol", "opik:read");
        c["aud"] = aud.clone();
        let resp = post_as(&app, Some(&hs_token(&c)), &initialize_request(1), None).await;
        assert_eq!(resp.status(), want, "aud {aud}");
        if want == 401 {
            assert_eq!(
                param(&challenge(&resp), "error_description").as_deref(),
                Some("token audience is not this server"),
                "aud {aud}"
            );
        }
    }
}

#[tokio::test]
async fn with_jwts_registration_is_left_to_the_authorization_server() {
    let app = spawn_secure(jwt_mode).await;
    let resp = app
        .client
        .post(app.url("/register"))
        .json(&json!({"redirect_uris": ["http://127.0.0.1:1/cb"]}))
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 404);
}

/// POST a registration the way the SDKs do when no metadata names an endpoint.
async fn register(app: &SecApp, key: Option<&str>) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut req = app
        .client
        .post(app.url("/register"))
        .json(&json!({"redirect_uris": ["http://127.0.0.1:1/cb"], "scope": "opik:read"}));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let resp = req.send().await.expect("POST /register");
    let (status, headers) = (resp.status().as_u16(), resp.headers().clone());
    (status, resp.json().await.expect("json"), headers)
}

#[tokio::test]
async fn an_api_key_server_points_no_client_at_metadata_and_refuses_registration_saying_why() {
    let app = spawn_secure(|s| {
        api_key_mode(s);
        // Set by mistake on an API-key server: it must not produce a dangling pointer.
        s.auth.resource = Some(RESOURCE.into());
    })
    .await;
    let resp = post_as(&app, Some("not-a-key"), &initialize_request(1), None).await;
    assert_eq!(resp.status(), 401);
    let c = challenge(&resp);
    assert_eq!(param(&c, "resource_metadata"), None, "{c}");
    assert_eq!(param(&c, "realm").as_deref(), Some("opik-mcp"));
    assert_eq!(
        param(&c, "error_description").as_deref(),
        Some("unknown API key")
    );
    for path in [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
    ] {
        let status = app.client.get(app.url(path)).send().await.expect("GET");
        assert_eq!(status.status(), 404, "{path}");
    }

    let (status, body, headers) = register(&app, None).await;
    assert_eq!(status, 403);
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(body["error"], "access_denied");
    let text = body["error_description"].as_str().expect("description");
    assert!(text.contains("accepts API keys only"), "{text}");
    assert!(text.contains("missing or unknown key"), "{text}");
    assert!(text.contains("Authorization: Bearer <API key>"), "{text}");

    let (_, body, _) = register(&app, Some("not-a-key")).await;
    let text = body["error_description"].as_str().expect("description");
    assert!(text.contains("the API key sent was refused"), "{text}");
    // Nothing was registered and no key was checked: no security event for /register.
    assert!(app.events.of("authenticated").is_empty());
    // The public document describes the route (and no metadata routes).
    let doc = get_json(&app, "/openapi.json").await;
    let op = &doc["paths"]["/register"]["post"];
    assert_eq!(op["operationId"], "registerClientRefused");
    assert!(op["responses"]["403"].is_object(), "{op}");
    assert!(doc["paths"]["/.well-known/oauth-protected-resource"].is_null());
}

/// One HTTP/1.1 response read off a raw connection: its head (lowercased) and status.
async fn read_response(stream: &mut tokio::net::TcpStream) -> (u16, String) {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.expect("read");
        assert!(n > 0, "connection closed before a response");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .map_or(0, |v| v.trim().parse().expect("length"));
    while buf.len() < head_end + len {
        let n = stream.read(&mut chunk).await.expect("read body");
        assert!(n > 0, "connection closed inside a body");
        buf.extend_from_slice(&chunk[..n]);
    }
    let status = head[9..12].parse().expect("status");
    (status, head)
}

#[tokio::test]
async fn a_401_sent_before_the_body_arrived_leaves_the_connection_usable_for_discovery() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_secure(jwt_mode).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let body = initialize_request(1).to_string();
    let request_head = raw_mcp_post_head(&addr, body.len());
    // The client writes the head, then the body a moment later (as the SDKs' HTTP stacks can).
    stream
        .write_all(request_head.as_bytes())
        .await
        .expect("head");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stream.write_all(body.as_bytes()).await.expect("body");
    let (status, head) = read_response(&mut stream).await;
    assert_eq!(status, 401);
    assert!(!head.contains("connection: close"), "{head}");
    // Discovery goes on over the same connection.
    let next =
        format!("GET /.well-known/oauth-protected-resource/mcp HTTP/1.1\r\nhost: {addr}\r\n\r\n");
    stream
        .write_all(next.as_bytes())
        .await
        .expect("second request");
    assert_eq!(read_response(&mut stream).await.0, 200);

    // A body that does not come: after a short wait the answer says the connection ends
    // (unread bytes never sit in the server's buffer here, so the close cannot reset it).
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    stream
        .write_all(request_head.as_bytes())
        .await
        .expect("head only");
    let started = std::time::Instant::now();
    let (status, head) = read_response(&mut stream).await;
    assert_eq!(status, 401, "{head} after {:?}", started.elapsed());
    assert!(head.contains("connection: close"), "{head}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
