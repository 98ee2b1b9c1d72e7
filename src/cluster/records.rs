//! SQL over `shared_sessions` and `cluster_instances` (PostgreSQL only).

use std::time::Duration;

use rmcp::model::ClientJsonRpcMessage;
use sqlx::{Row, postgres::PgPool};

use super::direct::RelayPoint;
use crate::{
    session::{Session, TransportKind},
    store::StoreError,
};

/// What the database knows of a shared session.
#[derive(Debug, Clone)]
pub struct SharedRecord {
    /// `sse` or `streamable-http`.
    pub transport: String,
    /// Owning principal.
    pub subject: Option<String>,
    /// The client's `initialize` request, once known.
    pub init_request: Option<serde_json::Value>,
    /// Replica holding the stream.
    pub stream_instance: Option<String>,
    /// Its notification channel.
    pub stream_channel: Option<String>,
    /// Whether that replica's heartbeat is fresh.
    pub stream_alive: bool,
    /// Where that replica receives direct relays, if it does (`cluster.relay_listen`).
    pub stream_relay: Option<RelayPoint>,
    /// Ended, or idle past the TTL.
    pub ended: bool,
    /// Time since `last_seen_at` was last written, by the database clock.
    pub idle: Duration,
}

impl SharedRecord {
    /// The transport, if it is one sessions are shared on.
    pub fn transport(&self) -> Option<TransportKind> {
        match self.transport.as_str() {
            "sse" => Some(TransportKind::Sse),
            "streamable-http" => Some(TransportKind::StreamableHttp),
            _ => None,
        }
    }

    /// The stored `initialize`, parsed.
    pub fn init_message(&self) -> Option<ClientJsonRpcMessage> {
        let v = self.init_request.clone()?;
        match serde_json::from_value(v) {
            Ok(m) => Some(m),
            Err(e) => {
                tracing::warn!(error = %e, "stored initialize does not parse");
                None
            }
        }
    }
}

pub(super) async fn insert(
    pool: &PgPool,
    hash: &str,
    session: &Session,
    init: Option<serde_json::Value>,
    instance: &str,
    stream: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO shared_sessions (session_hash, transport, subject, init_request, \
         created_by, stream_instance) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (session_hash) DO NOTHING",
    )
    .bind(hash)
    .bind(session.transport().as_str())
    .bind(session.owner())
    .bind(init)
    .bind(instance)
    .bind(stream)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn set_init(
    pool: &PgPool,
    hash: &str,
    init: serde_json::Value,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE shared_sessions SET init_request = $2, last_seen_at = now() \
         WHERE session_hash = $1",
    )
    .bind(hash)
    .bind(init)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn set_stream(
    pool: &PgPool,
    hash: &str,
    instance: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE shared_sessions SET stream_instance = $2 WHERE session_hash = $1")
        .bind(hash)
        .bind(instance)
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn touch(pool: &PgPool, hash: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE shared_sessions SET last_seen_at = now() \
         WHERE session_hash = $1 AND ended_at IS NULL",
    )
    .bind(hash)
    .execute(pool)
    .await?;
    Ok(())
}

/// Mark ended; true if this call ended it.
pub(super) async fn end(pool: &PgPool, hash: &str, reason: &str) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE shared_sessions SET ended_at = now(), end_reason = $2 \
         WHERE session_hash = $1 AND ended_at IS NULL",
    )
    .bind(hash)
    .bind(reason)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The record of `hash`, with its expiry and its stream holder's liveness computed by the
