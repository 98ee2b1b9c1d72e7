//! Plans of the library operations: `prompt_version.save`, `test_suite.create`,
//! `experiment.create` (one request per element), `test_suite_item.upsert` (one request per
//! dataset) and `experiment_item.create` (one request).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{
    bodies::{Plan, PlanOp, compact, given_or_new, new_id, non_empty, req, uuid_field},
    lookup::Known,
    ops::{
        ExperimentCreate, ExperimentItemCreate, PromptVersionSave, TestSuiteCreate,
        TestSuiteItemUpsert,
    },
    registry::Operation,
};

impl PlanOp for PromptVersionSave {
    fn plan(_: Operation, items: &[Self], _: &Known) -> Result<Plan, String> {
        let mut plan = Plan::default();
        for (i, p) in items.iter().enumerate() {
            non_empty(i, "name", &p.name)?;
            non_empty(i, "template", &p.template)?;
            let id = new_id();
            let version = compact(json!({"id": id, "template": p.template,
                "change_description": p.change_description, "metadata": p.metadata,
                "type": p.template_type}));
            let body = json!({"name": p.name, "version": version});
            plan.push(req("POST", "/v1/private/prompts/versions", body), id);
        }
        Ok(plan)
    }
}

impl PlanOp for TestSuiteCreate {
    fn plan(_: Operation, items: &[Self], _: &Known) -> Result<Plan, String> {
        let mut plan = Plan::default();
        for (i, d) in items.iter().enumerate() {
            non_empty(i, "name", &d.name)?;
            let id = given_or_new(i, d.id.as_deref())?;
            let body = compact(json!({"id": id, "name": d.name,
                "description": d.description, "tags": d.tags}));
            plan.push(req("POST", "/v1/private/datasets", body), id);
        }
        Ok(plan)
    }
}

impl PlanOp for ExperimentCreate {
    fn plan(_: Operation, items: &[Self], _: &Known) -> Result<Plan, String> {
        let mut plan = Plan::default();
        for (i, e) in items.iter().enumerate() {
            non_empty(i, "test_suite_name", &e.test_suite_name)?;
            let id = given_or_new(i, e.id.as_deref())?;
            let body = compact(json!({"id": id, "dataset_name": e.test_suite_name,
                "name": e.name, "metadata": e.metadata}));
            plan.push(req("POST", "/v1/private/experiments", body), id);
        }
        Ok(plan)
    }
}

impl PlanOp for ExperimentItemCreate {
    fn plan(_: Operation, items: &[Self], _: &Known) -> Result<Plan, String> {
        let mut linked = Vec::with_capacity(items.len());
        let mut ids = Vec::with_capacity(items.len());
        for (i, e) in items.iter().enumerate() {
            let id = given_or_new(i, e.id.as_deref())?;
            linked.push(json!({"id": id,
                "experiment_id": uuid_field(i, "experiment_id", &e.experiment_id)?,
                "dataset_item_id": uuid_field(i, "dataset_item_id", &e.dataset_item_id)?,
                "trace_id": uuid_field(i, "trace_id", &e.trace_id)?}));
            ids.push(id);
        }
        let body = json!({ "experiment_items": linked });
        let requests = vec![req("POST", "/v1/private/experiments/items", body)];
        Ok(Plan { requests, ids })
    }
}

/// Items go to `PUT datasets/items`, one request per dataset.
impl PlanOp for TestSuiteItemUpsert {
    fn plan(_: Operation, items: &[Self], _: &Known) -> Result<Plan, String> {
        let mut by_suite: BTreeMap<(&str, String), Vec<Value>> = BTreeMap::new();
        let mut ids = Vec::new();
        for (i, it) in items.iter().enumerate() {
            let key = match (it.test_suite_id.as_deref(), it.test_suite_name.as_deref()) {
                (Some(id), _) => ("dataset_id", uuid_field(i, "test_suite_id", id)?),
                (None, Some(n)) if !n.trim().is_empty() => ("dataset_name", n.to_string()),
                _ => {
                    return Err(format!(
                        "data[{i}]: expected test_suite_name (string) or test_suite_id (UUID), e.g. \"test_suite_name\": \"qa-regression\""
                    ));
                }
            };
            let id = given_or_new(i, it.id.as_deref())?;
            by_suite
                .entry(key)
                .or_default()
                .push(json!({"id": id, "data": it.data, "source": "sdk"}));
            ids.push(id);
        }
        let requests = by_suite
            .into_iter()
            .map(|((k, v), items)| {
                req(
                    "PUT",
                    "/v1/private/datasets/items",
                    json!({ k: v, "items": items }),
                )
            })
            .collect();
        Ok(Plan { requests, ids })
    }
}
