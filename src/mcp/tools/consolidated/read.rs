//! `read(entity_type, id, max_tokens?, project_id?, project_name?)`: one entity, or a composite
//! (trace + spans, prompt + versions, thread + messages), as a one-line header plus compact
//! JSON within a token budget (see [`super::budget`]).

#![expect(
    clippy::doc_markdown,
    reason = "field docs are the schema descriptions models read; no backticks there"
)]

use crate::mcp::tools::params::Parameters;
use reqwest::Method;
use rmcp::{model::Extensions, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    answer::{Answer, budget, render},
    budget::Fitted,
    entity::{Key, ReadType, Target, parse},
};
use crate::{
    mcp::{
        McpServer,
        tools::common::{ProjectRef, ToolError},
    },
    opik::{Call, Credentials},
};

/// Versions returned with a prompt.
pub const VERSION_CAP: usize = 100;
/// Messages (traces) returned with a thread.
pub const MESSAGE_CAP: usize = 200;

/// Arguments of `read`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadArgs {
    /// What to read.
    pub entity_type: ReadType,
    /// A UUID; a name (project, test_suite, experiment, prompt); a thread id; an opik:// URI
    /// (opik://traces/{id}, opik://projects/{pid}/threads/{tid}, …); or a pasted Opik UI link.
    #[schemars(length(min = 1, max = 2048))]
    pub id: String,
    /// Token budget of the answer (default 8000; tokens are estimated as characters / 4).
    #[serde(default)]
    #[schemars(range(min = 100, max = 200000))]
    pub max_tokens: Option<u32>,
    /// Project id; threads need a project (or a URI/link that names it).
    #[serde(default)]
    pub project_id: Option<String>,
    /// Project name (alternative to project_id).
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub project_name: Option<String>,
}

/// What was fetched, before the budget is applied.
pub(crate) struct Fetched {
    /// The entity's id.
    pub id: String,
    /// The entity, or the composite (trace + spans, …).
    pub value: Value,
    /// Caps hit while fetching.
    pub notes: Vec<String>,
    /// The project of a trace or thread (for the next-call hints).
    pub project_id: Option<String>,
}

#[tool_router(router = consolidated_read_router, vis = "pub(crate)")]
impl McpServer {
    /// Read one entity.
    #[tool(
        name = "read",
        description = "Read one Opik entity by UUID, name, opik:// URI or pasted Opik UI link: \
                       project, trace (with up to 200 spans), span, test_suite (dataset), \
                       experiment, prompt (with up to 100 versions) or thread (with up to 200 \
                       messages; needs project_id/project_name unless the URI or link names \
                       the project). The answer is a one-line header (what was returned, what \
                       was cut) and compact JSON kept within max_tokens (default 8000) by \
                       shortening long strings, then reducing to a skeleton.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn read(
        &self,
        Parameters(args): Parameters<ReadArgs>,
        ext: Extensions,
    ) -> Result<String, ToolError> {
        let budget = budget(args.max_tokens)?;
        let kind = args.entity_type;
        let target = parse(kind, &args.id)?;
        let (creds, _) = self.credentials(&ext, None);
        let project = target.project.clone().or(ProjectRef::from_args(
            args.project_id.as_deref(),
            args.project_name.as_deref(),
        )?);
        let f = self.fetch(&creds, kind, target, project).await?;
        let answer = Answer {
            title: format!("read: {} {}", kind.name(), f.id),
            value: &f.value,
            notes: f.notes.clone(),
        };
        Ok(render(&answer, budget, |fitted| more(kind, &f, fitted)))
    }
}

impl McpServer {
    /// `resources/read` of an `opik://` URI that names one entity (the forms `read` takes):
    /// the same fetch as `read`, as compact JSON without a token budget. `None` when the URI
    /// is not an entity URI.
    pub(crate) async fn read_entity_uri(
        &self,
        rest: &str,
        ext: &Extensions,
    ) -> Option<Result<String, ToolError>> {
        let parsed = super::entity::entity_uri(rest)?;
        let (creds, _) = self.credentials(ext, None);
        Some(match parsed {
            Ok((kind, target)) => {
                let project = target.project.clone();
                self.fetch(&creds, kind, target, project)
                    .await
                    .map(|f| super::ordered::to_string(&f.value))
            }
            Err(e) => Err(e),
        })
    }
}

