//! `spawn_app()` and typed helpers for the MCP transports.

use std::{pin::Pin, sync::Arc, time::Duration};

use eventsource_stream::{Event, Eventsource};
use futures::{Stream, StreamExt};
use opik_mcp::{
    config::{Settings, TransportMode},
    session::SessionRegistry,
    startup::Application,
    store::{AuditSink, Store},
};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// The latest protocol revision with an `initialize` handshake.
pub const PROTOCOL: &str = "2025-11-25";
/// How long a test waits for one event before failing.
pub const WAIT: Duration = Duration::from_secs(10);

/// A running application.
pub struct TestApp {
    pub base: String,
    /// Base URL of the admin listener.
    pub admin: String,
    pub client: reqwest::Client,
    pub registry: Arc<SessionRegistry>,
    /// The readiness checks (tests add their own).
    pub readiness: opik_mcp::http::readiness::Readiness,
    pub shutdown: CancellationToken,
    pub handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    /// The audit trail of this app.
    pub audit: AuditSink,
    /// Its database (an SQLite file in `data_dir` unless the test chose another).
    pub store: Option<Store>,
    /// Holds the SQLite file and the spill file; removed when the app is dropped.
    pub data_dir: tempfile::TempDir,
}

/// Settings for tests: loopback, port 0, no log file.
pub fn test_settings() -> Settings {
    let mut s = Settings {
        transport: TransportMode::Sse,
        ..Settings::default()
    };
    s.server.host = "127.0.0.1".into();
    s.server.port = 0;
    s.server.log_path = "".into();
    s.admin.port = 0;
    s
}

/// Spawn the app with default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Spawn the app after `tweak` adjusts the test settings.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    }
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings();
    settings.database.url =
        format!("sqlite://{}", data_dir.path().join("audit.db").display()).into();
    settings.audit.spill_path = data_dir.path().join("audit.spill");
    tweak(&mut settings);
    settings.validate().expect("valid test settings");
    let app = Application::build(settings).await.expect("app builds");
    let addr = app.local_addr();
    let admin = app
        .admin_addr()
        .map(|a| format!("http://{a}"))
        .unwrap_or_default();
    let shutdown = app.shutdown_token();
    let registry = app.registry();
    let readiness = app.readiness();
    let audit = app.audit();
    let store = app.store();
    let handle = tokio::spawn(app.run_until_stopped());
    TestApp {
        base: format!("http://{addr}"),
        admin,
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(200)
            .build()
            .expect("client"),
        registry,
        readiness,
        shutdown,
        handle: Some(handle),
        audit,
        store,
        data_dir,
    }
}

impl TestApp {
    /// URL of `path` on this app.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// URL of `path` on the admin listener.
    pub fn admin_url(&self, path: &str) -> String {
        format!("{}{}", self.admin, path)
    }

