//! A connection's first request, when it opens an event stream (`GET /sse`, `GET` on the
//! Streamable HTTP path), answered without hyper; every other request goes to hyper.
//!
//! Why not hyper for these: an idle event stream is an open HTTP/1 response on a connection of
//! its own, and hyper keeps a connection's buffers for as long as it is open — its read buffer
//! (reserved to read the head, and again to watch for the client's EOF while the response
//! streams), its write buffer and its connection state: most of an idle stream's ≈ 26 KiB
//! (heaptrack, docs/performance.md). hyper has no way to release them while a response is
//! open. Here the head is read into a buffer freed once parsed (with `httparse`, hyper's own
//! parser), poem's endpoint answers exactly as it does under hyper, and the response is
//! written as hyper writes it (status line, headers, `date`, chunked body), watching the
//! socket through a small buffer for the client's EOF. After the response, the connection —
//! and any bytes the client sent meanwhile — goes to hyper, unless either side asked to close.
//!
//! Taken only for a complete HTTP/1.1 `GET` head on a stream path in the connection's first
//! read, without body framing, `Upgrade` or `Expect` headers and with nothing after the head.
//! Anything else (HTTP/1.0, HTTP/2, a head split over reads, pipelined requests, bad syntax)
//! is left to hyper, which reads the same bytes first (`IdleIo::unread`).

use std::{
    fmt::Write as _,
    future::Future,
    io,
    io::IoSlice,
    io::Write as _,
    pin::Pin,
    sync::Arc,
    task::{Poll, ready},
    time::SystemTime,
};

