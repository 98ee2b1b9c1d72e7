//! How the fake applies Opik's list parameters, the way the backend does: `filters` (every
//! operator; `feedback_scores`/`metadata` with a `key`; numbers, times, lists and the
//! `error_info` container compared by type; a field the entity cannot be filtered on is a
//! 400), `from_time`/`to_time`, JSON `sorting`, and `truncate=true` slimming large values.

use std::cmp::Ordering;

use serde_json::Value;

use super::routes::Q;

/// Filterable fields (as Opik's `TraceField`, `SpanField`, `TraceThreadField`).
pub const TRACE_FIELDS: &[&str] = &[
    "id",
    "name",
    "start_time",
    "end_time",
    "input",
    "output",
    "metadata",
    "total_estimated_cost",
    "llm_span_count",
    "tags",
    "usage.total_tokens",
    "usage.prompt_tokens",
    "usage.completion_tokens",
    "feedback_scores",
    "span_feedback_scores",
    "duration",
    "thread_id",
    "guardrails",
    "error_info",
    "created_at",
    "last_updated_at",
    "experiment_id",
];
pub const SPAN_FIELDS: &[&str] = &[
    "id",
    "name",
    "start_time",
    "end_time",
    "input",
    "output",
    "metadata",
    "model",
    "provider",
    "total_estimated_cost",
    "tags",
    "usage.total_tokens",
    "usage.prompt_tokens",
    "usage.completion_tokens",
    "feedback_scores",
    "duration",
    "error_info",
    "type",
    "trace_id",
];
pub const THREAD_FIELDS: &[&str] = &[
    "id",
    "first_message",
    "last_message",
    "number_of_messages",
    "duration",
    "created_at",
    "last_updated_at",
    "start_time",
    "end_time",
    "feedback_scores",
    "status",
    "tags",
];

/// Longest string `truncate=true` leaves in input, output and metadata.
pub const TRUNCATE_CHARS: usize = 10_000;

/// The items that pass `filters` and the time window, sorted by `sorting`; `Err` is the 400
/// message for a filter Opik would refuse.
pub fn select<'a>(
    items: impl Iterator<Item = &'a Value>,
    q: &Q,
    fields: &[&str],
) -> Result<Vec<Value>, String> {
    let filters: Vec<Value> = match q.get("filters") {
        Some(raw) => serde_json::from_str(raw).map_err(|e| format!("Invalid filters: {e}"))?,
        None => Vec::new(),
    };
    for f in &filters {
        let field = f["field"].as_str().unwrap_or_default();
        if !fields.contains(&field) {
            return Err(format!("Invalid filter field '{field}'"));
        }
    }
    let search = q.get("search").map(|s| s.to_lowercase());
    let mut out = Vec::new();
    for item in items {
        let found = search
            .as_deref()
            .is_none_or(|s| item.to_string().to_lowercase().contains(s));
        if found && in_window(item, q) && filters.iter().all(|f| matches(item, f)) {
            out.push(slim(item.clone(), q));
        }
    }
    if let Some(raw) = q.get("sorting") {
        let sorting: Vec<Value> = serde_json::from_str(raw).unwrap_or_default();
        if let Some(s) = sorting.first() {
            let field = s["field"].as_str().unwrap_or_default().to_string();
            let desc = s["direction"] == "DESC";
            out.sort_by(|a, b| {
                let o = compare_values(&sort_key(a, &field), &sort_key(b, &field));
                if desc { o.reverse() } else { o }
            });
        }
    }
    Ok(out)
}

fn in_window(item: &Value, q: &Q) -> bool {
    let t = item["start_time"].as_str().and_then(time);
    let after = |k: &str| q.get(k).and_then(|v| time(v));
    match t {
        Some(t) => {
            after("from_time").is_none_or(|from| t >= from)
                && after("to_time").is_none_or(|to| t <= to)
        }
        None => true,
    }
}

fn time(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.to_utc())
}

/// The value a filter on `field` (and `key`) looks at; `None` when absent or empty.
fn lookup(item: &Value, field: &str, key: Option<&str>) -> Option<Value> {
    let v = match (field, key) {
        ("feedback_scores" | "span_feedback_scores", Some(k)) => item[field]
            .as_array()?
            .iter()
            .find(|s| s["name"] == k)
            .map(|s| s["value"].clone())?,
        ("metadata", Some(k)) => item["metadata"].get(k)?.clone(),
        (f, _) if f.starts_with("usage.") => item["usage"].get(&f[6..])?.clone(),
        (f, _) => item.get(f)?.clone(),
    };
    let empty = match &v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    };
    (!empty).then_some(v)
}

fn matches(item: &Value, f: &Value) -> bool {
    let field = f["field"].as_str().unwrap_or_default();
    let want = f["value"].as_str().unwrap_or_default();
    let actual = lookup(item, field, f["key"].as_str());
    let op = f["operator"].as_str().unwrap_or_default();
    match (op, actual) {
        ("is_empty", a) => a.is_none(),
        ("is_not_empty", a) => a.is_some(),
        (_, None) => op == "!=" || op == "not_contains",
        ("contains" | "=", Some(Value::Array(list))) => list.iter().any(|x| x == want),
        ("not_contains" | "!=", Some(Value::Array(list))) => !list.iter().any(|x| x == want),
        (_, Some(a)) => {
            let text = match &a {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let (t, w) = (text.to_lowercase(), want.to_lowercase());
            let order = compare_values(&a, &Value::String(want.to_string()));
            match op {
                "contains" => t.contains(&w),
                "not_contains" => !t.contains(&w),
                "starts_with" => t.starts_with(&w),
                "ends_with" => t.ends_with(&w),
                "=" => order == Ordering::Equal,
                "!=" => order != Ordering::Equal,
                ">" => order == Ordering::Greater,
                ">=" => order != Ordering::Less,
                "<" => order == Ordering::Less,
                "<=" => order != Ordering::Greater,
                _ => false,
            }
        }
    }
}

/// Numbers numerically, times as times, anything else as text.
fn compare_values(a: &Value, b: &Value) -> Ordering {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let (ta, tb) = (text(a), text(b));
    if let (Ok(x), Ok(y)) = (ta.parse::<f64>(), tb.parse::<f64>()) {
        return x.partial_cmp(&y).unwrap_or(Ordering::Equal);
    }
    if let (Some(x), Some(y)) = (time(&ta), time(&tb)) {
        return x.cmp(&y);
    }
    ta.cmp(&tb)
}

fn sort_key(item: &Value, field: &str) -> Value {
    match field.split_once('.') {
        Some(("feedback_scores", k)) => lookup(item, "feedback_scores", Some(k)),
        _ => lookup(item, field, None),
    }
    .unwrap_or(Value::Null)
}

/// `truncate=true`: strings in input, output, metadata and thread messages cut like Opik's
/// slim list payloads.
fn slim(mut item: Value, q: &Q) -> Value {
    if q.get("truncate").map(String::as_str) != Some("true") {
        return item;
    }
    for key in [
        "input",
        "output",
        "metadata",
        "first_message",
        "last_message",
    ] {
        if let Some(v) = item.get_mut(key) {
            cut_strings(v);
        }
    }
    item
}

fn cut_strings(v: &mut Value) {
    match v {
        Value::String(s) if s.chars().count() > TRUNCATE_CHARS => {
            *s = s.chars().take(TRUNCATE_CHARS).collect::<String>() + "...";
        }
        Value::Array(a) => a.iter_mut().for_each(cut_strings),
        Value::Object(m) => m.values_mut().for_each(cut_strings),
        _ => {}
    }
}
