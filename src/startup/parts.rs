//! The parts `Application` assembles, one step each: the JWKS cache, the shared sessions, the
//! readiness checks, the authenticator, the connection limits; and the work it hands to other
//! threads meanwhile.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;

use super::checks::{jwks_check, opik_check, store_check};
use crate::{
    app::{Docs, readiness::Readiness},
    auth::{Authenticator, JwksCache},
    cluster::Cluster,
    config::Settings,
    http::serve::ConnLimits,
    mcp::McpEngine,
    oauth::Broker,
    session::SessionRegistry,
    store::{AuditSink, service::instance_id},
};

/// The JWKS cache when JWTs are verified against a JWKS URL, first fetch attempted.
pub(super) async fn start_jwks(settings: &Settings) -> anyhow::Result<Option<Arc<JwksCache>>> {
    let jwks = match (&settings.auth.jwt.jwks_url, settings.auth.mode.jwt()) {
        (Some(url), true) => Some(Arc::new(JwksCache::new(&settings.auth.jwt, url)?)),
        _ => None,
    };
    if let Some(jwks) = &jwks {
        // An unreachable issuer must not stop start-up: tokens fail until keys arrive.
        if let Err(e) = jwks.fetch().await {
            let error = crate::scrub::mask_userinfo(&e.to_string()).into_owned();
            tracing::warn!(error, "JWKS not loaded at start-up; will retry");
        }
    }
    Ok(jwks)
}

/// The cluster when sessions are shared between replicas, attached to the registry.
pub(super) async fn connect_cluster(
    settings: &Settings,
    addr: SocketAddr,
    registry: &Arc<SessionRegistry>,
) -> anyhow::Result<Option<Arc<Cluster>>> {
    let cluster = match settings.cluster.shared_sessions {
        true => Some(
            Cluster::connect(settings, &instance_id(&addr.port().to_string()))
                .await
                .context("cannot share sessions through the database (cluster.shared_sessions)")?,
        ),
        false => None,
    };
    if let Some(c) = &cluster {
        c.attach(registry);
    }
    Ok(cluster)
}

/// The readiness checks of the components: the audit store, the JWKS, Opik when asked.
pub(super) fn add_checks(
    readiness: &Readiness,
    settings: &Settings,
    audit: &AuditSink,
    jwks: Option<&Arc<JwksCache>>,
    engine: &McpEngine,
) {
    readiness.add(store_check(audit.clone()));
    if let Some(jwks) = jwks {
        let max_stale = Duration::from_secs(settings.auth.jwt.jwks_max_stale_secs);
        readiness.add(jwks_check(Arc::clone(jwks), max_stale));
    }
    if settings.admin.check_opik {
        readiness.add(opik_check(engine.opik().clone()));
    }
}

/// The authenticator of the HTTP transports (with the broker's own key when it runs).
pub(super) fn authenticator(
    settings: &Settings,
    jwks: Option<Arc<JwksCache>>,
    broker: Option<&Arc<Broker>>,
) -> anyhow::Result<Arc<Authenticator>> {
    let mut auth = Authenticator::new(&settings.auth, jwks)?;
    if let Some(b) = broker {
        // Our own tokens are verified with our own key: no JWKS fetch of ourselves.
        auth = auth.with_own_key(b.verify_key());
    }
    Ok(Arc::new(auth))
}

/// The admin listener's document: the audit trail's and the broker's admin APIs are in it
/// when they are mounted (`store`, `broker`, and `audit.admin_token` set).
pub(super) fn admin_docs(settings: &Settings, store: bool, broker: bool) -> anyhow::Result<Docs> {
    let token = settings.audit.admin_token.is_some();
    crate::openapi::admin_docs(store && token, broker && token)
}

/// The connection limits of both listeners.
pub(super) fn conn_limits(settings: &Settings) -> ConnLimits {
    ConnLimits {
        header_read_timeout: settings.limits.header_read_timeout(),
        idle_timeout: settings.limits.idle_connection(),
        http2_max_header_list_size: u32::try_from(settings.limits.max_header_bytes)
            .unwrap_or(u32::MAX),
        max_connections_per_ip: settings.limits.max_connections_per_ip,
    }
}

/// Run `build` on a blocking thread now, for start-up to [`joined`] later: the Opik client
/// (it loads and parses the system's CA certificates) and the public document (it renders the
/// Swagger UI page) take a few ms each, while binding and opening the store mostly wait.
pub(super) fn off_thread<T: Send + 'static>(
    settings: &Arc<Settings>,
    build: impl FnOnce(&Settings) -> T + Send + 'static,
) -> tokio::task::JoinHandle<T> {
    let settings = Arc::clone(settings);
    tokio::task::spawn_blocking(move || build(&settings))
}

/// What an [`off_thread`] task built, its error as start-up's (a panic goes on unwinding, as
/// it did when the work ran on start-up's own thread).
pub(super) async fn joined<T, E: Into<anyhow::Error>>(
    task: tokio::task::JoinHandle<Result<T, E>>,
) -> anyhow::Result<T> {
    match task.await {
        Ok(built) => built.map_err(Into::into),
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => Err(anyhow::Error::new(e).context("a start-up task was cancelled")),
        },
    }
}
