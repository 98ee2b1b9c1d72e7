//! A connection's IO stamping when it last moved a byte, for `limits.idle_connection_secs`
//! (hyper has no such timer), and the timer of that and the first-request deadline; bytes
//! read before hyper took the connection over are replayed to it.

use std::{
    io,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use bytes::{Buf, Bytes};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    time::Instant,
};

/// When a connection last moved a byte, in milliseconds since it was accepted.
pub struct Activity {
    start: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    pub fn new() -> Arc<Self> {
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

    /// Resolves when the connection is to be closed: nothing read or written for `idle`, or
    /// — until `first` is set — no request head complete within `first_deadline` of the
    /// accept. One timer serves both: a task keeps room for each timer it holds.
    pub async fn expired(
        self: Arc<Self>,
        idle: Duration,
        first: Arc<AtomicBool>,
        first_deadline: Duration,
    ) -> Expired {
        let no_request_at = self.start + first_deadline;
        loop {
            let idle_at = self.last() + idle;
            let waiting_first = !first.load(Ordering::Acquire);
            let now = Instant::now();
            if waiting_first && now >= no_request_at {
                return Expired::NoRequest;
            }
            if now >= idle_at {
                return Expired::Idle;
            }
            let next = if waiting_first {
                idle_at.min(no_request_at)
            } else {
                idle_at
            };
            tokio::time::sleep_until(next).await;
        }
    }
}

/// Which of a connection's deadlines passed.
pub enum Expired {
    /// Nothing read or written for `limits.idle_connection_secs`.
    Idle,
    /// No first request head within `limits.header_read_timeout_secs` of the accept.
    NoRequest,
}

/// The connection's IO, stamping [`Activity`] on every byte read or written; bytes already
/// read and put back ([`Self::unread`]) are read again first (what `stream_get` read before
/// hyper took the connection over: hyper-util has the same replay for its version detection,
/// but private).
pub struct IdleIo<T> {
    inner: T,
    activity: Arc<Activity>,
    /// Emptied (and its buffer freed) as it is read.
    unread: Option<Bytes>,
}

impl<T> IdleIo<T> {
    pub fn new(inner: T, activity: Arc<Activity>) -> Self {
        Self {
            inner,
            activity,
            unread: None,
        }
    }

    /// Put `read` back in front of what comes next (nothing else may be pending).
    pub fn unread(&mut self, read: Bytes) {
        debug_assert!(self.unread.is_none());
        self.unread = (!read.is_empty()).then_some(read);
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for IdleIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(unread) = &mut this.unread {
            // Stamped when it was first read.
            let n = unread.len().min(buf.remaining());
            buf.put_slice(&unread[..n]);
            unread.advance(n);
            if unread.is_empty() {
                this.unread = None;
            }
            return Poll::Ready(Ok(()));
        }
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

#[cfg(test)]
mod tests {
    use tokio::io::AsyncReadExt;

    use super::*;

    #[tokio::test]
    async fn bytes_put_back_are_read_first_then_the_stream() {
        let inner: &[u8] = b" world";
        let mut io = IdleIo::new(inner, Activity::new());
        io.unread(Bytes::from_static(b"hello"));
        let mut small = [0u8; 3];
        io.read_exact(&mut small).await.expect("in-memory IO");
        assert_eq!(&small, b"hel");
        let mut rest = String::new();
        io.read_to_string(&mut rest).await.expect("in-memory IO");
        assert_eq!(rest, "lo world");
        assert!(io.unread.is_none(), "dropped once read");
    }
}
