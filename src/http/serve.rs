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
//!
//! A connection whose first request opens an event stream has that request answered without
//! hyper ([`stream_get`]: an idle stream then holds none of hyper's buffers), and goes to
//! hyper after it.

use std::{
    convert::Infallible,
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
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
    http::{request::Parts, uri::Scheme},
    listener::Acceptor,
    web::{LocalAddr, RemoteAddr},
};
use tokio::{
    io::{AsyncRead, AsyncWrite},
    sync::mpsc,
};
use tokio_util::sync::CancellationToken;

use super::{
    conn_limit::{ConnSlot, PerIpConnections},
    idle_io::{Activity, Expired, IdleIo},
    stream_get::{self, After, First, HyperBody, StreamPaths},
};
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
/// to finish, and drop those still open after `grace`. A connection whose first request is a
/// `GET` on one of `streams` has that request answered by [`stream_get`].
pub async fn serve<A, E>(
    mut acceptor: A,
    ep: E,
    (limits, streams): (ConnLimits, StreamPaths),
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
                    let conn = Conn {
                        local, remote, scheme, ep: Arc::clone(&ep), limits,
                        streams: streams.clone(), slot,
                    };
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
    streams: StreamPaths,
    /// This connection's place in the per-address count, freed when the task ends.
    slot: ConnSlot,
}

impl Conn {
    /// The connection's task. Built by a plain function so that the task holds only what it
    /// needs: an async fn keeps its arguments for its whole life, and a task keeps room for
    /// the largest state it can reach for as long as it runs — an open stream's lifetime.
    fn run<Io>(
        self,
        io: Io,
        (draining, hard_stop, alive): (CancellationToken, CancellationToken, mpsc::Sender<()>),
    ) -> impl Future<Output = ()> + Send + 'static
    where
        Io: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let Self {
            local,
            remote,
            scheme,
            ep,
            limits,
            streams,
            slot,
        } = self;
        let service = Arc::new(Service {
            local,
            remote,
            scheme,
            ep,
        });
        async move {
            // Both held until the connection is done: its place in the per-address count,
            // and the sender `serve`'s drain waits on.
            let _held = (slot, alive);
            let activity = Activity::new();
            let io = IdleIo::new(io, Arc::clone(&activity));
            let first = Arc::new(AtomicBool::new(false));
            let expired = activity.expired(
                limits.idle_timeout,
                Arc::clone(&first),
                limits.header_read_timeout,
            );
            let peer = &service.remote;
            tokio::select! {
                () = requests(io, Arc::clone(&service), (streams, limits), first, draining) => {}
                expired = expired => match expired {
                    Expired::Idle => {
                        metrics::connection_closed(ConnClose::Idle);
                        tracing::info!(remote_addr = %peer, "closing idle connection");
                    }
                    Expired::NoRequest => {
                        metrics::connection_closed(ConnClose::NoRequest);
                        tracing::debug!(remote_addr = %peer, "closing a connection that sent no \
                            request head in time (limits.header_read_timeout_secs)");
                    }
                },
                () = hard_stop.cancelled() => {}
            }
        }
    }
}

/// The connection's requests: a first one opening an event stream here ([`stream_get`]), the
/// rest (all of them on other connections) with hyper. Draining, a connection still waiting
/// for its first bytes ends; an open response finishes first.
async fn requests<Io>(
    mut io: IdleIo<Io>,
    service: Arc<Service>,
    (streams, limits): (StreamPaths, ConnLimits),
    first: Arc<AtomicBool>,
    draining: CancellationToken,
) where
    Io: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    if !streams.is_empty() {
        let read = tokio::select! {
            read = stream_get::read_first(&mut io, &streams) => read,
            () = draining.cancelled() => return,
        };
        // The head is used up before the first await below: the task keeps no room for it
        // (nor for the endpoint's ≈ 2 KB future, boxed) while the stream is open.
        let (close, call) = match read {
            Ok(First::Other(read)) => (false, Err(read)),
            Ok(First::Stream(head)) => {
                first.store(true, Ordering::Release);
                let close = stream_get::wants_close(&head.headers);
                (close, Ok(Box::pin(Arc::clone(&service).call_head(head))))
            }
            Err(e) => {
                tracing::debug!(remote_addr = %service.remote, error = %e, "connection ended");
                return;
            }
        };
        let after = match call {
            Ok(call) => stream_get::respond(&mut io, call.await, close).await,
            Err(read) => Ok(After::Hyper(read)),
        };
        match after {
            // What hyper reads first.
            Ok(After::Hyper(read)) if !draining.is_cancelled() => io.unread(read),
            Ok(_) => return,
            Err(e) => {
                tracing::debug!(remote_addr = %service.remote, error = %e, "connection ended");
                return;
            }
        }
    }
    // Boxed: hyper's connection state is large, and a task's size is its largest state,
    // which an open stream (above) would otherwise carry too.
    Box::pin(with_hyper(io, service, limits, first, draining)).await;
}

/// The connection's requests from here on, with hyper.
async fn with_hyper<Io>(
    io: Io,
    service: Arc<Service>,
    limits: ConnLimits,
    first: Arc<AtomicBool>,
    draining: CancellationToken,
) where
    Io: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let peer = service.remote.clone();
    let builder = limits.builder();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        // hyper calls the service once a request head is complete.
        first.store(true, Ordering::Release);
        Arc::clone(&service).call(req)
    });
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        res = conn.as_mut() => {
            if let Err(e) = res {
                // Header deadline, resets, malformed requests: the client's doing.
                tracing::debug!(remote_addr = %peer, error = %e, "connection ended");
            }
            return;
        }
        () = draining.cancelled() => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

/// What hyper calls for each request of a connection.
struct Service {
    local: LocalAddr,
    remote: RemoteAddr,
    scheme: Scheme,
    ep: SharedEndpoint,
}

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

    /// The same for a request head read by [`stream_get`] (a `GET`: no body).
    async fn call_head(self: Arc<Self>, head: Parts) -> hyper::Response<HyperBody> {
        let parts = (
            head,
            self.local.clone(),
            self.remote.clone(),
            self.scheme.clone(),
        );
        let req = poem::Request::from_parts(parts.into(), poem::Body::empty());
        hyper::Response::from(self.ep.get_response(req).await)
    }
}
