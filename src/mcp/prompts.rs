//! MCP prompts of the legacy TS server (upstream `prompts/core-prompts.ts`), listed with the
//! `core` toolset: `opik-triage-workflow` and `opik-dataset-maintenance`.

use rmcp::{
    ErrorData,
    model::{GetPromptResult, JsonObject, Prompt, PromptArgument, PromptMessage, Role},
};

use crate::config::{Settings, Toolset};

/// The workflow triage prompt.
pub(super) const TRIAGE: &str = "opik-triage-workflow";
/// The dataset maintenance prompt.
pub(super) const DATASET: &str = "opik-dataset-maintenance";
/// The scopes the triage prompt accepts.
pub(super) const SCOPES: &[&str] = &[
    "core", "prompts", "datasets", "traces", "projects", "metrics",
];
const DEFAULT_OBJECTIVE: &str = "Find low-quality items and produce cleanup actions.";

/// The prompts this deployment lists (with the core or the consolidated toolset).
pub fn list(settings: &Settings) -> Vec<Prompt> {
    let sets = &settings.opik.toolsets;
    if !sets.contains(Toolset::Core) && !sets.contains(Toolset::Consolidated) {
        return Vec::new();
    }
    vec![
        Prompt::new(
            TRIAGE,
            Some("Guide for choosing the right Opik tools and first actions for a goal."),
            Some(vec![
                PromptArgument::new("goal")
                    .with_description("What the user wants to achieve with Opik.")
                    .with_required(true),
                PromptArgument::new("scope")
                    .with_description(
                        "Main area: core (default), prompts, datasets, traces, projects or \
                         metrics. Also accepted as `focus`.",
                    )
                    .with_required(false),
            ]),
        )
        .with_title("Opik workflow triage"),
        Prompt::new(
            DATASET,
            Some("Workflow for curating a dataset and checking its quality."),
            Some(vec![
                PromptArgument::new("datasetName")
                    .with_description("Name of the dataset to inspect or curate.")
                    .with_required(true),
                PromptArgument::new("objective")
                    .with_description(format!("What to achieve (default: {DEFAULT_OBJECTIVE})"))
                    .with_required(false),
                PromptArgument::new("experimentName")
                    .with_description(
                        "An experiment run on this dataset whose lowest-scored items to \
                         start from.",
                    )
                    .with_required(false),
            ]),
        )
        .with_title("Dataset maintenance"),
    ]
}

/// Render one prompt.
pub fn get(
    settings: &Settings,
    name: &str,
    args: Option<&JsonObject>,
) -> Result<GetPromptResult, ErrorData> {
    if !list(settings).iter().any(|p| p.name == name) {
        return Err(ErrorData::invalid_params(
            format!("Unknown prompt: {name}; prompts/list shows what is available"),
            None,
        ));
    }
    let arg = |key: &str| {
        args.and_then(|a| a.get(key))
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let consolidated = settings.opik.toolsets.contains(Toolset::Consolidated);
    let text = if name == TRIAGE {
        let goal = arg("goal").ok_or_else(|| missing(name, "goal"))?;
        let scope = arg("scope").or_else(|| arg("focus")).unwrap_or("core");
        if !SCOPES.contains(&scope) {
            return Err(ErrorData::invalid_params(
                format!("scope must be one of {}, got {scope:?}", SCOPES.join(", ")),
                None,
            ));
        }
        triage(goal, scope, consolidated)
    } else {
        let dataset = arg("datasetName")
            .or_else(|| arg("dataset_name"))
            .ok_or_else(|| missing(name, "datasetName"))?;
        let objective = arg("objective").unwrap_or(DEFAULT_OBJECTIVE);
        let experiment = arg("experimentName").map_or_else(String::new, |e| {
            format!(
                "Experiment: {e}\nStart from the items this experiment scored lowest: look them \
                 up first and inspect those before the rest.\n"
            )
        });
        maintenance(dataset, objective, &experiment, consolidated)
    };
    let mut result = GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)]);
    result.description = list(settings)
        .into_iter()
        .find(|p| p.name == name)
        .and_then(|p| p.description);
    Ok(result)
}

