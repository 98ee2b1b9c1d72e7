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

/// The prompts this deployment lists.
pub fn list(settings: &Settings) -> Vec<Prompt> {
    if !settings.opik.toolsets.contains(Toolset::Core) {
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
    let text = if name == TRIAGE {
        let goal = arg("goal").ok_or_else(|| missing(name, "goal"))?;
        let scope = arg("scope").or_else(|| arg("focus")).unwrap_or("core");
        if !SCOPES.contains(&scope) {
            return Err(ErrorData::invalid_params(
                format!("scope must be one of {}, got {scope:?}", SCOPES.join(", ")),
                None,
            ));
        }
        format!(
            "You are operating the Opik MCP server.\nGoal: {goal}\nScope: {scope}\n\
             First, call get-server-info to see the workspace and the enabled tools.\n\
             Then propose a short three-step plan and run only read operations (list-*, get-*, \
             search-*) before any change.\n\
             Before creating, updating or deleting anything, confirm the target ids from read \
             results and ask the user."
        )
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
        format!(
            "Dataset: {dataset}\nObjective: {objective}\n{experiment}\
             Use list-datasets (with name) to find the dataset id.\n\
             Use list-dataset-items page by page to inspect the items.\n\
             Return a concise cleanup plan naming each item id before calling \
             delete-dataset-item, and wait for approval."
        )
    };
    let mut result = GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)]);
    result.description = list(settings)
        .into_iter()
        .find(|p| p.name == name)
        .and_then(|p| p.description);
    Ok(result)
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
    fn prompts_need_the_core_toolset() {
        let mut s = Settings::default();
        s.opik.toolsets = "metrics".parse().expect("valid");
        assert!(list(&s).is_empty());
        assert!(get(&s, DATASET, Some(&obj(json!({"datasetName": "d"})))).is_err());
    }
}
