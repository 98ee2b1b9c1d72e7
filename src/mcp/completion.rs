//! `completion/complete`: suggestions for prompt arguments and resource-template variables.
//!
//! | reference | argument / variable | values |
//! |---|---|---|
//! | prompt `opik-triage-workflow` | `scope`, `focus` | the accepted scopes (fixed list) |
//! | prompt `opik-dataset-maintenance` | `datasetName` | dataset names from Opik |
//! | prompt `opik-dataset-maintenance` | `experimentName` | experiment names from Opik |
//! | `opik://prompt/{name}…` | `name` | prompt names from Opik |
//! | `opik://dataset/{datasetId}…` | `datasetId` | ids of the datasets whose name contains the text |
//! | `opik://traces/{projectId}/…` | `projectId` | ids of the projects whose name contains the text |
//!
//! Anything else completes to an empty list. Opik is asked with its `name` filter (a
//! substring match) for at most 100 entries, answered within `opik.completion_timeout_ms`,
//! and the list is kept `opik.completion_cache_secs` per workspace, credential, source and
//! typed text. An unreachable, slow or failing Opik gives an empty list, never an error: a
//! completion is a convenience, and an error would show up as a failure in the client's UI.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use hashlink::LruCache;
use rmcp::{
    ErrorData,
    model::{CompleteRequestParams, CompleteResult, CompletionInfo, Extensions, Reference},
};
use secrecy::ExposeSecret;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{McpServer, prompts, resources};
use crate::opik::Call;

/// Completion lists remembered across sessions.
const CACHED_LISTS: usize = 1024;

/// Where the values of one argument come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A fixed list.
    Fixed(&'static [&'static str]),
    /// Entities listed by Opik at `path`: their names, or their ids when `ids`.
    Opik { path: &'static str, ids: bool },
    /// No suggestions.
    Nothing,
}

const PROJECTS: &str = "/v1/private/projects";
const DATASETS: &str = "/v1/private/datasets";
const PROMPTS: &str = "/v1/private/prompts";
const EXPERIMENTS: &str = "/v1/private/experiments";

/// One cached list: Opik's entities for a source and text, as (values, total).
type Entry = (Instant, Arc<(Vec<String>, usize)>);

/// The completion lists fetched from Opik, shared by every session.
pub struct CompletionCache {
    lists: Mutex<LruCache<String, Entry>>,
    ttl: Duration,
    timeout: Duration,
}

impl CompletionCache {
    /// A cache keeping lists `ttl` (zero: not at all), asking Opik for at most `timeout`.
    pub fn new(ttl: Duration, timeout: Duration) -> Self {
        Self {
            lists: Mutex::new(LruCache::new(CACHED_LISTS)),
            ttl,
            timeout,
        }
    }

    fn get(&self, key: &str) -> Option<Arc<(Vec<String>, usize)>> {
        let mut lists = self.lists.lock().unwrap_or_else(|p| p.into_inner());
        match lists.get(key) {
            Some((at, list)) if at.elapsed() < self.ttl => Some(Arc::clone(list)),
            _ => None,
        }
    }

    fn put(&self, key: String, list: Arc<(Vec<String>, usize)>) {
        if !self.ttl.is_zero() {
            let mut lists = self.lists.lock().unwrap_or_else(|p| p.into_inner());
            lists.insert(key, (Instant::now(), list));
        }
    }
}

/// Answer one `completion/complete` request.
pub async fn complete(
    server: &McpServer,
    request: &CompleteRequestParams,
    ext: &Extensions,
) -> Result<CompleteResult, ErrorData> {
    let settings = server.engine().settings();
    let argument = &request.argument.name;
    let source = match &request.r#ref {
        Reference::Prompt(p) => prompt_source(settings, &p.name, argument)?,
        Reference::Resource(r) => template_source(settings, &r.uri, argument)?,
        other => {
            return Err(ErrorData::invalid_params(
                format!("cannot complete for this reference: {other:?}"),
                None,
            ));
        }
    };
    let typed = request.argument.value.trim();
    let (values, total) = match source {
        Source::Nothing => (Vec::new(), 0),
        Source::Fixed(list) => {
            let values = rank(
                list.iter().map(|s| ((*s).to_owned(), (*s).to_owned())),
                typed,
            );
            let total = values.len();
            (values, total)
        }
        Source::Opik { path, ids } => {
            let list = from_opik(server, ext, path, ids, typed).await;
            (list.0.clone(), list.1)
        }
    };
    let shown = values.len();
    let mut info = CompletionInfo::new(values).unwrap_or_default();
    info.total = Some(u32::try_from(total.max(shown)).unwrap_or(u32::MAX));
    info.has_more = Some(total > shown);
    Ok(CompleteResult::new(info))
}