/// The triage text, naming the tools of the surface the agent has (the consolidated one when
/// enabled: it lists no classic twins).
fn triage(goal: &str, scope: &str, consolidated: bool) -> String {
    let tools = if consolidated {
        "Tools: search(entity_type, project_name, filters) finds traces, spans or threads \
         (errors, low feedback scores, slow or costly runs, a time window); stats(project_name, \
         start, end, breakdown) gives counts, error rate, latency, cost and tokens, by model, \
         provider or tag; compare_experiments(experiments) shows where one evaluation run did \
         worse than another; read(entity_type, id) opens one entity within max_tokens; \
         list(entity_type, …) browses. Run only these read tools first.\n\
         Before any change, confirm the target ids from read results and ask the user; then \
         schema(operation) and write(operation, data, dry_run=true) before the real write."
    } else {
        "First, call get-server-info to see the workspace and the enabled tools.\n\
         Then propose a short three-step plan and run only read operations (list-*, get-*, \
         search-*) before any change.\n\
         Before creating, updating or deleting anything, confirm the target ids from read \
         results and ask the user."
    };
    format!(
        "You are operating the Opik MCP server.\nGoal: {goal}\nScope: {scope}\n\
         Propose a short three-step plan first.\n{tools}"
    )
}

/// The dataset-maintenance text, for the surface the agent has.
fn maintenance(dataset: &str, objective: &str, experiment: &str, consolidated: bool) -> String {
    let steps = if consolidated {
        "Use list(entity_type=\"test_suite\", name=…) to find the dataset, then \
         list(entity_type=\"test_suite_item\", test_suite_id=…) page by page to inspect the \
         items. If experiments ran on it, compare_experiments(experiments=[…]) shows the items \
         they disagree on. Return a concise cleanup plan naming each item id, wait for \
         approval, then fix items with write(\"test_suite_item.upsert\", …) (dry_run first)."
    } else {
        "Use list-datasets (with name) to find the dataset id.\n\
         Use list-dataset-items page by page to inspect the items.\n\
         Return a concise cleanup plan naming each item id before calling \
         delete-dataset-item, and wait for approval."
    };
    format!("Dataset: {dataset}\nObjective: {objective}\n{experiment}{steps}")
}

fn missing(prompt: &str, arg: &str) -> ErrorData {
    ErrorData::invalid_params(format!("prompt {prompt} needs the argument {arg}"), None)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn obj(v: serde_json::Value) -> JsonObject {
        v.as_object().cloned().expect("object")
    }

    #[test]
    fn triage_accepts_focus_as_an_alias_and_checks_the_scope() {
        let s = Settings::default();
        let r = get(
            &s,
            TRIAGE,
            Some(&obj(json!({"goal": "find slow runs", "focus": "traces"}))),
        )
        .expect("prompt");
        let text = serde_json::to_string(&r.messages).expect("json");
        assert!(text.contains("Scope: traces") && text.contains("find slow runs"));
        assert!(
            get(
                &s,
                TRIAGE,
                Some(&obj(json!({"goal": "x", "scope": "bogus"})))
            )
            .is_err()
        );
        assert!(get(&s, TRIAGE, None).is_err());
    }

    #[test]
    fn prompts_need_the_core_or_consolidated_toolset() {
        let mut s = Settings::default();
        s.opik.toolsets = "metrics".parse().expect("valid");
        assert!(list(&s).is_empty());
        assert!(get(&s, DATASET, Some(&obj(json!({"datasetName": "d"})))).is_err());
    }

    #[test]
    fn with_the_consolidated_toolset_the_prompts_name_the_consolidated_tools() {
        let mut s = Settings::default();
        s.opik.toolsets = "consolidated".parse().expect("valid");
        let text = |name: &str, args: serde_json::Value| {
            let r = get(&s, name, Some(&obj(args))).expect("prompt");
            serde_json::to_string(&r.messages).expect("json")
        };
        let t = text(TRIAGE, json!({"goal": "why did costs rise"}));
        for tool in [
            "search(",
            "stats(",
            "compare_experiments(",
            "read(",
            "write(",
        ] {
            assert!(t.contains(tool), "{tool}: {t}");
        }
        assert!(!t.contains("get-server-info"), "{t}");
        let d = text(DATASET, json!({"datasetName": "qa"}));
        assert!(
            d.contains("test_suite_item") && !d.contains("list-dataset-items"),
            "{d}"
        );
    }
}
