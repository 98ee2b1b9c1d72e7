//! Names → ids for the entities that have names (projects, datasets/test suites, experiments,
//! prompts): exact resolution with errors that list the candidates, and a prefix/substring
//! lookup for suggestions. Kept apart from the tools so MCP completions (prompt and resource
//! arguments) can reuse the same lookups and the same wording.

use serde_json::Value;

use super::entity::{Key, ReadType, parse};
use crate::{
    mcp::{
        McpServer,
        tools::common::{ErrorKind, ToolError},
    },
    opik::{Call, Credentials},
};

/// An entity found by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// Its id (UUID).
    pub id: String,
    /// Its name.
    pub name: String,
}

/// The collection path of a named kind.
fn collection(kind: ReadType) -> Result<&'static str, ToolError> {
    Ok(match kind {
        ReadType::Project => "/v1/private/projects",
        ReadType::TestSuite => "/v1/private/datasets",
        ReadType::Experiment => "/v1/private/experiments",
        ReadType::Prompt => "/v1/private/prompts",
        _ => return Err(ToolError::invalid(format!("{} has no names", kind.name()))),
    })
}

fn named(v: &Value) -> Option<Named> {
    Some(Named {
        id: v["id"].as_str()?.to_string(),
        name: v["name"].as_str()?.to_string(),
    })
}

impl McpServer {
    /// Entities of `kind` whose name contains `text` (Opik's `name` filter is a
    /// case-insensitive substring match), at most `limit`, exact matches first.
    pub(crate) async fn names_like(
        &self,
        creds: &Credentials,
        kind: ReadType,
        text: &str,
        limit: u32,
    ) -> Result<Vec<Named>, ToolError> {
        let call = Call::get(collection(kind)?)
            .query("name", text)
            .query("page", 1)
            .query("size", limit.clamp(1, 100));
        let (found, _) = self.raw_page(creds, call).await?;
        let mut out: Vec<Named> = found.iter().filter_map(named).collect();
        // Stable: exact matches first, then Opik's order.
        out.sort_by_key(|n| n.name != text);
        Ok(out)
    }

    /// The id of an entity of `kind` given by id, name, `opik://` URI or Opik UI link.
    pub(crate) async fn id_of(
        &self,
        creds: &Credentials,
        kind: ReadType,
        raw: &str,
    ) -> Result<String, ToolError> {
        match parse(kind, raw)?.key {
            Key::Id(id) => Ok(id),
            Key::Name(n) => self.resolve_name(creds, kind, &n).await,
        }
    }

    /// The id of the entity of `kind` named exactly `name` (a second call); ambiguous or
    /// missing names are errors listing the candidates.
    pub(crate) async fn resolve_name(
        &self,
        creds: &Credentials,
        kind: ReadType,
        name: &str,
    ) -> Result<String, ToolError> {
        let found = self.names_like(creds, kind, name, 100).await?;
        let label = |n: &Named| format!("{} ({})", n.name, n.id);
        let list = |items: &[&Named], max: usize| {
            items
                .iter()
                .take(max)
                .map(|n| label(n))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let exact: Vec<&Named> = found.iter().filter(|n| n.name == name).collect();
        let what = kind.name();
        match exact.as_slice() {
            [one] => Ok(one.id.clone()),
            [] if found.is_empty() => Err(ToolError {
                kind: ErrorKind::NotFound,
                message: format!(
                    "Not found: no {what} is named {name:?}. list(entity_type=\"{what}\") shows \
                     what exists."
                ),
            }),
            [] => Err(ToolError {
                kind: ErrorKind::NotFound,
                message: format!(
                    "Not found: no {what} is named exactly {name:?}; similar: {}. Pass one of \
                     these ids.",
                    list(&found.iter().collect::<Vec<_>>(), 10)
                ),
            }),
            many => Err(ToolError::invalid(format!(
                "{} {what}s are named {name:?}: {}. Pass the id of the one you mean.",
                many.len(),
                list(many, 20)
            ))),
        }
    }
}
