//! stdio: spawn the real binary and speak newline-delimited JSON-RPC over its pipes.

use std::{process::Stdio, time::Duration};

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
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_opik-mcp"))
            .current_dir(dir.path())
            .arg("--transport=stdio")
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
