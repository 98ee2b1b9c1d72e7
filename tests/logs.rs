//! Logs of the real binary (the subscriber is process-global, so these spawn it): the access
//! log's fields, no `Authorization` value anywhere, the log file reopened on SIGHUP, and at
//! the default level plain JSON values (no Rust `Debug` dumps) with one WARN per failed
//! Opik call.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use serde_json::{Value, json};

const SECRET: &str = "Bearer tok-5up3r-s3cret-value";

/// A running server, its stderr lines collected in the background.
struct Server {
    child: Child,
    base: String,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

fn start(log: &Path, format: &str, filter: &str) -> Server {
    start_with(log, format, filter, &[])
}

fn start_with(log: &Path, format: &str, filter: &str, env: &[(&str, &str)]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_opik-mcp"))
        .args(["--transport=sse", "--sse-host=127.0.0.1", "--sse-port=0"])
        .arg(format!("--sse-log-path={}", log.display()))
        .arg(format!("--log-format={format}"))
        .env("RUST_LOG", filter)
        .env("OPIK_MCP_ADMIN__PORT", "0")
        .env_remove("OPIK_API_KEY")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut server = Server {
        child,
        base: String::new(),
        lines,
        seen: Vec::new(),
    };
    let line = server.wait_for(|l| l.contains("listening") && l.contains("mcp_path"));
    let addr = match serde_json::from_str::<Value>(&line) {
        Ok(v) => v["address"].as_str().expect("address").to_owned(),
        Err(_) => line
            .split("address=")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .expect("address")
            .to_owned(),
    };
    server.base = format!("http://{addr}");
    server
}

impl Server {
    /// The first stderr line (seen so far or arriving within 10 s) matching `pred`.
    fn wait_for(&mut self, pred: impl Fn(&str) -> bool) -> String {
        if let Some(l) = self.seen.iter().find(|l| pred(l)) {
            return l.clone();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while let Ok(l) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.seen.push(l.clone());
            if pred(&l) {
                return l;
            }
        }
        panic!("no matching log line; got:\n{}", self.seen.join("\n"));
    }

    /// Stop with SIGTERM and return every stderr line.
    fn stop(mut self) -> Vec<String> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        // The reader thread may still be forwarding the last lines: drain until it ends (EOF).
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(l);
        }
        self.seen
    }
}

fn post_mcp(base: &str, body: &Value, sid: Option<&str>, rid: &str) -> ureq_like::Resp {
    let mut headers = vec![
        ("content-type", "application/json".to_owned()),
        ("accept", "application/json, text/event-stream".to_owned()),
        ("authorization", SECRET.to_owned()),
        ("x-request-id", rid.to_owned()),
    ];
    if let Some(sid) = sid {
        headers.push(("mcp-session-id", sid.to_owned()));
        headers.push(("mcp-protocol-version", "2025-11-25".to_owned()));
    }
    ureq_like::request("POST", &format!("{base}/mcp"), &headers, &body.to_string())
}

/// A tiny blocking HTTP/1.1 client (these tests are synchronous; the app is a subprocess).
mod ureq_like {
    use std::io::{Read, Write};

    pub struct Resp {
        pub status: u16,
        pub head: String,
    }

    pub fn request(method: &str, url: &str, headers: &[(&str, String)], body: &str) -> Resp {
        let rest = url.strip_prefix("http://").expect("http url");
        let (host, path) = rest
            .split_once('/')
            .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
        let mut s = std::net::TcpStream::connect(host).expect("connect");
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        s.write_all(req.as_bytes()).expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("read");
        let status = out[9..12].parse().expect("status");
        Resp { status, head: out }
    }

    impl Resp {
        pub fn header(&self, name: &str) -> Option<String> {
            self.head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
            })
        }
    }
}

#[test]
fn access_log_events_carry_the_stable_fields_and_no_authorization_value() {
    let dir = tempfile::tempdir().expect("tmp");
    let log = dir.path().join("sse.log");
    let mut server = start(&log, "json", "trace");
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "log-test", "version": "1"}}});
    let resp = post_mcp(&server.base, &init, None, "rid-init");
    assert_eq!(resp.status, 200);
    let sid = resp.header("mcp-session-id").expect("session id");
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(
        post_mcp(&server.base, &note, Some(&sid), "rid-note").status,
        202
    );
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "get-server-info", "arguments": {}}});
    assert_eq!(
        post_mcp(&server.base, &call, Some(&sid), "rid-call").status,
        200
    );
    server.wait_for(|l| l.contains("\"rid-call\"") && l.contains("opik_mcp::access"));
    let lines = server.stop();

    let access: Vec<Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["target"] == "opik_mcp::access")
        .collect();
    let call = access
        .iter()
        .find(|v| v["request_id"] == "rid-call")
        .expect("access event of the tools/call");
    assert_eq!(call["message"], "request");
    assert_eq!(call["http.method"], "POST");
    assert_eq!(call["http.route"], "mcp");
    assert_eq!(call["http.status_code"], 200);
    assert!(call["duration_ms"].as_f64().is_some_and(|d| d >= 0.0));
    assert_eq!(call["mcp.method"], "tools/call");
    assert_eq!(call["mcp.tool"], "get-server-info");
    assert_eq!(call["auth.subject_hash"], "-");
    let tag = call["mcp.session"].as_str().expect("session tag");
    assert_eq!(tag.len(), 12);
    assert!(
        !sid.contains(tag),
        "the tag is a hash, not a prefix of the id"
    );
    let init = access
        .iter()
        .find(|v| v["request_id"] == "rid-init")
        .expect("init");
    assert_eq!(init["mcp.method"], "initialize");
    assert_eq!(init["mcp.tool"], "-");
    assert_eq!(init["mcp.session"], tag, "same session, same tag");

    let file = std::fs::read_to_string(&log).expect("log file");
    assert!(
        file.contains("\"rid-call\""),
        "the file gets the access log too"
    );
    let everything = format!("{}\n{file}", lines.join("\n"));
    assert!(
        !everything.contains("5up3r-s3cret"),
        "Authorization value leaked"
    );
    assert!(!everything.contains(&sid), "full session id leaked");
}

