use serde_json::json;

use super::*;
use crate::config::Settings;

fn all() -> Settings {
    let mut s = Settings::default();
    s.opik.toolsets = "all".parse().expect("toolsets");
    s
}

#[test]
fn matches_rank_prefixes_first_case_insensitively_without_duplicates() {
    let items = ["Beta-qa", "qa-golden", "QA-smoke", "other", "qa-golden"]
        .into_iter()
        .map(|s| (s.to_owned(), s.to_owned()));
    assert_eq!(rank(items, "qa"), ["qa-golden", "QA-smoke", "Beta-qa"]);
    let many = (0..150).map(|i| (format!("n{i}"), format!("n{i}")));
    assert_eq!(rank(many, "").len(), CompletionInfo::MAX_VALUES);
}

#[test]
fn id_sources_answer_the_ids_of_the_entities_whose_names_match() {
    let page = json!({"total": 3, "content": [
        {"id": "i1", "name": "alpha"}, {"id": "i2", "name": "my alpha"}, {"id": "i3", "name": "alpha"},
    ]});
    assert_eq!(
        values_of(&page, true, "alp"),
        (vec!["i1".into(), "i3".into(), "i2".into()], 3)
    );
    assert_eq!(values_of(&page, false, "my"), (vec!["my alpha".into()], 3));
    assert_eq!(values_of(&json!({}), false, ""), (vec![], 0));
}

#[test]
fn prompt_arguments_map_to_their_sources_and_unknown_ones_are_invalid_params() {
    let s = all();
    assert_eq!(
        prompt_source(&s, prompts::TRIAGE, "focus").expect("known"),
        Source::Fixed(prompts::SCOPES)
    );
    assert_eq!(
        prompt_source(&s, prompts::DATASET, "experimentName").expect("known"),
        Source::Opik {
            path: EXPERIMENTS,
            ids: false
        }
    );
    assert_eq!(
        prompt_source(&s, prompts::TRIAGE, "goal").expect("known"),
        Source::Nothing
    );
    let e = prompt_source(&s, prompts::TRIAGE, "bogus").expect_err("unknown argument");
    assert_eq!(e.code, rmcp::model::ErrorCode::INVALID_PARAMS);
    let e = prompt_source(&s, "nope", "x").expect_err("unknown prompt");
    assert!(e.message.contains("Unknown prompt: nope"), "{}", e.message);
}

#[test]
fn template_variables_map_to_their_sources_and_only_listed_templates_complete() {
    let s = all();
    assert_eq!(
        template_source(&s, "opik://prompt/{name}/{commit}", "name").expect("known"),
        Source::Opik {
            path: PROMPTS,
            ids: false
        }
    );
    assert_eq!(
        template_source(&s, "opik://traces/{projectId}/{page}/{size}", "projectId").expect("known"),
        Source::Opik {
            path: PROJECTS,
            ids: true
        }
    );
    assert_eq!(
        template_source(&s, "opik://projects/{page}/{size}", "page").expect("known"),
        Source::Nothing
    );
    assert!(template_source(&s, "opik://projects/{page}/{size}", "name").is_err());
    let core = Settings::default();
    assert!(
        template_source(&core, "opik://prompt/{name}", "name").is_err(),
        "a template of a disabled toolset is unknown"
    );
}
