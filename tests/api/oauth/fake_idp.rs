//! A small OIDC provider playing the company identity provider (Entra, Okta…) for the broker's
//! tests: discovery, JWKS, an authorize step that "logs in" the user the test chose and
//! redirects with a code, and a token endpoint that checks the client secret (Basic), the
//! code, the redirect URI and PKCE before answering an ES256 ID token (and an access token
//! of its own, which our server must never accept). It can be made slow or sent elsewhere.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use base64::{Engine, engine::general_purpose::STANDARD, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use poem::{
    EndpointExt, Request, Response, Route,
    endpoint::make,
    http::StatusCode,
    listener::TcpListener,
    listener::{Acceptor, Listener},
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// This server's client id at the fake provider.
pub const CLIENT_ID: &str = "opik-mcp-broker";
/// Its client secret.
pub const CLIENT_SECRET: &str = "upstream-secret-0123456789";

/// Who logs in next, and how the provider behaves.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// `sub` of the user.
    pub sub: String,
    /// `email`.
    pub email: Option<String>,
    /// `groups`.
    pub groups: Vec<String>,
    /// The user refuses at the provider (`error=access_denied`).
    pub deny: bool,
    /// Time the token endpoint takes.
    pub token_delay: Duration,
    /// Put another `nonce` in the ID token (a replayed or forged ID token).
    pub wrong_nonce: bool,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            sub: "user-1".into(),
            email: Some("alice@example.com".into()),
            groups: vec!["staff".into()],
            deny: false,
            token_delay: Duration::ZERO,
            wrong_nonce: false,
        }
    }
}

struct Issued {
    redirect_uri: String,
    challenge: String,
    nonce: String,
}

struct Inner {
    issuer: String,
    /// Callback URL the client registered (our server's).
    callback: String,
    token_endpoint: Mutex<Option<String>>,
    behaviour: Mutex<Behaviour>,
    codes: Mutex<HashMap<String, Issued>>,
    key: EncodingKey,
    jwk: Value,
    /// Every upstream token issued, for the no-passthrough tests.
    pub tokens: Mutex<Vec<(String, String)>>,
    token_calls: Mutex<u32>,
}

/// A running fake provider.
#[derive(Clone)]
pub struct FakeIdp(Arc<Inner>);

impl FakeIdp {
    /// Start on a free loopback port; `callback` is the redirect URI registered for us.
    pub async fn start(callback: &str) -> Self {
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("bind");
        let addr = acceptor.local_addr()[0]
            .as_socket_addr()
            .copied()
            .expect("socket addr");
        let pair = rcgen::KeyPair::generate().expect("P-256 key");
        let raw = pair.public_key_raw();
        let jwk = json!({
            "kty": "EC", "crv": "P-256", "kid": "idp-key", "alg": "ES256", "use": "sig",
            "x": URL_SAFE_NO_PAD.encode(&raw[1..33]), "y": URL_SAFE_NO_PAD.encode(&raw[33..]),
        });
        let key = EncodingKey::from_ec_pem(pair.serialize_pem().as_bytes()).expect("EC key");
        let idp = Self(Arc::new(Inner {
            issuer: format!("http://{addr}"),
            callback: callback.to_owned(),
            token_endpoint: Mutex::new(None),
            behaviour: Mutex::new(Behaviour::default()),
            codes: Mutex::new(HashMap::new()),
            key,
            jwk,
            tokens: Mutex::new(Vec::new()),
            token_calls: Mutex::new(0),
        }));
        let app = Route::new()
            .at(
                "/.well-known/openid-configuration",
                make(|r: Request| async move { discovery(&r) }),
            )
            .at("/jwks", make(|r: Request| async move { jwks(&r) }))
            .at(
                "/authorize",
                make(|r: Request| async move { authorize(&r) }),
            )
            .at(
                "/token",
                make(|mut r: Request| async move {
                    let body = r.take_body().into_bytes().await.unwrap_or_default();
                    token(&r, &body).await
                }),
            )
            .data(idp.clone());
        tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
        idp
    }

    /// The issuer URL.
    pub fn issuer(&self) -> String {
        self.0.issuer.clone()
    }

    /// Change who logs in and how the provider behaves.
    pub fn set(&self, f: impl FnOnce(&mut Behaviour)) {
        f(&mut self.0.behaviour.lock().expect("lock"));
    }

    /// Advertise another token endpoint (e.g. a closed port: the provider is down).
    pub fn set_token_endpoint(&self, url: &str) {
        *self.0.token_endpoint.lock().expect("lock") = Some(url.to_owned());
    }

    /// The last ID token and access token issued.
    pub fn last_tokens(&self) -> (String, String) {
        self.0
            .tokens
            .lock()
            .expect("lock")
            .last()
            .cloned()
            .expect("a token was issued")
    }

