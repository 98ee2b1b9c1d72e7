//! The fake's data for the analysis tools (`search`, `stats`, `compare_experiments`), in its own
//! project so the counts the older tests rely on do not move: a week of support-bot traces
//! with errors, tags, feedback scores, two models and threads; a dataset with two experiments
//! whose scores differ item by item; and, on demand, a trace with hundreds of large spans.
//! Shapes follow `shared/opik/openapi.yaml` (`Trace_Public`, `Span_Public`, `TraceThread`,
//! `Experiment_Public`, `DatasetItem_Compare`).

use serde_json::{Value, json};

use super::data::{Data, item};

/// Ids of the analysis data.
pub mod ids {
    pub const PROJECT: &str = "0190a000-0000-7000-8000-000000000003";
    pub const PROJECT_NAME: &str = "support-bot";
    /// Trace `i` (0..TRACES) is `0190a000-0000-7000-8000-0000000002{i:02}`.
    pub const TRACE_0: &str = "0190a000-0000-7000-8000-000000000200";
    pub const DATASET: &str = "0190a000-0000-7000-8000-000000000300";
    pub const DATASET_NAME: &str = "support-regression";
    pub const EXP_V1: &str = "0190a000-0000-7000-8000-000000000401";
    pub const EXP_V1_NAME: &str = "prompt-v1";
    pub const EXP_V2: &str = "0190a000-0000-7000-8000-000000000402";
    pub const EXP_V2_NAME: &str = "prompt-v2";
    /// The item where the two experiments disagree most (accuracy 1.0 vs 0.0).
    pub const ITEM_MOST_DISPUTED: &str = "0190a000-0000-7000-8000-000000000505";
}

/// Traces seeded in the support-bot project, one every 12 hours from [`START`].
pub const TRACES: usize = 12;
/// Dataset items of `support-regression`.
pub const ITEMS: usize = 8;
/// The first trace's start.
pub const START: &str = "2025-06-01T00:00:00Z";
/// Indexes of the traces that failed.
pub const FAILED: [usize; 3] = [2, 5, 9];

