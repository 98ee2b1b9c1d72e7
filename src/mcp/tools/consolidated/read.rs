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
    budget::{fit, tokens},
    entity::{Key, ReadType, Target, parse},
};
use crate::{
    mcp::{
        McpServer,
        tools::common::{ProjectRef, ToolError},
    },
    opik::{Call, Credentials},
};

/// Default token budget.
pub const DEFAULT_MAX_TOKENS: u32 = 8000;
/// Spans returned with a trace.
pub const SPAN_CAP: usize = 200;
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
struct Fetched {
    /// The entity's id.
    id: String,
    value: Value,
    /// Caps hit while fetching.
    notes: Vec<String>,
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
        let budget = args.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS);
        if !(100..=200_000).contains(&budget) {
            return Err(ToolError::invalid(format!(
                "max_tokens must be between 100 and 200000, got {budget}"
            )));
        }
        let kind = args.entity_type;
        let target = parse(kind, &args.id)?;
        let (creds, _) = self.credentials(&ext, None);
        let project = target.project.clone().or(ProjectRef::from_args(
            args.project_id.as_deref(),
            args.project_name.as_deref(),
        )?);
        let fetched = self.fetch(&creds, kind, target, project).await?;
        Ok(render(kind, &fetched, budget as usize))
    }
}

/// The header and the JSON, together within `budget` tokens.
fn render(kind: ReadType, f: &Fetched, budget: usize) -> String {
    let mut reserve = 80;
    // The header is written after the body is fitted; its size is then reserved and the body
    // refitted (the header barely changes, so two or three rounds settle it).
    let mut round = 0;
    loop {
        let fitted = fit(&f.value, budget.saturating_sub(reserve).max(1));
        let mut cut: Vec<String> = f.notes.clone();
        cut.extend(fitted.cuts.iter().cloned());
        let header = format!(
            "[read: {} {} · tier {} · ~{} of ~{} tokens (estimated as characters/4; \
             max_tokens {budget}) · cut: {}]",
            kind.name(),
            f.id,
            fitted.tier.label(),
            tokens(&fitted.body),
            fitted.full_tokens,
            if cut.is_empty() {
                "nothing".into()
            } else {
                cut.join("; ")
            }
        );
        let text = format!("{header}\n{}", fitted.body);
        // +2: the newline and the rounding of two separate estimates.
        let need = tokens(&header) + 2;
        if tokens(&text) <= budget || need <= reserve || round == 3 {
            return text;
        }
        reserve = need;
        round += 1;
    }
}

impl McpServer {
    async fn fetch(
        &self,
        creds: &Credentials,
        kind: ReadType,
        target: Target,
        project: Option<ProjectRef>,
    ) -> Result<Fetched, ToolError> {
        let id = match target.key {
            Key::Id(id) => id,
            Key::Name(name) => self.resolve_name(creds, kind, &name).await?,
        };
        let one = |path: String| async move {
            let value = self.opik().get_json(creds, Call::get(&path)).await?;
            Ok::<_, ToolError>(value)
        };
        let (value, notes) = match kind {
            ReadType::Project => (one(format!("/v1/private/projects/{id}")).await?, vec![]),
            ReadType::Span => (one(format!("/v1/private/spans/{id}")).await?, vec![]),
            ReadType::TestSuite => (one(format!("/v1/private/datasets/{id}")).await?, vec![]),
            ReadType::Experiment => (one(format!("/v1/private/experiments/{id}")).await?, vec![]),
            ReadType::Trace => self.trace_with_spans(creds, &id).await?,
            ReadType::Prompt => self.prompt_with_versions(creds, &id).await?,
            ReadType::Thread => {
                let project = project.ok_or_else(|| {
                    ToolError::invalid(
                        "a thread id is unique only within its project: pass project_name or \
                         project_id, or an opik://projects/{project_id}/threads/{thread_id} URI \
                         or the thread's Opik UI link",
                    )
                })?;
                self.thread_with_messages(creds, &id, &project).await?
            }
        };
        Ok(Fetched { id, value, notes })
    }

    async fn trace_with_spans(
        &self,
        creds: &Credentials,
        id: &str,
    ) -> Result<(Value, Vec<String>), ToolError> {
        let path = format!("/v1/private/traces/{id}");
        let trace = self.opik().get_json(creds, Call::get(&path)).await?;
        let Some(pid) = trace["project_id"].as_str().map(str::to_owned) else {
            let v = json!({"trace": trace, "spans": [], "spans_truncated": false});
            return Ok((
                v,
                vec!["spans: not fetched (the trace names no project)".into()],
            ));
        };
        let call = Call::get("/v1/private/spans")
            .query("project_id", &pid)
            .query("trace_id", id)
            .query("page", 1)
            .query("size", SPAN_CAP);
        let (spans, total) = self.raw_page(creds, call).await?;
        let truncated = total > spans.len() as i64;
        let notes = truncated
            .then(|| format!("spans: first {} of {total} (cap {SPAN_CAP})", spans.len()))
            .into_iter()
            .collect();
        let v = json!({"trace": trace, "spans": spans, "spans_total": total,
                       "spans_truncated": truncated});
        Ok((v, notes))
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