    /// GET `path` on the admin listener.
    pub async fn admin_get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.admin_url(path))
            .send()
            .await
            .expect("GET admin")
    }

    /// Wait until the registry holds `n` sessions (or fail after 10 s).
    pub async fn registry_settles(&self, n: usize) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while self.registry.len() != n {
            assert!(
                tokio::time::Instant::now() < deadline,
                "registry holds {} sessions, expected {n}",
                self.registry.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Start a graceful shutdown and wait for `run_until_stopped` to return.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        match self.handle.take() {
            Some(h) => tokio::time::timeout(Duration::from_secs(30), h)
                .await
                .expect("server stops in time")
                .expect("server task"),
            None => Ok(()),
        }
    }

    /// POST a JSON-RPC body to `/mcp` with the headers a conforming client sends.
    pub async fn post_mcp(&self, body: &Value, session: Option<&str>) -> reqwest::Response {
        let mut req = self
            .client
            .post(self.url("/mcp"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body.to_string());
        if let Some(sid) = session {
            req = req
                .header("mcp-session-id", sid)
                .header("mcp-protocol-version", PROTOCOL);
        }
        req.send().await.expect("POST /mcp")
    }

    /// Initialize a Streamable HTTP session; returns its id.
    pub async fn initialize(&self) -> String {
        let resp = self.post_mcp(&initialize_request(0), None).await;
        assert_eq!(resp.status(), 200, "initialize status");
        let sid = resp
            .headers()
            .get("mcp-session-id")
            .expect("session id header")
            .to_str()
            .expect("ascii")
            .to_owned();
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["result"]["serverInfo"]["name"], "opik-mcp");
        let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        assert_eq!(self.post_mcp(&note, Some(&sid)).await.status(), 202);
        sid
    }

    /// Call a method on a Streamable HTTP session and return the JSON-RPC reply.
    pub async fn rpc(&self, sid: &str, id: i64, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let resp = self.post_mcp(&body, Some(sid)).await;
        assert_eq!(resp.status(), 200, "{method} status");
        resp.json().await.expect("json reply")
    }

    /// Open a legacy SSE stream and read its `endpoint` event.
    pub async fn open_sse(&self) -> SseClient {
        let resp = self
            .client
            .get(self.url("/sse"))
            .header("accept", "text/event-stream")
            .send()
            .await
            .expect("GET /sse");
        assert_eq!(resp.status(), 200, "GET /sse status");
        let mut client = SseClient::from_response(resp);
        let first = client.next_event().await.expect("endpoint event");
        assert_eq!(first.event, "endpoint");
        client.endpoint = first.data;
        client
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// An `initialize` request.
pub fn initialize_request(id: i64) -> Value {
    json!({
        "jsonrpc": "2.0", "id": id, "method": "initialize",
        "params": {
            "protocolVersion": PROTOCOL,
            "capabilities": {},
            "clientInfo": {"name": "opik-mcp-tests", "version": "1.0.0"}
        }
    })
}

type EventStream = Pin<Box<dyn Stream<Item = Result<Event, String>> + Send>>;

/// A reader of one SSE stream.
pub struct SseClient {
    events: EventStream,
    /// Data of the `endpoint` event (legacy SSE only).
    pub endpoint: String,
}

impl SseClient {
    /// Wrap a streaming response.
    pub fn from_response(resp: reqwest::Response) -> Self {
        let events = resp
            .bytes_stream()
            .eventsource()
            .map(|r| r.map_err(|e| e.to_string()));
        Self {
            events: Box::pin(events),
            endpoint: String::new(),
        }
    }

    /// The next event, or `None` when the stream ends (panics after [`WAIT`]).
    pub async fn next_event(&mut self) -> Option<Event> {
        match tokio::time::timeout(WAIT, self.events.next()).await {
            Ok(Some(Ok(e))) => Some(e),
            Ok(Some(Err(_))) | Ok(None) => None,
            Err(_) => panic!("no SSE event within {WAIT:?}"),
        }
    }

    /// Whether the stream ends within `within`.
    pub async fn ends_within(&mut self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.events.next()).await {
                Ok(None) | Ok(Some(Err(_))) => return true,
                Ok(Some(Ok(_))) => continue,
                Err(_) => return false,
            }
        }
    }

    /// The next `message` event, parsed (a priming event, which has no data, is skipped).
    pub async fn next_message(&mut self) -> Value {
        loop {
            let e = self.next_event().await.expect("a message event");
            assert_eq!(e.event, "message");
            if !e.data.is_empty() {
                return serde_json::from_str(&e.data).expect("JSON message");
            }
        }
    }

    /// POST a message to this session's endpoint.
    pub async fn post(&self, app: &TestApp, body: &Value) -> reqwest::Response {
        app.client
            .post(app.url(&self.endpoint))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("POST /messages")
    }

    /// Run the initialize handshake over this legacy session.
    pub async fn initialize(&mut self, app: &TestApp) {
        assert_eq!(self.post(app, &initialize_request(0)).await.status(), 202);
        let reply = self.next_message().await;
        assert_eq!(reply["id"], 0);
        assert_eq!(reply["result"]["serverInfo"]["name"], "opik-mcp");
        let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        assert_eq!(self.post(app, &note).await.status(), 202);
    }
}