fn at(hours: i64) -> String {
    let t0 = chrono::DateTime::parse_from_rfc3339(START).expect("start");
    (t0 + chrono::Duration::hours(hours))
        .to_utc()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn trace_id(i: usize) -> String {
    format!("0190a000-0000-7000-8000-0000000002{i:02}")
}

fn model(i: usize) -> (&'static str, &'static str) {
    if i.is_multiple_of(3) {
        ("claude-3-5-sonnet", "anthropic")
    } else {
        ("gpt-4o", "openai")
    }
}

/// Trace `i`: 12 hours after the previous one, duration and cost growing with `i`.
fn trace(i: usize) -> Value {
    let (start, duration) = (at(12 * i as i64), 1000.0 + 500.0 * i as f64);
    let name = ["answer-ticket", "classify-ticket"][i % 2];
    let region = ["eu", "us"][i % 2];
    let tags = match i % 4 {
        0 => json!(["prod", "vip"]),
        3 => json!(["staging"]),
        _ => json!(["prod"]),
    };
    let mut t = json!({
        "id": trace_id(i), "project_id": ids::PROJECT, "name": name,
        "start_time": start, "end_time": start, "duration": duration,
        "input": {"ticket": format!("ticket {i}: my order did not arrive")},
        "output": {"reply": format!("reply {i}")}, "metadata": {"model": model(i).0, "region": region},
        "tags": tags, "usage": {"prompt_tokens": 100 + i as i64, "completion_tokens": 20, "total_tokens": 120 + i as i64},
        "feedback_scores": [{"name": "helpfulness", "value": (i as f64 * 0.09).min(1.0), "source": "sdk"}],
        "total_estimated_cost": 0.001 * (i + 1) as f64, "span_count": 2, "llm_span_count": 1,
        "thread_id": format!("ticket-{}", i % 4), "created_at": start, "last_updated_at": start
    });
    if FAILED.contains(&i) {
        t["error_info"] = json!({"exception_type": "TimeoutError", "message": "model call timed out", "traceback": "…"});
    }
    t
}

fn spans_of(i: usize) -> [Value; 2] {
    let (m, p) = model(i);
    let base = |n: usize, name: &str, kind: &str| {
        json!({
            "id": format!("0190a000-0000-7000-8000-0000000006{:02}", i * 2 + n),
            "trace_id": trace_id(i), "project_id": ids::PROJECT, "name": name, "type": kind,
            "start_time": at(12 * i as i64), "end_time": at(12 * i as i64), "duration": 400.0 + 100.0 * i as f64,
            "input": {"text": format!("span {n} of trace {i}")}, "output": {"text": "ok"}, "metadata": {},
            "tags": [], "usage": {}, "created_at": at(12 * i as i64), "last_updated_at": at(12 * i as i64)
        })
    };
    let mut llm = base(0, "llm-call", "llm");
    llm["model"] = json!(m);
    llm["provider"] = json!(p);
    llm["usage"] = json!({"prompt_tokens": 100 + i as i64, "completion_tokens": 20, "total_tokens": 120 + i as i64});
    llm["total_estimated_cost"] = json!(0.001 * (i + 1) as f64);
    let mut tool = base(1, "lookup-order", "tool");
    if FAILED.contains(&i) {
        tool["error_info"] =
            json!({"exception_type": "TimeoutError", "message": "timed out", "traceback": "…"});
    }
    [llm, tool]
}

fn thread(n: usize) -> Value {
    json!({
        "id": format!("ticket-{n}"), "project_id": ids::PROJECT,
        "thread_model_id": format!("0190a000-0000-7000-8000-0000000007{n:02}"),
        "start_time": at(12 * n as i64), "end_time": at(12 * (n + 8) as i64), "duration": 3000.0 * (n + 1) as f64,
        "first_message": {"ticket": "my order did not arrive"}, "last_message": {"reply": "refunded"},
        "number_of_messages": 3, "status": if n == 0 { "active" } else { "inactive" },
        "feedback_scores": [{"name": "resolved", "value": (n % 2) as f64, "source": "ui"}],
        "tags": if n == 1 { json!(["vip"]) } else { json!([]) },
        "created_at": at(12 * n as i64), "last_updated_at": at(12 * (n + 8) as i64)
    })
}

/// `(accuracy of v1, accuracy of v2)` on item `k`: they agree except on items 2, 5 and 6.
fn accuracy(k: usize) -> (f64, f64) {
    match k {
        5 => (1.0, 0.0),
        2 => (0.0, 0.6),
        6 => (0.9, 0.5),
        _ => (1.0, 1.0),
    }
}

fn experiment(id: &str, name: &str, v2: bool) -> Value {
    let n = ITEMS as f64;
    let acc: f64 = (0..ITEMS)
        .map(|k| if v2 { accuracy(k).1 } else { accuracy(k).0 })
        .sum();
    json!({
        "id": id, "name": name, "dataset_name": ids::DATASET_NAME, "dataset_id": ids::DATASET,
        "metadata": {"prompt": name}, "tags": [], "type": "regular", "status": "completed",
        "trace_count": ITEMS, "dataset_item_count": ITEMS,
        "feedback_scores": [{"name": "accuracy", "value": acc / n},
                            {"name": "latency_ok", "value": if v2 { 0.75 } else { 1.0 }}],
        "created_at": START, "last_updated_at": START
    })
}

/// The experiment item of experiment `v2`'s run on dataset item `k` (`ExperimentItem_Compare`).
pub fn experiment_item(k: usize, v2: bool) -> Value {
    let (a1, a2) = accuracy(k);
    let (exp, score, out) = if v2 {
        (ids::EXP_V2, a2, format!("v2 answer to question {k}"))
    } else {
        (ids::EXP_V1, a1, format!("v1 answer to question {k}"))
    };
    json!({
        "id": format!("0190a000-0000-7000-8000-0000000008{:02}", k * 2 + usize::from(v2)),
        "experiment_id": exp, "dataset_item_id": item_id(k),
        "trace_id": format!("0190a000-0000-7000-8000-0000000009{:02}", k * 2 + usize::from(v2)),
        "input": {"question": format!("question {k}")}, "output": {"answer": out},
        "feedback_scores": [{"name": "accuracy", "value": score, "source": "sdk"}],
        "duration": 800.0, "created_at": START, "last_updated_at": START
    })
}

fn item_id(k: usize) -> String {
    format!("0190a000-0000-7000-8000-0000000005{k:02}")
}

/// Add the analysis data to the seeded workspace.
pub fn seed(d: &mut Data) {
    d.projects
        .push(super::data::project(ids::PROJECT, ids::PROJECT_NAME));
    for i in 0..TRACES {
        d.traces.push(trace(i));
        d.spans.extend(spans_of(i));
    }
    d.threads.extend((0..4).map(thread));
    d.datasets.push(json!({
        "id": ids::DATASET, "name": ids::DATASET_NAME, "description": "Support answers",
        "tags": [], "dataset_items_count": ITEMS, "experiment_count": 2,
        "created_at": START, "last_updated_at": START
    }));
    for k in 0..ITEMS {
        let data = json!({"input": {"question": format!("question {k}")},
                          "expected_output": {"answer": format!("answer {k}")}});
        d.items.push(item(&item_id(k), ids::DATASET, data));
    }
    d.experiments
        .push(experiment(ids::EXP_V1, ids::EXP_V1_NAME, false));
    d.experiments
        .push(experiment(ids::EXP_V2, ids::EXP_V2_NAME, true));
    for k in 0..ITEMS {
        d.experiment_items.push(experiment_item(k, false));
        d.experiment_items.push(experiment_item(k, true));
    }
}

/// A trace in the support-bot project with `count` spans whose input holds `chars`
/// characters each: hundreds of them make a span list far over the 8 MiB response cap.
pub fn seed_big_trace(d: &mut Data, id: &str, count: usize, chars: usize) {
    let mut t = trace(0);
    t["id"] = json!(id);
    t["name"] = json!("agent-run");
    t["input"] = json!({"task": "x".repeat(5000)});
    t["output"] = json!({"result": "y".repeat(5000)});
    t["span_count"] = json!(count);
    d.traces.push(t);
    for n in 0..count {
        let mut s = spans_of(0)[0].clone();
        s["id"] = json!(format!("0190a000-0000-7000-8001-{n:012}"));
        s["trace_id"] = json!(id);
        s["name"] = json!(format!("step-{n}"));
        s["input"] = json!({"text": format!("{n}:{}", "lorem ipsum ".repeat(chars / 12))});
        d.spans.push(s);
    }
}
