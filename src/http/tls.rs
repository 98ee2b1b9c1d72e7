//! HTTPS: our own poem [`Acceptor`] over `tokio-rustls` (rustls 0.23).
//!
//! Why not poem's `RustlsConfig`: it parses PEM with `rustls-pemfile`, which is unmaintained
//! (RUSTSEC-2025-0134); it cannot raise the minimum protocol version; its accept loop may
//! take a connection before the first configuration arrives and drop it; and it offers no
//! hook to count a failed reload. Here PEM is parsed with `rustls-pki-types`' `PemObject`,
//! the configuration is swapped atomically on reload (connections already open keep the
//! configuration they were accepted with, so none is dropped), and the handshake runs lazily
//! in the connection's own task under a deadline, never in the accept loop.

use std::{
    io,
    path::Path,
    pin::Pin,
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use anyhow::Context as _;
use futures::{FutureExt, future::BoxFuture};
use poem::{
    http::uri::Scheme,
    listener::{Acceptor, TcpAcceptor},
    web::{LocalAddr, RemoteAddr},
};
use rustls::{ServerConfig, server::WebPkiClientVerifier};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use sha2::{Digest, Sha256};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
};
use tokio_rustls::server::TlsStream;
use tokio_util::sync::CancellationToken;

use crate::{
    config::{ClientAuth, TlsSettings, TlsVersion},
    telemetry::{labels::TlsResult, metrics},
};

/// Build a rustls server configuration from the PEM files; errors name the file.
pub fn server_config(s: &TlsSettings) -> anyhow::Result<Arc<ServerConfig>> {
    let (Some(cert_path), Some(key_path)) = (&s.cert_path, &s.key_path) else {
        anyhow::bail!("tls.cert_path and tls.key_path are required for TLS");
    };
    let certs = read_certs(cert_path, "tls.cert_path")?;
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| {
        anyhow::anyhow!(
            "tls.key_path: cannot read a private key from {}: {e}",
            key_path.display()
        )
    })?;
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let versions: &[&'static rustls::SupportedProtocolVersion] = match s.min_version {
        TlsVersion::V1_2 => &[&rustls::version::TLS13, &rustls::version::TLS12],
        TlsVersion::V1_3 => &[&rustls::version::TLS13],
    };
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(versions)
        .context("TLS protocol versions")?;
    let builder =
        match &s.client_ca_path {
            None => builder.with_no_client_auth(),
            Some(ca_path) => {
                let mut roots = rustls::RootCertStore::empty();
                for cert in read_certs(ca_path, "tls.client_ca_path")? {
                    roots.add(cert).map_err(|e| {
                        anyhow::anyhow!(
                            "tls.client_ca_path: {} holds an unusable CA certificate: {e}",
                            ca_path.display()
                        )
                    })?;
                }
                let verifier = WebPkiClientVerifier::builder_with_provider(roots.into(), provider);
                let verifier = match s.client_auth {
                    ClientAuth::Required => verifier,
                    ClientAuth::Optional => verifier.allow_unauthenticated(),
                };
                builder.with_client_cert_verifier(verifier.build().map_err(|e| {
                    anyhow::anyhow!("tls.client_ca_path: {}: {e}", ca_path.display())
                })?)
            }
        };
    let mut config = builder.with_single_cert(certs, key).map_err(|e| {
        anyhow::anyhow!(
            "tls: the key in {} does not fit the certificate in {}: {e}",
            key_path.display(),
            cert_path.display()
        )
    })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn read_certs(path: &Path, key: &str) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            anyhow::anyhow!(
                "{key}: cannot read PEM certificates from {}: {e}",
                path.display()
            )
        })?;
    if certs.is_empty() {
        anyhow::bail!("{key}: {} holds no PEM certificate", path.display());
    }
    Ok(certs)
}

/// SHA-256 over the configured files' contents (a change of any triggers a reload).
fn fingerprint(s: &TlsSettings) -> io::Result<[u8; 32]> {
    let mut h = Sha256::new();
    for p in [&s.cert_path, &s.key_path, &s.client_ca_path]
        .into_iter()
        .flatten()
    {
        h.update(std::fs::read(p)?);
        h.update([0u8]);
    }
    Ok(h.finalize().into())
}

/// The live configuration, shared by the acceptor and the reloader.
type Current = Arc<RwLock<Arc<ServerConfig>>>;

/// Watches the PEM files and swaps the configuration when they change.
pub struct TlsReloader {
    settings: TlsSettings,
    current: Current,
    seen: Mutex<[u8; 32]>,
    reloads: AtomicU64,
    failures: AtomicU64,
}

impl TlsReloader {
    /// Load the files now (a bad file fails start-up, naming it).
    pub fn new(settings: &TlsSettings) -> anyhow::Result<Arc<Self>> {
        let config = server_config(settings)?;
        let seen = fingerprint(settings).unwrap_or_default();
        Ok(Arc::new(Self {
            settings: settings.clone(),
            current: Arc::new(RwLock::new(config)),
            seen: Mutex::new(seen),
            reloads: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        }))
    }

