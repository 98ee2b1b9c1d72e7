//! `list(entity_type, name?, page, size, project_id?/project_name?, test_suite_id?, prompt_id?)`:
//! a page of entities as a compact pipe table with a pagination footer naming the next call.

#![expect(
    clippy::doc_markdown,
    reason = "field docs are the schema descriptions models read; no backticks there"
)]

use crate::mcp::tools::params::Parameters;
use rmcp::{model::Extensions, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::entity::ReadType;
use crate::{
    mcp::{
        McpServer,
        tools::common::{ProjectRef, ToolError, default_page},
    },
    opik::{Call, Credentials},
};

/// Widest table cell, in characters.
const CELL: usize = 60;

/// What `list` can page through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListType {
    /// Projects.
    Project,
    /// A project's traces (needs the project).
    Trace,
    /// A project's threads (needs the project).
    Thread,
    /// Datasets (test suites).
    TestSuite,
    /// A dataset's items (needs test_suite_id).
    TestSuiteItem,
    /// Experiments (optionally of one test suite or prompt).
    Experiment,
    /// Prompts.
    Prompt,
    /// A prompt's versions (needs prompt_id).
    PromptVersion,
}

impl ListType {
    fn name(self) -> &'static str {
        match self {
            ListType::Project => "project",
            ListType::Trace => "trace",
            ListType::Thread => "thread",
            ListType::TestSuite => "test_suite",
            ListType::TestSuiteItem => "test_suite_item",
            ListType::Experiment => "experiment",
            ListType::Prompt => "prompt",
            ListType::PromptVersion => "prompt_version",
        }
    }

    /// Table columns (Opik field names).
    fn columns(self) -> &'static [&'static str] {
        match self {
            ListType::Project => &["id", "name", "last_updated_trace_at", "created_at"],
            ListType::Trace => &[
                "id",
                "name",
                "start_time",
                "duration",
                "total_estimated_cost",
                "thread_id",
            ],
            ListType::Thread => &[
                "id",
                "number_of_messages",
                "status",
                "start_time",
                "end_time",
            ],
            ListType::TestSuite => &[
                "id",
                "name",
                "dataset_items_count",
                "experiment_count",
                "last_updated_at",
            ],
            ListType::TestSuiteItem => &["id", "data", "source"],
            ListType::Experiment => &[
                "id",
                "name",
                "dataset_name",
                "status",
                "trace_count",
                "created_at",
            ],
            ListType::Prompt => &[
                "id",
                "name",
                "version_count",
                "template_structure",
                "last_updated_at",
            ],
            ListType::PromptVersion => &[
                "id",
                "commit",
                "change_description",
                "created_at",
                "template",
            ],
        }
    }
}

fn default_list_size() -> u32 {
    25
}

/// Arguments of `list`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// What to list.
    pub entity_type: ListType,
    /// Optional name substring (traces: name contains; threads: id contains; prompt versions:
    /// template/commit search).
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub name: Option<String>,
    /// 1-based page number.
    #[serde(default = "default_page")]
    #[schemars(range(min = 1, max = 10000))]
    pub page: u32,
    /// Page size (default 25, at most 100).
    #[serde(default = "default_list_size")]
    #[schemars(range(min = 1, max = 100))]
    pub size: u32,
    /// Project id: required for trace and thread.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Project name (alternative to project_id).
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub project_name: Option<String>,
    /// Test suite (dataset) id or name: required for test_suite_item; filters experiments.
    #[serde(default)]
    pub test_suite_id: Option<String>,
    /// Prompt id or name: required for prompt_version; filters experiments.
    #[serde(default)]
    pub prompt_id: Option<String>,
}

#[tool_router(router = consolidated_list_router, vis = "pub(crate)")]
impl McpServer {
    /// List entities.
    #[tool(
        name = "list",
        description = "List Opik entities as a compact table (id, name and a few columns) with \
                       a pagination footer: project, trace and thread (both need project_id or \
                       project_name), test_suite, test_suite_item (needs test_suite_id), \
                       experiment, prompt, prompt_version (needs prompt_id). name filters by \
                       substring. Use read(entity_type, id) for one entity in full.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn list(
        &self,
        Parameters(args): Parameters<ListArgs>,
        ext: Extensions,
    ) -> Result<String, ToolError> {
        let (creds, _) = self.credentials(&ext, None);
        let kind = args.entity_type;
        if args.page > 10_000 {
            return Err(ToolError::invalid("page must be at most 10000"));
        }
        let (page, size, mut size_note) = self.paging(args.page, args.size);
        if size > 100 {
            size_note = Some(format!("size {} reduced to list's limit of 100", args.size));
        }
        let size = size.min(100);
        let path = self.list_path(&creds, kind, &args).await?;
        let call = Call::get(&path).query("page", page).query("size", size);
        let call = self.narrow(&creds, &args, call).await?;
        let (items, total) = self.raw_page(&creds, call).await?;
        let mut text = table(kind, &items);
        text.push_str(&footer(kind, &args, page, size, items.len(), total));
        if let Some(n) = size_note {
            text.push_str(&format!("\nnote: {n}"));
        }
        Ok(text)
    }
}

