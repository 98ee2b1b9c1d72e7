//! `compare_experiments(experiments, page?, size?, max_tokens?)`: two or more experiments on one
//! dataset, side by side. The aggregate score of each experiment and its delta from the first,
//! then each dataset item with its input, expected output, and each experiment's output and
//! scores, ordered by the largest disagreement (the widest spread of one score across the
//! experiments). Opik calls: `GET experiments/{id}` per experiment (after name resolution),
//! `GET experiments/feedback-scores/names`, and `GET datasets/{id}/items/experiments/items`
//! (the items compared across experiments, paged, truncated by Opik).

use rmcp::{model::Extensions, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    answer::{Answer, budget, render},
    compare_rows::{Experiment, deltas, rank, rows},
    entity::ReadType,
};
use crate::{
    mcp::{
        McpServer,
        tools::{common::ToolError, params::Parameters},
    },
    opik::{Call, Credentials},
};

/// Dataset items ranked per call (the ranking is over these; larger datasets are noted).
pub const MAX_ITEMS: usize = 500;
/// Most experiments compared at once.
pub const MAX_EXPERIMENTS: usize = 10;

fn default_size() -> u32 {
    10
}

fn default_page() -> u32 {
    1
}

/// Arguments of `compare_experiments`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompareArgs {
    /// Two to ten experiments on the same dataset, by id or exact name; the first is the
    /// baseline the deltas are measured from.
    #[schemars(length(min = 2, max = 10))]
    pub experiments: Vec<String>,
    /// 1-based page of dataset items (ordered by disagreement, largest first).
    #[serde(default = "default_page")]
    #[schemars(range(min = 1, max = 1000))]
    pub page: u32,
    /// Dataset items per page (default 10, at most 50).
    #[serde(default = "default_size")]
    #[schemars(range(min = 1, max = 50))]
    pub size: u32,
    /// Token budget of the answer (default 8000; tokens are estimated as characters / 4).
    #[serde(default)]
    #[schemars(range(min = 100, max = 200000))]
    pub max_tokens: Option<u32>,
}

#[tool_router(router = consolidated_compare_router, vis = "pub(crate)")]
impl McpServer {
    /// Compare experiments item by item.
    #[tool(
        name = "compare_experiments",
        description = "Compare two or more experiments (ids or names) run on the same dataset: \
                       each score's average per experiment and its delta from the first, then \
                       the dataset items side by side (input, expected output, each \
                       experiment's output and scores) ordered by the largest disagreement, \
                       paged. The answer stays within max_tokens (default 8000).",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn compare_experiments(
        &self,
        Parameters(args): Parameters<CompareArgs>,
        ext: Extensions,
    ) -> Result<String, ToolError> {
        let budget = budget(args.max_tokens)?;
        if !(2..=MAX_EXPERIMENTS).contains(&args.experiments.len()) {
            return Err(ToolError::invalid(format!(
                "experiments: expected 2 to {MAX_EXPERIMENTS} ids or names, got {}",
                args.experiments.len()
            )));
        }
        if args.size == 0 || args.size > 50 || args.page == 0 || args.page > 1000 {
            return Err(ToolError::invalid("page: 1 to 1000; size: 1 to 50"));
        }
        let (creds, _) = self.credentials(&ext, None);
        let exps = self.experiments(&creds, &args.experiments).await?;
        let dataset = exps[0].dataset_id.clone();
        let ids: Vec<&str> = exps.iter().map(|e| e.id.as_str()).collect();
        let names = self.score_names(&creds, &ids).await?;
        let path = format!("/v1/private/datasets/{dataset}/items/experiments/items");
        let filter = serde_json::to_string(&ids).unwrap_or_default();
        let call = |page: u32, size: u32| {
            Call::get(&path)
                .query("experiment_ids", &filter)
                .query("truncate", true)
                .query("page", page)
                .query("size", size)
        };
        let pages = self.fetch_pages(&creds, call, MAX_ITEMS, 100).await?;
        let mut items = rows(&pages.items, &exps, &names);
        rank(&mut items);
        let total = items.len();
        let (page, size) = (args.page as usize, args.size as usize);
        let shown: Vec<Value> = items
            .into_iter()
            .skip((page - 1) * size)
            .take(size)
            .collect();
        let mut notes = Vec::new();
        if pages.total > MAX_ITEMS as i64 {
            notes.push(format!(
                "items: ranked the first {MAX_ITEMS} of {} dataset items",
                pages.total
            ));
        }
        if !pages.skipped.is_empty() {
            notes.push(format!(
                "items at positions {:?} skipped (too large)",
                pages.skipped
            ));
        }
        let pages_n = total.div_ceil(size).max(1);
        let value = json!({
            "experiments": exps.iter().map(Experiment::summary).collect::<Vec<_>>(),
            "dataset": {"id": dataset, "name": exps[0].dataset_name},
            "score_deltas": deltas(&exps, &names),
            "items": shown,
            "items_total": total,
            "page": format!("{page} of {pages_n} ({size} per page, largest disagreement first)"),
        });
        let answer = Answer {
            title: format!(
                "compare_experiments: {} experiments on dataset {}",
                exps.len(),
                exps[0].dataset_name
            ),
            value: &value,
            notes,
        };
        let next = (page < pages_n).then(|| {
            format!(
                "compare_experiments(experiments={}, page={}, size={size}) for the next items",
                serde_json::to_string(&args.experiments).unwrap_or_default(),
                page + 1
            )
        });
        Ok(render(&answer, budget, |_| next.clone()))
    }
}

impl McpServer {
    /// Each experiment, resolved and fetched; all must be on one dataset.
    async fn experiments(
        &self,
        creds: &Credentials,
        raw: &[String],
    ) -> Result<Vec<Experiment>, ToolError> {
        let mut out: Vec<Experiment> = Vec::new();
        for (i, r) in raw.iter().enumerate() {
            let id = self
                .id_of(creds, ReadType::Experiment, r)
                .await
                .map_err(|mut e| {
                    e.message = format!("experiments[{i}]: {}", e.message);
                    e
                })?;
            let path = format!("/v1/private/experiments/{id}");
            let v = self.opik().get_json(creds, Call::get(&path)).await?;
            out.push(Experiment::from_opik(&id, &v));
        }
        Experiment::label_all(&mut out);
        if out.iter().any(|e| e.dataset_id != out[0].dataset_id) {
            let on: Vec<String> = out
                .iter()
                .map(|e| {
                    format!(
                        "{} → dataset {} ({})",
                        e.label, e.dataset_name, e.dataset_id
                    )
                })
                .collect();
            return Err(ToolError::invalid(format!(
                "experiments: must all be on one dataset to compare item by item; got {}",
                on.join(", ")
            )));
        }
        Ok(out)
    }

    /// The feedback score names the experiments carry.
    async fn score_names(
        &self,
        creds: &Credentials,
        ids: &[&str],
    ) -> Result<Vec<String>, ToolError> {
        let call = Call::get("/v1/private/experiments/feedback-scores/names").query(
            "experiment_ids",
            serde_json::to_string(ids).unwrap_or_default(),
        );
        let raw = self.opik().get_json(creds, call).await?;
        Ok(raw["scores"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["name"].as_str().map(str::to_owned))
            .collect())
    }
}
