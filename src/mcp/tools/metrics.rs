//! `get-metrics` (metrics toolset).
//!
//! Corrected from the legacy TS server, which called `GET /v1/private/metrics` (no such
//! endpoint) and later sent no `metric_type`/`interval_start` (both needed): this asks the real
//! `POST /v1/private/projects/{id}/metrics` for one metric as a time series, resolving a
//! project name through `POST /v1/private/projects/retrieve`, and rejects unknown metric names
//! instead of silently ignoring them.

#![expect(
    clippy::doc_markdown,
    reason = "argument docs are the input schema descriptions models read; no backticks there"
)]

use crate::mcp::tools::params::Parameters;
use reqwest::Method;
use rmcp::{handler::server::wrapper::Json, model::Extensions, schemars, tool, tool_router};
use serde::Deserialize;
use serde_json::json;

use super::common::{ItemOutput, ProjectRef, ToolError, date_arg};
use crate::{
    mcp::McpServer,
    opik::{Call, Credentials, types::MetricSeries},
};

/// Metric types `POST /projects/{id}/metrics` accepts (`ProjectMetricRequest_Public`).
pub const METRIC_TYPES: &[&str] = &[
    "FEEDBACK_SCORES",
    "TRACE_COUNT",
    "TOKEN_USAGE",
    "DURATION",
    "COST",
    "GUARDRAILS_FAILED_COUNT",
    "THREAD_COUNT",
    "THREAD_DURATION",
    "THREAD_FEEDBACK_SCORES",
    "SPAN_FEEDBACK_SCORES",
    "SPAN_COUNT",
    "SPAN_DURATION",
    "SPAN_TOKEN_USAGE",
    "TRACE_AVERAGE_DURATION",
    "TRACE_ERROR_RATE",
    "SPAN_AVERAGE_DURATION",
    "SPAN_COST",
    "SPAN_ERROR_RATE",
    "THREAD_AVERAGE_DURATION",
    "THREAD_COST",
];

/// Days covered when no startDate is given.
const DEFAULT_DAYS: i64 = 30;

/// Time bucket of the series.
#[derive(Debug, Clone, Copy, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Interval {
    /// Hourly buckets.
    Hourly,
    /// Daily buckets (default).
    #[default]
    Daily,
    /// Weekly buckets.
    Weekly,
    /// One bucket for the whole range.
    Total,
}

impl Interval {
    fn as_str(self) -> &'static str {
        match self {
            Interval::Hourly => "HOURLY",
            Interval::Daily => "DAILY",
            Interval::Weekly => "WEEKLY",
            Interval::Total => "TOTAL",
        }
    }
}

/// Arguments of `get-metrics`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MetricsArgs {
    /// Optional metric (default TRACE_COUNT): TRACE_COUNT, TOKEN_USAGE, COST, DURATION,
    /// FEEDBACK_SCORES, TRACE_ERROR_RATE, SPAN_COUNT, THREAD_COUNT, … (any Opik metric type;
    /// aliases FEEDBACK, TRACES, TOKENS).
    #[serde(default, alias = "metric_name")]
    pub metric_name: Option<String>,
    /// Optional project id. If neither projectId nor projectName is given, the first listed
    /// project is used.
    #[serde(default, alias = "project_id")]
    pub project_id: Option<String>,
    /// Optional project name (alternative to projectId).
    #[serde(default, alias = "project_name")]
    pub project_name: Option<String>,
    /// Optional first day, YYYY-MM-DD (UTC); default 30 days ago.
    #[serde(default, alias = "start_date")]
    pub start_date: Option<String>,
    /// Optional last day, YYYY-MM-DD (UTC, inclusive); default now.
    #[serde(default, alias = "end_date")]
    pub end_date: Option<String>,
    /// Optional bucket size: HOURLY, DAILY (default), WEEKLY or TOTAL.
    #[serde(default)]
    pub interval: Option<Interval>,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

