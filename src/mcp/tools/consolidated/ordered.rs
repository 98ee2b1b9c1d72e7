//! Compact JSON with a reading order: the entity before its children (`trace` before `spans`),
//! and within an entity its identity first (`id`, `name`, `type`, …), then the other keys
//! sorted. `serde_json`'s map is sorted alphabetically (its `preserve_order` feature would
//! change the key order of every document this server emits, schemas included), so the answers
//! of `read`, `compare_experiments` and `stats` are written by this small printer instead.

use std::fmt::Write as _;

use serde_json::Value;

/// Keys written first, in this order; the rest follow alphabetically.
const FIRST: &[&str] = &[
    "trace",
    "prompt",
    "thread",
    "experiments",
    "dataset",
    "score_deltas",
    "id",
    "name",
    "type",
    "commit",
    "dataset_item_id",
    "disagreement",
    "disputed_score",
    "parent_span_id",
    "start_time",
    "end_time",
    "duration",
    "model",
    "provider",
    "input",
    "output",
    "expected_output",
    "error_info",
    "spans",
    "spans_total",
    "spans_shown",
    "versions",
    "messages",
    "items",
];

fn rank(key: &str) -> (usize, &str) {
    (
        FIRST.iter().position(|k| *k == key).unwrap_or(FIRST.len()),
        key,
    )
}

/// `value` as compact JSON in reading order (same characters as `value.to_string()`, other
/// than the order of object keys).
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write(&mut out, value);
    out
}

fn write(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| rank(a).cmp(&rank(b)));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}:", Value::String(k.clone()));
                write(out, &map[k]);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, x);
            }
            out.push(']');
        }
        scalar => {
            let _ = write!(out, "{scalar}");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_trace_comes_before_its_spans_and_ids_before_the_rest() {
        let v = json!({"spans": [{"output": 1, "id": "s", "a": 2}], "spans_total": 1,
                       "trace": {"tags": [], "name": "n", "id": "t"}});
        assert_eq!(
            to_string(&v),
            r#"{"trace":{"id":"t","name":"n","tags":[]},"spans":[{"id":"s","output":1,"a":2}],"spans_total":1}"#
        );
        assert_eq!(to_string(&v).len(), v.to_string().len());
    }

    #[test]
    fn strings_are_escaped_like_serde_json() {
        let v = json!({"k\"ey": "line\nbreak \u{1}"});
        let back: Value = serde_json::from_str(&to_string(&v)).expect("valid JSON");
        assert_eq!(back, v);
    }
}
