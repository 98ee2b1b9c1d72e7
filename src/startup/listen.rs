//! Binding the public and admin listeners, with an error that says what to do when the port
//! is taken.

use std::{net::SocketAddr, sync::Arc};

use anyhow::Context;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};

use crate::{
    config::Settings,
    http::{listener::PublicAcceptor, tls::TlsReloader},
};

/// Bind a listener; port 0 picks a free port.
pub(super) async fn bind_listener(
    bind: &str,
    hint: &str,
) -> anyhow::Result<(TcpAcceptor, SocketAddr)> {
    let acceptor = TcpListener::bind(bind.to_owned())
        .into_acceptor()
        .await
        .map_err(|e| bind_error(bind, hint, e))?;
    let addr = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .context("listener has no socket address")?;
    Ok((acceptor, addr))
}

fn bind_error(bind: &str, hint: &str, e: std::io::Error) -> anyhow::Error {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => anyhow::anyhow!(
            "cannot listen on {bind}: the port is already in use; stop the other process or \
             choose another port with {hint}"
        ),
        std::io::ErrorKind::PermissionDenied => anyhow::anyhow!(
            "cannot listen on {bind}: permission denied (ports below 1024 need privileges)"
        ),
        _ => anyhow::Error::new(e).context(format!("cannot listen on {bind}")),
    }
}

/// The public listener (behind TLS when on) and the admin listener when enabled.
pub(super) async fn bind_all(
    settings: &Settings,
    tls: Option<&Arc<TlsReloader>>,
) -> anyhow::Result<(
    PublicAcceptor,
    SocketAddr,
    Option<(TcpAcceptor, SocketAddr)>,
)> {
    let bind = settings.server.bind_address();
    let (tcp, addr) = bind_listener(&bind, "--sse-port / SSE_PORT").await?;
    let acceptor = match tls {
        Some(reloader) => PublicAcceptor::Tls(reloader.acceptor(tcp)),
        None => PublicAcceptor::Tcp(tcp),
    };
    let admin = if settings.admin.enabled {
        Some(bind_listener(&settings.admin.bind_address(), "OPIK_MCP_ADMIN__PORT").await?)
    } else {
        None
    };
    Ok((acceptor, addr, admin))
}
