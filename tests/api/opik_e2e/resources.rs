//! Every resource and prompt, and the bounding of long values.

use std::collections::BTreeSet;

use serde_json::json;

use crate::{
    fake_opik::{KEY, WORKSPACE, data::LONG_INPUT_CHARS, ids},
    opik_support::harness,
};

/// The entity URIs of `read`, listed as templates with the consolidated toolset.
const ENTITY_TEMPLATES: [&str; 7] = [
    "opik://projects/{projectId}",
    "opik://traces/{traceId}",
    "opik://spans/{spanId}",
    "opik://projects/{projectId}/threads/{threadId}",
    "opik://test-suites/{testSuiteId}",
    "opik://experiments/{experimentId}",
    "opik://prompts/{promptId}",
];

#[tokio::test]
async fn every_entity_uri_of_read_reads_as_a_resource() {
    let h = harness().await;
    let entity = |t: &str| format!("opik://{t}");
    let cases = [
        (
            "opik://projects/{projectId}",
            entity(&format!("projects/{}", ids::PROJECT_DEMO)),
            "name",
            json!("demo-app"),
        ),
        (
            "opik://traces/{traceId}",
            entity(&format!("traces/{}", ids::TRACE_LONG)),
            "spans_total",
            json!(2),
        ),
        (
            "opik://spans/{spanId}",
            entity(&format!("spans/{}", ids::SPAN_1)),
            "name",
            json!("retrieve"),
        ),
        (
            "opik://projects/{projectId}/threads/{threadId}",
            entity(&format!(
                "projects/{}/threads/{}",
                ids::PROJECT_DEMO,
                ids::THREAD
            )),
            "messages_total",
            json!(2),
        ),
        (
            "opik://test-suites/{testSuiteId}",
            entity(&format!("test-suites/{}", ids::DATASET)),
            "name",
            json!(ids::DATASET_NAME),
        ),
        (
            "opik://experiments/{experimentId}",
            entity(&format!("experiments/{}", ids::EXPERIMENT)),
            "name",
            json!(ids::EXPERIMENT_NAME),
        ),
        (
            "opik://prompts/{promptId}",
            entity(&format!("prompts/{}", ids::PROMPT)),
            "versions_total",
            json!(1),
        ),
    ];
    let mut covered = BTreeSet::new();
    for (template, uri, field, want) in cases {
        let body = h.read_json(&uri).await;
        assert_eq!(body[field], want, "{uri}: {body}");
        covered.insert(template);
    }
    assert_eq!(covered, BTreeSet::from(ENTITY_TEMPLATES));
}

