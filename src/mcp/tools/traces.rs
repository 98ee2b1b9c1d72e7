//! Read-only trace tools (core): `list-traces`, `get-trace-by-id`, `get-trace-stats`,
//! `get-trace-threads`. Traces, threads and stats need a project (the backend answers 400
//! without one); when none is named the first listed project is used and the result says so.

use crate::mcp::tools::params::Parameters;
use reqwest::Method;
use rmcp::{handler::server::wrapper::Json, model::Extensions, schemars, tool, tool_router};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::common::{
    ItemOutput, ListOutput, ToolError, date_arg, default_page, default_size, text_arg, uuid_arg,
};
use crate::{
    mcp::McpServer,
    opik::{
        Call,
        types::{ProjectStats, Trace, TraceThread},
    },
};

/// Arguments of `list-traces`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ListTracesArgs {
    /// 1-based page number.
    #[serde(default = "default_page")]
    #[schemars(range(min = 1))]
    pub page: u32,
    /// Page size (at most the server's limit, 100 by default).
    #[serde(default = "default_size")]
    #[schemars(range(min = 1))]
    pub size: u32,
    /// Optional project id. If neither projectId nor projectName is given, the first listed
    /// project is used.
    #[serde(default, alias = "project_id")]
    pub project_id: Option<String>,
    /// Optional project name (alternative to projectId).
    #[serde(default, alias = "project_name")]
    pub project_name: Option<String>,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

/// Arguments of `get-trace-by-id`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TraceIdArgs {
    /// Trace id (UUID).
    #[serde(alias = "trace_id")]
    pub trace_id: String,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

/// Arguments of `get-trace-stats`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TraceStatsArgs {
    /// Optional project id. If neither projectId nor projectName is given, the first listed
    /// project is used.
    #[serde(default, alias = "project_id")]
    pub project_id: Option<String>,
    /// Optional project name (alternative to projectId).
    #[serde(default, alias = "project_name")]
    pub project_name: Option<String>,
    /// Optional first day, YYYY-MM-DD (UTC, inclusive).
    #[serde(default, alias = "start_date")]
    pub start_date: Option<String>,
    /// Optional last day, YYYY-MM-DD (UTC, inclusive).
    #[serde(default, alias = "end_date")]
    pub end_date: Option<String>,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

/// Arguments of `get-trace-threads`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ThreadsArgs {
    /// Optional project id. If neither projectId nor projectName is given, the first listed
    /// project is used.
    #[serde(default, alias = "project_id")]
    pub project_id: Option<String>,
    /// Optional project name (alternative to projectId).
    #[serde(default, alias = "project_name")]
    pub project_name: Option<String>,
    /// 1-based page number.
    #[serde(default = "default_page")]
    #[schemars(range(min = 1))]
    pub page: u32,
    /// Page size (at most the server's limit, 100 by default).
    #[serde(default = "default_size")]
    #[schemars(range(min = 1))]
    pub size: u32,
    /// Optional thread id: return that thread instead of a page of threads.
    #[serde(default, alias = "thread_id")]
    pub thread_id: Option<String>,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

#[tool_router(router = traces_router, vis = "pub(crate)")]
impl McpServer {
    /// List a project's traces.
    #[tool(
        name = "list-traces",
        description = "List a project's traces, newest first (input, output and metadata are \
                       shortened; use get-trace-by-id for one trace in full).",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn list_traces(
        &self,
        Parameters(args): Parameters<ListTracesArgs>,
        ext: Extensions,
    ) -> Result<Json<ListOutput<Trace>>, ToolError> {
        let (creds, ws_note) = self.credentials(&ext, args.workspace_name.as_deref());
        let mut notes: Vec<String> = ws_note.into_iter().collect();
        let (page, size, size_note) = self.paging(args.page, args.size);
        notes.extend(size_note);
        let project = self
            .resolve_project(
                &creds,
                args.project_id.as_deref(),
                args.project_name.as_deref(),
                &mut notes,
            )
            .await?;
        let call = project.apply(
            Call::get("/v1/private/traces")
                .query("page", page)
                .query("size", size)
                .query("truncate", true),
        );
        self.list_page(&creds, call, size, "traces", notes).await
    }

