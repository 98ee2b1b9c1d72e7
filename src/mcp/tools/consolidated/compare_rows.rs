//! The pieces of a `compare_experiments` answer: the experiments, the aggregate score deltas,
//! one row per dataset item with each experiment's output and scores, and the ranking by
//! disagreement.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// One experiment being compared.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The key its results appear under: the name, or "name (id prefix)" when names repeat.
    pub label: String,
    /// Its dataset.
    pub dataset_id: String,
    /// Its dataset's name.
    pub dataset_name: String,
    /// Average feedback scores, by name.
    pub scores: BTreeMap<String, f64>,
    /// Traces it produced.
    pub trace_count: Option<i64>,
}

impl Experiment {
    /// From `Experiment_Public`.
    pub fn from_opik(id: &str, v: &Value) -> Self {
        let scores = v["feedback_scores"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| Some((s["name"].as_str()?.to_string(), s["value"].as_f64()?)))
            .collect();
        let text = |k: &str| v[k].as_str().unwrap_or("?").to_string();
        Self {
            id: id.to_string(),
            name: text("name"),
            label: text("name"),
            dataset_id: text("dataset_id"),
            dataset_name: text("dataset_name"),
            scores,
            trace_count: v["trace_count"].as_i64(),
        }
    }

    /// Make labels unique: repeated names get their id's first 8 characters.
    pub fn label_all(all: &mut [Experiment]) {
        let names: Vec<String> = all.iter().map(|e| e.name.clone()).collect();
        for e in all.iter_mut() {
            if names.iter().filter(|n| **n == e.name).count() > 1 {
                e.label = format!("{} ({})", e.name, &e.id[..8.min(e.id.len())]);
            }
        }
    }

    /// The experiment as the answer lists it.
    pub fn summary(&self) -> Value {
        json!({"id": self.id, "name": self.label, "trace_count": self.trace_count})
    }
}

fn round(x: f64) -> Value {
    json!((x * 10_000.0).round() / 10_000.0)
}

/// Each score's average per experiment and its delta from the first experiment.
pub fn deltas(exps: &[Experiment], names: &[String]) -> Vec<Value> {
    let mut all: Vec<String> = names.to_vec();
    for e in exps {
        all.extend(e.scores.keys().cloned());
    }
    all.sort();
    all.dedup();
    all.iter()
        .map(|name| {
            let mut m = Map::new();
            m.insert("name".into(), json!(name));
            let base = exps[0].scores.get(name).copied();
            for e in exps {
                let v = e.scores.get(name).copied();
                m.insert(e.label.clone(), v.map_or(Value::Null, round));
                if e.id != exps[0].id {
                    let d = base.zip(v).map(|(b, v)| round(v - b));
                    m.insert(format!("delta {}", e.label), d.unwrap_or(Value::Null));
                }
            }
            Value::Object(m)
        })
        .collect()
}

/// One row per dataset item (`DatasetItem_Compare`): input, expected output, and under each
/// experiment's label its output and scores; `disagreement` is the widest spread of one score
/// across the experiments (`disputed_score` names it).
pub fn rows(items: &[Value], exps: &[Experiment], names: &[String]) -> Vec<Value> {
    items
        .iter()
        .map(|item| {
            let mut m = Map::new();
            m.insert("dataset_item_id".into(), item["id"].clone());
            let data = &item["data"];
            let input = data.get("input").cloned().unwrap_or_else(|| data.clone());
            m.insert("input".into(), input);
            if let Some(x) = data.get("expected_output") {
                m.insert("expected_output".into(), x.clone());
            }
            let runs = item["experiment_items"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let mut by_score: BTreeMap<String, Vec<f64>> = BTreeMap::new();
            for e in exps {
                let run = runs.iter().find(|r| r["experiment_id"] == e.id.as_str());
                let Some(run) = run else {
                    m.insert(e.label.clone(), json!("not run on this item"));
                    continue;
                };
                let mut scores = Map::new();
                for s in run["feedback_scores"].as_array().into_iter().flatten() {
                    if let (Some(n), Some(v)) = (s["name"].as_str(), s["value"].as_f64()) {
                        scores.insert(n.into(), json!(v));
                        by_score.entry(n.into()).or_default().push(v);
                    }
                }
                m.insert(
                    e.label.clone(),
                    json!({"output": run["output"], "scores": scores, "trace_id": run["trace_id"]}),
                );
            }
            let (spread, which) = by_score
                .iter()
                .filter(|(n, v)| v.len() > 1 && (names.is_empty() || names.contains(n)))
                .map(|(n, v)| {
                    let (lo, hi) = v
                        .iter()
                        .fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
                    (hi - lo, n.clone())
                })
                .fold(
                    (0.0, None),
                    |best, (d, n)| if d > best.0 { (d, Some(n)) } else { best },
                );
            m.insert("disagreement".into(), round(spread));
            if let Some(n) = which {
                m.insert("disputed_score".into(), json!(n));
            }
            Value::Object(m)
        })
        .collect()
}

/// Largest disagreement first; ties keep the dataset's order.
pub fn rank(rows: &mut [Value]) {
    rows.sort_by(|a, b| {
        let d = |v: &Value| v["disagreement"].as_f64().unwrap_or(0.0);
        d(b).total_cmp(&d(a))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp(id: &str, name: &str, acc: f64) -> Experiment {
        Experiment::from_opik(
            id,
            &json!({"name": name, "dataset_id": "d", "dataset_name": "ds",
                    "feedback_scores": [{"name": "accuracy", "value": acc}]}),
        )
    }

    #[test]
    fn deltas_are_measured_from_the_first_experiment_and_repeated_names_get_ids() {
        let mut e = vec![
            exp("aaaaaaaa-1", "run", 0.8),
            exp("bbbbbbbb-2", "run", 0.65),
        ];
        Experiment::label_all(&mut e);
        assert_eq!(e[1].label, "run (bbbbbbbb)");
        let d = deltas(&e, &[]);
        assert_eq!(d[0]["delta run (bbbbbbbb)"], json!(-0.15));
    }

    #[test]
    fn items_are_ranked_by_the_widest_spread_of_one_score() {
        let e = vec![exp("a", "A", 0.0), exp("b", "B", 0.0)];
        let item = |id: &str, x: f64, y: f64| {
            json!({"id": id, "data": {"input": {"q": id}}, "experiment_items": [
                {"experiment_id": "a", "output": "o", "feedback_scores": [{"name": "accuracy", "value": x}]},
                {"experiment_id": "b", "output": "p", "feedback_scores": [{"name": "accuracy", "value": y}]}]})
        };
        let mut r = rows(
            &[
                item("i1", 1.0, 1.0),
                item("i2", 1.0, 0.0),
                item("i3", 0.2, 0.5),
            ],
            &e,
            &[],
        );
        rank(&mut r);
        let order: Vec<&str> = r
            .iter()
            .map(|x| x["dataset_item_id"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(order, ["i2", "i3", "i1"]);
        assert_eq!(r[0]["disputed_score"], "accuracy");
        assert_eq!(r[0]["B"]["scores"]["accuracy"], json!(0.0));
    }
}
