//! [`Persistence`]: the store, the audit writer, the sessions writer and the retention job,
//! started together at start-up and flushed on shutdown; and the `migrate` subcommand.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use tokio::{sync::mpsc, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use super::{
    AuditObserver, AuditSink, AuditStatus, Redactor, SessionsWriter, Store, retention,
    sink::{Shared, describe_metrics},
    spill::Spill,
    writer::Writer,
};
use crate::{
    config::{DatabaseSettings, Settings},
    events::Observer,
};

/// Everything the audit trail runs.
pub struct Persistence {
    store: Store,
    sink: AuditSink,
    sessions: Arc<SessionsWriter>,
    redactor: Arc<Redactor>,
    log_arguments: bool,
    stop_writer: CancellationToken,
    stop_background: CancellationToken,
    writer: tokio::sync::Mutex<Option<JoinHandle<()>>>,
    shutdown_deadline: Duration,
}

/// Connect and migrate, with errors that say what to fix; the migrations applied now.
async fn connect_and_migrate(settings: &DatabaseSettings) -> anyhow::Result<(Store, Vec<i64>)> {
    let url = settings.display_url();
    let store = Store::connect(settings)
        .await
        .with_context(|| format!("cannot open the database {url} (database.url)"))?;
    let applied = store
        .migrate()
        .await
        .with_context(|| format!("cannot migrate the database {url}"))?;
    Ok((store, applied))
}

/// Connect and migrate (the server at start-up), logging what was applied.
async fn open_store(settings: &DatabaseSettings) -> anyhow::Result<Store> {
    let (store, applied) = connect_and_migrate(settings).await?;
    if !applied.is_empty() {
        let url = settings.display_url();
        tracing::info!(?applied, database = %url, "database migrations applied");
    }
    Ok(store)
}

/// This replica's name in the `sessions` table: host name plus a discriminator.
pub fn instance_id(suffix: &str) -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into());
    format!("{host}:{suffix}")
}

impl Persistence {
    /// Connect, migrate, open the spill file (replaying what a previous run left) and start
    /// the background tasks. `None` when `audit.enabled = false`.
    pub async fn start(settings: &Settings, instance_id: String) -> anyhow::Result<Option<Self>> {
        let audit = &settings.audit;
        if !audit.enabled {
            tracing::warn!("audit trail disabled (audit.enabled = false)");
            return Ok(None);
        }
        describe_metrics();
        let store = open_store(&settings.database).await?;
        let spill = Spill::open(&audit.spill_path, audit.spill_max_bytes).with_context(|| {
            format!(
                "cannot open the audit spill file {} (audit.spill_path)",
                audit.spill_path.display()
            )
        })?;
        if !spill.is_empty() {
            tracing::warn!(pending = spill.pending(), path = %audit.spill_path.display(),
                "audit spill file from a previous run: replaying");
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::default());
        let sink = AuditSink::new(
            tx,
            Arc::clone(&shared),
            audit.queue_capacity,
            audit.on_failure,
        );
        let stop_writer = CancellationToken::new();
        let stop_background = CancellationToken::new();
        let writer = Writer::new(store.clone(), rx, shared, spill, audit);
        let writer = tokio::spawn(writer.run(stop_writer.clone(), audit.flush_timeout()));
        let sessions = SessionsWriter::new(sink.clone(), instance_id);
        tokio::spawn(Arc::clone(&sessions).run(
            Duration::from_secs(audit.session_update_secs),
            stop_background.clone(),
        ));
        tokio::spawn(retention::run(
            store.clone(),
            audit.retention_days,
            Duration::from_secs(audit.retention_interval_secs),
            audit.retention_batch,
            stop_background.clone(),
        ));
        tracing::info!(database = %settings.database.display_url(), on_failure = audit.on_failure.as_str(),
            "audit trail started");
        Ok(Some(Self {
            store,
            sink,
            sessions,
            redactor: Arc::new(Redactor::new(&audit.redact_keys)),
            log_arguments: audit.log_arguments,
            stop_writer,
            stop_background,
            writer: tokio::sync::Mutex::new(Some(writer)),
            // The writer's own flush deadline, plus one write attempt, plus slack.
            shutdown_deadline: audit.flush_timeout() + audit.write_timeout() * 2,
        }))
    }

    /// The session observers that feed the writer.
    pub fn observers(&self) -> Vec<Arc<dyn Observer>> {
        vec![
            Arc::new(AuditObserver::new(
                self.sink.clone(),
                Arc::clone(&self.redactor),
                self.log_arguments,
            )),
            Arc::clone(&self.sessions) as Arc<dyn Observer>,
        ]
    }

    /// The sink (for security events and health).
    pub fn sink(&self) -> AuditSink {
        self.sink.clone()
    }

    /// The store (for the admin API).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Stop the background jobs, store everything accepted (database, else spill file),
    /// close the pool. Call after the sessions have ended. Idempotent.
    pub async fn shutdown(&self) -> AuditStatus {
        self.stop_background.cancel();
        self.stop_writer.cancel();
        if let Some(handle) = self.writer.lock().await.take() {
            match tokio::time::timeout(self.shutdown_deadline, handle).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "audit writer task failed"),
                Err(_) => tracing::error!("audit writer did not stop in time"),
            }
            self.store.close().await;
        }
        self.sink.status()
    }
}

/// `opik-mcp migrate`: apply the migrations and say what was done.
pub async fn migrate_command(settings: &DatabaseSettings) -> anyhow::Result<()> {
    let (store, applied) = connect_and_migrate(settings).await?;
    store.close().await;
    let url = settings.display_url();
    if applied.is_empty() {
        println!("{url}: up to date");
    } else {
        let list: Vec<String> = applied.iter().map(i64::to_string).collect();
        println!(
            "{url}: applied {} migration(s): {}",
            applied.len(),
            list.join(", ")
        );
    }
    Ok(())
}
