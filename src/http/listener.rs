//! The public listener: plain TCP or TLS, dispatched by an enum rather than boxed.
//!
//! poem's `BoxAcceptor` would do the same job, but its `BoxIo` splits every stream with
//! `tokio::io::split` (a lock taken on every read and write) and does not forward vectored
//! writes, so hyper fell back to copying every response body into its own write buffer: a
//! 20 KB `tools/list` reply was copied once more on every request (docs/performance.md).

use std::io;

use poem::{
    http::uri::Scheme,
    listener::{Acceptor, TcpAcceptor},
    web::{LocalAddr, RemoteAddr},
};
use tokio::net::TcpStream;
use tokio_util::either::Either;

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
                super::no_delay(&io);
                Ok((Either::Left(io), local, remote, scheme))
            }
            Self::Tls(a) => {
                let (io, local, remote, scheme) = a.accept().await?;
                Ok((Either::Right(io), local, remote, scheme))
            }
        }
    }
}

/// One accepted connection's stream: plain TCP (`Left`) or TLS over TCP (`Right`).
/// tokio-util's `Either` forwards every read and write method, vectored writes included.
pub type ConnIo = Either<TcpStream, TlsIo>;
