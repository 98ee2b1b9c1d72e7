//! An in-process fake Opik REST API (poem on 127.0.0.1), serving the paths the tools use
//! under `/opik/api` with bodies shaped as `shared/opik/openapi.yaml` says. It keeps a small
//! stateful workspace, checks credentials like Opik Cloud (401 without a key, 403 without a
//! workspace), records every request so tests can assert headers, queries and bodies, and can
//! be told to fail on purpose (status + body, delay, malformed or oversized bodies).
//!
//! Contract mode (`tests/suites/20-opik-contract.sh`): with `OPIK_FAKE_ADDR` set the fake
//! binds that address, and with `OPIK_CONTRACT_API_URL` set [`FakeOpik::api_url`] returns it
//! (a Prism proxy validating every request and response against the spec, forwarding here).

pub mod analysis;
pub mod data;
mod filters;
mod library;
mod reads;
mod routes;
mod stats;
mod writes;

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use bytes::Bytes;
use poem::{
    Body, Endpoint, EndpointExt, IntoResponse, Request, Response, Route, Server,
    http::StatusCode,
    listener::{Acceptor, Listener, TcpListener},
};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

pub use data::ids;

/// The key and workspaces the fake accepts by default.
pub const KEY: &str = "test-key";
pub const WORKSPACE: &str = "test-ws";
pub const OTHER_WORKSPACE: &str = "other-ws";
/// Path prefix the fake serves under (like Opik Cloud's `/opik/api`).
pub const PREFIX: &str = "/opik/api";

/// One recorded request.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path below [`PREFIX`].
    pub path: String,
    pub query: BTreeMap<String, String>,
    /// Lower-cased header names.
    pub headers: BTreeMap<String, String>,
    pub body: Option<Value>,
}

impl Recorded {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// A deliberate failure.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer this status with this JSON body.
    Status(u16, Value),
    /// Sleep this long before answering normally.
    Delay(Duration),
    /// 200 with a body that is not JSON.
    Malformed,
    /// 200 with a JSON body of about this many bytes, with `Content-Length`.
    Oversized(usize),
    /// The same, streamed in chunks without `Content-Length`.
    OversizedStream(usize),
    /// `302 Found` to this `Location`.
    Redirect(String),
}

#[derive(Debug)]
struct Rule {
    method: Option<&'static str>,
    path: String,
    fault: Fault,
    remaining: Option<usize>,
}

/// Shared state of the fake.
pub struct FakeState {
    pub data: Mutex<data::Data>,
    recorded: Mutex<Vec<Recorded>>,
    rules: Mutex<Vec<Rule>>,
    /// Accepted key and workspaces; `None` accepts anything (self-hosted Opik).
    auth: Mutex<Option<(String, Vec<String>)>>,
}

/// A running fake.
pub struct FakeOpik {
    pub addr: SocketAddr,
    pub state: Arc<FakeState>,
    stop: CancellationToken,
}

impl FakeOpik {
    /// Start a fake with the seeded workspace.
    pub async fn start() -> Self {
        let state = Arc::new(FakeState {
            data: Mutex::new(data::Data::seeded()),
            recorded: Mutex::new(Vec::new()),
            rules: Mutex::new(Vec::new()),
            auth: Mutex::new(Some((
                KEY.into(),
                vec![WORKSPACE.into(), OTHER_WORKSPACE.into()],
            ))),
        });
        let bind = std::env::var("OPIK_FAKE_ADDR").unwrap_or_else(|_| "127.0.0.1:0".into());
        let acceptor = TcpListener::bind(bind)
            .into_acceptor()
            .await
            .expect("fake binds");
        let addr = *acceptor.local_addr()[0]
            .as_socket_addr()
            .expect("socket addr");
        let app = Route::new()
            .nest(PREFIX, routes::api())
            .data(Arc::clone(&state));
        let guarded = {
            let state = Arc::clone(&state);
            app.around(move |ep, req| {
                let state = Arc::clone(&state);
                async move { Ok(guard(state, ep, req).await) }
            })
        };
        let stop = CancellationToken::new();
        let token = stop.clone();
        tokio::spawn(async move {
            let _ = Server::new_with_acceptor(acceptor)
                .run_with_graceful_shutdown(
                    guarded,
                    token.cancelled_owned(),
                    Some(Duration::from_secs(1)),
                )
                .await;
        });
        Self { addr, state, stop }
    }

    /// The base URL the app should use: the fake itself, or the contract proxy in front of it.
    pub fn api_url(&self) -> String {
        std::env::var("OPIK_CONTRACT_API_URL")
            .unwrap_or_else(|_| format!("http://{}{PREFIX}", self.addr))
    }

    /// Accept any request without credentials (self-hosted Opik).
    pub fn without_auth(&self) {
        *self.state.auth.lock().expect("lock") = None;
    }

