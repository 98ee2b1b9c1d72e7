//! A connection whose first request opens an event stream is answered outside hyper
//! (`src/http/stream_get.rs`), over raw sockets: the stream is chunked as hyper chunks it and
//! carries the session's replies, a client gone ends its session, and a refused stream request
//! leaves the connection to hyper for the next request — or closes it when asked to.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::{TestApp, WAIT, initialize_request, spawn_app, spawn_app_with};

const KEY: &str = "stream-first-test-key-0123456789abcdef";

async fn keyed_app() -> TestApp {
    use opik_mcp::config::{ApiKeySettings, AuthMode};
    use sha2::{Digest, Sha256};
    spawn_app_with(|s| {
        s.auth.mode = AuthMode::ApiKey;
        s.auth.api_keys = vec![ApiKeySettings {
            name: "stream-first".into(),
            sha256: hex::encode(Sha256::digest(KEY)),
            scopes: vec!["opik:read".into()],
        }];
    })
    .await
}

/// Bytes read from a socket, consumed as HTTP responses.
struct Reader {
    s: TcpStream,
    buf: Vec<u8>,
}

impl Reader {
    async fn connect(app: &TestApp) -> Self {
        let s = TcpStream::connect(app.base.trim_start_matches("http://"))
            .await
            .expect("connect");
        Self { s, buf: Vec::new() }
    }

    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(WAIT, self.s.read(&mut chunk))
            .await
            .expect("the server answers in time")
            .unwrap_or(0);
        self.buf.extend_from_slice(&chunk[..n]);
        n > 0
    }

    /// The next response head, lower-cased header names.
    async fn head(&mut self) -> String {
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head: Vec<u8> = self.buf.drain(..end + 4).collect();
                return String::from_utf8(head).expect("utf-8 head");
            }
            assert!(self.fill().await, "closed before a head: {:?}", self.buf);
        }
    }

    async fn exact(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            assert!(self.fill().await, "closed inside a body");
        }
        self.buf.drain(..n).collect()
    }

    /// A response with a `content-length` body: (head, body).
    async fn sized(&mut self) -> (String, String) {
        let head = self.head().await;
        let len = header(&head, "content-length")
            .expect("content-length")
            .parse()
            .expect("a number");
        let body = String::from_utf8(self.exact(len).await).expect("utf-8 body");
        (head, body)
    }

    /// The next chunk of a chunked body.
    async fn chunk(&mut self) -> String {
        let line = loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..end + 2).collect();
                break String::from_utf8(line).expect("size line");
            }
            assert!(self.fill().await, "closed before a chunk");
        };
        let size = usize::from_str_radix(line.trim_end(), 16).expect("hex chunk size");
        let mut data = self.exact(size + 2).await;
        assert_eq!(data.split_off(size), b"\r\n", "chunk ends with CRLF");
        String::from_utf8(data).expect("utf-8 chunk")
    }

    async fn closed_within(&mut self, within: Duration) -> bool {
        let mut chunk = [0u8; 256];
        matches!(
            tokio::time::timeout(within, self.s.read(&mut chunk)).await,
            Ok(Ok(0) | Err(_))
        )
    }
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

const SSE: &[u8] = b"GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
const HEALTH: &[u8] = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

#[tokio::test]
async fn a_stream_on_a_fresh_connection_is_chunked_carries_replies_and_ends_with_its_client() {
    let app = spawn_app().await;
    let mut r = Reader::connect(&app).await;
    r.s.write_all(SSE).await.expect("write");
    let head = r.head().await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(header(&head, "content-type"), Some("text/event-stream"));
    assert_eq!(header(&head, "transfer-encoding"), Some("chunked"));
    assert!(header(&head, "date").is_some(), "{head}");
    let mut endpoint = String::new();
    while !endpoint.contains("\n\n") {
        endpoint.push_str(&r.chunk().await);
    }
    let path = endpoint
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .expect("endpoint data")
        .to_owned();
    assert!(path.starts_with("/messages?sessionId="), "{endpoint}");
    assert_eq!(app.registry.len(), 1);

    let posted = app
        .client
        .post(app.url(&path))
        .json(&initialize_request(7))
        .send()
        .await
        .expect("POST");
    assert_eq!(posted.status(), 202);
    let mut events = String::new();
    while !events.contains("\"id\":7") {
        events.push_str(&r.chunk().await);
    }
    let data = events
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .find(|d| d.contains("\"id\":7"))
        .expect("the reply's data line");
    let reply: Value = serde_json::from_str(data).expect("JSON reply");
    assert_eq!(
        reply["result"]["serverInfo"]["name"],
        json!("opik-mcp"),
        "{reply}"
    );

    drop(r);
    app.registry_settles(0).await; // the session ended with its client
}

#[tokio::test]
async fn a_refused_stream_request_leaves_the_connection_to_hyper_for_the_next_one() {
    let app = keyed_app().await;
    let mut r = Reader::connect(&app).await;
    r.s.write_all(SSE).await.expect("write");
    let (head, body) = r.sized().await;
    assert!(head.starts_with("HTTP/1.1 401 Unauthorized\r\n"), "{head}");
    assert!(header(&head, "www-authenticate").is_some(), "{head}");
    assert!(header(&head, "connection").is_none(), "kept alive: {head}");
    let err: Value = serde_json::from_str(&body).expect("JSON error body");
    assert!(err.get("error").is_some(), "{body}");

    r.s.write_all(HEALTH).await.expect("write");
    let (head, body) = r.sized().await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("JSON body")["status"],
        "ok"
    );

    // Pipelined: both requests in one write go to hyper, answered in order.
    let mut r = Reader::connect(&app).await;
    r.s.write_all(&[SSE, HEALTH].concat()).await.expect("write");
    let (first, _) = r.sized().await;
    let (second, body) = r.sized().await;
    assert!(first.starts_with("HTTP/1.1 401"), "{first}");
    assert!(second.starts_with("HTTP/1.1 200"), "{second}");
    assert!(body.contains("\"ok\""), "{body}");
}

#[tokio::test]
async fn connection_close_on_a_stream_request_closes_after_the_response() {
    let app = keyed_app().await;
    let mut r = Reader::connect(&app).await;
    let req = b"GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    r.s.write_all(req).await.expect("write");
    let (head, _) = r.sized().await;
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
    assert_eq!(header(&head, "connection"), Some("close"));
    assert!(
        r.closed_within(WAIT).await,
        "the server closes the connection"
    );

    // HTTP/1.0 is hyper's: still a 401 with the same error shape.
    let mut r = Reader::connect(&app).await;
    r.s.write_all(b"GET /sse HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("write");
    let (head, body) = r.sized().await;
    assert!(head.contains(" 401 "), "{head}");
    assert!(
        serde_json::from_str::<Value>(&body)
            .expect("JSON body")
            .get("error")
            .is_some()
    );
}
