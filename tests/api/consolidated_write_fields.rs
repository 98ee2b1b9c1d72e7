//! `write` field checks: times (ISO 8601 / RFC 3339 with an offset, normalised to UTC, the end
//! not before the start), tags added or removed with Opik's own patch fields, without wiping
//! the others (the fake applies them like Opik), and argument errors that name their JSON path. Refusals write nothing.

use serde_json::{Value, json};

use crate::{fake_opik::ids, opik_support::harness};

fn trace(start: &str) -> Value {
    json!({"name": "t", "project_name": "demo-app", "start_time": start})
}

#[tokio::test]
async fn a_time_without_an_offset_fails_naming_element_and_path_dry_run_too() {
    let h = harness().await;
    h.fake.clear();
    let data = json!([
        trace("2026-01-01T12:00:00Z"),
        trace("2026-01-01T12:00:00Z"),
        trace("2026-01-01T12:00:00Z"),
        trace("2026-01-01 12:00")
    ]);
    for dry_run in [true, false] {
        let err = h
            .call_err(
                "write",
                json!({"operation": "trace.create", "data": data, "dry_run": dry_run}),
            )
            .await;
        assert!(
            err.contains(
                "data[3].start_time: expected an ISO 8601 / RFC 3339 time with a UTC offset"
            ) && err.contains("\"2026-01-01 12:00\""),
            "{err}"
        );
    }
    let backwards = h
        .call_err(
            "write",
            json!({"operation": "span.create", "data": {"trace_id": ids::TRACE_SHORT, "name": "s",
                   "start_time": "2026-01-01T12:00:00Z", "end_time": "2026-01-01T11:59:59Z"}}),
        )
        .await;
    assert!(
        backwards.contains("data[0].end_time: 2026-01-01T11:59:59Z is before start_time"),
        "{backwards}"
    );
    // Checked before the trace is looked up: nothing at all was sent.
    let update = h
        .call_err(
            "write",
            json!({"operation": "trace.update", "data": [{"id": ids::TRACE_SHORT},
                   {"id": ids::TRACE_LONG, "end_time": "yesterday"}]}),
        )
        .await;
    assert!(
        update.contains("data[1].end_time: expected an ISO 8601"),
        "{update}"
    );
    assert!(h.fake.requests().is_empty(), "{:?}", h.fake.requests());
}

#[tokio::test]
async fn times_with_an_offset_are_sent_in_utc() {
    let h = harness().await;
    h.call_ok(
        "write",
        json!({"operation": "trace.create", "data": {"name": "t", "project_name": "demo-app",
               "start_time": "2026-01-01T14:00:00.250+02:00", "end_time": "2026-01-01T12:00:01Z"}}),
    )
    .await;
    let body = h
        .fake
        .last("POST", "/v1/private/traces")
        .body
        .expect("body");
    assert_eq!(body["start_time"], "2026-01-01T12:00:00.250Z");
    assert_eq!(body["end_time"], "2026-01-01T12:00:01Z");
}

fn tags_of(h: &crate::opik_support::Harness, list: &str, id: &str) -> Value {
    let data = h.fake.state.data.lock().expect("lock");
    let entities = if list == "traces" {
        &data.traces
    } else {
        &data.spans
    };
    entities.iter().find(|e| e["id"] == id).expect("entity")["tags"].clone()
}

#[tokio::test]
async fn tags_to_add_and_tags_to_remove_keep_the_other_tags() {
    let h = harness().await;
    assert_eq!(tags_of(&h, "traces", ids::TRACE_SHORT), json!(["prod"]));
    h.call_ok(
        "write",
        json!({"operation": "trace.update",
               "data": {"id": ids::TRACE_SHORT, "tags_to_add": ["reviewed", "prod", "flaky"]}}),
    )
    .await;
    assert_eq!(
        tags_of(&h, "traces", ids::TRACE_SHORT),
        json!(["prod", "reviewed", "flaky"])
    );
    h.call_ok(
        "write",
        json!({"operation": "trace.update",
               "data": {"id": ids::TRACE_SHORT, "tags_to_remove": ["flaky"], "tags_to_add": ["ok"]}}),
    )
    .await;
    assert_eq!(
        tags_of(&h, "traces", ids::TRACE_SHORT),
        json!(["prod", "reviewed", "ok"])
    );
    // Opik's own fields go out: the change, never a merged list that could overwrite another
    // writer's tags.
    let body = h
        .fake
        .last("PATCH", &format!("/v1/private/traces/{}", ids::TRACE_SHORT))
        .body
        .expect("body");
    assert_eq!(body["tags_to_add"], json!(["ok"]));
    assert_eq!(body["tags_to_remove"], json!(["flaky"]));
    assert!(body.get("tags").is_none(), "{body}");

    h.call_ok(
        "write",
        json!({"operation": "span.update", "data": {"id": ids::SPAN_1, "tags_to_add": ["slow"]}}),
    )
    .await;
    h.call_ok(
        "write",
        json!({"operation": "span.update", "data": {"id": ids::SPAN_1, "tags_to_add": ["cached"]}}),
    )
    .await;
    assert_eq!(tags_of(&h, "spans", ids::SPAN_1), json!(["slow", "cached"]));
}

