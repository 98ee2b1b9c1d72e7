//! `search(entity_type, project_name?|project_id?, filters?, sort?, page?, size?)`: traces,
//! spans or threads matching filters that map to Opik's filter language (errors, feedback score
//! comparisons, a time window, names, tags, metadata, model/provider/type, duration and cost
//! thresholds, full text), as a compact table of ids and the matched values with the call for
//! the next page. One GET of Opik's list endpoint (`traces`, `spans`, `traces/threads`) with
//! `filters`, `sorting`, `from_time`/`to_time`, `search` and `truncate=true`.

#![expect(
    clippy::doc_markdown,
    reason = "field docs are the schema descriptions models read; no backticks there"
)]

use rmcp::{model::Extensions, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{
    search_filters::{SearchFilters, SearchType, sorting},
    table::table,
    window::{iso, window},
};
use crate::{
    mcp::{
        McpServer,
        tools::{
            common::{ProjectRef, ToolError, default_page, uuid_arg},
            params::Parameters,
        },
    },
    opik::Call,
};

fn default_search_size() -> u32 {
    25
}

/// Arguments of `search`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// What to find: trace, span or thread.
    pub entity_type: SearchType,
    /// Project name (a project is required; spans with filters.trace_id excepted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 200))]
    pub project_name: Option<String>,
    /// Project id (alternative to project_name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// Conditions that must all hold (each field says where it applies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<SearchFilters>,
    /// Sort: a field, optionally with ":asc" or ":desc" (default desc), e.g. "duration",
    /// "start_time:asc", "feedback_scores.helpfulness:asc". Default: newest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 200))]
    pub sort: Option<String>,
    /// 1-based page number.
    #[serde(default = "default_page")]
    #[schemars(range(min = 1, max = 10000))]
    pub page: u32,
    /// Page size (default 25, at most 100).
    #[serde(default = "default_search_size")]
    #[schemars(range(min = 1, max = 100))]
    pub size: u32,
}

#[tool_router(router = consolidated_search_router, vis = "pub(crate)")]
impl McpServer {
    /// Find traces, spans or threads.
    #[tool(
        name = "search",
        description = "Find traces, spans or threads of a project by filters: error (failed or \
                       not), feedback_score ({name, operator, value}, e.g. helpfulness < 0.5), \
                       time window (start/end: ISO 8601 or \"last 24h\"), name_contains, tags, \
                       metadata, model/provider/type (spans), duration and cost thresholds, \
                       full text. Returns a table of ids and the matched values, and the call \
                       for the next page. read(entity_type, id) shows one in full; stats(...) \
                       aggregates.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn search(
        &self,
        Parameters(args): Parameters<SearchArgs>,
        ext: Extensions,
    ) -> Result<String, ToolError> {
        let (creds, _) = self.credentials(&ext, None);
        let kind = args.entity_type;
        let f = args.filters.clone().unwrap_or_default();
        f.check(kind)?;
        if args.page > 10_000 || args.size == 0 || args.size > 100 {
            return Err(ToolError::invalid("page: at most 10000; size: 1 to 100"));
        }
        let (from, to) = window(
            "filters.",
            f.start.as_deref(),
            f.end.as_deref(),
            chrono::Utc::now(),
        )?;
        let sort = args.sort.as_deref().map(|s| sorting(kind, s)).transpose()?;
        let trace = f
            .trace_id
            .as_deref()
            .map(|t| uuid_arg("filters.trace_id", t))
            .transpose()?;
        let project = match ProjectRef::from_args(
            args.project_id.as_deref(),
            args.project_name.as_deref(),
        )? {
            Some(p) => p,
            None if trace.is_some() => {
                self.project_of_trace(&creds, trace.as_deref().unwrap_or_default())
                    .await?
            }
            None => {
                return Err(ToolError::invalid(format!(
                    "search(entity_type=\"{0}\") needs a project: pass project_name or \
                     project_id ({0}s belong to one project; list(entity_type=\"project\") shows \
                     them)",
                    kind.name()
                )));
            }
        };
        let (page, size, _) = self.paging(args.page, args.size);
        let path = match kind {
            SearchType::Trace => "/v1/private/traces",
            SearchType::Span => "/v1/private/spans",
            SearchType::Thread => "/v1/private/traces/threads",
        };
        let opik_filters = f.to_opik();
        let mut call = project
            .apply(Call::get(path))
            .query("page", page)
            .query("size", size)
            .query("truncate", true)
            .query_opt("trace_id", trace)
            .query_opt("type", f.span_type.map(|t| t.as_str()))
            .query_opt("from_time", from.map(iso))
            .query_opt("to_time", to.map(iso))
            .query_opt("search", f.text.clone());
        if !opik_filters.is_empty() {
            call = call.query("filters", Value::Array(opik_filters).to_string());
        }
        if let Some((_, s)) = &sort {
            call = call.query("sorting", s);
        }
        let (items, total) = self.raw_page(&creds, call).await?;
        let cols = columns(kind, &f, sort.as_ref().map(|(field, _)| field.as_str()));
        let rows: Vec<Value> = items.iter().map(|it| row(it, &cols)).collect();
        let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
        let mut text = table(&names, &rows);
        text.push_str(&footer(&args, page, size, items.len(), total));
        Ok(text)
    }
}

