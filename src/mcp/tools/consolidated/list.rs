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

use super::{entity::ReadType, list_types::ListType, table::table};
use crate::{
    mcp::{
        McpServer,
        tools::common::{ProjectRef, ToolError, default_page, uuid_arg},
    },
    opik::{Call, Credentials},
};

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
    /// Project id: required for trace and thread (and for span without trace_id).
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
    /// Trace id (UUID): the spans of this trace (span only; the project is looked up when not
    /// given).
    #[serde(default)]
    pub trace_id: Option<String>,
}

#[tool_router(router = consolidated_list_router, vis = "pub(crate)")]
impl McpServer {
    /// List entities.
    #[tool(
        name = "list",
        description = "List Opik entities as a compact table (id, name and a few columns) with \
                       a pagination footer: project, trace and thread (both need project_id or \
                       project_name), span (trace_id, or a project), test_suite, \
                       test_suite_item (needs test_suite_id), experiment, prompt, \
                       prompt_version (needs prompt_id). name filters by substring. Use \
                       read(entity_type, id) for one entity in full, search(...) for filters.",
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
        let mut text = table(kind.columns(), &items);
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
        if args.trace_id.is_some() && kind != ListType::Span {
            return Err(ToolError::invalid(
                "trace_id: applies to entity_type=\"span\" only",
            ));
        }
        match kind {
            ListType::Span => {
                call = self
                    .span_call(creds, args, project.as_ref(), name, call)
                    .await?
            }
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

    /// Spans: of a project, of one trace (the project looked up from it when not given).
    async fn span_call<'a>(
        &self,
        creds: &Credentials,
        args: &ListArgs,
        project: Option<&ProjectRef>,
        name: Option<&str>,
        call: Call<'a>,
    ) -> Result<Call<'a>, ToolError> {
        let project = match (project, args.trace_id.as_deref()) {
            (Some(p), _) => p.clone(),
            (None, Some(t)) => self.project_of_trace(creds, t).await?,
            (None, None) => {
                return Err(ToolError::invalid(
                    "list(entity_type=\"span\") needs trace_id (the spans of one trace) or a \
                     project (project_name or project_id)",
                ));
            }
        };
        let mut call = project.apply(call).query("truncate", true);
        if let Some(t) = args.trace_id.as_deref() {
            call = call.query("trace_id", uuid_arg("trace_id", t)?);
        }
        if let Some(n) = name {
            let f = json!([{"field": "name", "operator": "contains", "value": n}]);
            call = call.query("filters", f.to_string());
        }
        Ok(call)
    }

    /// The project a trace belongs to (spans are listed per project).
    pub(super) async fn project_of_trace(
        &self,
        creds: &Credentials,
        trace: &str,
    ) -> Result<ProjectRef, ToolError> {
        let path = format!("/v1/private/traces/{}", uuid_arg("trace_id", trace)?);
        let t = self.opik().get_json(creds, Call::get(&path)).await?;
        t["project_id"]
            .as_str()
            .map(|p| ProjectRef::Id(p.to_owned()))
            .ok_or_else(|| ToolError::failed(format!("trace {trace} names no project")))
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
            ListType::Span => "/v1/private/spans".into(),
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
            ("trace_id", &args.trace_id),
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
