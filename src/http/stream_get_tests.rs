use std::time::Duration;

use futures::{StreamExt, stream};
use http_body_util::{BodyExt as _, Full, StreamBody};
use poem::http::Response;
use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

use super::*;

fn paths() -> StreamPaths {
    StreamPaths::new(["/sse", "/mcp"])
}

const SSE: &str = "GET /sse HTTP/1.1\r\nHost: a\r\nAccept: text/event-stream\r\n\r\n";

#[test]
fn a_complete_get_on_a_stream_path_is_taken_with_its_headers_copied() {
    let head = stream_head(SSE.as_bytes(), &paths()).expect("taken");
    assert_eq!(head.method, Method::GET);
    assert_eq!(head.version, Version::HTTP_11);
    assert_eq!(head.uri, "/sse");
    assert_eq!(head.headers["accept"], "text/event-stream");
    let q = "GET /mcp?x=1 HTTP/1.1\r\nHost: a\r\n\r\n";
    assert_eq!(
        stream_head(q.as_bytes(), &paths()).expect("query").uri,
        "/mcp?x=1"
    );
}

#[test]
fn everything_else_is_left_to_hyper() {
    let cases = [
        "GET /sse HTTP/1.0\r\nHost: a\r\n\r\n",
        "POST /sse HTTP/1.1\r\nHost: a\r\n\r\n",
        "HEAD /sse HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /sse/ HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET http://a/sse HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /sse HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
        "GET /sse HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET /sse HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n",
        "GET /sse HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
        // split over reads, pipelined, not HTTP/1
        "GET /sse HTTP/1.1\r\nHost: a\r\n",
        "GET /sse HTTP/1.1\r\nHost: a\r\n\r\nGET /health HTTP/1.1\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "GET /sse HTTP/1.1\r\nHo st: a\r\n\r\n",
    ];
    for case in cases {
        assert!(stream_head(case.as_bytes(), &paths()).is_none(), "{case:?}");
    }
    let many = format!(
        "GET /sse HTTP/1.1\r\n{}\r\n",
        "X-A: b\r\n".repeat(MAX_HEADERS + 1)
    );
    assert!(
        stream_head(many.as_bytes(), &paths()).is_none(),
        "too many headers"
    );
    assert!(stream_head(SSE.as_bytes(), &StreamPaths::default()).is_none());
}

#[test]
fn connection_close_is_found_among_tokens() {
    let mut h = HeaderMap::new();
    assert!(!wants_close(&h));
    h.insert(
        header::CONNECTION,
        HeaderValue::from_static("keep-alive, Close"),
    );
    assert!(wants_close(&h));
    h.insert(header::CONNECTION, HeaderValue::from_static("closed"));
    assert!(!wants_close(&h));
}

/// The bytes `resp` is written as, to a client that sent nothing more.
async fn written(resp: Response<HyperBody>, close: bool) -> (String, bool) {
    let (mut server, mut client) = duplex(64 * 1024);
    let task = tokio::spawn(async move { respond(&mut server, resp, close).await });
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), client.read(&mut buf))
            .await
            .expect("the response ends")
            .expect("test value");
        out.extend_from_slice(&buf[..n]);
        if n == 0 || task.is_finished() {
            break;
        }
    }
    let after = task.await.expect("test value").expect("test value");
    (
        String::from_utf8(out).expect("test value"),
        matches!(after, After::Close),
    )
}

fn full(status: u16, body: &'static str) -> Response<HyperBody> {
    let body = Full::new(Bytes::from_static(body.as_bytes()))
        .map_err(|e| match e {})
        .boxed();
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::from_u16(status).expect("test value");
    resp
}

#[tokio::test]
async fn a_sized_response_gets_its_length_a_date_and_keeps_the_connection() {
    let mut resp = full(401, "{\"error\":\"x\"}");
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    let (out, closed) = written(resp, false).await;
    assert!(out.starts_with("HTTP/1.1 401 Unauthorized\r\n"), "{out}");
    assert!(
        out.contains("\r\ncontent-type: application/json\r\n"),
        "{out}"
    );
    assert!(out.contains("\r\ncontent-length: 13\r\n"), "{out}");
    assert!(out.contains("\r\ndate: "), "{out}");
    assert!(!out.contains("connection: close"), "{out}");
    assert!(out.ends_with("\r\n\r\n{\"error\":\"x\"}"), "{out}");
    assert!(!closed, "served on by hyper");
}

#[tokio::test]
async fn a_request_that_asked_to_close_gets_connection_close() {
    let (out, closed) = written(full(200, "ok"), true).await;
    assert!(out.contains("\r\nconnection: close\r\n"), "{out}");
    assert!(closed);
}

#[tokio::test]
async fn a_stream_is_chunked_frame_by_frame_and_ends_with_the_last_chunk() {
    let frames = stream::iter(["data: a\n\n", "", "data: bc\n\n"])
        .map(|s| Ok::<_, io::Error>(http_body::Frame::data(Bytes::from_static(s.as_bytes()))));
    let resp = Response::new(http_body_util::BodyExt::boxed(StreamBody::new(frames)));
    let (out, closed) = written(resp, false).await;
    assert!(out.contains("\r\ntransfer-encoding: chunked\r\n"), "{out}");
    let body = out.split_once("\r\n\r\n").expect("test value").1;
    assert_eq!(body, "9\r\ndata: a\n\n\r\nA\r\ndata: bc\n\n\r\n0\r\n\r\n");
    assert!(!closed);
}

type Frames = futures::channel::mpsc::UnboundedSender<io::Result<http_body::Frame<Bytes>>>;

/// A streamed response being written: its frames' sender, the client's end, the writer.
fn streaming() -> (
    Frames,
    tokio::io::DuplexStream,
    tokio::task::JoinHandle<io::Result<After>>,
) {
    let (tx, rx) = futures::channel::mpsc::unbounded();
    let resp = Response::new(http_body_util::BodyExt::boxed(StreamBody::new(rx)));
    let (mut server, client) = duplex(64 * 1024);
    let task = tokio::spawn(async move { respond(&mut server, resp, false).await });
    (tx, client, task)
}

#[tokio::test]
async fn a_client_gone_mid_stream_ends_the_response_and_bytes_it_sent_are_kept() {
    let (tx, mut client, task) = streaming();
    tx.unbounded_send(Ok(http_body::Frame::data(Bytes::from_static(b"x"))))
        .expect("test value");
    let mut buf = [0u8; 1024];
    let n = client.read(&mut buf).await.expect("test value");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200 OK"));
    drop(client);
    let after = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("EOF noticed while the body is quiet")
        .expect("test value")
        .expect("test value");
    assert!(matches!(after, After::Close));
    assert!(
        tx.is_closed(),
        "the body is dropped: the session's stream ends"
    );

    // Pipelined bytes during a stream are handed on with the connection.
    let (tx, mut client, task) = streaming();
    client
        .write_all(b"GET /health HTTP/1.1\r\n\r\n")
        .await
        .expect("test value");
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(tx);
    let after = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("test value")
        .expect("test value")
        .expect("test value");
    let After::Hyper(rest) = after else {
        panic!("the connection goes on");
    };
    assert_eq!(&rest[..], b"GET /health HTTP/1.1\r\n\r\n");
}