fn prompt_source(
    settings: &crate::config::Settings,
    prompt: &str,
    argument: &str,
) -> Result<Source, ErrorData> {
    let listed = prompts::list(settings);
    let Some(p) = listed.iter().find(|p| p.name == prompt) else {
        return Err(ErrorData::invalid_params(
            format!("Unknown prompt: {prompt}; prompts/list shows what is available"),
            None,
        ));
    };
    let known = p.arguments.iter().flatten().any(|a| a.name == argument);
    Ok(match (prompt, argument) {
        (prompts::TRIAGE, "scope" | "focus") => Source::Fixed(prompts::SCOPES),
        (prompts::DATASET, "datasetName") => Source::Opik {
            path: DATASETS,
            ids: false,
        },
        (prompts::DATASET, "experimentName") => Source::Opik {
            path: EXPERIMENTS,
            ids: false,
        },
        _ if known => Source::Nothing,
        _ => return Err(unknown_argument(prompt, argument)),
    })
}

fn template_source(
    settings: &crate::config::Settings,
    template: &str,
    variable: &str,
) -> Result<Source, ErrorData> {
    let listed = resources::templates(settings);
    if !listed.iter().any(|t| t.uri_template == template) {
        return Err(ErrorData::invalid_params(
            format!(
                "Unknown resource template: {template}; resources/templates/list shows what is \
                 available"
            ),
            None,
        ));
    }
    if !template.contains(&format!("{{{variable}}}")) {
        return Err(unknown_argument(template, variable));
    }
    Ok(match variable {
        "name" if template.starts_with("opik://prompt/") => Source::Opik {
            path: PROMPTS,
            ids: false,
        },
        "datasetId" => Source::Opik {
            path: DATASETS,
            ids: true,
        },
        "projectId" => Source::Opik {
            path: PROJECTS,
            ids: true,
        },
        _ => Source::Nothing,
    })
}

fn unknown_argument(reference: &str, argument: &str) -> ErrorData {
    ErrorData::invalid_params(format!("{reference} has no argument {argument}"), None)
}

/// The (values, total) Opik lists for `typed`, from the cache when fresh; empty on failure.
async fn from_opik(
    server: &McpServer,
    ext: &Extensions,
    path: &'static str,
    ids: bool,
    typed: &str,
) -> Arc<(Vec<String>, usize)> {
    let engine = server.engine();
    let (creds, _) = server.credentials(ext, None);
    let workspace = creds
        .workspace
        .clone()
        .unwrap_or_else(|| engine.settings().opik.workspace.clone());
    // The caller's key (when callers may bring one) decides what it may see: part of the key,
    // as a digest so the cache never holds it.
    let key_id = creds.api_key.as_ref().map_or_else(String::new, |k| {
        hex::encode(&Sha256::digest(k.expose_secret().as_bytes())[..8])
    });
    let cache_key = format!("{workspace}\n{key_id}\n{path}\n{ids}\n{typed}");
    let cache = engine.completions();
    if let Some(hit) = cache.get(&cache_key) {
        return hit;
    }
    let call = Call::get(path)
        .query("page", 1)
        .query("size", CompletionInfo::MAX_VALUES)
        .query_opt("name", (!typed.is_empty()).then_some(typed));
    let fetched = tokio::time::timeout(cache.timeout, server.opik().get_json(&creds, call)).await;
    match fetched {
        Ok(Ok(page)) => {
            let list = Arc::new(values_of(&page, ids, typed));
            cache.put(cache_key, Arc::clone(&list));
            list
        }
        Ok(Err(e)) => {
            tracing::debug!(error = %e, path, "completion: Opik failed; no suggestions");
            Arc::default()
        }
        Err(_) => {
            tracing::debug!(
                path,
                "completion: Opik did not answer in time; no suggestions"
            );
            Arc::default()
        }
    }
}

/// The names (or ids) of a page of entities, names starting with `typed` first, and Opik's
/// total.
fn values_of(page: &Value, ids: bool, typed: &str) -> (Vec<String>, usize) {
    let content = page["content"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let entities = content.iter().filter_map(|e| {
        let name = e["name"].as_str()?.to_owned();
        let value = if ids {
            e["id"].as_str()?.to_owned()
        } else {
            name.clone()
        };
        Some((name, value))
    });
    let values = rank(entities, typed);
    let total = page["total"]
        .as_u64()
        .and_then(|t| usize::try_from(t).ok())
        .unwrap_or(0);
    let shown = values.len();
    (values, total.max(shown))
}

/// The values whose label contains `typed` (case-insensitively), those whose label starts
/// with it first, without duplicates, at most [`CompletionInfo::MAX_VALUES`].
fn rank(items: impl Iterator<Item = (String, String)>, typed: &str) -> Vec<String> {
    let needle = typed.to_lowercase();
    let mut matching: Vec<(bool, String)> = Vec::new();
    for (label, value) in items {
        let lower = label.to_lowercase();
        if lower.contains(&needle) && !matching.iter().any(|(_, m)| *m == value) {
            matching.push((!lower.starts_with(&needle), value));
        }
    }
    // Stable: Opik's order within each group.
    matching.sort_by_key(|(later, _)| *later);
    matching
        .into_iter()
        .map(|(_, v)| v)
        .take(CompletionInfo::MAX_VALUES)
        .collect()
}

#[cfg(test)]
#[path = "completion_tests.rs"]
mod tests;
