//! Trace actions (expert-trace-actions): `search-traces` and `add-trace-feedback`.
//!
//! Corrected from the legacy TS server: search sends Opik's JSON `filters` and `sorting`
//! (not an ad-hoc `name contains "…"` string and `sort_by:desc`), the free-text query goes to
//! the API's `search` parameter, and feedback scores use the documented `FeedbackScore` body
//! (one `PUT` per score, `source` required) rather than a `{scores}` array.

#![expect(
    clippy::doc_markdown,
    reason = "argument docs are the input schema descriptions models read; no backticks there"
)]

use crate::mcp::tools::params::Parameters;
use reqwest::Method;
use rmcp::{handler::server::wrapper::Json, model::Extensions, schemars, tool, tool_router};
use serde::Deserialize;
use serde_json::json;

use super::common::{
    ActionOutput, ListOutput, ToolError, default_page, default_size, text_arg, uuid_arg,
};
use crate::{
    mcp::McpServer,
    opik::{
        Call,
        query::{FilterInput, SortOrder, filters_param, sorting_param},
        types::Trace,
    },
};

/// Fields traces can be sorted by.
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TraceSort {
    /// Start time.
    StartTime,
    /// End time.
    EndTime,
    /// Duration.
    Duration,
    /// Name.
    Name,
    /// Estimated cost.
    TotalEstimatedCost,
    /// Number of spans.
    SpanCount,
    /// Thread id.
    ThreadId,
    /// Upstream's name for start time; sorts by start_time.
    CreatedAt,
    /// Upstream's name for failures; sorts by error_info.
    Status,
}

impl TraceSort {
    fn field(self) -> &'static str {
        match self {
            TraceSort::StartTime | TraceSort::CreatedAt => "start_time",
            TraceSort::EndTime => "end_time",
            TraceSort::Duration => "duration",
            TraceSort::Name => "name",
            TraceSort::TotalEstimatedCost => "total_estimated_cost",
            TraceSort::SpanCount => "span_count",
            TraceSort::ThreadId => "thread_id",
            TraceSort::Status => "error_info",
        }
    }
}

/// Arguments of `search-traces`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SearchTracesArgs {
    /// Optional project id. If neither projectId nor projectName is given, the first listed
    /// project is used.
    #[serde(default, alias = "project_id")]
    pub project_id: Option<String>,
    /// Optional project name (alternative to projectId).
    #[serde(default, alias = "project_name")]
    pub project_name: Option<String>,
    /// Optional full-text query across trace names, inputs, outputs and metadata.
    #[serde(default)]
    pub query: Option<String>,
    /// Optional filters: {"field": value} for equality, {"field": {"$gt": 1000}} with $eq $ne
    /// $gt $gte $lt $lte $contains $not_contains $starts_with $ends_with $is_empty
    /// $is_not_empty; dotted keys for metadata and feedback scores ("metadata.model",
    /// "feedback_scores.relevance"); or Opik's own [{field, operator, key?, value}] array.
    #[serde(default)]
    pub filters: Option<FilterInput>,
    /// 1-based page number.
    #[serde(default = "default_page")]
    #[schemars(range(min = 1))]
    pub page: u32,
    /// Page size (at most the server's limit, 100 by default).
    #[serde(default = "default_size")]
    #[schemars(range(min = 1))]
    pub size: u32,
    /// Optional sort field.
    #[serde(default, alias = "sort_by")]
    pub sort_by: Option<TraceSort>,
    /// Sort direction (default desc); used with sortBy.
    #[serde(default, alias = "sort_order")]
    pub sort_order: Option<SortOrder>,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

/// Where a feedback score comes from.
#[derive(Debug, Clone, Copy, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScoreSource {
    /// A person in the UI.
    Ui,
    /// Code (default).
    #[default]
    Sdk,
    /// An online evaluation rule.
    OnlineScoring,
}

impl ScoreSource {
    fn as_str(self) -> &'static str {
        match self {
            ScoreSource::Ui => "ui",
            ScoreSource::Sdk => "sdk",
            ScoreSource::OnlineScoring => "online_scoring",
        }
    }
}

/// One feedback score.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScoreArg {
    /// Score name, e.g. relevance, accuracy, helpfulness.
    pub name: String,
    /// Numeric value (-1e9..1e9; commonly 0..1).
    pub value: f64,
    /// Optional reason.
    #[serde(default)]
    pub reason: Option<String>,
    /// Source: ui, sdk (default) or online_scoring.
    #[serde(default)]
    pub source: ScoreSource,
    /// Optional category, for categorical scores.
    #[serde(default, alias = "category_name")]
    pub category_name: Option<String>,
}

