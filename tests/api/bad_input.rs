//! The bad-input matrix: every case must get a clear 4xx (or a JSON-RPC error in a 200 where
//! the message itself was well-formed), never a 5xx, never a hang — and the session used by the
//! case must still answer afterwards.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{PROTOCOL, TestApp, spawn_app};

/// Where a case is sent.
#[derive(Clone, Copy)]
enum Target {
    /// POST /mcp without a session.
    McpNew,
    /// POST /mcp on an initialized session.
    McpSession,
    /// POST /messages on a live legacy session.
    Messages,
    /// Any method/path, raw.
    Raw(&'static str, &'static str),
}

/// What must come back.
#[derive(Clone, Copy, Debug)]
enum Expect {
    Status(u16),
    /// A 200 whose JSON-RPC body is an error or an `isError` tool result.
    RpcError,
    /// Any 4xx.
    Client,
}

struct Case {
    name: &'static str,
    target: Target,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    expect: Expect,
}

fn case(name: &'static str, target: Target, body: impl Into<Vec<u8>>, expect: Expect) -> Case {
    Case {
        name,
        target,
        headers: vec![],
        body: body.into(),
        expect,
    }
}

fn with_header(mut c: Case, k: &'static str, v: impl Into<String>) -> Case {
    c.headers.push((k, v.into()));
    c
}

fn rpc(method: &str, params: Value) -> Vec<u8> {
    json!({"jsonrpc": "2.0", "id": 77, "method": method, "params": params})
        .to_string()
        .into_bytes()
}

fn init_body() -> Vec<u8> {
    crate::helpers::initialize_request(1)
        .to_string()
        .into_bytes()
}

fn nested(depth: usize) -> Vec<u8> {
    let mut s = String::from(r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"#);
    s.push_str(&"[".repeat(depth));
    s.push_str(&"]".repeat(depth));
    s.push_str("}}");
    s.into_bytes()
}

/// Message bodies that are wrong in themselves: refused on every route.
fn body_cases(t: Target, out: &mut Vec<Case>) {
    use Expect::*;
    let bad: Vec<(&'static str, Vec<u8>)> = vec![
        ("empty body", vec![]),
        ("whitespace body", b"   \n ".to_vec()),
        (
            "truncated json",
            b"{\"jsonrpc\": \"2.0\", \"id\": 1,".to_vec(),
        ),
        ("json null", b"null".to_vec()),
        ("json number", b"42".to_vec()),
        ("json string", b"\"ping\"".to_vec()),
        ("json true", b"true".to_vec()),
        ("empty object", b"{}".to_vec()),
        ("empty batch", b"[]".to_vec()),
        (
            "batch of pings",
            br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#.to_vec(),
        ),
        (
            "jsonrpc 1.0",
            br#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#.to_vec(),
        ),
        ("jsonrpc missing", br#"{"id":1,"method":"ping"}"#.to_vec()),
        (
            "jsonrpc number",
            br#"{"jsonrpc":2.0,"id":1,"method":"ping"}"#.to_vec(),
        ),
        (
            "id object",
            br#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#.to_vec(),
        ),
        (
            "id array",
            br#"{"jsonrpc":"2.0","id":[1],"method":"ping"}"#.to_vec(),
        ),
        (
            "id bool",
            br#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#.to_vec(),
        ),
        (
            "id float",
            br#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#.to_vec(),
        ),
        (
            "method number",
            br#"{"jsonrpc":"2.0","id":1,"method":5}"#.to_vec(),
        ),
        (
            "method null",
            br#"{"jsonrpc":"2.0","id":1,"method":null}"#.to_vec(),
        ),
        (
            "no method no result",
            br#"{"jsonrpc":"2.0","id":1}"#.to_vec(),
        ),
        (
            "invalid utf-8",
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"pi\xff\xfeng\"}".to_vec(),
        ),
        (
            "raw nul byte",
            b"{\"jsonrpc\":\"2.0\",\0\"id\":1,\"method\":\"ping\"}".to_vec(),
        ),
        ("10000-deep nesting", nested(10_000)),
        ("tools/call params string", rpc("tools/call", json!("x"))),
        (
            "tools/call without name",
            rpc("tools/call", json!({"arguments": {}})),
        ),
        (
            "tools/call name number",
            rpc("tools/call", json!({"name": 5})),
        ),
        (
            "resources/read without uri",
            rpc("resources/read", json!({})),
        ),
        (
            "prompts/get without name",
            rpc("prompts/get", json!({"arguments": {}})),
        ),
        ("initialize without params", rpc("initialize", json!({}))),
        (
            "trailing garbage",
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} xyz".to_vec(),
        ),
        (
            "two objects",
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}{}".to_vec(),
        ),
        ("utf-16 bom", b"\xff\xfe{\0}\0".to_vec()),
        (
            "tool arguments not object",
            rpc("tools/call", json!({"name": "t", "arguments": [1]})),
        ),
        (
            "prompts/get without name",
            rpc("prompts/get", json!({"arguments": {}})),
        ),
        ("initialize without params", rpc("initialize", json!({}))),
    ];
    for (name, body) in bad {
        out.push(case(name, t, body, Client));
    }
}

