//! `StoreError`: everything the store can fail with.

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Invalid `[database]` settings.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The database refused or failed a statement, or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A pagination cursor that this server did not make.
    #[error("invalid cursor")]
    BadCursor,
    /// A stored value could not be read back (a bug, or a row written by something else).
    #[error("corrupt row: {0}")]
    Corrupt(String),
}
