//! The direct relay (`cluster.relay_listen`): messages for a stream another replica holds go
//! to it over a TCP connection instead of through PostgreSQL `NOTIFY` (docs/scaling.md).
//!
//! Frames are in tokio-util's length-delimited format (a 4-byte big-endian length), read with
//! its codec and written by the sender in pieces (`Frame`). A connection opens with one frame
//! holding the receiving replica's relay token, which the sender read from `cluster_instances`
//! (only a party with access to the database knows it); every later frame is a session hash
//! (64 hex digits), a newline, and one message's compact JSON. Nothing is acknowledged: like a
//! `NOTIFY`, a relayed message is not durable, and a connection that fails loses what it was
//! carrying (logged and counted). One connection per receiving replica, written by the one
//! relay sender, so messages arrive in the order they were sent.
//!
//! Not HTTP: a request per batch would wait a round trip before the next batch could go, and
//! an ordered one-way stream of frames is all a relay needs.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use bytes::Bytes;
use futures::StreamExt;
use rmcp::model::ServerJsonRpcMessage;
use subtle::ConstantTimeEq;
use tokio::{
    io::{AsyncWriteExt, BufWriter},
    net::{TcpListener, TcpStream},
};
use tokio_util::{
    codec::{Framed, LengthDelimitedCodec},
    sync::CancellationToken,
};

use super::Cluster;
use crate::session::{Outbound, json};
use crate::telemetry::{labels::ClusterEvent, metrics};

/// Largest frame accepted (a relayed message; larger ones are refused by the sender too).
const MAX_FRAME: usize = 64 << 20;
/// Bytes of a session hash (hex SHA-256).
const HASH_LEN: usize = 64;
/// Time to connect, and to present the token after connecting.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Time to write one batch before the connection counts as stuck.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// Bytes gathered before a write to a relay connection (a larger piece goes straight through).
const LINK_BUFFER: usize = 16 * 1024;
/// After a failed connection, relays to that replica go through PostgreSQL this long.
const BACKOFF: Duration = Duration::from_secs(10);

/// Where a replica receives direct relays, and the token it expects.
#[derive(Clone, PartialEq, Eq)]
pub struct RelayPoint {
    /// `host:port` to dial.
    pub addr: String,
    /// Presented in a connection's first frame.
    pub token: String,
}

impl std::fmt::Debug for RelayPoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayPoint")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl RelayPoint {
    /// A fresh token (256 random bits, hex) for this replica's relay at `addr`.
    pub(super) fn new(addr: String) -> Self {
        let token = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        Self { addr, token }
    }

    /// From the two columns of `cluster_instances` (both set, or no direct relay).
    pub(super) fn from_columns(addr: Option<String>, token: Option<String>) -> Option<Self> {
        Some(Self {
            addr: addr?,
            token: token?,
        })
    }
}

fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(MAX_FRAME)
        .new_codec()
}

/// One message's frame as the pieces written in turn: the length prefix (tokio-util's
/// length-delimited format: 4 bytes, big-endian), the session hash, a newline and the message's
/// JSON, whose cached `tools/list` result (`session/json.rs`) is a piece of its own, written
/// from the cache rather than copied (serializing it anew was nearly all of a relay's work,
/// copying it into a frame and then into the codec's buffer most of the rest).
pub(super) struct Frame {
    head: Vec<u8>,
    body: Bytes,
    tail: &'static [u8],
}

/// The frame of `msg` for session `hash`; `None` if it cannot be serialized or is over
/// [`MAX_FRAME`] (the receiver would refuse it).
pub(super) fn frame(hash: &str, msg: &ServerJsonRpcMessage) -> Option<Frame> {
    let mut head = Vec::with_capacity(512);
    head.extend_from_slice(&[0; 4]);
    head.extend_from_slice(hash.as_bytes());
    head.push(b'\n');
    let body = json::write_json_head(&mut head, msg)
        .ok()?
        .unwrap_or_default();
    let tail: &'static [u8] = if body.is_empty() { b"" } else { b"}" };
    let len = head.len() - 4 + body.len() + tail.len();
    if len > MAX_FRAME {
        return None;
    }
    head[..4].copy_from_slice(&u32::try_from(len).ok()?.to_be_bytes());
    Some(Frame { head, body, tail })
}

impl Frame {
    async fn write_to(&self, out: &mut BufWriter<TcpStream>) -> std::io::Result<()> {
        out.write_all(&self.head).await?;
        if !self.body.is_empty() {
            out.write_all(&self.body).await?;
            out.write_all(self.tail).await?;
        }
        Ok(())
    }
}

/// The session hash and the message's JSON (sharing the frame's memory), if well formed. The
/// JSON is not read: it comes from a replica that presented the token and wrote it with
/// `serde_json` (the stream checks it is one line, `Outbound::from_replica`).
fn unframe(frame: &Bytes) -> Option<(&str, Bytes)> {
    if frame.len() <= HASH_LEN + 1 || frame[HASH_LEN] != b'\n' {
        return None;
    }
    let hash = std::str::from_utf8(&frame[..HASH_LEN]).ok()?;
    let json = frame.slice(HASH_LEN + 1..);
    hash.bytes()
        .all(|b| b.is_ascii_hexdigit())
        .then_some((hash, json))
}

