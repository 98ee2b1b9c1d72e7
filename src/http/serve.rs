//! The connection loop of our listeners: poem's endpoint served by hyper-util's connection
//! builder, **with hyper's timer set**.
//!
//! Why not `poem::Server` (slowloris, docs/reliability.md): poem 3.1 builds hyper's connection without a
//! timer and offers no way to set one, so hyper's own `header_read_timeout` never fires and a
//! client trickling one header byte at a time held its connection (a socket and a task) for as
//! long as it liked. The mechanism we want is hyper's: with a timer, an HTTP/1 connection whose
//! request head is not complete within `limits.header_read_timeout_secs` is closed. hyper starts
//! that clock when it begins reading a head — at accept, and again when a keep-alive
//! connection goes back to waiting for its next request — so idle keep-alive connections are
//! closed after the same time. It covers the head only: a body is bounded by
//! `limits.request_timeout_secs` (408) and a response stream (SSE) by neither.
//!
//! What poem's server did and this loop keeps: serving HTTP/1 and HTTP/2 with upgrades,
//! `limits.idle_connection_secs` (a connection with no byte read or written for that long is
//! closed — hyper has no such timer, so [`IdleIo`] below stamps every read and write), the
//! HTTP/2 header-list bound, and graceful shutdown (stop accepting, let connections finish
//! within the grace period, then drop them).
//!
//! hyper's clock starts only once hyper reads a head, and hyper-util's version detection
//! (HTTP/1 or the HTTP/2 preface) waits for bytes before that: a connection that sent nothing,
//! went quiet right after its TLS handshake, or sent only the HTTP/2 preface was held until
//! the idle timeout. So this loop adds its own **first-request deadline**: a connection whose
//! first request head is not complete within `limits.header_read_timeout_secs` of being
//! accepted (a TLS handshake included) is closed. After that first request, HTTP/2 has no
//! HEADERS deadline in hyper; such connections are bounded by the idle timeout and the
//! header-list size.
//!
//! `limits.max_connections_per_ip` ([`PerIpConnections`]) bounds the connections one client
//! address holds, so no single address can hold every socket.

use std::{
    convert::Infallible,
    future::Future,
    io,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
};
use poem::{
    Endpoint, EndpointExt, IntoEndpoint, Response,
    endpoint::BoxEndpoint,
    http::uri::Scheme,
    listener::Acceptor,
    web::{LocalAddr, RemoteAddr},
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    sync::mpsc,
    time::Instant,
};
use tokio_util::sync::CancellationToken;

use super::conn_limit::{ConnSlot, PerIpConnections};
use crate::telemetry::{labels::ConnClose, metrics};

/// Pause after a failed `accept` (e.g. out of file descriptors), so the loop does not spin.
const ACCEPT_ERROR_BACKOFF: Duration = Duration::from_millis(50);

/// Per-connection bounds.
#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    /// Deadline for an HTTP/1 request head, from the start of reading it; also the deadline
    /// for a connection's first request head (any protocol), from its accept.
    pub header_read_timeout: Duration,
    /// A connection with no byte read or written for this long is closed.
    pub idle_timeout: Duration,
    /// Largest HTTP/2 header list, bytes.
    pub http2_max_header_list_size: u32,
    /// Most open connections per client address (IPv6: per /64); 0 = unlimited.
    pub max_connections_per_ip: usize,
}

impl ConnLimits {
    /// hyper's connection builder with its timer set: without one, hyper ignores
    /// `header_read_timeout` (which is all poem's server lacks).
    fn builder(&self) -> auto::Builder<TokioExecutor> {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout);
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_header_list_size(self.http2_max_header_list_size);
        builder
    }
}

type SharedEndpoint = Arc<BoxEndpoint<'static, Response>>;

/// Serve `ep` on `acceptor` until `signal`, then drain: stop accepting, ask every connection
/// to finish, and drop those still open after `grace`.
pub async fn serve<A, E>(
    mut acceptor: A,
    ep: E,
    limits: ConnLimits,
    signal: impl Future<Output = ()>,
    grace: Duration,
) where
    A: Acceptor,
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    let ep: SharedEndpoint = Arc::new(ep.into_endpoint().map_to_response().boxed());
    // Every connection task holds a sender; `recv` returns `None` once all have ended.
    let (alive, mut all_closed) = mpsc::channel::<()>(1);
    let draining = CancellationToken::new();
    let hard_stop = CancellationToken::new();
    let per_ip = PerIpConnections::new(limits.max_connections_per_ip);
    tokio::pin!(signal);
    loop {
        tokio::select! {
            () = &mut signal => break,
            accepted = acceptor.accept() => match accepted {
                Ok((io, local, remote, scheme)) => {
                    let ip = remote.as_socket_addr().map(std::net::SocketAddr::ip);
                    let Some(slot) = per_ip.try_acquire(ip) else {
                        // Dropping `io` closes the socket before any byte is read.
                        metrics::connection_closed(ConnClose::PerIpLimit);
                        tracing::debug!(remote_addr = %remote, "connection refused: too many \
                            from this address (limits.max_connections_per_ip)");
                        continue;
                    };
                    let conn = Conn { local, remote, scheme, ep: Arc::clone(&ep), limits, slot };
                    let stop = (draining.clone(), hard_stop.clone(), alive.clone());
                    tokio::spawn(conn.run(io, stop));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(ACCEPT_ERROR_BACKOFF).await;
                }
            },
        }
    }
    drop(acceptor);
    draining.cancel();
    drop(alive);
    if tokio::time::timeout(grace, all_closed.recv())
        .await
        .is_err()
    {
        tracing::info!(
            grace_secs = grace.as_secs_f32(),
            "grace period over; closing the remaining connections"
        );
        hard_stop.cancel();
        all_closed.recv().await;
    }
}

