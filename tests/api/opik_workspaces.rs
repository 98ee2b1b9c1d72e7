//! `opik.allowed_workspaces`: the server's own Opik key is used only in the configured (and
//! listed) workspaces, whatever a caller names; a caller with its own key may name any; and
//! a workspace name a header cannot carry is refused, never silently left out.

use serde_json::json;

use crate::{
    fake_opik::{KEY, OTHER_WORKSPACE, WORKSPACE},
    opik_requests::list_projects_with_headers,
    opik_support::{harness, harness_with},
};

#[tokio::test]
async fn the_servers_key_is_not_used_in_a_workspace_that_is_not_allowed() {
    // Arrange: default policy (only the configured workspace).
    let h = harness().await;
    h.fake.clear();
    // Act: the tool argument names another workspace.
    let text = h
        .call_err("list-projects", json!({"workspaceName": OTHER_WORKSPACE}))
        .await;
    // Assert: refused before any request, naming the setting's effect.
    assert!(
        text.contains(&format!("workspace \"{OTHER_WORKSPACE}\" is not allowed")),
        "{text}"
    );
    assert!(text.contains(&format!("allowed: {WORKSPACE}")), "{text}");
    assert!(h.fake.requests().is_empty(), "{:?}", h.fake.requests());
    // The configured workspace, named or not, still works.
    h.call_ok("list-projects", json!({"workspaceName": WORKSPACE}))
        .await;
    h.call_ok("list-projects", json!({})).await;
}

#[tokio::test]
async fn a_workspace_header_without_the_callers_own_key_is_held_to_the_same_policy() {
    // Arrange: callers may send a workspace header and a key header.
    let h = harness_with(|s| {
        s.opik.caller_key_header = Some("x-opik-api-key".into());
        s.opik.caller_workspace_header = Some("x-opik-workspace".into());
    })
    .await;
    h.fake.clear();
    // Act + Assert: the workspace alone would borrow the server's key: refused.
    let reply = list_projects_with_headers(&h, &[("x-opik-workspace", OTHER_WORKSPACE)]).await;
    assert_eq!(reply["result"]["isError"], true, "{reply}");
    assert!(h.fake.requests().is_empty());
    // With the caller's own key, any workspace may be named (Opik decides).
    let headers = [
        ("x-opik-api-key", KEY),
        ("x-opik-workspace", OTHER_WORKSPACE),
    ];
    let reply = list_projects_with_headers(&h, &headers).await;
    assert_eq!(reply["result"]["isError"], false, "{reply}");
    let sent = h.fake.last("GET", "/v1/private/projects");
    assert_eq!(sent.header("comet-workspace"), Some(OTHER_WORKSPACE));
}

#[tokio::test]
async fn listed_workspaces_and_the_wildcard_open_the_servers_key() {
    let listed = harness_with(|s| s.opik.allowed_workspaces = vec![OTHER_WORKSPACE.into()]).await;
    listed
        .call_ok("list-projects", json!({"workspaceName": OTHER_WORKSPACE}))
        .await;
    let text = listed
        .call_err("list-projects", json!({"workspaceName": "third-ws"}))
        .await;
    assert!(text.contains("is not allowed"), "{text}");
    let any = harness_with(|s| s.opik.allowed_workspaces = vec!["*".into()]).await;
    let text = any
        .call_err("list-projects", json!({"workspaceName": "third-ws"}))
        .await;
    assert!(text.contains("403"), "reached Opik, which refused: {text}");
}

#[tokio::test]
async fn a_workspace_name_with_control_characters_is_refused_not_dropped() {
    // Arrange: any workspace allowed, so only the header check stands in the way.
    let h = harness_with(|s| s.opik.allowed_workspaces = vec!["*".into()]).await;
    h.fake.clear();
    for name in ["ws\r\nX-Injected: 1", "ws\u{7f}", "wörkspace"] {
        // Act
        let text = h
            .call_err("list-projects", json!({"workspaceName": name}))
            .await;
        // Assert: a clear error, and no request went out without the header.
        assert!(
            text.contains("workspace name contains characters an HTTP header cannot carry"),
            "{name:?}: {text}"
        );
    }
    assert!(h.fake.requests().is_empty(), "{:?}", h.fake.requests());
}
