//! `stats(project_name?|project_id?, start, end, breakdown?)`: a project's trace and span
//! counts, error rate, latency percentiles, cost and token usage over a time window, and
//! optionally the same per model, provider or tag. From Opik's aggregates only: `GET
//! traces/stats` and `spans/stats` (the failed traces counted with an `error_info` filter),
//! and for a breakdown `POST projects/{id}/metrics` with its `breakdown` field to find the
//! groups, then the stats of each of the largest groups.

#![expect(
    clippy::doc_markdown,
    reason = "field docs are the schema descriptions models read; no backticks there"
)]

use reqwest::Method;
use rmcp::{model::Extensions, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    entity::ReadType,
    stats_render::{Breakdown, Figures, Group, render},
    window::{Window, iso, window},
};
use crate::{
    mcp::{
        McpServer,
        tools::{
            common::{ProjectRef, ToolError},
            params::Parameters,
        },
    },
    opik::{Call, Credentials},
};

/// Largest groups of a breakdown that get their own stats.
pub const TOP_GROUPS: usize = 10;

/// Arguments of `stats`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatsArgs {
    /// Project name (or project_id).
    #[serde(default)]
    #[schemars(length(min = 1, max = 200))]
    pub project_name: Option<String>,
    /// Project id (alternative to project_name).
    #[serde(default)]
    pub project_id: Option<String>,
    /// Window start: ISO 8601 with offset, a day (2025-06-01), or relative ("last 7d", "24h ago").
    #[schemars(length(min = 1, max = 64))]
    pub start: String,
    /// Window end: same forms, or "now".
    #[schemars(length(min = 1, max = 64))]
    pub end: String,
    /// Optional breakdown: model or provider (span figures per group), or tag (trace figures
    /// per tag); the 10 largest groups.
    #[serde(default)]
    pub breakdown: Option<Breakdown>,
}

#[tool_router(router = consolidated_stats_router, vis = "pub(crate)")]
impl McpServer {
    /// A project's figures over a window.
    #[tool(
        name = "stats",
        description = "A project's figures over a time window: trace and span counts, error \
                       rate, latency percentiles (p50/p90/p99), cost and token usage, with \
                       optional breakdown by model, provider or tag. start/end: ISO 8601, a day, \
                       \"now\" or relative (\"last 7d\"). The answer names the window, the units \
                       and the granularity (totals over the window).",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn stats(
        &self,
        Parameters(args): Parameters<StatsArgs>,
        ext: Extensions,
    ) -> Result<String, ToolError> {
        let (creds, _) = self.credentials(&ext, None);
        let (start, end) = window("", Some(&args.start), Some(&args.end), chrono::Utc::now())?;
        let (Some(start), Some(end)) = (start, end) else {
            return Err(ToolError::invalid("start and end are both required"));
        };
        let w = Window { start, end };
        let project =
            ProjectRef::from_args(args.project_id.as_deref(), args.project_name.as_deref())?
                .ok_or_else(|| {
                    ToolError::invalid(
                        "stats needs a project: pass project_name or project_id \
                     (list(entity_type=\"project\") shows them)",
                    )
                })?;
        let (pid, name) = match project {
            ProjectRef::Id(id) => (id, None),
            ProjectRef::Name(n) => (self.id_of(&creds, ReadType::Project, &n).await?, Some(n)),
        };
        let traces = self.stats_of(&creds, "traces", &pid, &w, None).await?;
        let errors = json!([{"field": "error_info", "operator": "is_not_empty", "value": ""}]);
        let failed = self
            .stats_of(&creds, "traces", &pid, &w, Some(&errors))
            .await?;
        let spans = self.stats_of(&creds, "spans", &pid, &w, None).await?;
        let groups = match args.breakdown {
            Some(b) => Some((b, self.breakdown(&creds, &pid, &w, b).await?)),
            None => None,
        };
        let figures = Figures {
            project: name.map_or_else(|| pid.clone(), |n| format!("{n} ({pid})")),
            window: w,
            traces,
            failed,
            spans,
            groups,
        };
        Ok(render(&figures))
    }
}

impl McpServer {
    /// `GET {traces|spans}/stats` over the window, as name → value.
    async fn stats_of(
        &self,
        creds: &Credentials,
        what: &str,
        pid: &str,
        w: &Window,
        filters: Option<&Value>,
    ) -> Result<Map<String, Value>, ToolError> {
        let path = format!("/v1/private/{what}/stats");
        let call = Call::get(&path)
            .query("project_id", pid)
            .query("from_time", iso(w.start))
            .query("to_time", iso(w.end))
            .query_opt("filters", filters.map(Value::to_string));
        let raw = self.opik().get_json(creds, call).await?;
        Ok(raw["stats"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| Some((s["name"].as_str()?.to_string(), s["value"].clone())))
            .collect())
    }

    /// The largest groups of a breakdown and the stats of each.
    async fn breakdown(
        &self,
        creds: &Credentials,
        pid: &str,
        w: &Window,
        b: Breakdown,
    ) -> Result<Vec<Group>, ToolError> {
        let (metric, field) = match b {
            Breakdown::Model => ("SPAN_COUNT", "model"),
            Breakdown::Provider => ("SPAN_COUNT", "provider"),
            Breakdown::Tag => ("TRACE_COUNT", "tags"),
        };
        let body = json!({"metric_type": metric, "interval": "TOTAL",
                          "interval_start": iso(w.start), "interval_end": iso(w.end),
                          "breakdown": {"field": field}});
        let path = format!("/v1/private/projects/{pid}/metrics");
        let reply = self
            .opik()
            .send(creds, Call::new(Method::POST, &path).body(&body))
            .await?
            .json()?;
        let mut groups: Vec<(String, f64)> = reply["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| {
                let name = r["name"].as_str().filter(|n| !n.is_empty())?.to_string();
                let total = r["data"]
                    .as_array()?
                    .iter()
                    .filter_map(|d| d["value"].as_f64())
                    .sum();
                Some((name, total))
            })
            .collect();
        groups.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut out = Vec::new();
        for (name, count) in groups.into_iter().take(TOP_GROUPS) {
            let (what, op) = if b == Breakdown::Tag {
                ("traces", "contains")
            } else {
                ("spans", "=")
            };
            let f = json!([{"field": field, "operator": op, "value": name}]);
            out.push((
                name,
                count,
                self.stats_of(creds, what, pid, w, Some(&f)).await?,
            ));
        }
        Ok(out)
    }
}