#[tokio::test]
async fn every_resource_reads_end_to_end() {
    let h = harness().await;
    let list = h.rpc("resources/list", json!({})).await;
    let statics: Vec<&str> = list["result"]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["uri"].as_str().expect("uri"))
        .collect();
    assert_eq!(statics, ["opik://workspace-info", "opik://projects-list"]);
    let templates = h.rpc("resources/templates/list", json!({})).await;
    let templates: BTreeSet<String> = templates["result"]["resourceTemplates"]
        .as_array()
        .expect("templates")
        .iter()
        .map(|t| t["uriTemplate"].as_str().expect("uri").to_string())
        .collect();
    assert_eq!(
        templates.len(),
        16,
        "9 classic templates and the 7 entity forms of read"
    );
    let templates: BTreeSet<String> = templates
        .into_iter()
        .filter(|t| !ENTITY_TEMPLATES.contains(&t.as_str()))
        .collect();

    let ws = h.read_json("opik://workspace-info").await;
    assert_eq!(ws["name"], WORKSPACE);
    assert_eq!(h.read_json("opik://projects-list").await["total"], 3);
    assert_eq!(
        h.fake.last("GET", "/v1/private/projects").query["size"],
        "25"
    );
    let cases = [
        (
            "opik://projects/{page}/{size}",
            "opik://projects/1/1".to_string(),
            "total",
            json!(3),
        ),
        (
            "opik://prompts/{page}/{size}",
            "opik://prompts/1/10".into(),
            "total",
            json!(1),
        ),
        (
            "opik://prompt/{name}",
            format!("opik://prompt/{}", ids::PROMPT_NAME),
            "summary",
            json!(format!("Prompt \"greeting\" at commit {}", ids::COMMIT)),
        ),
        (
            "opik://prompt/{name}/{commit}",
            format!("opik://prompt/{}/{}", ids::PROMPT_NAME, ids::COMMIT),
            "summary",
            json!(format!("Prompt \"greeting\" at commit {}", ids::COMMIT)),
        ),
        (
            "opik://datasets/{page}/{size}",
            "opik://datasets/1/10".into(),
            "total",
            json!(2),
        ),
        (
            "opik://dataset/{datasetId}",
            format!("opik://dataset/{}", ids::DATASET),
            "summary",
            json!("Dataset \"qa-golden\""),
        ),
        (
            "opik://dataset/{datasetId}/items/{page}/{size}",
            format!("opik://dataset/{}/items/1/25", ids::DATASET),
            "total",
            json!(2),
        ),
        (
            "opik://trace/{traceId}",
            format!("opik://trace/{}", ids::TRACE_SHORT),
            "summary",
            json!(format!("Trace {} (summarise)", ids::TRACE_SHORT)),
        ),
        (
            "opik://traces/{projectId}/{page}/{size}",
            format!("opik://traces/{}/1/10", ids::PROJECT_DEMO),
            "total",
            json!(2),
        ),
    ];
    let mut covered = BTreeSet::new();
    for (template, uri, field, want) in cases {
        let body = h.read_json(&uri).await;
        assert_eq!(body[field], want, "{uri}: {body}");
        covered.insert(template.to_string());
    }
    assert_eq!(covered, templates, "every template must be read");
    let req = h.fake.last("GET", "/v1/private/traces");
    assert_eq!(req.query["project_id"], ids::PROJECT_DEMO);
    assert_eq!(req.header("authorization"), Some(KEY));
}

#[tokio::test]
async fn every_prompt_renders_with_its_arguments() {
    let h = harness().await;
    let list = h.rpc("prompts/list", json!({})).await;
    let prompts = list["result"]["prompts"].as_array().expect("prompts");
    let names: Vec<&str> = prompts
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["opik-triage-workflow", "opik-dataset-maintenance"]);
    assert_eq!(
        prompts[0]["arguments"][0],
        json!({"name": "goal", "description": "What the user wants to achieve with Opik.", "required": true})
    );

    let triage = h
        .prompt(
            "opik-triage-workflow",
            json!({"goal": "find slow traces", "scope": "traces"}),
        )
        .await;
    let text = triage["result"]["messages"][0]["content"]["text"]
        .as_str()
        .expect("text");
    assert!(
        text.contains("Goal: find slow traces") && text.contains("Scope: traces"),
        "{text}"
    );
    assert_eq!(triage["result"]["messages"][0]["role"], "user");

    let ds = h
        .prompt(
            "opik-dataset-maintenance",
            json!({"datasetName": "qa-golden"}),
        )
        .await;
    let text = ds["result"]["messages"][0]["content"]["text"]
        .as_str()
        .expect("text");
    assert!(
        text.contains("Dataset: qa-golden") && text.contains("Find low-quality items"),
        "{text}"
    );

    let missing = h.prompt("opik-dataset-maintenance", json!({})).await;
    assert_eq!(missing["error"]["code"], -32602, "{missing}");
    assert!(
        missing["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("datasetName")
    );
    assert!(h.fake.requests().is_empty(), "prompts make no Opik calls");
}

#[tokio::test]
async fn long_trace_input_is_truncated_with_a_marker_and_a_note() {
    let h = harness().await;
    let out = h
        .call_ok("get-trace-by-id", json!({"traceId": ids::TRACE_LONG}))
        .await;
    let input = out["item"]["input"]["question"].as_str().expect("input");
    let cut = LONG_INPUT_CHARS - 4000;
    assert!(
        input.ends_with(&format!("…[truncated {cut} chars]")),
        "{}",
        &input[input.len() - 40..]
    );
    assert_eq!(
        input.chars().count(),
        4000 + format!("…[truncated {cut} chars]").chars().count()
    );
    let notes = out["notes"].as_array().expect("notes");
    assert!(
        notes.iter().any(|n| n
            .as_str()
            .expect("note")
            .contains("1 long text value(s) were cut")),
        "{notes:?}"
    );
}
