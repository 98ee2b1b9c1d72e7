//! The public listener: plain TCP or TLS, dispatched by an enum rather than boxed.
//!
//! poem's `BoxAcceptor` would do the same job, but its `BoxIo` splits every stream with
//! `tokio::io::split` (a lock taken on every read and write) and does not forward vectored
//! writes, so hyper fell back to copying every response body into its own write buffer: a
//! 20 KB `tools/list` reply was copied once more on every request (docs/performance.md).

use std::{
    io,
    pin::Pin,
    task::{Context, Poll},
};

use poem::{
    http::uri::Scheme,
    listener::{Acceptor, TcpAcceptor},
    web::{LocalAddr, RemoteAddr},
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
};

use super::tls::{TlsAcceptor, TlsIo};

/// What the public port accepts.
pub enum PublicAcceptor {
    /// Plain HTTP.
    Tcp(TcpAcceptor),
    /// HTTPS (handshake on first use, see [`TlsIo`]).
    Tls(TlsAcceptor),
}

impl Acceptor for PublicAcceptor {
    type Io = ConnIo;

    fn local_addr(&self) -> Vec<LocalAddr> {
        match self {
            Self::Tcp(a) => a.local_addr(),
            Self::Tls(a) => a.local_addr(),
        }
    }

    async fn accept(&mut self) -> io::Result<(ConnIo, LocalAddr, RemoteAddr, Scheme)> {
        match self {
            Self::Tcp(a) => {
                let (io, local, remote, scheme) = a.accept().await?;
                Ok((ConnIo::Tcp(io), local, remote, scheme))
            }
            Self::Tls(a) => {
                let (io, local, remote, scheme) = a.accept().await?;
                Ok((ConnIo::Tls(io), local, remote, scheme))
            }
        }
    }
}

/// One accepted connection's stream.
pub enum ConnIo {
    /// Plain TCP.
    Tcp(TcpStream),
    /// TLS over TCP.
    Tls(TlsIo),
}

impl AsyncRead for ConnIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Self::Tls(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Tcp(s) => s.is_write_vectored(),
            Self::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}
