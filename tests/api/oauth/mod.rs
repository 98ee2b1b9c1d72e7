//! The OAuth broker over real sockets, with an in-process OIDC provider as the company identity provider.
//! The browser's part is driven over HTTP: redirects are followed by hand, the sign-in
//! cookie carried, the consent form read and posted.
//!
//! Our server's canonical URL is `https://mcp.test/mcp` (as behind a TLS proxy); the URLs it
//! hands out on that origin are sent to the test server's real address.

mod cimd;
mod clients;
mod counted;
mod fake_idp;
mod flow;
mod openapi;
mod refusals;
mod replicas;
mod rotation;
mod upstream_faults;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use opik_mcp::config::{AuthMode, Settings};
use reqwest::{Response, StatusCode, redirect::Policy};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub use fake_idp::FakeIdp;

use crate::helpers::{TestApp, spawn_app_with};

/// The canonical resource.
pub const RESOURCE: &str = "https://mcp.test/mcp";
/// Its origin: the broker's issuer.
pub const ORIGIN: &str = "https://mcp.test";
/// The MCP client's redirect URI (nothing listens there; the test reads the redirect).
pub const CLIENT_REDIRECT: &str = "http://127.0.0.1:9/callback";
/// Admin API token of the test server.
pub const ADMIN_TOKEN: &str = "admin-token-0123456789abcdef";

/// A PKCE pair.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Self {
        let verifier = format!("verifier-{}-{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Self {
            verifier,
            challenge,
        }
    }
}

/// A started sign-in: the cookie binding it to "the browser" and where it went upstream.
pub struct Started {
    pub cookie: String,
    pub upstream: String,
}

/// The app with the broker on, and its fake provider.
pub struct BrokerApp {
    pub app: TestApp,
    pub idp: FakeIdp,
    /// A client that follows no redirect (the test is the browser).
    pub http: reqwest::Client,
}

/// Settings that turn the broker on against `idp`.
pub fn broker_settings(s: &mut Settings, idp: &FakeIdp) {
    s.auth.mode = AuthMode::Jwt;
    s.auth.resource = Some(RESOURCE.into());
    let b = &mut s.auth.broker;
    b.upstream_issuer = Some(idp.issuer());
    b.client_id = Some(fake_idp::CLIENT_ID.into());
    b.client_secret = Some(fake_idp::CLIENT_SECRET.to_owned().into());
    b.upstream_timeout_secs = 2;
    s.audit.admin_token = Some(ADMIN_TOKEN.to_owned().into());
}

/// Start a fake provider and the app with the broker on.
pub async fn spawn_broker() -> BrokerApp {
    spawn_broker_with(|_, _| {}).await
}

/// [`spawn_broker`] after `tweak` adjusts the provider and the settings.
pub async fn spawn_broker_with(tweak: impl FnOnce(&FakeIdp, &mut Settings)) -> BrokerApp {
    let idp = FakeIdp::start(&format!("{ORIGIN}/oauth/callback")).await;
    let app = spawn_app_with(|s| {
        broker_settings(s, &idp);
        tweak(&idp, s);
    })
    .await;
    BrokerApp::new(app, idp)
}

impl BrokerApp {
    pub fn new(app: TestApp, idp: FakeIdp) -> Self {
        let http = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .expect("client");
        Self { app, idp, http }
    }

    /// A URL on our public origin, sent to the test server.
    pub fn local(&self, url: &str) -> String {
        match url.strip_prefix(ORIGIN) {
            Some(path) => self.app.url(path),
            None => url.to_owned(),
        }
    }

    /// POST a registration.
    pub async fn register(&self, body: &Value) -> Response {
        self.http
            .post(self.app.url("/register"))
            .json(body)
            .send()
            .await
            .expect("POST /register")
    }

    /// Register a public client redirecting to [`CLIENT_REDIRECT`]; its id.
    pub async fn public_client(&self) -> String {
        let resp = self
            .register(&json!({
                "redirect_uris": [CLIENT_REDIRECT],
                "token_endpoint_auth_method": "none",
                "client_name": "Test MCP client",
                "scope": "opik:read",
            }))
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let body: Value = resp.json().await.expect("json");
        body["client_id"].as_str().expect("client_id").to_owned()
    }

