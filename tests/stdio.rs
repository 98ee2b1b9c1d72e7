//! stdio: spawn the real binary and speak newline-delimited JSON-RPC over its pipes.

use std::{process::Stdio, time::Duration};

use futures::StreamExt;

use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    process::{Child, ChildStdin, ChildStdout, Command},
};

struct StdioServer {
    child: Child,
    stdin: ChildStdin,
    stdout: tokio::io::Lines<BufReader<ChildStdout>>,
    /// Working directory (stdio mode writes nothing there).
    _dir: tempfile::TempDir,
}

impl StdioServer {
    fn spawn() -> Self {
        Self::spawn_with(&[])
    }

    fn spawn_with(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_opik-mcp"))
            .current_dir(dir.path())
            .arg("--transport=stdio")
            .args(args)
            .env("RUST_LOG", "debug")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn opik-mcp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        Self {
            child,
            stdin,
            stdout,
            _dir: dir,
        }
    }

    async fn send(&mut self, msg: &Value) {
        self.send_raw(&msg.to_string()).await;
    }

    async fn send_raw(&mut self, line: &str) {
        self.stdin.write_all(line.as_bytes()).await.expect("write");
        self.stdin.write_all(b"\n").await.expect("write");
        self.stdin.flush().await.expect("flush");
    }

    async fn recv(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(10), self.stdout.next_line())
            .await
            .expect("reply in time")
            .expect("read")
            .expect("a line");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("stdout is JSON only: {e}: {line}"))
    }

    async fn initialize(&mut self) {
        self.send(
            &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "stdio-test", "version": "1"}}}),
        )
        .await;
        let reply = self.recv().await;
        assert_eq!(reply["id"], 1);
        assert_eq!(reply["result"]["serverInfo"]["name"], "opik-mcp");
        self.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
    }
}

#[tokio::test]
async fn stdio_initializes_lists_tools_and_calls_a_tool() {
    let mut server = StdioServer::spawn();
    server.initialize().await;
    server
        .send(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
        .await;
    let list = server.recv().await;
    let names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(names.contains(&"get-server-info"), "{names:?}");
    server
        .send(&json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
            "params": {"name": "get-opik-help", "arguments": {"topic": "traces"}}}))
        .await;
    let help = server.recv().await;
    assert_eq!(help["id"], 3);
    let text = help["result"]["content"][0]["text"].as_str().expect("text");
    assert!(text.contains("Traces"), "{text}");
}

#[tokio::test]
async fn stdio_reports_bad_lines_as_json_rpc_errors_and_keeps_going() {
    let mut server = StdioServer::spawn();
    server.send_raw("this is not json").await;
    let err = server.recv().await;
    assert_eq!(err["error"]["code"], -32700);
    server
        .send(&json!({"jsonrpc": "2.0", "id": 9, "method": "tools/list"}))
        .await;
    let early = server.recv().await;
    assert_eq!(early["id"], 9);
    assert_eq!(
        early["error"]["code"], -32600,
        "tools/list before initialize is refused"
    );
    server.initialize().await;
}

#[tokio::test]
async fn stdio_answers_in_flight_requests_then_exits_zero_at_end_of_input() {
    let mut server = StdioServer::spawn();
    server.initialize().await;
    server
        .send(&json!({"jsonrpc": "2.0", "id": 4, "method": "ping"}))
        .await;
    let StdioServer {
        mut child,
        stdin,
        mut stdout,
        _dir,
    } = server;
    drop(stdin);
    let line = tokio::time::timeout(Duration::from_secs(10), stdout.next_line())
        .await
        .expect("in time")
        .expect("read")
        .expect("reply to the last request");
    let reply: Value = serde_json::from_str(&line).expect("json");
    assert_eq!(reply["id"], 4);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits")
        .expect("status");
    assert!(status.success());
    let mut err = String::new();
    use tokio::io::AsyncReadExt;
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .await
        .expect("stderr");
    assert!(err.contains("session"), "logs go to stderr: {err}");
}

/// Run the binary in stdio mode with `input` on stdin (then closed); its stdout lines.
async fn run_to_end(input: &[u8]) -> Vec<Value> {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_opik-mcp"))
        .current_dir(dir.path())
        .arg("--transport=stdio")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn opik-mcp");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input).await.expect("write");
    drop(stdin);
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("exits in time")
        .expect("output");
    assert!(out.status.success(), "exit status {:?}", out.status);
    String::from_utf8(out.stdout)
        .expect("utf-8 stdout")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {e}: {l}")))
        .collect()
}