    /// One trace in full.
    #[tool(
        name = "get-trace-by-id",
        description = "Get one trace in full: input, output, metadata, tags, usage, cost, \
                       feedback scores and errors.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn get_trace_by_id(
        &self,
        Parameters(args): Parameters<TraceIdArgs>,
        ext: Extensions,
    ) -> Result<Json<ItemOutput<Trace>>, ToolError> {
        let (creds, ws_note) = self.credentials(&ext, args.workspace_name.as_deref());
        let id = uuid_arg("traceId", &args.trace_id)?;
        let path = format!("/v1/private/traces/{id}");
        let raw = self.opik().get_json(&creds, Call::get(&path)).await?;
        let mut notes: Vec<String> = ws_note.into_iter().collect();
        let item: Trace = self.bounded(raw, &mut notes)?;
        Ok(Json(ItemOutput {
            summary: format!("Trace {id} ({})", item.name.as_deref().unwrap_or("unnamed")),
            item,
            notes,
        }))
    }

    /// Aggregate statistics of a project's traces.
    #[tool(
        name = "get-trace-stats",
        description = "Aggregated statistics of a project's traces (count, duration \
                       percentiles, tokens, cost, feedback score averages), optionally for a \
                       date range.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn get_trace_stats(
        &self,
        Parameters(args): Parameters<TraceStatsArgs>,
        ext: Extensions,
    ) -> Result<Json<ItemOutput<ProjectStats>>, ToolError> {
        let (creds, ws_note) = self.credentials(&ext, args.workspace_name.as_deref());
        let from = args
            .start_date
            .as_deref()
            .map(|d| date_arg("startDate", d, false))
            .transpose()?;
        let to = args
            .end_date
            .as_deref()
            .map(|d| date_arg("endDate", d, true))
            .transpose()?;
        let mut notes: Vec<String> = ws_note.into_iter().collect();
        let project = self
            .resolve_project(
                &creds,
                args.project_id.as_deref(),
                args.project_name.as_deref(),
                &mut notes,
            )
            .await?;
        let call = project.apply(
            Call::get("/v1/private/traces/stats")
                .query_opt("from_time", from.clone())
                .query_opt("to_time", to.clone()),
        );
        let raw = self.opik().get_json(&creds, call).await?;
        let item: ProjectStats = self.bounded(raw, &mut notes)?;
        let range = match (from, to) {
            (None, None) => "all time".to_string(),
            (f, t) => format!(
                "{} to {}",
                f.as_deref().unwrap_or("the start"),
                t.as_deref().unwrap_or("now")
            ),
        };
        Ok(Json(ItemOutput {
            summary: format!("{} trace statistics, {range}", item.stats.len()),
            item,
            notes,
        }))
    }

    /// Conversation threads.
    #[tool(
        name = "get-trace-threads",
        description = "List a project's threads (conversations grouping traces by thread id), \
                       or get one thread by threadId.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn get_trace_threads(
        &self,
        Parameters(args): Parameters<ThreadsArgs>,
        ext: Extensions,
    ) -> Result<Json<ListOutput<TraceThread>>, ToolError> {
        let (creds, ws_note) = self.credentials(&ext, args.workspace_name.as_deref());
        let mut notes: Vec<String> = ws_note.into_iter().collect();
        let thread_id = args
            .thread_id
            .as_deref()
            .map(|t| text_arg("threadId", t))
            .transpose()?;
        let (page, size, size_note) = self.paging(args.page, args.size);
        let project = self
            .resolve_project(
                &creds,
                args.project_id.as_deref(),
                args.project_name.as_deref(),
                &mut notes,
            )
            .await?;
        let Some(thread_id) = thread_id else {
            notes.extend(size_note);
            let call = project.apply(
                Call::get("/v1/private/traces/threads")
                    .query("page", page)
                    .query("size", size)
                    .query("truncate", true),
            );
            return self.list_page(&creds, call, size, "threads", notes).await;
        };
        let mut body = Map::new();
        project.insert_into(&mut body);
        body.insert("thread_id".into(), Value::String(thread_id.clone()));
        let body = Value::Object(body);
        let call = Call::new(Method::POST, "/v1/private/traces/threads/retrieve").body(&body);
        let raw = self.opik().send(&creds, call).await?.json()?;
        let thread: TraceThread = self.bounded(raw, &mut notes)?;
        Ok(Json(ListOutput {
            summary: format!("Thread {thread_id}"),
            page: 1,
            size: 1,
            total: 1,
            items: vec![thread],
            notes,
        }))
    }
}
