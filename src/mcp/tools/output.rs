//! The output envelopes tools return as structured content (their schemas are the tools'
//! `outputSchema`).

use rmcp::handler::server::wrapper::Json;
use schemars::JsonSchema;
use serde::Serialize;

/// A page of entities.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOutput<T> {
    /// One-line summary, e.g. "Found 42 traces (showing page 1 of 5)".
    pub summary: String,
    /// 1-based page number.
    pub page: i64,
    /// Page size used.
    pub size: i64,
    /// Total matching entities.
    pub total: i64,
    /// The entities on this page.
    pub items: Vec<T>,
    /// What the server changed or cut (page size reduced, long strings truncated, defaults used).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One entity.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ItemOutput<T> {
    /// One-line summary.
    pub summary: String,
    /// The entity.
    pub item: T,
    /// What the server changed or cut.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The outcome of a write.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ActionOutput {
    /// What was done.
    pub summary: String,
    /// Id of the entity created or affected, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Extra facts about the write.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ActionOutput {
    /// A summary and an id.
    pub fn new(summary: impl Into<String>, id: Option<String>) -> Json<Self> {
        Json(Self {
            summary: summary.into(),
            id,
            notes: Vec::new(),
        })
    }
}