/// What a column shows: its header and where its value comes from.
type Column = (String, Source);

/// Where a column's value comes from.
#[derive(Debug, Clone)]
enum Source {
    /// A top-level field.
    Field(&'static str),
    /// A feedback score's value.
    Score(String),
    /// The error's type and message.
    Error,
    /// A metadata value.
    Meta(String),
}

/// The identity columns of each entity, then one per matched condition.
fn columns(kind: SearchType, f: &SearchFilters, sort: Option<&str>) -> Vec<Column> {
    let base: &[&'static str] = match kind {
        SearchType::Trace => &[
            "id",
            "name",
            "start_time",
            "duration",
            "total_estimated_cost",
        ],
        SearchType::Span => &[
            "id",
            "trace_id",
            "name",
            "type",
            "model",
            "start_time",
            "duration",
            "total_estimated_cost",
        ],
        SearchType::Thread => &[
            "id",
            "number_of_messages",
            "status",
            "start_time",
            "duration",
        ],
    };
    let mut cols: Vec<Column> = base
        .iter()
        .map(|c| (c.to_string(), Source::Field(c)))
        .collect();
    if f.error.is_some() {
        cols.push(("error".into(), Source::Error));
    }
    let mut scores: Vec<String> = f
        .feedback_score
        .iter()
        .flat_map(|s| s.list())
        .map(|s| s.name.trim().to_string())
        .collect();
    if let Some(name) = sort.and_then(|s| s.strip_prefix("feedback_scores.")) {
        scores.push(name.to_string());
    }
    scores.dedup();
    for s in scores {
        cols.push((s.clone(), Source::Score(s)));
    }
    for (key, on) in [
        ("tags", f.tags.is_some()),
        ("provider", f.provider.is_some()),
        ("thread_id", f.thread_id.is_some()),
    ] {
        if on {
            cols.push((key.into(), Source::Field(key)));
        }
    }
    for k in f.metadata.iter().flat_map(Map::keys) {
        cols.push((format!("metadata.{k}"), Source::Meta(k.clone())));
    }
    cols
}

fn row(item: &Value, cols: &[Column]) -> Value {
    let mut m = Map::new();
    for (name, source) in cols {
        let v = match source {
            Source::Field(f) => item.get(*f).cloned().unwrap_or(Value::Null),
            Source::Score(s) => item["feedback_scores"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["name"] == s.as_str()))
                .map_or(Value::Null, |x| x["value"].clone()),
            Source::Error => match item.get("error_info").filter(|e| !e.is_null()) {
                Some(e) => json!(format!(
                    "{}: {}",
                    e["exception_type"].as_str().unwrap_or("error"),
                    e["message"].as_str().unwrap_or("")
                )),
                None => json!("no"),
            },
            Source::Meta(k) => item["metadata"].get(k).cloned().unwrap_or(Value::Null),
        };
        m.insert(name.clone(), v);
    }
    Value::Object(m)
}

fn footer(args: &SearchArgs, page: u32, size: u32, shown: usize, total: i64) -> String {
    let pages = ((total.max(0) + i64::from(size) - 1) / i64::from(size)).max(1);
    let mut s = format!(
        "-- {total} {}(s) match, page {page} of {pages}, {shown} shown",
        args.entity_type.name()
    );
    if i64::from(page) < pages {
        let mut next = args.clone();
        next.page = page + 1;
        next.size = size;
        let call = serde_json::to_string(&next).unwrap_or_default();
        s.push_str(&format!("; next: search({call})"));
    } else {
        s.push_str("; last page");
    }
    s
}
