//! The Opik REST API: client, error and response types.
//!
//! The contract is Opik's published OpenAPI document: `tests/suites/20-opik-contract.sh` checks
//! the requests this module sends against it in CI.

mod client;
mod error;
pub mod query;
pub mod types;

pub use client::{Call, OpikClient, Reply, WORKSPACE_HEADER};
pub use error::{OpikError, upstream_message};

use secrecy::SecretString;

/// Who an Opik call acts as. Each field left `None` falls back to the server's configured
/// value ([`OpikClient::defaults`]).
///
/// The HTTP layer may attach a `Credentials` to a request's extensions (for example from a
/// verified JWT claim or a trusted header); tools and resources then use it instead of the
/// server's key and workspace. The key is a [`SecretString`], so `Debug` never shows it.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// The API key sent as the raw `Authorization` value.
    pub api_key: Option<SecretString>,
    /// The workspace sent as `Comet-Workspace`.
    pub workspace: Option<String>,
}

impl Credentials {
    /// Credentials that set only the workspace.
    pub fn workspace(workspace: impl Into<String>) -> Self {
        Self {
            api_key: None,
            workspace: Some(workspace.into()),
        }
    }
}

// The settings build their client (`settings.opik.client()`), declared here rather than in
// `config` so that the configuration stays below the Opik client in the module graph.
impl crate::config::OpikSettings {
    /// The Opik REST client these settings describe.
    pub fn client(&self) -> Result<OpikClient, OpikError> {
        OpikClient::new(self)
    }
}