impl McpServer {
    /// Add the project, name filter and parent filters of `args` to `call`.
    async fn narrow<'a>(
        &self,
        creds: &Credentials,
        args: &ListArgs,
        mut call: Call<'a>,
    ) -> Result<Call<'a>, ToolError> {
        let kind = args.entity_type;
        let project =
            ProjectRef::from_args(args.project_id.as_deref(), args.project_name.as_deref())?;
        let name = args
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        match kind {
            ListType::Trace | ListType::Thread => {
                let Some(p) = &project else {
                    return Err(ToolError::invalid(format!(
                        "list(entity_type=\"{0}\") needs a project: pass project_name or \
                         project_id ({0}s belong to one project; list(entity_type=\"project\") \
                         shows them)",
                        kind.name()
                    )));
                };
                call = p.apply(call).query("truncate", true);
                let field = if kind == ListType::Trace {
                    "name"
                } else {
                    "id"
                };
                if let Some(n) = name {
                    let f = json!([{"field": field, "operator": "contains", "value": n}]);
                    call = call.query("filters", f.to_string());
                }
            }
            ListType::PromptVersion => call = call.query_opt("search", name),
            ListType::TestSuiteItem => {
                if name.is_some() {
                    return Err(ToolError::invalid(
                        "name does not apply to test_suite_item; read the items and filter them",
                    ));
                }
                call = call.query("truncate", true);
            }
            ListType::Experiment => {
                call = call.query_opt("name", name);
                if let Some(ts) = args.test_suite_id.as_deref() {
                    // Opik spells this one parameter in camelCase.
                    let id = self.id_of(creds, ReadType::TestSuite, ts).await?;
                    call = call.query("datasetId", id);
                }
                if let Some(p) = args.prompt_id.as_deref() {
                    call = call.query("prompt_id", self.id_of(creds, ReadType::Prompt, p).await?);
                }
            }
            ListType::Project | ListType::TestSuite | ListType::Prompt => {
                call = call.query_opt("name", name);
            }
        }
        Ok(call)
    }

    async fn list_path(
        &self,
        creds: &Credentials,
        kind: ListType,
        args: &ListArgs,
    ) -> Result<String, ToolError> {
        let needs = |what: &str, arg: &str| {
            ToolError::invalid(format!(
                "list(entity_type=\"{}\") needs {arg}: the id or name of the {what}",
                kind.name()
            ))
        };
        Ok(match kind {
            ListType::Project => "/v1/private/projects".into(),
            ListType::Trace => "/v1/private/traces".into(),
            ListType::Thread => "/v1/private/traces/threads".into(),
            ListType::TestSuite => "/v1/private/datasets".into(),
            ListType::Experiment => "/v1/private/experiments".into(),
            ListType::Prompt => "/v1/private/prompts".into(),
            ListType::TestSuiteItem => {
                let raw = args
                    .test_suite_id
                    .as_deref()
                    .ok_or_else(|| needs("test suite", "test_suite_id"))?;
                let id = self.id_of(creds, ReadType::TestSuite, raw).await?;
                format!("/v1/private/datasets/{id}/items")
            }
            ListType::PromptVersion => {
                let raw = args
                    .prompt_id
                    .as_deref()
                    .ok_or_else(|| needs("prompt", "prompt_id"))?;
                let id = self.id_of(creds, ReadType::Prompt, raw).await?;
                format!("/v1/private/prompts/{id}/versions")
            }
        })
    }
}

/// One table cell: scalars as text, JSON compacted, `|` escaped, at most [`CELL`] characters.
fn cell(v: Option<&Value>) -> String {
    let s = match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let s = s.replace(['\n', '\r', '\t'], " ").replace('|', "\\|");
    if s.chars().count() > CELL {
        let mut t: String = s.chars().take(CELL - 1).collect();
        t.push('…');
        t
    } else {
        s
    }
}

fn table(kind: ListType, items: &[Value]) -> String {
    let cols = kind.columns();
    let mut out = format!(
        "{}\n{}\n",
        cols.join(" | "),
        vec!["---"; cols.len()].join("|")
    );
    for it in items {
        let row: Vec<String> = cols.iter().map(|c| cell(it.get(*c))).collect();
        out.push_str(&row.join(" | "));
        out.push('\n');
    }
    out
}

fn footer(
    kind: ListType,
    args: &ListArgs,
    page: u32,
    size: u32,
    shown: usize,
    total: i64,
) -> String {
    let pages = (total.max(0) + i64::from(size) - 1) / i64::from(size);
    let pages = pages.max(1);
    let mut s = format!(
        "-- {} {}(s), page {page} of {pages}, {shown} shown",
        total,
        kind.name()
    );
    if i64::from(page) < pages {
        let mut next = format!(
            "entity_type=\"{}\", page={}, size={size}",
            kind.name(),
            page + 1
        );
        for (k, v) in [
            ("name", &args.name),
            ("project_id", &args.project_id),
            ("project_name", &args.project_name),
            ("test_suite_id", &args.test_suite_id),
            ("prompt_id", &args.prompt_id),
        ] {
            if let Some(v) = v {
                next.push_str(&format!(", {k}={}", Value::String(v.clone())));
            }
        }
        s.push_str(&format!("; next: list({next})"));
    } else {
        s.push_str("; last page");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_single_line_escaped_and_short() {
        assert_eq!(cell(Some(&json!("a|b\nc"))), "a\\|b c");
        assert_eq!(cell(Some(&json!({"q": 1}))), "{\"q\":1}");
        assert_eq!(cell(None), "");
        let long = cell(Some(&json!("x".repeat(100))));
        assert_eq!(long.chars().count(), CELL);
        assert!(long.ends_with('…'));
    }
}