    /// Fail the next `times` requests (all, when `None`) whose path contains `path`.
    pub fn fail(
        &self,
        method: Option<&'static str>,
        path: &str,
        fault: Fault,
        times: Option<usize>,
    ) {
        self.state.rules.lock().expect("lock").push(Rule {
            method,
            path: path.into(),
            fault,
            remaining: times,
        });
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.recorded.lock().expect("lock").clone()
    }

    /// Requests whose method and path match exactly.
    pub fn requests_to(&self, method: &str, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method && r.path == path)
            .collect()
    }

    /// The last request to `method path`; panics with the list of requests when there is none.
    pub fn last(&self, method: &str, path: &str) -> Recorded {
        let all = self.requests();
        all.iter()
            .rev()
            .find(|r| r.method == method && r.path == path)
            .cloned()
            .unwrap_or_else(|| {
                let seen: Vec<String> = all
                    .iter()
                    .map(|r| format!("{} {}", r.method, r.path))
                    .collect();
                panic!("no {method} {path} request; saw {seen:?}")
            })
    }

    /// Forget recorded requests.
    pub fn clear(&self) {
        self.state.recorded.lock().expect("lock").clear();
    }
}

impl Drop for FakeOpik {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Record, check credentials, apply faults, then route.
async fn guard(state: Arc<FakeState>, ep: Arc<impl Endpoint>, mut req: Request) -> Response {
    let body = req.take_body().into_bytes().await.unwrap_or_default();
    let path = req
        .uri()
        .path()
        .strip_prefix(PREFIX)
        .unwrap_or(req.uri().path())
        .to_string();
    let query: BTreeMap<String, String> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                v.to_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let method = req.method().to_string();
    state.recorded.lock().expect("lock").push(Recorded {
        method: method.clone(),
        path: path.clone(),
        query,
        headers,
        body: serde_json::from_slice(&body).ok(),
    });
    if let Some(resp) = check_auth(&state, &req) {
        return resp;
    }
    if let Some(fault) = take_fault(&state, &method, &path) {
        match fault {
            Fault::Delay(d) => tokio::time::sleep(d).await,
            other => return fault_response(other),
        }
    }
    req.set_body(Body::from_bytes(body));
    match ep.call(req).await {
        Ok(r) => r.into_response(),
        Err(e) => e.into_response(),
    }
}

fn check_auth(state: &FakeState, req: &Request) -> Option<Response> {
    let auth = state.auth.lock().expect("lock").clone()?;
    let header = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let (key, ws) = (header("authorization"), header("comet-workspace"));
    let err = |code: u16, msg: &str| Some(routes::error(code, msg));
    if key.is_empty() {
        return err(401, "API key should be provided");
    }
    if key != auth.0 {
        return err(401, "User not allowed to access this resource");
    }
    if ws.is_empty() {
        return err(403, "Workspace name should be provided");
    }
    if !auth.1.iter().any(|w| w == ws) {
        return err(403, "User is not allowed to access workspace");
    }
    None
}

fn take_fault(state: &FakeState, method: &str, path: &str) -> Option<Fault> {
    let mut rules = state.rules.lock().expect("lock");
    let i = rules
        .iter()
        .position(|r| r.method.is_none_or(|m| m == method) && path.contains(&r.path))?;
    let fault = rules[i].fault.clone();
    if let Some(n) = rules[i].remaining.as_mut() {
        *n -= 1;
        if *n == 0 {
            rules.remove(i);
        }
    }
    Some(fault)
}

fn fault_response(fault: Fault) -> Response {
    let json = |status: StatusCode, body: Body| {
        Response::builder()
            .status(status)
            .content_type("application/json")
            .body(body)
    };
    match fault {
        Fault::Status(code, body) => json(
            StatusCode::from_u16(code).expect("status"),
            Body::from_string(body.to_string()),
        ),
        Fault::Delay(_) => unreachable!("handled by the caller"),
        Fault::Malformed => json(
            StatusCode::OK,
            Body::from_string("{\"page\": 1, \"content\": [".into()),
        ),
        Fault::Oversized(n) => json(StatusCode::OK, Body::from_string(big_json(n))),
        Fault::Redirect(location) => Response::builder()
            .status(StatusCode::FOUND)
            .header("location", location)
            .finish(),
        Fault::OversizedStream(n) => {
            let chunks: Vec<Result<Bytes, std::io::Error>> = big_json(n)
                .into_bytes()
                .chunks(16 * 1024)
                .map(|c| Ok(Bytes::copy_from_slice(c)))
                .collect();
            json(
                StatusCode::OK,
                Body::from_bytes_stream(futures::stream::iter(chunks)),
            )
        }
    }
}

fn big_json(n: usize) -> String {
    format!(
        "{{\"page\":1,\"size\":1,\"total\":1,\"content\":[{{\"name\":\"{}\"}}]}}",
        "x".repeat(n)
    )
}