#[tokio::test]
async fn concurrent_tag_additions_all_land_and_need_no_read() {
    let h = harness().await;
    h.fake.clear();
    let path = format!("/v1/private/traces/{}", ids::TRACE_SHORT);
    let added: Vec<String> = (0..8).map(|i| format!("w{i}")).collect();
    let calls = added.iter().map(|tag| {
        h.call_ok(
            "write",
            json!({"operation": "trace.update", "data": {"id": ids::TRACE_SHORT,
                   "project_name": "demo-app", "tags_to_add": [tag]}}),
        )
    });
    futures::future::join_all(calls).await;
    let tags = tags_of(&h, "traces", ids::TRACE_SHORT);
    let tags: Vec<&str> = tags
        .as_array()
        .expect("tags")
        .iter()
        .flat_map(Value::as_str)
        .collect();
    assert_eq!(tags.len(), 9, "{tags:?}");
    assert!(tags.contains(&"prod"), "{tags:?}");
    for tag in &added {
        assert!(tags.contains(&tag.as_str()), "{tag} lost: {tags:?}");
    }
    // With the project named, the tags are never read.
    assert!(h.fake.requests_to("GET", &path).is_empty());
    assert_eq!(h.fake.requests_to("PATCH", &path).len(), 8);
}

#[tokio::test]
async fn contradictory_or_oversized_tag_changes_are_refused_before_anything_is_sent() {
    let h = harness().await;
    h.fake.clear();
    let cases = [
        (
            json!({"id": ids::TRACE_SHORT, "tags": ["a"], "tags_to_add": ["b"]}),
            "data[0].tags: give either tags",
        ),
        (
            json!({"id": ids::TRACE_SHORT, "tags_to_add": ["a"], "tags_to_remove": ["a"]}),
            "data[0].tags_to_remove[0]: \"a\" is also in tags_to_add",
        ),
        (
            json!({"id": ids::TRACE_SHORT, "tags_to_add": ["x".repeat(101)]}),
            "data[0].tags_to_add[0]: a tag has at most 100 characters",
        ),
        (
            json!({"id": ids::TRACE_SHORT, "tags_to_add": (0..51).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
            "data[0].tags_to_add: 51 tags; Opik takes at most 50",
        ),
    ];
    for (data, needle) in cases {
        let err = h
            .call_err("write", json!({"operation": "trace.update", "data": data}))
            .await;
        assert!(err.contains(needle), "{err}");
    }
    assert!(h.fake.requests().is_empty(), "{:?}", h.fake.requests());
}

#[tokio::test]
async fn write_argument_errors_name_their_json_path() {
    let h = harness().await;
    h.fake.clear();
    let cases = [
        (
            json!({"operation": "trace.delete", "data": {}}),
            "operation: unknown variant `trace.delete`",
        ),
        (
            json!({"operation": "trace.create", "data": {}, "dry_run": "yes"}),
            "dry_run: invalid type: string \"yes\", expected a boolean",
        ),
        (
            json!({"operation": "trace.create", "data": {}, "idempotency_key": 7}),
            "idempotency_key: invalid type: integer `7`",
        ),
        (
            json!({"operation": "span.update", "data": {"id": ids::SPAN_1, "usage": {"prompt_tokens": "ten"}}}),
            "data[0].usage.prompt_tokens: invalid type",
        ),
    ];
    for (args, needle) in cases {
        let err = h.call_err("write", args).await;
        assert!(err.contains(needle), "{err}");
    }
    let err = h.call_err("schema", json!({"operation": 3})).await;
    assert!(
        err.contains("operation: invalid type: integer `3`"),
        "{err}"
    );
    assert!(h.fake.requests().is_empty(), "{:?}", h.fake.requests());
}
