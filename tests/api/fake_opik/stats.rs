//! The fake's aggregate endpoints, computed from its data like Opik computes them: trace and
//! span stats (`ProjectStats_Public`) over the filtered items and time window, project metrics
//! (`ProjectMetricResponse_Public`) with the `breakdown` field, and dataset items compared
//! across experiments (`DatasetItemPage_Compare`).

use std::{collections::BTreeMap, sync::Arc};

use poem::{
    Response, handler,
    web::{Data, Json, Path},
};
use serde_json::{Value, json};

use super::{
    FakeState, data,
    filters::{SPAN_FIELDS, TRACE_FIELDS, select},
    routes::{Q, error, find, ok, paging, project_filter},
};

type St<'a> = Data<&'a Arc<FakeState>>;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

/// `ProjectStats_Public` of `items`, `count_name` being `trace_count` or `span_count`.
fn stats(items: &[Value], count_name: &str) -> Value {
    let n = items.len();
    let mut durations: Vec<f64> = items
        .iter()
        .filter_map(|t| t["duration"].as_f64())
        .collect();
    durations.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let cost: f64 = items
        .iter()
        .filter_map(|t| t["total_estimated_cost"].as_f64())
        .sum();
    let avg = |x: f64| if n == 0 { 0.0 } else { x / n as f64 };
    let mut out = vec![
        json!({"name": count_name, "type": "COUNT", "value": n}),
        json!({"name": "duration", "type": "PERCENTAGE", "value": {
            "p50": percentile(&durations, 0.5), "p90": percentile(&durations, 0.9),
            "p99": percentile(&durations, 0.99)}}),
        json!({"name": "total_estimated_cost", "type": "AVG", "value": avg(cost)}),
        json!({"name": "total_estimated_cost_sum", "type": "AVG", "value": cost}),
    ];
    let mut usage: BTreeMap<String, f64> = BTreeMap::new();
    let mut scores: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for t in items {
        for (k, v) in t["usage"].as_object().into_iter().flatten() {
            *usage.entry(k.clone()).or_default() += v.as_f64().unwrap_or(0.0);
        }
        for s in t["feedback_scores"].as_array().into_iter().flatten() {
            let e = scores
                .entry(s["name"].as_str().unwrap_or("?").into())
                .or_default();
            e.0 += s["value"].as_f64().unwrap_or(0.0);
            e.1 += 1;
        }
    }
    for (k, total) in usage {
        out.push(json!({"name": format!("usage.{k}"), "type": "AVG", "value": avg(total)}));
    }
    for (k, (sum, c)) in scores {
        out.push(
            json!({"name": format!("feedback_score.{k}"), "type": "AVG", "value": sum / c as f64}),
        );
    }
    json!({"stats": out})
}

#[handler]
pub(super) fn trace_stats(state: St<'_>, q: Q) -> Response {
    let project = match project_filter(&state, &q) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let data = state.data.lock().expect("lock");
    let of_project = data
        .traces
        .iter()
        .filter(|t| t["project_id"] == project.as_str());
    match select(of_project, &q, TRACE_FIELDS) {
        Ok(items) => ok(stats(&items, "trace_count")),
        Err(m) => error(400, &m),
    }
}

#[handler]
pub(super) fn span_stats(state: St<'_>, q: Q) -> Response {
    let project = match project_filter(&state, &q) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let data = state.data.lock().expect("lock");
    let of_project = data.spans.iter().filter(|s| {
        s["project_id"] == project.as_str()
            && q.get("trace_id")
                .is_none_or(|t| s["trace_id"] == t.as_str())
            && q.get("type").is_none_or(|t| s["type"] == t.as_str())
    });
    match select(of_project, &q, SPAN_FIELDS) {
        Ok(items) => ok(stats(&items, "span_count")),
        Err(m) => error(400, &m),
    }
}

