//! Shared pieces of the security tests: spawning with a recording observer, key material,
//! token minting and authenticated requests.

use std::{
    sync::{Arc, Mutex, OnceLock},
    time::{SystemTime, UNIX_EPOCH},
};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use opik_mcp::{
    auth::JwksCache,
    config::{ApiKeySettings, AuthMode, Settings},
    http::tls::TlsReloader,
    ratelimit::KeyedLimiter,
    session::{Observer, SecurityEvent},
    startup::Application,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, initialize_request, test_settings};

/// `iss` of test tokens.
pub const ISSUER: &str = "https://issuer.test";
/// The canonical resource (`aud`) of the test server.
pub const RESOURCE: &str = "https://mcp.test/mcp";
/// HS256 secret of the test server.
pub const HS_SECRET: &str = "test-secret-0123456789abcdef0123456789";
/// An API key with read scope and one with every scope (their hashes are configured).
pub const READ_KEY: &str = "read-key-0123456789abcdef0123456789abcdef";
/// See [`READ_KEY`].
pub const ADMIN_KEY: &str = "admin-key-0123456789abcdef0123456789abcdef";

/// One recorded security event.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub kind: &'static str,
    pub reason: String,
    pub principal: Option<String>,
    pub credential: Option<String>,
    pub target: String,
    pub client_ip: Option<std::net::IpAddr>,
}

/// Records every security event.
#[derive(Default)]
pub struct Recorder(pub Mutex<Vec<Recorded>>);

impl Observer for Recorder {
    fn security_event(&self, e: &SecurityEvent<'_>) {
        self.0.lock().expect("lock").push(Recorded {
            kind: e.kind.as_str(),
            reason: e.reason.to_owned(),
            principal: e.principal.map(str::to_owned),
            credential: e.credential.map(str::to_owned),
            target: e.target.to_owned(),
            client_ip: e.client_ip,
        });
    }
}

impl Recorder {
    /// Events of one kind.
    pub fn of(&self, kind: &str) -> Vec<Recorded> {
        self.0
            .lock()
            .expect("lock")
            .iter()
            .filter(|e| e.kind == kind)
            .cloned()
            .collect()
    }
}

/// A running app with its security handles.
pub struct SecApp {
    pub app: TestApp,
    pub events: Arc<Recorder>,
    pub jwks: Option<Arc<JwksCache>>,
    pub tls: Option<Arc<TlsReloader>>,
    pub limiters: Vec<Arc<KeyedLimiter>>,
}

impl std::ops::Deref for SecApp {
    type Target = TestApp;

    fn deref(&self) -> &TestApp {
        &self.app
    }
}

/// Build and run the app; `scheme` is `http` or `https`.
pub async fn spawn_secure(tweak: impl FnOnce(&mut Settings)) -> SecApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings();
    settings.database.url =
        format!("sqlite://{}", data_dir.path().join("audit.db").display()).into();
    settings.audit.spill_path = data_dir.path().join("audit.spill");
    tweak(&mut settings);
    settings.validate().expect("valid test settings");
    let events = Arc::new(Recorder::default());
    let app = Application::build_with(settings, vec![events.clone() as Arc<dyn Observer>])
        .await
        .expect("app builds");
    let addr = app.local_addr();
    let scheme = if app.is_tls() { "https" } else { "http" };
    let (jwks, tls, limiters) = (app.jwks(), app.tls_reloader(), app.rate_limiters());
    let shutdown = app.shutdown_token();
    let registry = app.registry();
    let readiness = app.readiness();
    let audit = app.audit();
    let store = app.store();
    let admin = app
        .admin_addr()
        .map(|a| format!("http://{a}"))
        .unwrap_or_default();
    let handle = tokio::spawn(app.run_until_stopped());
    let app = TestApp {
        base: format!("{scheme}://{addr}"),
        admin,
        readiness,
        audit,
        store,
        data_dir,
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(50)
            .build()
            .expect("client"),
        registry,
        shutdown,
        handle: Some(handle),
    };
    SecApp {
        app,
        events,
        jwks,
        tls,
        limiters,
    }
}

/// JWT mode with the HS secret.
pub fn jwt_mode(s: &mut Settings) {
    s.auth.mode = AuthMode::Jwt;
    s.auth.resource = Some(RESOURCE.into());
    s.auth.jwt.issuer = Some(ISSUER.into());
    s.auth.jwt.hs_secret = Some(HS_SECRET.to_string().into());
}