/// Well-formed messages the engine must refuse with a JSON-RPC error, session intact.
fn engine_cases(t: Target, out: &mut Vec<Case>) {
    use Expect::*;
    let call = |args: Value| {
        rpc(
            "tools/call",
            json!({"name": "get-opik-help", "arguments": args}),
        )
    };
    let list: Vec<(&'static str, Vec<u8>)> = vec![
        ("unknown method", rpc("no/such/method", json!({}))),
        (
            "unknown tool",
            rpc("tools/call", json!({"name": "nope", "arguments": {}})),
        ),
        (
            "tool missing argument",
            rpc(
                "tools/call",
                json!({"name": "get-trace-by-id", "arguments": {}}),
            ),
        ),
        ("tool wrong-typed argument", call(json!({"topic": 5}))),
        ("tool unknown enum value", call(json!({"topic": "weather"}))),
        (
            "tool extra argument",
            call(json!({"topic": "traces", "evil": true})),
        ),
        (
            "server-info extra argument",
            rpc(
                "tools/call",
                json!({"name": "get-server-info", "arguments": {"x": 1}}),
            ),
        ),
        (
            "huge string id",
            json!({"jsonrpc": "2.0", "id": "i".repeat(100_000), "method": "no/such"})
                .to_string()
                .into_bytes(),
        ),
    ];
    for (name, body) in list {
        out.push(case(name, t, body, RpcError));
    }
}