/// How to fetch what a `read` answer left out: the elements of the composite's list that were
/// dropped or shown as skeletons, and the entities in full.
fn more(kind: ReadType, f: &Fetched, fitted: &Fitted) -> Option<String> {
    let listed = |key: &str| f.value[key].as_array().map_or(0, Vec::len);
    let total = |key: &str| f.value[&format!("{key}_total")].as_i64().unwrap_or(0);
    let (key, shown) = match &fitted.kept {
        Some((key, kept, _)) => (key.as_str(), *kept),
        None => {
            let key = match kind {
                ReadType::Trace => "spans",
                ReadType::Prompt => "versions",
                ReadType::Thread => "messages",
                _ => return None,
            };
            let cut_short = total(key) > listed(key) as i64;
            if fitted.tier == super::budget::Tier::Full && !cut_short {
                return None;
            }
            (key, listed(key))
        }
    };
    let all = total(key).max(listed(key) as i64);
    let id = &f.id;
    let shown = format!("{shown} of {all} {key} shown");
    Some(match kind {
        ReadType::Trace => format!(
            "{shown}; list(entity_type=\"span\", trace_id=\"{id}\", page=1, size=100) pages \
             every span, read(entity_type=\"span\", id=…) shows one in full"
        ),
        ReadType::Prompt => format!(
            "{shown}; list(entity_type=\"prompt_version\", prompt_id=\"{id}\", page=1, \
             size=100) pages every version"
        ),
        ReadType::Thread => format!(
            "{shown}; search(entity_type=\"trace\", project_id=\"{}\", filters={{\"thread_id\": \
             \"{id}\"}}) pages every message, read(entity_type=\"trace\", id=…) shows one",
            f.project_id.as_deref().unwrap_or("…")
        ),
        _ => format!("{shown}; read the entity with a larger max_tokens for more"),
    })
}

impl McpServer {
    /// Fetch one entity (or composite) for `read` and `resources/read`.
    pub(crate) async fn fetch(
        &self,
        creds: &Credentials,
        kind: ReadType,
        target: Target,
        project: Option<ProjectRef>,
    ) -> Result<Fetched, ToolError> {
        let id = match target.key.clone() {
            Key::Id(id) => id,
            Key::Name(name) => self.resolve_name(creds, kind, &name).await?,
        };
        let one = |path: String| async move {
            let value = self.opik().get_json(creds, Call::get(&path)).await?;
            Ok::<_, ToolError>(value)
        };
        let mut project_id = None;
        let (value, notes) = match kind {
            ReadType::Project => (one(format!("/v1/private/projects/{id}")).await?, vec![]),
            ReadType::Span => (one(format!("/v1/private/spans/{id}")).await?, vec![]),
            ReadType::TestSuite => (one(format!("/v1/private/datasets/{id}")).await?, vec![]),
            ReadType::Experiment => (one(format!("/v1/private/experiments/{id}")).await?, vec![]),
            ReadType::Trace => {
                let (v, notes) = self.trace_with_spans(creds, &id).await?;
                project_id = v["trace"]["project_id"].as_str().map(str::to_owned);
                (v, notes)
            }
            ReadType::Prompt => {
                let (mut v, notes) = self.prompt_with_versions(creds, &id).await?;
                if let Some(commit) = &target.commit {
                    v["version"] = version_of(&v, commit)?;
                }
                (v, notes)
            }
            ReadType::Thread => {
                let project = project.ok_or_else(|| {
                    ToolError::invalid(
                        "a thread id is unique only within its project: pass project_name or \
                         project_id, or an opik://projects/{project_id}/threads/{thread_id} URI \
                         or the thread's Opik UI link",
                    )
                })?;
                let (v, notes) = self.thread_with_messages(creds, &id, &project).await?;
                project_id = v["thread"]["project_id"].as_str().map(str::to_owned);
                (v, notes)
            }
        };
        Ok(Fetched {
            id,
            value,
            notes,
            project_id,
        })
    }