/// API-key mode with [`READ_KEY`] (`opik:read`) and [`ADMIN_KEY`] (all scopes).
pub fn api_key_mode(s: &mut Settings) {
    s.auth.mode = AuthMode::ApiKey;
    s.auth.api_keys = vec![
        ApiKeySettings {
            name: "reader".into(),
            sha256: sha256_hex(READ_KEY),
            scopes: vec!["opik:read".into()],
        },
        ApiKeySettings {
            name: "admin".into(),
            sha256: sha256_hex(ADMIN_KEY),
            scopes: vec!["opik:read".into(), "opik:write".into(), "opik:admin".into()],
        },
    ];
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

/// Valid claims for `sub` with `scope`.
pub fn claims(sub: &str, scope: &str) -> Value {
    json!({
        "iss": ISSUER, "aud": RESOURCE, "sub": sub, "scope": scope,
        "iat": now(), "exp": now() + 300,
    })
}

/// Sign `claims` with `alg`, `key` and an optional `kid`.
pub fn sign(alg: Algorithm, key: &EncodingKey, claims: &Value, kid: Option<&str>) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).expect("sign")
}

/// An HS256 token from the server's secret.
pub fn hs_token(claims: &Value) -> String {
    sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(HS_SECRET.as_bytes()),
        claims,
        None,
    )
}

/// A generated asymmetric key pair: signing key and PEM public key.
pub struct TestKey {
    pub alg: Algorithm,
    pub encoding: EncodingKey,
    pub public_pem: String,
}

fn make_key(alg: Algorithm) -> TestKey {
    let kp = match alg {
        Algorithm::RS256 => {
            rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        }
        Algorithm::ES256 => rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
        Algorithm::EdDSA => rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519),
        other => panic!("no test key for {other:?}"),
    }
    .expect("keygen");
    let private_pem = kp.serialize_pem();
    let encoding = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(private_pem.as_bytes()),
        Algorithm::ES256 => EncodingKey::from_ec_pem(private_pem.as_bytes()),
        _ => EncodingKey::from_ed_pem(private_pem.as_bytes()),
    }
    .expect("encoding key");
    TestKey {
        alg,
        encoding,
        public_pem: kp.public_key_pem(),
    }
}

/// A process-wide RSA key (2048-bit generation is slow in debug builds).
pub fn rsa_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| make_key(Algorithm::RS256))
}

/// A fresh EC P-256 key.
pub fn ec_key() -> TestKey {
    make_key(Algorithm::ES256)
}

/// A fresh Ed25519 key.
pub fn ed_key() -> TestKey {
    make_key(Algorithm::EdDSA)
}

/// The public JWK of a test key, with `kid`.
pub fn jwk(key: &TestKey, kid: &str) -> Value {
    let jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&key.encoding, key.alg).expect("jwk");
    let mut v = serde_json::to_value(jwk).expect("json");
    v["kid"] = json!(kid);
    v
}

/// POST a JSON-RPC body to `/mcp` with an optional bearer token and session.
pub async fn post_as(
    app: &TestApp,
    token: Option<&str>,
    body: &Value,
    session: Option<&str>,
) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body.to_string());
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(sid) = session {
        req = req
            .header("mcp-session-id", sid)
            .header("mcp-protocol-version", crate::helpers::PROTOCOL);
    }
    req.send().await.expect("POST /mcp")
}

/// Initialize a Streamable HTTP session as `token`; returns its id.
pub async fn initialize_as(app: &TestApp, token: &str) -> String {
    let resp = post_as(app, Some(token), &initialize_request(0), None).await;
    assert_eq!(resp.status(), 200, "initialize as token");
    let sid = resp.headers()["mcp-session-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(
        post_as(app, Some(token), &note, Some(&sid)).await.status(),
        202
    );
    sid
}

/// Call a method on a session as `token` and return the JSON-RPC reply.
pub async fn rpc_as(
    app: &TestApp,
    token: &str,
    sid: &str,
    id: i64,
    method: &str,
    params: Value,
) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    let resp = post_as(app, Some(token), &body, Some(sid)).await;
    assert_eq!(resp.status(), 200, "{method} status");
    resp.json().await.expect("json reply")
}

/// Names of the tools `tools/list` returns.
pub fn tool_names(list: &Value) -> Vec<String> {
    list["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["name"].as_str().expect("name").to_owned())
        .collect()
}

/// The head of a raw HTTP/1.1 `POST /mcp` to `addr` without credentials, for a body of
/// `len` bytes (tests that write the body themselves, late or in pieces).
pub fn raw_mcp_post_head(addr: &str, len: usize) -> String {
    format!(
        "POST /mcp HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         accept: application/json, text/event-stream\r\ncontent-length: {len}\r\n\r\n"
    )
}

/// GET `path` without credentials and parse the JSON body.
pub async fn get_json(app: &TestApp, path: &str) -> Value {
    let resp = app.client.get(app.url(path)).send().await.expect("GET");
    resp.json().await.expect("json body")
}

/// The `WWW-Authenticate` header of a response.
pub fn challenge(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("www-authenticate")
        .expect("WWW-Authenticate present")
        .to_str()
        .expect("ascii")
        .to_owned()
}