fn header_cases(out: &mut Vec<Case>) {
    use Expect::*;
    use Target::*;
    let ping = || rpc("ping", json!({}));
    let accept = |v: &str| {
        with_header(
            case("accept", McpNew, init_body(), Status(406)),
            "accept",
            v,
        )
    };
    for (name, v) in [
        ("accept html", "text/html"),
        ("accept json only", "application/json"),
        ("accept sse only", "text/event-stream"),
        ("accept empty", ""),
    ] {
        let mut c = accept(v);
        c.name = name;
        out.push(c);
    }
    for (name, v) in [
        ("content-type text", "text/plain"),
        ("content-type xml", "application/xml"),
        ("content-type form", "application/x-www-form-urlencoded"),
        ("content-type multipart", "multipart/form-data; boundary=x"),
        ("content-type empty", ""),
        ("content-type json-ish", "application/jsonx"),
    ] {
        let mut c = with_header(
            case(name, McpNew, init_body(), Status(415)),
            "content-type",
            v,
        );
        c.name = name;
        out.push(c.clone_for(Messages));
        out.push(c);
    }
    for (name, v, status) in [
        ("session id not ours", "f".repeat(64), 404),
        ("session id short", "abc".into(), 404),
        ("session id with space", "ab cd".into(), 400),
        ("session id too long", "a".repeat(300), 400),
        ("session id non-ascii", "sessión".into(), 400),
    ] {
        out.push(with_header(
            case(name, McpNew, ping(), Status(status)),
            "mcp-session-id",
            v,
        ));
    }
    for (name, v) in [
        ("protocol version garbage", "garbage"),
        ("protocol version future", "2099-01-01"),
        ("protocol version suffix", "2025-11-25x"),
        ("protocol version empty", ""),
    ] {
        out.push(with_header(
            case(name, McpSession, ping(), Status(400)),
            "mcp-protocol-version",
            v,
        ));
    }
    out.push(with_header(
        case(
            "initialize carrying a session id",
            McpNew,
            init_body(),
            Status(400),
        ),
        "mcp-session-id",
        "f".repeat(64),
    ));
    out.push(case(
        "second initialize",
        McpSession,
        init_body(),
        Status(400),
    ));
    out.push(case("request without session", McpNew, ping(), Status(400)));
    out.push(case(
        "notification without session",
        McpNew,
        br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_vec(),
        Status(400),
    ));
    out.push(with_header(
        case("foreign origin", McpNew, init_body(), Status(403)),
        "origin",
        "https://evil.example",
    ));
    out.push(with_header(
        case("null origin", McpNew, init_body(), Status(403)),
        "origin",
        "null",
    ));
    out.push(with_header(
        case("foreign host", McpNew, init_body(), Status(403)),
        "host",
        "evil.example",
    ));
    out.push(with_header(
        case("foreign origin legacy", Messages, ping(), Status(403)),
        "origin",
        "https://evil.example",
    ));
}

impl Case {
    fn clone_for(&self, target: Target) -> Case {
        Case {
            name: self.name,
            target,
            headers: self.headers.clone(),
            body: self.body.clone(),
            expect: self.expect,
        }
    }
}

fn route_cases(out: &mut Vec<Case>) {
    use Expect::*;
    use Target::*;
    let ping = || rpc("ping", json!({}));
    for (name, method, path, status) in [
        ("PUT /mcp", "PUT", "/mcp", 405),
        ("PATCH /mcp", "PATCH", "/mcp", 405),
        ("GET /messages", "GET", "/messages", 405),
        ("POST /sse", "POST", "/sse", 405),
        ("DELETE /sse", "DELETE", "/sse", 405),
        ("POST /health", "POST", "/health", 405),
        ("unknown path", "GET", "/nope", 404),
        ("path traversal", "GET", "/../../etc/passwd", 404),
        ("messages without query", "POST", "/messages", 400),
        (
            "messages empty sessionId",
            "POST",
            "/messages?sessionId=",
            400,
        ),
        (
            "messages malformed sessionId",
            "POST",
            "/messages?sessionId=xyz",
            400,
        ),
        (
            "messages uppercase sessionId",
            "POST",
            "/messages?sessionId=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            400,
        ),
        (
            "messages other param only",
            "POST",
            "/messages?session_id=abc",
            400,
        ),
        (
            "messages unknown sessionId",
            "POST",
            "/messages?sessionId=cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
            404,
        ),
        (
            "messages encoded garbage",
            "POST",
            "/messages?sessionId=%00%ff",
            400,
        ),
        ("GET /mcp without session", "GET", "/mcp", 400),
        ("DELETE /mcp without session", "DELETE", "/mcp", 400),
    ] {
        let mut c = case(name, Raw(method, path), ping(), Status(status));
        c.headers.push(("content-type", "application/json".into()));
        c.headers
            .push(("accept", "application/json, text/event-stream".into()));
        out.push(c);
    }
}

fn all_cases() -> Vec<Case> {
    let mut out = Vec::new();
    body_cases(Target::McpNew, &mut out);
    body_cases(Target::McpSession, &mut out);
    body_cases(Target::Messages, &mut out);
    engine_cases(Target::McpSession, &mut out);
    header_cases(&mut out);
    route_cases(&mut out);
    out
}