#[tokio::test]
async fn stdio_answers_every_line_queued_when_stdin_closes_100_times_out_of_100() {
    // Three bad lines then end of input, as fast as possible: every run must print all three
    // answers (the writer used to stop with the engine's stream and drop the rest).
    let input = b"not json\n[1]\n{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}\n";
    let runs = futures::stream::iter(0..100)
        .map(|_| run_to_end(input))
        .buffer_unordered(4);
    let all: Vec<Vec<Value>> =
        tokio::time::timeout(Duration::from_secs(120), runs.collect::<Vec<_>>())
            .await
            .expect("100 runs within 120 s");
    for lines in &all {
        let codes: Vec<&Value> = lines.iter().map(|l| &l["error"]["code"]).collect();
        assert_eq!(codes, [-32700, -32600, -32600], "{lines:?}");
        assert_eq!(lines[2]["id"], 3, "{lines:?}");
    }
    assert_eq!(all.len(), 100);
}

#[tokio::test]
async fn stdio_errors_carry_id_null_when_the_id_is_unreadable_and_the_id_when_it_is() {
    let lines = run_to_end(
        b"{\"jsonrpc\":\"2.0\",\"id\":\n\xff\xfe\n{\"jsonrpc\":\"2.0\",\"id\":\"x-7\",\"method\":42}\n",
    )
    .await;
    assert_eq!(lines.len(), 3, "{lines:?}");
    for line in &lines[..2] {
        let id = line.as_object().expect("object").get("id");
        assert_eq!(
            id,
            Some(&Value::Null),
            "the id member is present and null: {line}"
        );
    }
    assert_eq!(lines[0]["error"]["code"], -32700);
    assert!(
        lines[1]["error"]["message"]
            .as_str()
            .expect("text")
            .contains("UTF-8")
    );
    assert_eq!(lines[2]["id"], "x-7");
    assert_eq!(lines[2]["error"]["code"], -32600);
}

#[tokio::test]
async fn stdio_content_length_client_gets_one_clear_error_per_message_and_the_session_lives_on() {
    let body = r#"{"jsonrpc":"2.0","id":11,"method":"ping"}"#;
    let framed = format!("Content-Length: {}\r\n\r\n{body}", body.len());
    let mut server = StdioServer::spawn();
    server
        .stdin
        .write_all(framed.as_bytes())
        .await
        .expect("write");
    server
        .stdin
        .write_all(framed.as_bytes())
        .await
        .expect("write");
    server.stdin.flush().await.expect("flush");
    for _ in 0..2 {
        let err = server.recv().await;
        assert_eq!(err["id"], 11, "the id is read from the framed body: {err}");
        assert_eq!(err["error"]["code"], -32600);
        let text = err["error"]["message"].as_str().expect("message");
        assert!(
            text.contains("newline-delimited") && text.contains("Content-Length"),
            "{text}"
        );
    }
    // Newline-delimited messages still work on the same session.
    server.initialize().await;
    server
        .send(&json!({"jsonrpc": "2.0", "id": 12, "method": "ping"}))
        .await;
    assert_eq!(server.recv().await["id"], 12);
}

#[tokio::test]
async fn stdio_does_not_wait_at_end_of_input_for_a_request_the_client_cancelled() {
    // A cancelled request gets no reply (the engine drops it): end of input must not wait for
    // one. Opik here accepts connections and never answers, so the tool call would take the
    // whole Opik timeout (20 s) to end.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "--api-url=http://{}/opik/api",
        silent.local_addr().expect("addr")
    );
    let _held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((conn, _)) = silent.accept().await {
            open.push(conn);
        }
    });
    let mut server = StdioServer::spawn_with(&[&url]);
    server.initialize().await;
    server
        .send(&json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call",
            "params": {"name": "list-projects", "arguments": {}}}))
        .await;
    server
        .send(
            &json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
            "params": {"requestId": 5, "reason": "test"}}),
        )
        .await;
    let StdioServer {
        mut child, stdin, ..
    } = server;
    drop(stdin);
    let started = std::time::Instant::now();
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("exits")
        .expect("status");
    assert!(status.success());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "exited after {:?}",
        started.elapsed()
    );
}
