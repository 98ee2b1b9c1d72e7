//! What a `write` plan reads from Opik before it is built: the project of a trace or span, so
//! that no write falls back to Opik's default project. Lookups are deduplicated and run a few
//! at a time; a 404 names the element field that pointed at the missing entity.

use std::collections::BTreeMap;

use futures::{StreamExt, TryStreamExt, stream};
use serde_json::Value;

use crate::mcp::tools::common::ToolError;

/// Lookups in flight at once.
const PARALLEL: usize = 8;

/// One entity to read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Lookup {
    /// `GET traces/{id}`: its project id.
    Trace(String),
    /// `GET spans/{id}`: its trace and project id.
    Span(String),
    /// `GET traces/{id}`, then `GET projects/{project_id}`: the name of the trace's project
    /// (span creates name their project; they take no project id).
    TraceProjectName(String),
}

impl Lookup {
    fn kind(&self) -> &'static str {
        match self {
            Lookup::Trace(_) | Lookup::TraceProjectName(_) => "trace",
            Lookup::Span(_) => "span",
        }
    }

    fn id(&self) -> &str {
        match self {
            Lookup::Trace(id) | Lookup::Span(id) | Lookup::TraceProjectName(id) => id,
        }
    }

    fn path(&self) -> String {
        format!("/v1/private/{}s/{}", self.kind(), self.id())
    }
}

/// A lookup and the element field it comes from, e.g. `data[2].trace_id`.
#[derive(Debug)]
pub(super) struct Need {
    /// Where the id came from, for errors.
    pub at: String,
    /// What to read.
    pub lookup: Lookup,
    /// What to say after "not found" (what the caller can do instead).
    pub hint: &'static str,
}

/// What the lookups found.
#[derive(Debug, Default)]
pub(super) struct Known {
    traces: BTreeMap<String, Value>,
    spans: BTreeMap<String, Value>,
    project_names: BTreeMap<String, String>,
}

impl Known {
    /// The trace `id`, when it was looked up.
    pub fn trace(&self, id: &str) -> Option<&Value> {
        self.traces.get(id)
    }

    /// The span `id`, when it was looked up.
    pub fn span(&self, id: &str) -> Option<&Value> {
        self.spans.get(id)
    }

    /// The name of the project of trace `id`, when it was looked up.
    pub fn trace_project_name(&self, id: &str) -> Option<&str> {
        let project = self.traces.get(id)?["project_id"].as_str()?;
        self.project_names.get(project).map(String::as_str)
    }
}

/// Reads one entity from Opik: `None` when Opik answers 404.
pub(super) trait Reader {
    /// `GET path` (with `strip_attachments=true` when `strip`).
    async fn get(&self, path: &str, strip: bool) -> Result<Option<Value>, ToolError>;
}

/// One read: the path, whether to strip attachments, what it is and where it came from.
struct Wanted {
    path: String,
    strip: bool,
    what: String,
    at: String,
    hint: String,
}

async fn fetch(reader: &impl Reader, w: Wanted) -> Result<Value, ToolError> {
    match reader.get(&w.path, w.strip).await {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(ToolError::invalid(format!(
            "{}: no {} in this workspace (Opik answered 404){}; nothing was written",
            w.at, w.what, w.hint
        ))),
        Err(mut e) => {
            e.message = format!(
                "looking up {} (from {}) failed, nothing was written: {}",
                w.what, w.at, e.message
            );
            Err(e)
        }
    }
}

/// Read everything `wanted` names, a few at a time, in order; a 404 fails naming its field.
async fn fetch_all(reader: &impl Reader, wanted: Vec<Wanted>) -> Result<Vec<Value>, ToolError> {
    stream::iter(wanted)
        .map(|w| fetch(reader, w))
        .buffered(PARALLEL)
        .try_collect()
        .await
}

/// Run the lookups `needs` asks for: each entity once, then the project names they point at.
pub(super) async fn resolve(reader: &impl Reader, needs: Vec<Need>) -> Result<Known, ToolError> {
    let mut known = Known::default();
    if needs.is_empty() {
        return Ok(known);
    }
    let mut first: BTreeMap<(&'static str, String), &Need> = BTreeMap::new();
    for n in &needs {
        first
            .entry((n.lookup.kind(), n.lookup.id().to_string()))
            .or_insert(n);
    }
    let wanted = first
        .values()
        .map(|n| Wanted {
            path: n.lookup.path(),
            strip: true,
            what: format!("{} {}", n.lookup.kind(), n.lookup.id()),
            at: n.at.clone(),
            hint: n.hint.to_string(),
        })
        .collect();
    let found = fetch_all(reader, wanted).await?;
    for (((kind, id), _), v) in first.iter().zip(found) {
        let map = if *kind == "span" {
            &mut known.spans
        } else {
            &mut known.traces
        };
        map.insert(id.clone(), v);
    }
    project_names(reader, &needs, &mut known).await?;
    Ok(known)
}

/// The names of the projects of the traces a [`Lookup::TraceProjectName`] asked about.
async fn project_names(
    reader: &impl Reader,
    needs: &[Need],
    known: &mut Known,
) -> Result<(), ToolError> {
    let mut projects: BTreeMap<String, &Need> = BTreeMap::new();
    for n in needs {
        if let Lookup::TraceProjectName(trace) = &n.lookup
            && let Some(p) = known
                .traces
                .get(trace)
                .and_then(|t| t["project_id"].as_str())
        {
            projects.entry(p.to_string()).or_insert(n);
        }
    }
    let wanted = projects
        .iter()
        .map(|(p, n)| Wanted {
            path: format!("/v1/private/projects/{p}"),
            strip: false,
            what: format!("project {p} of {} {}", n.lookup.kind(), n.lookup.id()),
            at: n.at.clone(),
            hint: String::new(),
        })
        .collect();
    let found = fetch_all(reader, wanted).await?;
    for (p, v) in projects.keys().zip(found) {
        if let Some(name) = v["name"].as_str() {
            known.project_names.insert(p.clone(), name.to_string());
        }
    }
    Ok(())
}