/// Bind the relay listener: the socket and the address the other replicas dial.
pub(super) async fn bind(
    settings: &crate::config::ClusterSettings,
) -> std::io::Result<Option<(TcpListener, RelayPoint)>> {
    let Some(listen) = &settings.relay_listen else {
        return Ok(None);
    };
    let listener = TcpListener::bind(listen.as_str()).await?;
    let addr = settings.relay_address(listener.local_addr()?);
    Ok(Some((listener, RelayPoint::new(addr))))
}

impl Cluster {
    /// Accept relay connections until `stop`.
    pub(super) async fn serve_relay(
        self: Arc<Self>,
        listener: TcpListener,
        token: String,
        stop: CancellationToken,
    ) {
        let token: Arc<str> = token.into();
        loop {
            let accepted = tokio::select! {
                _ = stop.cancelled() => return,
                a = listener.accept() => a,
            };
            match accepted {
                Ok((stream, peer)) => {
                    let me = Arc::clone(&self);
                    let token = Arc::clone(&token);
                    let stop = stop.clone();
                    tokio::spawn(async move { me.read_relay(stream, peer, &token, stop).await });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "relay listener cannot accept");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    /// One sender's connection: its token, then messages until it closes.
    async fn read_relay(
        &self,
        stream: TcpStream,
        peer: SocketAddr,
        token: &str,
        stop: CancellationToken,
    ) {
        let _ = stream.set_nodelay(true);
        let mut frames = Framed::new(stream, codec());
        let first = tokio::time::timeout(CONNECT_TIMEOUT, frames.next()).await;
        let ok =
            matches!(&first, Ok(Some(Ok(f))) if bool::from(f.as_ref().ct_eq(token.as_bytes())));
        if !ok {
            metrics::cluster_event(ClusterEvent::RelayRefused, 1);
            tracing::warn!(%peer, "relay connection without this replica's token; closed");
            return;
        }
        loop {
            let next = tokio::select! {
                _ = stop.cancelled() => return,
                n = frames.next() => n,
            };
            match next {
                Some(Ok(f)) => match unframe(&f.freeze()) {
                    Some((hash, json)) => match Outbound::from_replica(json.clone()) {
                        Some(item) => self.push_item(hash, item),
                        // Not one line: read into its type (never what a replica sends).
                        None => self.push(hash, &String::from_utf8_lossy(&json)),
                    },
                    None => {
                        tracing::warn!(%peer, "malformed relay frame; connection closed");
                        return;
                    }
                },
                Some(Err(e)) => {
                    tracing::warn!(%peer, error = %e, "relay connection failed");
                    return;
                }
                None => return,
            }
        }
    }
}

/// The relay sender's connections to the other replicas, by instance.
#[derive(Default)]
pub(super) struct Links {
    open: HashMap<String, (String, BufWriter<TcpStream>)>,
    /// Replicas whose relay could not be reached, until when they are not tried again.
    failed: HashMap<String, Instant>,
}

/// Why a direct send did not happen.
#[derive(Debug)]
pub(super) enum SendError {
    /// Nothing was written: the caller may send the messages another way.
    Unreachable(std::io::Error),
    /// The connection failed while writing: some frames may have arrived, so none are resent.
    Broken(std::io::Error),
}

impl Links {
    /// Whether `instance`'s relay is worth trying now.
    pub(super) fn usable(&self, instance: &str) -> bool {
        self.failed
            .get(instance)
            .is_none_or(|until| Instant::now() >= *until)
    }

    /// Close the connections to replicas that `keep` rejects (gone from the cluster).
    pub(super) fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.open.retain(|i, _| keep(i));
        self.failed.retain(|i, _| keep(i));
    }

    /// Write `frames` to `instance`'s relay at `point`, in order.
    pub(super) async fn send(
        &mut self,
        instance: &str,
        point: &RelayPoint,
        frames: Vec<Frame>,
    ) -> Result<(), SendError> {
        if self
            .open
            .get(instance)
            .is_none_or(|(addr, _)| *addr != point.addr)
        {
            match connect(point).await {
                Ok(link) => {
                    self.failed.remove(instance);
                    self.open
                        .insert(instance.to_owned(), (point.addr.clone(), link));
                }
                Err(e) => {
                    self.open.remove(instance);
                    self.failed
                        .insert(instance.to_owned(), Instant::now() + BACKOFF);
                    return Err(SendError::Unreachable(e));
                }
            }
        }
        let Some((_, link)) = self.open.get_mut(instance) else {
            return Ok(());
        };
        let write = async {
            for f in &frames {
                f.write_to(link).await?;
            }
            link.flush().await
        };
        let result = match tokio::time::timeout(WRITE_TIMEOUT, write).await {
            Ok(r) => r,
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "relay write timed out",
            )),
        };
        result.map_err(|e| {
            self.open.remove(instance);
            SendError::Broken(e)
        })
    }
}

/// Connect to a relay and present its token (a frame of its own).
async fn connect(point: &RelayPoint) -> std::io::Result<BufWriter<TcpStream>> {
    let open = async {
        let stream = TcpStream::connect(point.addr.as_str()).await?;
        stream.set_nodelay(true)?;
        let mut link = BufWriter::with_capacity(LINK_BUFFER, stream);
        let token = point.token.as_bytes();
        let len = u32::try_from(token.len()).map_err(std::io::Error::other)?;
        link.write_all(&len.to_be_bytes()).await?;
        link.write_all(token).await?;
        link.flush().await?;
        Ok(link)
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, open).await {
        Ok(r) => r,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "relay connection timed out",
        )),
    }
}

#[cfg(test)]
#[path = "direct_tests.rs"]
mod tests;