#[test]
fn the_log_file_is_reopened_on_sighup_after_rotation() {
    let dir = tempfile::tempdir().expect("tmp");
    let log = dir.path().join("sse.log");
    let rotated = dir.path().join("sse.log.1");
    let mut server = start(&log, "pretty", "info");
    let base = server.base.clone();
    let get = |rid: &str| {
        let headers = [("x-request-id", rid.to_owned())];
        ureq_like::request("GET", &format!("{base}/health"), &headers, "").status
    };
    assert_eq!(get("before-hup"), 200);
    server.wait_for(|l| l.contains("before-hup"));
    std::fs::rename(&log, &rotated).expect("rotate");
    Command::new("kill")
        .args(["-HUP", &server.child.id().to_string()])
        .status()
        .expect("kill -HUP");
    server.wait_for(|l| l.contains("log file reopened"));
    assert_eq!(get("after-hup"), 200);
    server.wait_for(|l| l.contains("after-hup"));
    let lines = server.stop();
    assert!(
        lines.iter().any(|l| l.contains("server stopped")),
        "SIGHUP did not kill the process"
    );
    let old = std::fs::read_to_string(&rotated).expect("rotated file");
    let new = std::fs::read_to_string(&log).expect("fresh file at the same path");
    assert!(
        old.contains("before-hup") && !old.contains("after-hup"),
        "{old}"
    );
    assert!(
        new.contains("after-hup") && !new.contains("before-hup"),
        "{new}"
    );
}

/// Every string inside a JSON value.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
        Value::Object(m) => m.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

#[test]
fn default_json_logs_hold_plain_values_and_one_warn_per_failed_opik_call() {
    // Arrange: JSON logs at the default level; Opik at a closed port, one retry per call.
    let dir = tempfile::tempdir().expect("tmp");
    let env = [
        ("OPIK_API_BASE_URL", "http://127.0.0.1:9/api"),
        ("OPIK_MCP_OPIK__RETRIES", "1"),
        ("OPIK_MCP_OPIK__RETRY_BACKOFF_MS", "10"),
        ("OPIK_MCP_AUDIT__ENABLED", "false"),
    ];
    let mut server = start_with(&dir.path().join("sse.log"), "json", "info", &env);
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "hygiene", "version": "1"}}});
    let resp = post_mcp(&server.base, &init, None, "h-init");
    let sid = resp.header("mcp-session-id").expect("session id");
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    post_mcp(&server.base, &note, Some(&sid), "h-note");
    // Act: two tool calls that fail upstream.
    for (id, rid) in [(1, "h-call-1"), (2, "h-call-2")] {
        let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": "list-projects", "arguments": {}}});
        assert_eq!(post_mcp(&server.base, &call, Some(&sid), rid).status, 200);
    }
    server.wait_for(|l| l.contains("\"h-call-2\"") && l.contains("opik_mcp::access"));
    let lines = server.stop();
    // Assert: every line is JSON, with no Debug dump in any value.
    let events: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    for (line, event) in lines.iter().zip(&events) {
        let mut values = Vec::new();
        strings(event, &mut values);
        for v in values {
            for dump in ["Some(", "None", "Params {", "Notification(", "Cancelled"] {
                assert!(!v.contains(dump), "{dump:?} in {line}");
            }
        }
        assert_ne!(
            event["target"].as_str().map(|t| t.starts_with("rmcp")),
            Some(true),
            "{line}"
        );
    }
    // One WARN per failed call (not per attempt), with plain fields.
    let warns: Vec<&Value> = events
        .iter()
        .filter(|e| e["level"] == "WARN" && e["message"] == "opik call failed")
        .collect();
    assert_eq!(warns.len(), 2, "{lines:#?}");
    for w in warns {
        assert_eq!(w["opik.status"], "none");
        assert_eq!(w["opik.attempts"], 2);
        assert_eq!(w["opik.endpoint"], "projects");
        assert!(
            w["error"]
                .as_str()
                .is_some_and(|e| e.contains("cannot reach Opik")),
            "{w}"
        );
    }
}