/// One accepted connection.
struct Conn {
    local: LocalAddr,
    remote: RemoteAddr,
    scheme: Scheme,
    ep: SharedEndpoint,
    limits: ConnLimits,
    /// This connection's place in the per-address count, freed when the task ends.
    slot: ConnSlot,
}

impl Conn {
    async fn run<Io>(
        self,
        io: Io,
        (draining, hard_stop, _alive): (CancellationToken, CancellationToken, mpsc::Sender<()>),
    ) where
        Io: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let activity = Activity::new();
        let io = TokioIo::new(IdleIo {
            inner: io,
            activity: Arc::clone(&activity),
        });
        let builder = self.limits.builder();
        let (peer, limits, _slot) = (self.remote.clone(), self.limits, self.slot);
        let first = Arc::new(AtomicBool::new(false));
        let service = Arc::new(Service {
            local: self.local,
            remote: self.remote,
            scheme: self.scheme,
            ep: self.ep,
        });
        let seen = Arc::clone(&first);
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            // hyper calls the service once a request head is complete.
            seen.store(true, Ordering::Release);
            Arc::clone(&service).call(req)
        });
        let conn = builder.serve_connection_with_upgrades(io, service);
        tokio::pin!(conn);
        let idle = activity.idle_for(limits.idle_timeout);
        tokio::pin!(idle);
        let no_request = first_request_missed(first, limits.header_read_timeout);
        tokio::pin!(no_request);
        tokio::select! {
            res = conn.as_mut() => {
                if let Err(e) = res {
                    // Header deadline, resets, malformed requests: the client's doing.
                    tracing::debug!(remote_addr = %peer, error = %e, "connection ended");
                }
                return;
            }
            () = &mut idle => {
                metrics::connection_closed(ConnClose::Idle);
                tracing::info!(remote_addr = %peer, "closing idle connection");
                return;
            }
            () = &mut no_request => {
                metrics::connection_closed(ConnClose::NoRequest);
                tracing::debug!(remote_addr = %peer, "closing a connection that sent no request \
                    head in time (limits.header_read_timeout_secs)");
                return;
            }
            () = draining.cancelled() => {}
        }
        conn.as_mut().graceful_shutdown();
        tokio::select! {
            _ = conn => {}
            () = idle => {}
            () = no_request => {}
            () = hard_stop.cancelled() => {}
        }
    }
}

/// Resolves when `deadline` passes before the connection's first request head was complete;
/// never resolves once it was.
async fn first_request_missed(first: Arc<AtomicBool>, deadline: Duration) {
    tokio::time::sleep(deadline).await;
    if first.load(Ordering::Acquire) {
        std::future::pending::<()>().await;
    }
}

/// What hyper calls for each request of a connection.
struct Service {
    local: LocalAddr,
    remote: RemoteAddr,
    scheme: Scheme,
    ep: SharedEndpoint,
}

/// The response body poem hands hyper.
type HyperBody = http_body_util::combinators::BoxBody<bytes::Bytes, io::Error>;

impl Service {
    /// One request: hyper's request becomes poem's (with addresses and scheme) and poem's
    /// response goes back, exactly as `poem::Server` does it.
    async fn call(
        self: Arc<Self>,
        req: hyper::Request<Incoming>,
    ) -> Result<hyper::Response<HyperBody>, Infallible> {
        let req = (
            req,
            self.local.clone(),
            self.remote.clone(),
            self.scheme.clone(),
        );
        let resp = self.ep.get_response(req.into()).await;
        Ok(hyper::Response::from(resp))
    }
}

/// When a connection last moved a byte, in milliseconds since it was accepted.
struct Activity {
    start: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
        })
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }

    /// Resolves once nothing has been read or written for `limit`.
    async fn idle_for(self: Arc<Self>, limit: Duration) {
        loop {
            let deadline = self.last() + limit;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

/// The connection's IO, stamping [`Activity`] on every byte read or written.
struct IdleIo<T> {
    inner: T,
    activity: Arc<Activity>,
}

impl<T: AsyncRead + Unpin> AsyncRead for IdleIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let res = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(res, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.activity.touch();
        }
        res
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for IdleIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let res = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        res
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let res = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        res
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
