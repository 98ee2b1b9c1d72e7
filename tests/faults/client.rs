//! A small MCP client and a bounded load driver for the fault tests.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use serde_json::{Value, json};

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// An HTTP client for one server.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    /// Base URL of the admin listener (`/readyz`).
    pub admin: String,
    pub http: reqwest::Client,
}

impl Client {
    pub fn new(base: String, admin: String) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        Self { base, admin, http }
    }

    /// POST a JSON-RPC body to `/mcp`.
    pub async fn post(
        &self,
        body: &Value,
        sid: Option<&str>,
    ) -> reqwest::Result<reqwest::Response> {
        let mut req = self
            .http
            .post(format!("{}/mcp", self.base))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body.to_string());
        if let Some(s) = sid {
            req = req
                .header("mcp-session-id", s)
                .header("mcp-protocol-version", "2025-11-25");
        }
        req.send().await
    }

    /// Start a Streamable HTTP session.
    pub async fn initialize(&self) -> String {
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "fault-tests", "version": "1"}}});
        let resp = self.post(&init, None).await.expect("initialize");
        assert_eq!(resp.status(), 200, "initialize");
        let sid = resp.headers()["mcp-session-id"]
            .to_str()
            .expect("ascii")
            .to_owned();
        let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        self.post(&note, Some(&sid)).await.expect("initialized");
        sid
    }

    /// One `tools/call`; true if it was answered with a result (accepted).
    pub async fn call(&self, sid: &str, id: i64, arguments: Value) -> bool {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                          "params": {"name": "get-server-info", "arguments": arguments}});
        let Ok(resp) = self.post(&body, Some(sid)).await else {
            return false;
        };
        if resp.status() != 200 {
            return false;
        }
        resp.json::<Value>()
            .await
            .is_ok_and(|v| v["result"].is_object())
    }

    /// `/readyz` status and body (None when the server does not answer).
    pub async fn readyz(&self) -> Option<(u16, Value)> {
        let resp = self
            .http
            .get(format!("{}/readyz", self.admin))
            .send()
            .await
            .ok()?;
        let status = resp.status().as_u16();
        Some((status, resp.json().await.ok()?))
    }

    /// Poll `/readyz` until `pred` holds.
    pub async fn wait_ready(
        &self,
        what: &str,
        within: Duration,
        pred: impl Fn(u16, &Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some((s, b)) = self.readyz().await
                && pred(s, &b)
            {
                return b;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "never {what}: {:?}",
                self.readyz().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Calls running on several sessions until stopped; collects the accepted request ids.
pub struct Load {
    stop: Arc<AtomicBool>,
    accepted: Arc<Mutex<Vec<i64>>>,
    refused: Arc<Mutex<u64>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    /// One task per session, each calling in a loop (ids unique across tasks).
    pub fn start(client: &Client, sessions: Vec<String>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(0));
        let tasks = sessions
            .into_iter()
            .enumerate()
            .map(|(n, sid)| {
                let (client, stop) = (client.clone(), Arc::clone(&stop));
                let (accepted, refused) = (Arc::clone(&accepted), Arc::clone(&refused));
                tokio::spawn(async move {
                    // Bounded: at most 100k calls per task, and the caller stops it.
                    for i in 1..100_000i64 {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let id = (n as i64 + 1) * 1_000_000 + i;
                        if client.call(&sid, id, json!({})).await {
                            accepted.lock().expect("lock").push(id);
                        } else {
                            *refused.lock().expect("lock") += 1;
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                })
            })
            .collect();
        Self {
            stop,
            accepted,
            refused,
            tasks,
        }
    }

    /// Calls accepted so far.
    pub fn accepted_count(&self) -> usize {
        self.accepted.lock().expect("lock").len()
    }

    /// Stop and return (accepted ids, refused or failed calls).
    pub async fn finish(self) -> (Vec<i64>, u64) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.tasks {
            t.await.expect("load task");
        }
        let accepted = self.accepted.lock().expect("lock").clone();
        let refused = *self.refused.lock().expect("lock");
        (accepted, refused)
    }
}