    async fn prompt_with_versions(
        &self,
        creds: &Credentials,
        id: &str,
    ) -> Result<(Value, Vec<String>), ToolError> {
        let path = format!("/v1/private/prompts/{id}");
        let prompt = self.opik().get_json(creds, Call::get(&path)).await?;
        let vpath = format!("/v1/private/prompts/{id}/versions");
        let call = Call::get(&vpath)
            .query("page", 1)
            .query("size", VERSION_CAP);
        let (versions, total) = self.raw_page(creds, call).await?;
        let truncated = total > versions.len() as i64;
        let notes = truncated
            .then(|| {
                format!(
                    "versions: newest {} of {total} (cap {VERSION_CAP})",
                    versions.len()
                )
            })
            .into_iter()
            .collect();
        let v = json!({"prompt": prompt, "versions": versions, "versions_total": total,
                       "versions_truncated": truncated});
        Ok((v, notes))
    }

    async fn thread_with_messages(
        &self,
        creds: &Credentials,
        id: &str,
        project: &ProjectRef,
    ) -> Result<(Value, Vec<String>), ToolError> {
        let mut body = Map::new();
        project.insert_into(&mut body);
        body.insert("thread_id".into(), Value::String(id.to_string()));
        let body = Value::Object(body);
        let call = Call::new(Method::POST, "/v1/private/traces/threads/retrieve").body(&body);
        let thread = self.opik().send(creds, call).await?.json()?;
        let filter = json!([{"field": "thread_id", "operator": "=", "value": id}]).to_string();
        let call = project.apply(
            Call::get("/v1/private/traces")
                .query("filters", filter)
                .query("page", 1)
                .query("size", MESSAGE_CAP),
        );
        let (traces, total) = self.raw_page(creds, call).await?;
        let mut messages: Vec<Value> = traces.iter().map(message).collect();
        // Opik lists newest first; a conversation reads oldest first.
        messages.sort_by(|a, b| a["start_time"].as_str().cmp(&b["start_time"].as_str()));
        let truncated = total > messages.len() as i64;
        let notes = truncated
            .then(|| {
                format!(
                    "messages: newest {} of {total} (cap {MESSAGE_CAP})",
                    messages.len()
                )
            })
            .into_iter()
            .collect();
        let v = json!({"thread": thread, "messages": messages, "messages_total": total,
                       "messages_truncated": truncated});
        Ok((v, notes))
    }
}

/// The fields of a trace that make a thread message.
fn message(t: &Value) -> Value {
    let mut m = Map::new();
    m.insert("trace_id".into(), t["id"].clone());
    for k in [
        "name",
        "input",
        "output",
        "start_time",
        "end_time",
        "usage",
        "total_estimated_cost",
        "feedback_scores",
    ] {
        if let Some(v) = t.get(k) {
            m.insert(k.into(), v.clone());
        }
    }
    Value::Object(m)
}

/// The version with `commit` among a prompt's fetched versions.
fn version_of(v: &Value, commit: &str) -> Result<Value, ToolError> {
    v["versions"]
        .as_array()
        .and_then(|vs| vs.iter().find(|x| x["commit"] == commit))
        .cloned()
        .ok_or_else(|| ToolError {
            kind: crate::mcp::tools::common::ErrorKind::NotFound,
            message: format!(
                "Not found: prompt {} has no version {commit:?} among its newest {VERSION_CAP}; \
                 list(entity_type=\"prompt_version\", prompt_id=…, name=\"{commit}\") \
                 searches them all",
                v["prompt"]["name"].as_str().unwrap_or("?")
            ),
        })
}