/// The groups of a breakdown: each item's model/provider/type, or each of its tags.
fn groups(item: &Value, field: &str) -> Vec<String> {
    match field {
        "tags" => item["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        f => item[f]
            .as_str()
            .map(|s| vec![s.to_owned()])
            .unwrap_or_default(),
    }
}

/// `POST projects/{id}/metrics`: counts, costs and token sums over the window, one series per
/// breakdown group (or one series), a single `TOTAL` point or one per day.
#[handler]
pub(super) fn project_metrics(
    state: St<'_>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let data = state.data.lock().expect("lock");
    if find(&data.projects, "id", &id).is_none() {
        return error(404, "Project not found");
    }
    let metric = body["metric_type"].as_str().unwrap_or("TRACE_COUNT");
    let interval = body["interval"].as_str().unwrap_or("DAILY");
    let Some(field) = body["breakdown"]["field"].as_str().filter(|f| *f != "none") else {
        return ok(data::metric(&id, metric, interval));
    };
    let spans = metric.starts_with("SPAN_");
    if !spans && ["model", "provider", "type"].contains(&field) {
        return error(
            400,
            &format!("Breakdown field '{field}' is compatible with Span metrics only"),
        );
    }
    let mut q = Q::default();
    for (k, b) in [("from_time", "interval_start"), ("to_time", "interval_end")] {
        if let Some(t) = body[b].as_str() {
            q.insert(k.into(), t.into());
        }
    }
    let pool = if spans { &data.spans } else { &data.traces };
    let items = select(
        pool.iter().filter(|t| t["project_id"] == id.as_str()),
        &q,
        &[],
    )
    .unwrap_or_default();
    let mut series: BTreeMap<String, f64> = BTreeMap::new();
    for it in &items {
        let value = match metric {
            "COST" | "SPAN_COST" => it["total_estimated_cost"].as_f64().unwrap_or(0.0),
            "TOKEN_USAGE" | "SPAN_TOKEN_USAGE" => {
                it["usage"]["total_tokens"].as_f64().unwrap_or(0.0)
            }
            _ => 1.0,
        };
        for g in groups(it, field) {
            *series.entry(g).or_default() += value;
        }
    }
    let time = body["interval_start"]
        .as_str()
        .unwrap_or("2025-06-01T00:00:00Z");
    let results: Vec<Value> = series
        .into_iter()
        .map(|(name, v)| json!({"name": name, "data": [{"time": time, "value": v}]}))
        .collect();
    ok(json!({"project_id": id, "metric_type": metric, "interval": interval, "results": results}))
}

/// `GET datasets/{id}/items/experiments/items?experiment_ids=[…]`: each dataset item with the
/// experiment items of the experiments asked for.
#[handler]
pub(super) fn compare_items(state: St<'_>, Path(id): Path<String>, q: Q) -> Response {
    let (page, size) = paging(&q);
    let data = state.data.lock().expect("lock");
    if find(&data.datasets, "id", &id).is_none() {
        return error(404, "Dataset not found");
    }
    let Some(wanted) = q
        .get("experiment_ids")
        .and_then(|e| serde_json::from_str::<Vec<String>>(e).ok())
    else {
        return error(400, "experiment_ids must be a JSON array of UUIDs");
    };
    let items: Vec<Value> = data
        .items
        .iter()
        .filter(|i| i["dataset_id"] == id.as_str())
        .map(|i| {
            let mut i = i.clone();
            i["experiment_items"] = data
                .experiment_items
                .iter()
                .filter(|e| {
                    e["dataset_item_id"] == i["id"]
                        && wanted.iter().any(|w| e["experiment_id"] == w.as_str())
                })
                .cloned()
                .collect();
            i
        })
        .collect();
    let mut body = data::page(items, page, size);
    body["columns"] = json!([]);
    ok(body)
}

/// `GET experiments/feedback-scores/names?experiment_ids=[…]`: the score names of those
/// experiments' items (`FeedbackScoreNames_Public`).
#[handler]
pub(super) fn score_names(state: St<'_>, q: Q) -> Response {
    let wanted: Vec<String> = q
        .get("experiment_ids")
        .and_then(|e| serde_json::from_str(e).ok())
        .unwrap_or_default();
    let data = state.data.lock().expect("lock");
    let mut names: Vec<String> = data
        .experiment_items
        .iter()
        .filter(|e| wanted.iter().any(|w| e["experiment_id"] == w.as_str()))
        .flat_map(|e| e["feedback_scores"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names.dedup();
    let scores: Vec<Value> = names
        .iter()
        .map(|n| json!({"name": n, "type": "feedback_scores"}))
        .collect();
    ok(json!({"scores": scores}))
}