    /// The standard authorization parameters for `client_id`.
    pub fn authorize_params(client_id: &str, pkce: &Pkce) -> Vec<(String, String)> {
        [
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", CLIENT_REDIRECT),
            ("code_challenge", pkce.challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("state", "client-state-1"),
            ("scope", "opik:read"),
            ("resource", RESOURCE),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// GET /authorize with `params`.
    pub async fn authorize(&self, params: &[(String, String)]) -> Response {
        let query = encode(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        self.http
            .get(format!("{}?{query}", self.app.url("/authorize")))
            .send()
            .await
            .expect("GET /authorize")
    }

    /// Start a sign-in that must be sent upstream.
    pub async fn start(&self, params: &[(String, String)]) -> Started {
        let resp = self.authorize(params).await;
        assert_eq!(resp.status(), StatusCode::FOUND, "{:?}", resp.text().await);
        let upstream = location(&resp);
        assert!(upstream.starts_with(&self.idp.issuer()), "{upstream}");
        let cookie = resp
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .expect("sign-in cookie")
            .to_owned();
        Started { cookie, upstream }
    }

    /// The provider's login: its redirect back to our callback (made local).
    pub async fn upstream_login(&self, started: &Started) -> String {
        let resp = self.http.get(&started.upstream).send().await.expect("idp");
        assert_eq!(resp.status(), StatusCode::FOUND);
        let back = location(&resp);
        assert!(
            back.starts_with(&format!("{ORIGIN}/oauth/callback")),
            "{back}"
        );
        self.local(&back)
    }

    /// GET a callback URL with `cookie`.
    pub async fn callback(&self, url: &str, cookie: &str) -> Response {
        self.http
            .get(url)
            .header("cookie", cookie)
            .send()
            .await
            .expect("callback")
    }

    /// POST the consent form.
    pub async fn consent(&self, consent_id: &str, cookie: &str, decision: &str) -> Response {
        self.http
            .post(self.app.url("/oauth/consent"))
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode([("consent_id", consent_id), ("decision", decision)]))
            .send()
            .await
            .expect("consent")
    }

    /// Sign in (consenting if asked); the redirect to the client.
    pub async fn sign_in(&self, client_id: &str, pkce: &Pkce) -> url::Url {
        let started = self.start(&Self::authorize_params(client_id, pkce)).await;
        let back = self.upstream_login(&started).await;
        let mut resp = self.callback(&back, &started.cookie).await;
        if resp.status() == StatusCode::OK {
            let page = resp.text().await.expect("page");
            resp = self
                .consent(&consent_id(&page), &started.cookie, "allow")
                .await;
        }
        assert_eq!(resp.status(), StatusCode::FOUND);
        url::Url::parse(&location(&resp)).expect("redirect URL")
    }

    /// POST /token with `form`.
    pub async fn token(&self, form: &[(&str, &str)]) -> Response {
        self.http
            .post(self.app.url("/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode(form.iter().copied()))
            .send()
            .await
            .expect("POST /token")
    }

    /// Sign in and exchange the code: the token response.
    pub async fn tokens(&self, client_id: &str) -> Value {
        let pkce = Pkce::new();
        let back = self.sign_in(client_id, &pkce).await;
        let code = param(&back, "code").expect("code");
        let resp = self
            .token(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CLIENT_REDIRECT),
                ("code_verifier", &pkce.verifier),
                ("client_id", client_id),
                ("resource", RESOURCE),
            ])
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.expect("token json")
    }

    /// POST an MCP `initialize` with `token`.
    pub async fn mcp_with(&self, token: &str) -> Response {
        self.app
            .client
            .post(self.app.url("/mcp"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(crate::helpers::initialize_request(1).to_string())
            .send()
            .await
            .expect("POST /mcp")
    }

    /// GET on the admin listener with the admin token.
    pub async fn admin(&self, method: reqwest::Method, path: &str) -> Response {
        self.http
            .request(method, self.app.admin_url(path))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("admin")
    }
}

/// A form-urlencoded string of `pairs`.
pub fn encode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The `Location` of a redirect.
pub fn location(resp: &Response) -> String {
    resp.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("Location")
        .to_owned()
}

/// A query parameter of a URL.
pub fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The consent id in a consent page.
pub fn consent_id(page: &str) -> String {
    let marker = "name=\"consent_id\" value=\"";
    let start = page.find(marker).expect("consent form") + marker.len();
    page[start..].split('"').next().expect("value").to_owned()
}

/// A loopback URL nothing listens on.
pub fn closed_port_url(path: &str) -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    format!("http://127.0.0.1:{port}{path}")
}