/// database clock (one clock for every replica).
pub(super) async fn fetch(
    pool: &PgPool,
    hash: &str,
    idle_ttl: Duration,
    dead_after: Duration,
) -> Result<Option<SharedRecord>, StoreError> {
    let row = sqlx::query(
        "SELECT s.transport, s.subject, s.init_request, s.stream_instance, i.channel, \
         i.relay_addr, i.relay_token, \
         COALESCE(i.heartbeat_at > now() - make_interval(secs => $3), false) AS alive, \
         (s.ended_at IS NOT NULL OR s.last_seen_at < now() - make_interval(secs => $2)) \
         AS ended, \
         GREATEST(EXTRACT(EPOCH FROM now() - s.last_seen_at), 0)::float8 AS idle_secs \
         FROM shared_sessions s \
         LEFT JOIN cluster_instances i ON i.instance_id = s.stream_instance \
         WHERE s.session_hash = $1",
    )
    .bind(hash)
    .bind(idle_ttl.as_secs_f64())
    .bind(dead_after.as_secs_f64())
    .fetch_optional(pool)
    .await?;
    row.map(|r| -> Result<SharedRecord, StoreError> {
        Ok(SharedRecord {
            transport: r.try_get("transport")?,
            subject: r.try_get("subject")?,
            init_request: r.try_get("init_request")?,
            stream_instance: r.try_get("stream_instance")?,
            stream_channel: r.try_get("channel")?,
            stream_alive: r.try_get("alive")?,
            stream_relay: RelayPoint::from_columns(
                r.try_get("relay_addr")?,
                r.try_get("relay_token")?,
            ),
            ended: r.try_get("ended")?,
            idle: Duration::try_from_secs_f64(r.try_get("idle_secs")?).unwrap_or_default(),
        })
    })
    .transpose()
}

/// Which of `hashes` have ended (or expired).
pub(super) async fn ended_among(
    pool: &PgPool,
    hashes: &[String],
    idle_ttl: Duration,
) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT session_hash FROM shared_sessions WHERE session_hash = ANY($1) \
         AND (ended_at IS NOT NULL OR last_seen_at < now() - make_interval(secs => $2))",
    )
    .bind(hashes)
    .bind(idle_ttl.as_secs_f64())
    .fetch_all(pool)
    .await?)
}

/// A replica as the others see it.
pub(super) type PeerRow = (String, String, bool, Option<String>, Option<String>);

/// Every replica: instance id, channel, whether its heartbeat is fresh, its direct relay
/// address and token.
pub(super) async fn peers(pool: &PgPool, dead_after: Duration) -> Result<Vec<PeerRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT instance_id, channel, heartbeat_at > now() - make_interval(secs => $1), \
         relay_addr, relay_token FROM cluster_instances",
    )
    .bind(dead_after.as_secs_f64())
    .fetch_all(pool)
    .await?)
}

pub(super) async fn heartbeat(
    pool: &PgPool,
    instance: &str,
    channel: &str,
    relay: Option<&RelayPoint>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO cluster_instances (instance_id, channel, relay_addr, relay_token) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (instance_id) DO UPDATE SET heartbeat_at = now() \
         WHERE cluster_instances.heartbeat_at > 'epoch'",
    )
    .bind(instance)
    .bind(channel)
    .bind(relay.map(|r| r.addr.as_str()))
    .bind(relay.map(|r| r.token.as_str()))
    .execute(pool)
    .await?;
    Ok(())
}

/// Mark a replica dead for good (a heartbeat still in flight cannot revive it).
pub(super) async fn leave(pool: &PgPool, instance: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE cluster_instances SET heartbeat_at = 'epoch' WHERE instance_id = $1")
        .bind(instance)
        .execute(pool)
        .await?;
    Ok(())
}

/// Forget old rows: sessions ended (or idle) for a day, dead replicas, orphaned relays.
pub(super) async fn tidy(pool: &PgPool, idle_ttl: Duration) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM shared_sessions WHERE session_hash IN (SELECT session_hash \
         FROM shared_sessions WHERE COALESCE(ended_at, last_seen_at + make_interval(secs => $1)) \
         < now() - interval '1 day' LIMIT 1000)",
    )
    .bind(idle_ttl.as_secs_f64())
    .execute(pool)
    .await?;
    sqlx::query("DELETE FROM cluster_instances WHERE heartbeat_at < now() - interval '1 day'")
        .execute(pool)
        .await?;
    sqlx::query("DELETE FROM relay_messages WHERE created_at < now() - interval '5 minutes'")
        .execute(pool)
        .await?;
    Ok(())
}
