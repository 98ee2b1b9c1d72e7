//! A trace and its first spans, for `read(entity_type="trace")`. Spans are asked for with
//! Opik's `truncate=true` (their input, output and metadata slimmed by Opik) in pages of
//! [`SPAN_PAGE`], shrunk when a page is still over the response-size cap, so a trace with
//! hundreds of megabyte-sized spans reads like any other. Each span's `trace_id` and
//! `project_id` are dropped when they are the trace's own (they would repeat in every span).

use serde_json::{Value, json};

use crate::{
    mcp::{McpServer, tools::common::ToolError},
    opik::{Call, Credentials},
};

/// Spans returned with a trace.
pub const SPAN_CAP: usize = 200;
/// Spans per request (smaller pages after an oversized answer).
pub const SPAN_PAGE: u32 = 50;

impl McpServer {
    /// `{trace, spans, spans_total, spans_truncated}` and the notes on what was cut.
    pub(super) async fn trace_with_spans(
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
        let call = |page: u32, size: u32| {
            Call::get("/v1/private/spans")
                .query("project_id", &pid)
                .query("trace_id", id)
                .query("truncate", true)
                .query("page", page)
                .query("size", size)
        };
        let pages = self.fetch_pages(creds, call, SPAN_CAP, SPAN_PAGE).await?;
        let mut spans = pages.items;
        for s in &mut spans {
            if let Some(m) = s.as_object_mut() {
                m.retain(|k, v| !(k == "trace_id" && v == id || k == "project_id" && *v == *pid));
            }
        }
        let total = pages.total;
        let mut notes = Vec::new();
        if total > spans.len() as i64 {
            notes.push(format!(
                "spans: first {} of {total} (cap {SPAN_CAP})",
                spans.len()
            ));
        }
        if !pages.skipped.is_empty() {
            notes.push(format!(
                "spans at positions {:?} skipped: each is over the response-size limit even \
                 truncated",
                pages.skipped
            ));
        }
        if pages.stopped {
            notes.push(format!("spans: stopped after {} requests", pages.requests));
        }
        if !spans.is_empty() {
            notes.push(
                "spans: input/output/metadata as Opik truncates them for lists, trace_id and \
                 project_id omitted (the trace's)"
                    .into(),
            );
        }
        let truncated = total > spans.len() as i64;
        let v = json!({"trace": trace, "spans": spans, "spans_total": total,
                       "spans_truncated": truncated});
        Ok((v, notes))
    }
}