struct Sessions {
    mcp: String,
    legacy: crate::helpers::SseClient,
}

async fn send(app: &TestApp, s: &Sessions, c: &Case) -> reqwest::Response {
    let (method, url) = match c.target {
        Target::McpNew | Target::McpSession => ("POST", app.url("/mcp")),
        Target::Messages => ("POST", app.url(&s.legacy.endpoint)),
        Target::Raw(m, p) => (m, app.url(p)),
    };
    let mut req = app
        .client
        .request(method.parse().expect("method"), url)
        .timeout(Duration::from_secs(20))
        .body(c.body.clone());
    let set = |k: &str| c.headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(k));
    if !matches!(c.target, Target::Raw(..)) {
        if !set("content-type") {
            req = req.header("content-type", "application/json");
        }
        if !set("accept") {
            req = req.header("accept", "application/json, text/event-stream");
        }
    }
    if matches!(c.target, Target::McpSession) {
        req = req.header("mcp-session-id", &s.mcp);
        if !set("mcp-protocol-version") {
            req = req.header("mcp-protocol-version", PROTOCOL);
        }
    }
    for (k, v) in &c.headers {
        req = req.header(*k, v);
    }
    req.send()
        .await
        .unwrap_or_else(|e| panic!("{}: no response: {e}", c.name))
}

async fn check(c: &Case, resp: reqwest::Response) -> Result<(), String> {
    let status = resp.status().as_u16();
    let body = resp.bytes().await.unwrap_or_default();
    if status >= 500 {
        return Err(format!("{}: got {status}", c.name));
    }
    let ok = match c.expect {
        Expect::Status(s) => status == s,
        Expect::Client => (400..500).contains(&status),
        Expect::RpcError => {
            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            status == 200 && (v.get("error").is_some() || v["result"]["isError"] == true)
        }
    };
    if !ok {
        return Err(format!(
            "{}: expected {:?}, got {status} {}",
            c.name,
            c.expect,
            String::from_utf8_lossy(&body)
                .chars()
                .take(200)
                .collect::<String>()
        ));
    }
    if status >= 400
        && !body.is_empty()
        && serde_json::from_slice::<Value>(&body).is_err()
        && status != 431
    {
        return Err(format!("{}: {status} body is not JSON", c.name));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_gets_a_clear_client_error_and_sessions_survive() {
    let app = spawn_app().await;
    let mut legacy = app.open_sse().await;
    legacy.initialize(&app).await;
    let sessions = Sessions {
        mcp: app.initialize().await,
        legacy,
    };
    let cases = all_cases();
    assert!(cases.len() >= 100, "the matrix has {} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let resp = send(&app, &sessions, c).await;
        if let Err(e) = check(c, resp).await {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );

    // Both sessions still work, and nothing the cases sent reached the legacy stream except
    // replies to the well-formed requests (none were sent there: every legacy case was refused).
    let pong = app.rpc(&sessions.mcp, 1, "ping", json!({})).await;
    assert_eq!(pong["id"], 1);
    let mut legacy = sessions.legacy;
    legacy
        .post(
            &app,
            &json!({"jsonrpc": "2.0", "id": "after", "method": "ping"}),
        )
        .await;
    assert_eq!(legacy.next_message().await["id"], "after");
    assert_eq!(app.registry.len(), 2, "no session leaked or lost");
}

#[tokio::test]
async fn a_hundred_megabyte_body_is_refused_with_413() {
    let app = spawn_app().await;
    let body = vec![b'a'; 100 * 1024 * 1024];
    let resp = app
        .client
        .post(app.url("/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body)
        .send()
        .await;
    match resp {
        Ok(r) => assert_eq!(r.status(), 413),
        // The server may close the connection after answering 413 while the client still
        // writes; then the client sees a reset. Either way nothing was buffered: check health.
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }
    let health = app
        .client
        .get(app.url("/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
}
