//! The `compare_experiments` tool against the fake's two experiments on `support-regression`:
//! aggregate deltas, items side by side ordered by disagreement, paging, the token budget,
//! the Opik calls, and refusals (one experiment, different datasets, unknown names).

use serde_json::{Value, json};

use crate::{
    fake_opik::{analysis::ids, ids as base},
    opik_support::{Harness, harness},
};

async fn compare(h: &Harness, args: Value) -> (String, Value) {
    h.call_budgeted("compare_experiments", args).await
}

#[tokio::test]
async fn two_experiments_side_by_side_with_the_largest_disagreement_first() {
    let h = harness().await;
    let (header, v) = compare(&h, json!({"experiments": [ids::EXP_V1_NAME, ids::EXP_V2]})).await;
    assert!(
        header.starts_with(
            "[compare_experiments: 2 experiments on dataset support-regression · tier full"
        ),
        "{header}"
    );
    let deltas = v["score_deltas"].as_array().expect("deltas");
    let accuracy = deltas
        .iter()
        .find(|d| d["name"] == "accuracy")
        .expect("accuracy");
    assert_eq!(accuracy["prompt-v1"], json!(0.8625));
    assert_eq!(accuracy["prompt-v2"], json!(0.7625));
    assert_eq!(accuracy["delta prompt-v2"], json!(-0.1));
    let latency = deltas
        .iter()
        .find(|d| d["name"] == "latency_ok")
        .expect("latency_ok");
    assert_eq!(latency["delta prompt-v2"], json!(-0.25));
    let items = v["items"].as_array().expect("items");
    assert_eq!(v["items_total"], 8);
    assert_eq!(items[0]["dataset_item_id"], ids::ITEM_MOST_DISPUTED);
    assert_eq!(items[0]["disagreement"], json!(1.0));
    assert_eq!(items[0]["disputed_score"], "accuracy");
    assert_eq!(items[0]["input"], json!({"question": "question 5"}));
    assert_eq!(items[0]["expected_output"], json!({"answer": "answer 5"}));
    assert_eq!(
        items[0]["prompt-v1"]["output"],
        json!({"answer": "v1 answer to question 5"})
    );
    assert_eq!(items[0]["prompt-v2"]["scores"]["accuracy"], json!(0.0));
    let spread: Vec<f64> = items
        .iter()
        .map(|i| i["disagreement"].as_f64().expect("n"))
        .collect();
    assert_eq!(&spread[..4], &[1.0, 0.6, 0.4, 0.0], "{spread:?}");

    let lookup = h.fake.last("GET", "/v1/private/experiments");
    assert_eq!(lookup.query["name"], ids::EXP_V1_NAME, "names are resolved");
    let q = &h
        .fake
        .last(
            "GET",
            &format!(
                "/v1/private/datasets/{}/items/experiments/items",
                ids::DATASET
            ),
        )
        .query;
    let sent: Vec<String> = serde_json::from_str(&q["experiment_ids"]).expect("JSON array");
    assert_eq!(sent, [ids::EXP_V1, ids::EXP_V2]);
    assert_eq!(q["truncate"], "true");
    let names = &h
        .fake
        .last("GET", "/v1/private/experiments/feedback-scores/names")
        .query;
    assert!(names["experiment_ids"].contains(ids::EXP_V2));
}

#[tokio::test]
async fn items_are_paged_and_the_header_names_the_next_page() {
    let h = harness().await;
    let (header, v) = compare(
        &h,
        json!({"experiments": [ids::EXP_V1, ids::EXP_V2], "page": 1, "size": 3}),
    )
    .await;
    assert_eq!(v["items"].as_array().expect("items").len(), 3);
    assert_eq!(v["page"], "1 of 3 (3 per page, largest disagreement first)");
    assert!(
        header.contains(&format!(
            "more: compare_experiments(experiments=[\"{}\",\"{}\"], page=2, size=3)",
            ids::EXP_V1,
            ids::EXP_V2
        )),
        "{header}"
    );
    let (_, last) = compare(
        &h,
        json!({"experiments": [ids::EXP_V1, ids::EXP_V2], "page": 3, "size": 3}),
    )
    .await;
    assert_eq!(last["items"].as_array().expect("items").len(), 2);
}

#[tokio::test]
async fn a_small_budget_is_kept() {
    let h = harness().await;
    let result = h
        .call(
            "compare_experiments",
            json!({"experiments": [ids::EXP_V1, ids::EXP_V2], "max_tokens": 400}),
        )
        .await;
    let text = result["content"][0]["text"].as_str().expect("text");
    assert!(
        text.chars().count() <= 1600,
        "{} characters",
        text.chars().count()
    );
    assert!(!text.contains("tier full"), "{text}");
}

#[tokio::test]
async fn experiments_that_cannot_be_compared_are_refused() {
    let h = harness().await;
    let other = h
        .call_err(
            "compare_experiments",
            json!({"experiments": [base::EXPERIMENT, ids::EXP_V1]}),
        )
        .await;
    assert!(
        other.contains("must all be on one dataset")
            && other.contains("qa-golden")
            && other.contains("support-regression"),
        "{other}"
    );
    let missing = h
        .call_err(
            "compare_experiments",
            json!({"experiments": [ids::EXP_V1, "no-such-run"]}),
        )
        .await;
    assert!(
        missing.contains("experiments[1]: Not found: no experiment is named"),
        "{missing}"
    );
    h.fake.clear();
    let one = h
        .call_err("compare_experiments", json!({"experiments": [ids::EXP_V1]}))
        .await;
    assert!(one.contains("experiments: expected 2 to 10"), "{one}");
    assert!(h.fake.requests().is_empty());
}