/// Arguments of `add-trace-feedback`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AddFeedbackArgs {
    /// Trace id (UUID).
    #[serde(alias = "trace_id")]
    pub trace_id: String,
    /// One to 100 scores; a score with an existing name replaces it.
    pub scores: Vec<ScoreArg>,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

/// Most scores one call may add.
const MAX_SCORES: usize = 100;

#[tool_router(router = trace_actions_router, vis = "pub(crate)")]
impl McpServer {
    /// Search traces.
    #[tool(
        name = "search-traces",
        description = "Search a project's traces with a full-text query, filters (e.g. \
                       {\"duration\": {\"$gt\": 1000}}, {\"metadata.model\": \"gpt-4o\"}) and \
                       sorting.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn search_traces(
        &self,
        Parameters(args): Parameters<SearchTracesArgs>,
        ext: Extensions,
    ) -> Result<Json<ListOutput<Trace>>, ToolError> {
        let (creds, ws_note) = self.credentials(&ext, args.workspace_name.as_deref());
        let filters = match &args.filters {
            Some(f) => f.to_filters().map_err(ToolError::invalid)?,
            None => Vec::new(),
        };
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
        let search = args
            .query
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty());
        let sorting = args
            .sort_by
            .map(|f| sorting_param(f.field(), args.sort_order.unwrap_or_default()));
        let call = project.apply(
            Call::get("/v1/private/traces")
                .query("page", page)
                .query("size", size)
                .query("truncate", true)
                .query_opt("filters", filters_param(&filters))
                .query_opt("sorting", sorting)
                .query_opt("search", search),
        );
        self.list_page(&creds, call, size, "traces", notes).await
    }

    /// Score a trace.
    #[tool(
        name = "add-trace-feedback",
        description = "Attach one or more feedback scores (name, value, optional reason) to a \
                       trace; a score with an existing name replaces it.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn add_trace_feedback(
        &self,
        Parameters(args): Parameters<AddFeedbackArgs>,
        ext: Extensions,
    ) -> Result<Json<ActionOutput>, ToolError> {
        let (creds, ws_note) = self.credentials(&ext, args.workspace_name.as_deref());
        let id = uuid_arg("traceId", &args.trace_id)?;
        if args.scores.is_empty() || args.scores.len() > MAX_SCORES {
            return Err(ToolError::invalid(format!(
                "scores: expected 1 to {MAX_SCORES} items, e.g. [{{\"name\": \"relevance\", \"value\": 0.8}}]"
            )));
        }
        let mut bodies = Vec::with_capacity(args.scores.len());
        for (i, s) in args.scores.iter().enumerate() {
            let name = text_arg(&format!("scores[{i}].name"), &s.name)?;
            if !s.value.is_finite() || s.value.abs() > 1e9 {
                return Err(ToolError::invalid(format!(
                    "scores[{i}].value: expected a number within ±1e9"
                )));
            }
            let mut body = json!({"name": name, "value": s.value, "source": s.source.as_str()});
            if let Some(r) = s.reason.as_deref().filter(|r| !r.is_empty()) {
                body["reason"] = json!(r);
            }
            if let Some(c) = s.category_name.as_deref().filter(|c| !c.is_empty()) {
                body["category_name"] = json!(c);
            }
            bodies.push((name, body));
        }
        let path = format!("/v1/private/traces/{id}/feedback-scores");
        let mut done: Vec<String> = Vec::new();
        for (name, body) in &bodies {
            let call = Call::new(Method::PUT, &path).body(body);
            if let Err(e) = self.opik().send(&creds, call).await {
                let mut err = ToolError::from(e);
                err.message = format!(
                    "Added {} of {} scores ({}); score {name:?} failed: {}",
                    done.len(),
                    bodies.len(),
                    if done.is_empty() {
                        "none".into()
                    } else {
                        done.join(", ")
                    },
                    err.message
                );
                return Err(err);
            }
            done.push(format!("{name}={}", body["value"]));
        }
        let mut out = ActionOutput::new(
            format!(
                "Added {} feedback score(s) to trace {id}: {}",
                done.len(),
                done.join(", ")
            ),
            Some(id),
        );
        out.0.notes.extend(ws_note);
        Ok(out)
    }
}