/// The Opik metric type for a user-given name.
pub fn metric_type(name: Option<&str>) -> Result<&'static str, ToolError> {
    let Some(raw) = name.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok("TRACE_COUNT");
    };
    let norm = raw.to_ascii_uppercase().replace(['-', ' '], "_");
    let aliased = match norm.as_str() {
        "FEEDBACK" => "FEEDBACK_SCORES",
        "TRACE" | "TRACES" => "TRACE_COUNT",
        "TOKENS" => "TOKEN_USAGE",
        other => other,
    };
    METRIC_TYPES
        .iter()
        .copied()
        .find(|m| *m == aliased)
        .ok_or_else(|| {
            ToolError::invalid(format!(
                "metricName: unknown metric {raw:?}; use one of {}",
                METRIC_TYPES.join(", ")
            ))
        })
}

#[tool_router(router = metrics_router, vis = "pub(crate)")]
impl McpServer {
    /// A project metric over time.
    #[tool(
        name = "get-metrics",
        description = "Get one project metric as a time series (trace count, tokens, cost, \
                       duration, feedback scores, error rate, …) for a date range; default the \
                       daily trace count of the last 30 days.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn get_metrics(
        &self,
        Parameters(args): Parameters<MetricsArgs>,
        ext: Extensions,
    ) -> Result<Json<ItemOutput<MetricSeries>>, ToolError> {
        let (creds, ws_note) = self.credentials(&ext, args.workspace_name.as_deref());
        let metric = metric_type(args.metric_name.as_deref())?;
        let interval = args.interval.unwrap_or_default();
        let start = match args.start_date.as_deref() {
            Some(d) => date_arg("startDate", d, false)?,
            None => {
                let day = chrono::Utc::now().date_naive() - chrono::Duration::days(DEFAULT_DAYS);
                format!("{}T00:00:00.000Z", day.format("%Y-%m-%d"))
            }
        };
        let end = args
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
        let project_id = self.project_id(&creds, project).await?;
        let mut body = json!({
            "metric_type": metric,
            "interval": interval.as_str(),
            "interval_start": start,
        });
        if let Some(e) = &end {
            body["interval_end"] = json!(e);
        }
        let path = format!("/v1/private/projects/{project_id}/metrics");
        let raw = self
            .opik()
            .send(&creds, Call::new(Method::POST, &path).body(&body))
            .await?
            .json()?;
        let item: MetricSeries = self.bounded(raw, &mut notes)?;
        Ok(Json(ItemOutput {
            summary: format!(
                "{metric} per {} for project {project_id} from {start} to {}",
                interval.as_str().to_lowercase(),
                end.as_deref().unwrap_or("now")
            ),
            item,
            notes,
        }))
    }
}

impl McpServer {
    /// A project's id, looking a name up with `POST /projects/retrieve`.
    async fn project_id(
        &self,
        creds: &Credentials,
        project: ProjectRef,
    ) -> Result<String, ToolError> {
        match project {
            ProjectRef::Id(id) => Ok(id),
            ProjectRef::Name(name) => {
                let body = json!({ "name": name });
                let call = Call::new(Method::POST, "/v1/private/projects/retrieve").body(&body);
                let raw = self.opik().send(creds, call).await?.json()?;
                raw.get("id")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        ToolError::failed(format!("Opik returned project {name:?} without an id"))
                    })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_accept_aliases_and_reject_unknown_ones() {
        assert_eq!(metric_type(None).expect("default"), "TRACE_COUNT");
        assert_eq!(metric_type(Some("tokens")).expect("alias"), "TOKEN_USAGE");
        assert_eq!(
            metric_type(Some("trace-error-rate")).expect("dashes"),
            "TRACE_ERROR_RATE"
        );
        let err = metric_type(Some("latency")).expect_err("unknown");
        assert!(err.message.contains("\"latency\"") && err.message.contains("SPAN_COUNT"));
    }
}