    /// How many token requests arrived.
    pub fn token_calls(&self) -> u32 {
        *self.0.token_calls.lock().expect("lock")
    }

    fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some("idp-key".into());
        jsonwebtoken::encode(&header, claims, &self.0.key).expect("sign")
    }
}

fn idp(r: &Request) -> FakeIdp {
    r.data::<FakeIdp>().cloned().expect("fake idp data")
}

fn json_ok(v: &Value) -> Response {
    Response::builder()
        .content_type("application/json")
        .body(v.to_string())
}

fn bad(status: StatusCode, error: &str) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json")
        .body(json!({ "error": error }).to_string())
}

fn discovery(r: &Request) -> Response {
    let i = idp(r);
    let token =
        i.0.token_endpoint
            .lock()
            .expect("lock")
            .clone()
            .unwrap_or_else(|| format!("{}/token", i.0.issuer));
    json_ok(&json!({
        "issuer": i.0.issuer,
        "authorization_endpoint": format!("{}/authorize", i.0.issuer),
        "token_endpoint": token,
        "jwks_uri": format!("{}/jwks", i.0.issuer),
        "response_types_supported": ["code"],
        "id_token_signing_alg_values_supported": ["ES256"],
    }))
}

fn jwks(r: &Request) -> Response {
    json_ok(&json!({ "keys": [idp(r).0.jwk] }))
}

fn query(r: &Request) -> HashMap<String, String> {
    url::form_urlencoded::parse(r.uri().query().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn authorize(r: &Request) -> Response {
    let i = idp(r);
    let q = query(r);
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    // A provider never redirects to an unregistered URI.
    if get("client_id") != CLIENT_ID || get("redirect_uri") != i.0.callback {
        return bad(StatusCode::BAD_REQUEST, "invalid_request");
    }
    if get("code_challenge_method") != "S256" || get("nonce").is_empty() {
        return bad(StatusCode::BAD_REQUEST, "invalid_request");
    }
    assert!(
        get("scope").split(' ').any(|s| s == "openid"),
        "openid scope asked"
    );
    assert!(
        !q.contains_key("resource"),
        "the MCP client's resource is not forwarded"
    );
    let b = i.0.behaviour.lock().expect("lock").clone();
    let mut target = url::Url::parse(&get("redirect_uri")).expect("callback URL");
    if b.deny {
        target
            .query_pairs_mut()
            .append_pair("error", "access_denied")
            .append_pair("state", &get("state"));
    } else {
        let code = format!("idp-code-{}", uuid::Uuid::new_v4().simple());
        i.0.codes.lock().expect("lock").insert(
            code.clone(),
            Issued {
                redirect_uri: get("redirect_uri"),
                challenge: get("code_challenge"),
                nonce: get("nonce"),
            },
        );
        target
            .query_pairs_mut()
            .append_pair("code", &code)
            .append_pair("state", &get("state"));
    }
    Response::builder()
        .status(StatusCode::FOUND)
        .header("location", target.to_string())
        .finish()
}

async fn token(r: &Request, body: &[u8]) -> Response {
    let i = idp(r);
    *i.0.token_calls.lock().expect("lock") += 1;
    let b = i.0.behaviour.lock().expect("lock").clone();
    tokio::time::sleep(b.token_delay).await;
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let auth = r
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    if auth != Some(expected.as_str()) {
        return bad(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let Some(issued) = i.0.codes.lock().expect("lock").remove(&get("code")) else {
        return bad(StatusCode::BAD_REQUEST, "invalid_grant");
    };
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(get("code_verifier").as_bytes()));
    if issued.redirect_uri != get("redirect_uri") || issued.challenge != challenge {
        return bad(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let now = chrono::Utc::now().timestamp();
    let nonce = if b.wrong_nonce {
        "forged".to_owned()
    } else {
        issued.nonce
    };
    let id_token = i.sign(&json!({
        "iss": i.0.issuer, "aud": CLIENT_ID, "sub": b.sub, "email": b.email,
        "email_verified": true, "groups": b.groups, "nonce": nonce,
        "iat": now, "exp": now + 300,
    }));
    let access_token = i.sign(&json!({
        "iss": i.0.issuer, "aud": "https://graph.example", "sub": b.sub,
        "scope": "opik:read opik:write", "iat": now, "exp": now + 300,
    }));
    i.0.tokens
        .lock()
        .expect("lock")
        .push((id_token.clone(), access_token.clone()));
    json_ok(&json!({
        "access_token": access_token, "id_token": id_token,
        "token_type": "Bearer", "expires_in": 300,
    }))
}