use bytes::{Bytes, BytesMut};
use futures::FutureExt as _;
use http_body::Body as _;
use http_body_util::BodyExt as _;
use poem::http::{
    HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, Version, header,
    request::Parts,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

/// The response body poem hands hyper (and this module).
pub type HyperBody = http_body_util::combinators::BoxBody<Bytes, io::Error>;

/// The connection's first read: hyper's first read buffer is as large.
const FIRST_READ: usize = 8 * 1024;
/// Most header lines in a head taken here (hyper's default limit); more goes to hyper.
const MAX_HEADERS: usize = 100;
/// Bytes a client may send while its stream is open (a pipelined request); beyond them the
/// socket is no longer read until the stream ends, as hyper does.
const MAX_PIPELINED: usize = 16 * 1024;
/// Body frames gathered into one write when they are ready together.
const BATCH: usize = 16;

/// Paths whose `GET` opens an event stream; empty on listeners without MCP routes.
#[derive(Clone, Default)]
pub struct StreamPaths(Arc<[Box<str>]>);

impl StreamPaths {
    pub fn new<S: Into<Box<str>>>(paths: impl IntoIterator<Item = S>) -> Self {
        Self(paths.into_iter().map(Into::into).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, path: &str) -> bool {
        self.0.iter().any(|p| **p == *path)
    }
}

/// What the connection's first read held.
pub enum First {
    /// A stream request's head, taken here.
    Stream(Parts),
    /// Anything else: these bytes go to hyper first.
    Other(Bytes),
}

/// Read once from a new connection and classify what came. The read goes into a buffer on
/// the stack, for the time of one poll: a stream keeps nothing of it, and what goes to hyper
/// is copied at its size.
pub async fn read_first<Io: AsyncRead + Unpin>(
    io: &mut Io,
    paths: &StreamPaths,
) -> io::Result<First> {
    std::future::poll_fn(|cx| {
        let mut buf = [0u8; FIRST_READ];
        let mut read = ReadBuf::new(&mut buf);
        ready!(Pin::new(&mut *io).poll_read(cx, &mut read))?;
        let read = read.filled();
        Poll::Ready(Ok(match stream_head(read, paths) {
            Some(parts) => First::Stream(parts),
            None => First::Other(Bytes::copy_from_slice(read)),
        }))
    })
    .await
}

/// `buf` as a stream request's head, or `None` when hyper should have it.
fn stream_head(buf: &[u8], paths: &StreamPaths) -> Option<Parts> {
    // Most first requests are not (POSTs): hyper parses those, not this function too.
    if !buf.starts_with(b"GET /") {
        return None;
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let httparse::Status::Complete(len) = req.parse(buf).ok()? else {
        return None;
    };
    let target = req.path?;
    let path = target.split('?').next()?;
    if len != buf.len()
        || req.method != Some("GET")
        || req.version != Some(1)
        || !target.starts_with('/')
        || !paths.contains(path)
    {
        return None;
    }
    let mut head = Request::builder()
        .method(Method::GET)
        .uri(target)
        .version(Version::HTTP_11);
    for h in req.headers.iter() {
        let name = HeaderName::from_bytes(h.name.as_bytes()).ok()?;
        if [
            header::CONTENT_LENGTH,
            header::TRANSFER_ENCODING,
            header::UPGRADE,
            header::EXPECT,
        ]
        .contains(&name)
        {
            return None;
        }
        // Copied: nothing keeps the read buffer alive.
        head = head.header(name, HeaderValue::from_bytes(h.value).ok()?);
    }
    Some(head.body(()).ok()?.into_parts().0)
}

/// Whether `headers` hold `Connection: close`.
pub fn wants_close(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case("close"))
}

/// What is left of the connection after a response.
pub enum After {
    /// Serve on with hyper; these bytes came while the response was written.
    Hyper(Bytes),
    /// The response asked to close, or the client did: done.
    Close,
}

/// How a response body is delimited.
#[derive(Clone, Copy, PartialEq)]
enum Framing {
    Empty,
    Length(u64),
    Chunked,
}

/// Write `resp` to a request that asked to close (`close`) or not, as hyper would. The head
/// is encoded here, before the future: an open stream keeps none of it.
pub fn respond<Io>(
    io: &mut Io,
    resp: poem::http::Response<HyperBody>,
    close: bool,
) -> impl Future<Output = io::Result<After>> + '_
where
    Io: AsyncRead + AsyncWrite + Unpin,
{
    let (parts, body) = resp.into_parts();
    let framing = framing(parts.status, &parts.headers, &body);
    let close = close || wants_close(&parts.headers);
    let head = head(&parts, framing, close);
    write_response(io, head, body, (framing, close))
}

async fn write_response<Io>(
    io: &mut Io,
    head: Vec<u8>,
    mut body: HyperBody,
    (framing, close): (Framing, bool),
) -> io::Result<After>
where
    Io: AsyncRead + AsyncWrite + Unpin,
{
    io.write_all(&head).await?;
    drop(head);
    io.flush().await?;
    let rest = if matches!(framing, Framing::Empty | Framing::Length(0)) {
        Some(Bytes::new())
    } else {
        send_body(io, &mut body, framing == Framing::Chunked).await?
    };
    match rest {
        Some(rest) if !close => Ok(After::Hyper(rest)),
        Some(_) => {
            // Like hyper: a closing response ends with the connection's write side.
            let _ = io.shutdown().await;
            Ok(After::Close)
        }
        None => Ok(After::Close),
    }
}

fn framing(status: StatusCode, headers: &HeaderMap, body: &HyperBody) -> Framing {
    if status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
    {
        return Framing::Empty;
    }
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return Framing::Chunked;
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok());
    match declared.or(body.size_hint().exact()) {
        Some(n) => Framing::Length(n),
        None => Framing::Chunked,
    }
}

/// The status line and headers, with what hyper adds: the body's framing, `date`, and
/// `connection: close` when the connection ends after this response.
fn head(parts: &poem::http::response::Parts, framing: Framing, close: bool) -> Vec<u8> {
    // Writing into a `Vec` cannot fail.
    let mut out = Vec::with_capacity(256);
    let reason = parts.status.canonical_reason().unwrap_or("<none>");
    let _ = write!(out, "HTTP/1.1 {} {reason}\r\n", parts.status.as_u16());
    for (name, value) in &parts.headers {
        for piece in [name.as_str().as_bytes(), b": ", value.as_bytes(), b"\r\n"] {
            out.extend_from_slice(piece);
        }
    }
    let has = |h: &HeaderName| parts.headers.contains_key(h);
    match framing {
        Framing::Length(n) if !has(&header::CONTENT_LENGTH) => {
            let _ = write!(out, "content-length: {n}\r\n");
        }
        Framing::Chunked if !has(&header::TRANSFER_ENCODING) => {
            out.extend_from_slice(b"transfer-encoding: chunked\r\n");
        }
        _ => {}
    }
    if !has(&header::DATE) {
        let now = httpdate::fmt_http_date(SystemTime::now());
        let _ = write!(out, "date: {now}\r\n");
    }
    if close && !has(&header::CONNECTION) {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Write the body as its frames come, several at a time when they are ready together, while
/// watching the socket: `None` when the client closed it (EOF or error) before the end, else
/// what it sent meanwhile.
async fn send_body<Io>(
    io: &mut Io,
    body: &mut HyperBody,
    chunked: bool,
) -> io::Result<Option<Bytes>>
where
    Io: AsyncRead + AsyncWrite + Unpin,
{
    let mut pipelined = BytesMut::new();
    // Small: it lives as long as the stream, and is mostly there to see the client's EOF.
    let mut scratch = [0u8; 128];
    loop {
        let first = tokio::select! {
            frame = body.frame() => frame,
            read = io.read(&mut scratch), if pipelined.len() < MAX_PIPELINED => {
                match read {
                    Ok(0) | Err(_) => return Ok(None),
                    Ok(n) => pipelined.extend_from_slice(&scratch[..n]),
                }
                continue;
            }
        };
        let (frames, end) = gather(first, body)?;
        write_frames(io, &frames, chunked, end).await?;
        if end {
            return Ok(Some(pipelined.freeze()));
        }
    }
}

/// `first` and the frames ready right after it (at most [`BATCH`]); `true` when the body ended.
fn gather(
    first: Option<Result<http_body::Frame<Bytes>, io::Error>>,
    body: &mut HyperBody,
) -> io::Result<(Vec<Bytes>, bool)> {
    let mut frames = Vec::new();
    let mut next = first;
    loop {
        let Some(frame) = next else {
            return Ok((frames, true));
        };
        // Trailers are dropped, as hyper does for a client that did not ask for them.
        if let Ok(data) = frame?.into_data()
            && !data.is_empty()
        {
            frames.push(data);
        }
        if frames.len() >= BATCH {
            return Ok((frames, false));
        }
        match body.frame().now_or_never() {
            Some(n) => next = n,
            None => return Ok((frames, false)),
        }
    }
}

/// One vectored write of `frames` (chunk-framed when `chunked`), the last chunk after them
/// when the body ended.
async fn write_frames<Io: AsyncWrite + Unpin>(
    io: &mut Io,
    frames: &[Bytes],
    chunked: bool,
    end: bool,
) -> io::Result<()> {
    // Every frame's chunk-size line, in one string.
    let mut sizes = String::new();
    let mut marks = Vec::with_capacity(frames.len());
    for f in frames.iter().filter(|_| chunked) {
        let start = sizes.len();
        let _ = write!(sizes, "{:X}\r\n", f.len());
        marks.push(start..sizes.len());
    }
    let mut slices = Vec::with_capacity(frames.len() * 3 + 1);
    for (i, f) in frames.iter().enumerate() {
        if let Some(mark) = marks.get(i) {
            slices.push(IoSlice::new(&sizes.as_bytes()[mark.clone()]));
        }
        slices.push(IoSlice::new(f));
        if chunked {
            slices.push(IoSlice::new(b"\r\n"));
        }
    }
    if end && chunked {
        slices.push(IoSlice::new(b"0\r\n\r\n"));
    }
    let mut slices = &mut slices[..];
    while !slices.is_empty() {
        let n = io.write_vectored(slices).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut slices, n);
    }
    io.flush().await
}

#[cfg(test)]
#[path = "stream_get_tests.rs"]
mod tests;
