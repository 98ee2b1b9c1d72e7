//! Tests of the metric declarations, the docs page and the Grafana dashboard.

use super::*;

#[test]
fn names_are_unique_prefixed_and_suffixed_by_kind() {
    let mut seen = std::collections::HashSet::new();
    for d in ALL {
        assert!(seen.insert(d.name), "{} declared twice", d.name);
        assert!(d.name.starts_with("opik_mcp_"), "{}", d.name);
        assert_eq!(
            d.kind == Kind::Counter,
            d.name.ends_with("_total"),
            "{}",
            d.name
        );
        assert!(!d.help.is_empty());
        for l in d.labels {
            assert!(
                !["session", "session_id", "subject", "path"].contains(l),
                "{l}"
            );
        }
    }
}

#[test]
fn every_metric_is_documented_in_observability_md() {
    let doc = include_str!("../../docs/observability.md");
    for d in ALL {
        assert!(
            doc.contains(d.name),
            "{} missing from docs/observability.md",
            d.name
        );
    }
}

fn exprs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(serde_json::Value::String(e)) = m.get("expr") {
                out.push(e.clone());
            }
            m.values().for_each(|v| exprs(v, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| exprs(v, out)),
        _ => {}
    }
}

#[test]
fn the_grafana_dashboard_only_queries_declared_metrics() {
    let dash: serde_json::Value =
        serde_json::from_str(include_str!("../../deploy/grafana/opik-mcp.json"))
            .expect("dashboard is JSON");
    let mut all = Vec::new();
    exprs(&dash, &mut all);
    assert!(all.len() > 20, "dashboard has its queries");
    let mut used = std::collections::HashSet::new();
    for e in &all {
        let tokens = e.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
        for t in tokens.filter(|t| t.starts_with("opik_mcp_")) {
            let base = ["_bucket", "_count", "_sum"]
                .iter()
                .find_map(|s| t.strip_suffix(s))
                .unwrap_or(t);
            assert!(ALL.iter().any(|d| d.name == base), "{t} is not declared");
            used.insert(base.to_owned());
        }
    }
    let unused: Vec<_> = ALL.iter().filter(|d| !used.contains(d.name)).collect();
    assert!(unused.is_empty(), "not on the dashboard: {unused:?}");
}