    /// Successful reloads so far.
    pub fn reloads(&self) -> u64 {
        self.reloads.load(Ordering::Relaxed)
    }

    /// Rejected replacements so far (the previous certificate stayed in use).
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// Reload if the files changed. A bad replacement is logged and counted once per
    /// distinct content, and the current configuration stays.
    pub fn check(&self) {
        let Ok(now) = fingerprint(&self.settings) else {
            // A file missing mid-rotation: try again next tick.
            return;
        };
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if *seen == now {
            return;
        }
        *seen = now;
        match server_config(&self.settings) {
            Ok(config) => {
                *self.current.write().unwrap_or_else(|p| p.into_inner()) = config;
                self.reloads.fetch_add(1, Ordering::Relaxed);
                metrics::tls_reload(TlsResult::Ok);
                tracing::info!("TLS certificate reloaded");
            }
            Err(e) => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                metrics::tls_reload(TlsResult::Error);
                tracing::error!(error = %e, tls.reload_failures = self.failures(),
                    "TLS reload failed; still serving the previous certificate");
            }
        }
    }

    /// Check every `tls.reload_interval_secs` until `stop` (0 disables).
    pub async fn run(self: Arc<Self>, stop: CancellationToken) {
        if self.settings.reload_interval_secs == 0 {
            return;
        }
        let mut tick =
            tokio::time::interval(Duration::from_secs(self.settings.reload_interval_secs));
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tick.tick() => self.check(),
            }
        }
    }

    /// An acceptor serving the current configuration over `tcp`.
    pub fn acceptor(&self, tcp: TcpAcceptor) -> TlsAcceptor {
        TlsAcceptor {
            tcp,
            current: Arc::clone(&self.current),
            handshake_timeout: self.settings.handshake_timeout(),
        }
    }
}

/// Accepts TCP connections and hands out lazily-handshaking TLS streams.
pub struct TlsAcceptor {
    tcp: TcpAcceptor,
    current: Current,
    handshake_timeout: Duration,
}

impl Acceptor for TlsAcceptor {
    type Io = TlsIo;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.tcp.local_addr()
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        let (stream, local, remote, _) = self.tcp.accept().await?;
        super::no_delay(&stream);
        let config = Arc::clone(&self.current.read().unwrap_or_else(|p| p.into_inner()));
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        let deadline = self.handshake_timeout;
        let handshake = async move {
            match tokio::time::timeout(deadline, acceptor.accept(stream)).await {
                Ok(r) => r,
                Err(_) => Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "TLS handshake timed out",
                )),
            }
        };
        Ok((
            TlsIo::Handshaking(handshake.boxed()),
            local,
            remote,
            Scheme::HTTPS,
        ))
    }
}

/// A TLS stream whose handshake completes on first use, in the connection's task.
pub enum TlsIo {
    /// Handshake in progress.
    Handshaking(BoxFuture<'static, io::Result<TlsStream<TcpStream>>>),
    /// Ready.
    Ready(Box<TlsStream<TcpStream>>),
    /// The handshake failed.
    Failed,
}

impl TlsIo {
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<&mut TlsStream<TcpStream>>> {
        loop {
            match self {
                TlsIo::Handshaking(fut) => match fut.poll_unpin(cx) {
                    Poll::Ready(Ok(s)) => {
                        metrics::tls_handshake(TlsResult::Ok);
                        *self = TlsIo::Ready(Box::new(s));
                    }
                    Poll::Ready(Err(e)) => {
                        metrics::tls_handshake(TlsResult::Error);
                        tracing::debug!(error = %e, "TLS handshake failed");
                        *self = TlsIo::Failed;
                        return Poll::Ready(Err(e));
                    }
                    Poll::Pending => return Poll::Pending,
                },
                TlsIo::Ready(s) => return Poll::Ready(Ok(s)),
                TlsIo::Failed => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "TLS handshake failed",
                    )));
                }
            }
        }
    }
}

impl AsyncRead for TlsIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut().poll_ready(cx) {
            Poll::Ready(Ok(s)) => Pin::new(s).poll_read(cx, buf),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for TlsIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut().poll_ready(cx) {
            Poll::Ready(Ok(s)) => Pin::new(s).poll_write(cx, buf),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut().poll_ready(cx) {
            Poll::Ready(Ok(s)) => Pin::new(s).poll_write_vectored(cx, bufs),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// rustls' stream writes vectors into one TLS record stream; true before the handshake
    /// too, since hyper asks once, when the connection starts.
    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().poll_ready(cx) {
            Poll::Ready(Ok(s)) => Pin::new(s).poll_flush(cx),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().poll_ready(cx) {
            Poll::Ready(Ok(s)) => Pin::new(s).poll_shutdown(cx),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}
