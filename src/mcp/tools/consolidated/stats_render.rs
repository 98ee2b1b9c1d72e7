//! The text of a `stats` answer: a header naming the project, the window, the granularity and
//! the units, the headline figures, and the breakdown table. Opik's stats come as
//! `{name, type: COUNT|AVG|PERCENTAGE, value}`; a figure Opik did not send is shown as "n/a",
//! never as 0.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    table::table,
    window::{Window, iso},
};

/// What to break the figures down by.
// Variants use `//`: documented variants make schemars emit a described `oneOf` (see
// search_filters.rs), which every agent reads with the tool list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Breakdown {
    // The LLM model of each span.
    Model,
    // The model provider of each span.
    Provider,
    // Each tag of the traces.
    Tag,
}

impl Breakdown {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Breakdown::Model => "model",
            Breakdown::Provider => "provider",
            Breakdown::Tag => "tag",
        }
    }
}

/// Everything a `stats` answer shows.
pub struct Figures {
    /// "name (id)" or the id.
    pub project: String,
    /// The window.
    pub window: Window,
    /// Trace stats over the window.
    pub traces: Map<String, Value>,
    /// Trace stats of the failed traces.
    pub failed: Map<String, Value>,
    /// Span stats over the window.
    pub spans: Map<String, Value>,
    /// The breakdown and its groups.
    pub groups: Option<(Breakdown, Vec<Group>)>,
}

/// One group of a breakdown: its name, its count (from the metrics endpoint) and its stats.
pub type Group = (String, f64, Map<String, Value>);

fn num(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

/// A number without trailing noise: integers as such, others to 4 significant decimals.
fn show(v: Option<f64>) -> String {
    match v {
        None => "n/a".into(),
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
        Some(x) if x.abs() >= 100.0 => format!("{x:.1}"),
        Some(x) => format!("{x:.4}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string(),
    }
}

fn count(m: &Map<String, Value>, name: &str) -> Option<f64> {
    num(m.get(name))
}

fn pct(m: &Map<String, Value>, p: &str) -> Option<f64> {
    num(m.get("duration").and_then(|d| d.get(p)))
}

/// Total cost: Opik's sum when it sends one, else average × count (said so).
fn cost(m: &Map<String, Value>, n: Option<f64>) -> (Option<f64>, &'static str) {
    match (
        num(m.get("total_estimated_cost_sum")),
        num(m.get("total_estimated_cost")),
        n,
    ) {
        (Some(sum), _, _) => (Some(sum), ""),
        (None, Some(avg), Some(n)) => (Some(avg * n), " (average × count)"),
        _ => (None, ""),
    }
}

/// `prefix.<key>` averages, e.g. `usage.total_tokens 125.5 · …`.
fn averages(m: &Map<String, Value>, prefix: &str) -> String {
    let parts: Vec<String> = m
        .iter()
        .filter_map(|(k, v)| Some(format!("{} {}", k.strip_prefix(prefix)?, show(v.as_f64()))))
        .collect();
    if parts.is_empty() {
        "n/a".into()
    } else {
        parts.join(" · ")
    }
}

/// The whole answer.
pub fn render(f: &Figures) -> String {
    let traces = count(&f.traces, "trace_count");
    let failed = count(&f.failed, "trace_count");
    let rate = match (failed, traces) {
        (Some(e), Some(t)) if t > 0.0 => format!(" ({:.1}%)", 100.0 * e / t),
        _ => String::new(),
    };
    let (total, how) = cost(&f.traces, traces);
    let mut out = format!(
        "[stats: project {} · window {} → {} ({}, UTC) · granularity: totals over the window · \
         units: durations in ms, costs in USD (Opik's estimates), tokens per trace (average)]\n",
        f.project,
        iso(f.window.start),
        iso(f.window.end),
        f.window.length()
    );
    out.push_str(&format!(
        "traces: {} · failed: {}{rate} · spans: {}\n",
        show(traces),
        show(failed),
        show(count(&f.spans, "span_count"))
    ));
    out.push_str(&format!(
        "trace latency (ms): p50 {} · p90 {} · p99 {}\n",
        show(pct(&f.traces, "p50")),
        show(pct(&f.traces, "p90")),
        show(pct(&f.traces, "p99"))
    ));
    out.push_str(&format!(
        "cost (USD): total {}{how} · per trace {}\n",
        show(total),
        show(num(f.traces.get("total_estimated_cost")))
    ));
    out.push_str(&format!(
        "tokens per trace (average): {}\n",
        averages(&f.traces, "usage.")
    ));
    out.push_str(&format!(
        "feedback scores (average): {}\n",
        averages(&f.traces, "feedback_score.")
    ));
    if let Some((b, groups)) = &f.groups {
        out.push_str(&breakdown(*b, groups));
    }
    out
}

fn breakdown(b: Breakdown, groups: &[Group]) -> String {
    let (unit, count_key) = match b {
        Breakdown::Tag => ("traces", "trace_count"),
        Breakdown::Model | Breakdown::Provider => ("spans", "span_count"),
    };
    if groups.is_empty() {
        return format!("\nby {}: no {unit} in the window carry one\n", b.name());
    }
    let cols = [
        b.name(),
        unit,
        "cost_usd",
        "p50_ms",
        "p90_ms",
        "total_tokens_avg",
    ];
    let rows: Vec<Value> = groups
        .iter()
        .map(|(name, n, m)| {
            let n = count(m, count_key).or(Some(*n));
            json!({b.name(): name, unit: show(n), "cost_usd": show(cost(m, n).0),
                   "p50_ms": show(pct(m, "p50")), "p90_ms": show(pct(m, "p90")),
                   "total_tokens_avg": show(num(m.get("usage.total_tokens")))})
        })
        .collect();
    format!(
        "\nby {} ({} figures; the {} largest groups):\n{}",
        b.name(),
        if unit == "spans" { "span" } else { "trace" },
        groups.len(),
        table(&cols, &rows)
    )
}
