//! Scopes and API keys: tools the principal may not call are neither listed nor callable.

use serde_json::json;

use super::support::*;
use crate::helpers::initialize_request;

/// `get-opik-help` made a write tool by configuration (both built-in tools are read-only).
fn help_needs_write(s: &mut opik_mcp::config::Settings) {
    s.auth
        .scopes
        .tools
        .insert("get-opik-help".into(), "opik:write".into());
}

#[tokio::test]
async fn a_read_only_key_sees_only_read_tools_and_a_write_call_is_an_unknown_tool() {
    let app = spawn_secure(|s| {
        api_key_mode(s);
        help_needs_write(s);
    })
    .await;
    let sid = initialize_as(&app, READ_KEY).await;
    let list = rpc_as(&app, READ_KEY, &sid, 2, "tools/list", json!({})).await;
    let names = tool_names(&list);
    assert!(names.iter().any(|n| n == "get-server-info"), "{names:?}");
    assert!(!names.iter().any(|n| n == "get-opik-help"), "{names:?}");
    let call = rpc_as(
        &app,
        READ_KEY,
        &sid,
        3,
        "tools/call",
        json!({"name": "get-opik-help", "arguments": {"topic": "general"}}),
    )
    .await;
    assert_eq!(call["error"]["message"], "Unknown tool: get-opik-help");
    let missing = rpc_as(
        &app,
        READ_KEY,
        &sid,
        4,
        "tools/call",
        json!({"name": "no-such-tool"}),
    )
    .await;
    assert_eq!(
        missing["error"]["code"], call["error"]["code"],
        "same as a missing tool"
    );
    let denied = app.events.of("tool_denied");
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].principal.as_deref(), Some("key:reader"));
    assert_eq!(denied[0].target, "get-opik-help");
}

#[tokio::test]
async fn a_key_with_write_scope_sees_and_calls_everything() {
    let app = spawn_secure(|s| {
        api_key_mode(s);
        help_needs_write(s);
    })
    .await;
    let sid = initialize_as(&app, ADMIN_KEY).await;
    let list = rpc_as(&app, ADMIN_KEY, &sid, 2, "tools/list", json!({})).await;
    let names = tool_names(&list);
    // The default toolset is `core`: ten tools, all visible to an admin key.
    assert_eq!(
        names.len(),
        10,
        "an admin key sees every enabled tool: {names:?}"
    );
    assert!(names.iter().any(|n| n == "get-opik-help"));
    let call = rpc_as(
        &app,
        ADMIN_KEY,
        &sid,
        3,
        "tools/call",
        json!({"name": "get-opik-help", "arguments": {"topic": "general"}}),
    )
    .await;
    assert_eq!(call["result"]["isError"], false);
}

#[tokio::test]
async fn a_jwt_with_read_scope_only_cannot_call_a_write_tool() {
    let app = spawn_secure(|s| {
        jwt_mode(s);
        help_needs_write(s);
    })
    .await;
    let reader = hs_token(&claims("ro", "opik:read"));
    let writer = hs_token(&claims("rw", "opik:read opik:write"));
    let sid = initialize_as(&app, &reader).await;
    let list = rpc_as(&app, &reader, &sid, 2, "tools/list", json!({})).await;
    let read_only = tool_names(&list);
    assert!(
        read_only.iter().any(|n| n == "get-server-info"),
        "{read_only:?}"
    );
    assert!(
        !read_only.iter().any(|n| n == "get-opik-help"),
        "{read_only:?}"
    );
    let sid2 = initialize_as(&app, &writer).await;
    let list = rpc_as(&app, &writer, &sid2, 2, "tools/list", json!({})).await;
    let all = tool_names(&list);
    assert!(all.iter().any(|n| n == "get-opik-help"), "{all:?}");
    assert_eq!(all.len(), read_only.len() + 1);
}

#[tokio::test]
async fn an_unknown_api_key_is_401_and_never_logged() {
    let app = spawn_secure(api_key_mode).await;
    let wrong = "wrong-key-0123456789abcdef0123456789abcdef";
    let resp = post_as(&app, Some(wrong), &initialize_request(1), None).await;
    assert_eq!(resp.status(), 401);
    let c = challenge(&resp);
    assert!(
        c.contains(r#"error="invalid_token""#) && c.contains("unknown API key"),
        "{c}"
    );
    let failed = app.events.of("authentication_failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].reason, "unknown API key");
    assert_eq!(
        failed[0].credential.as_deref(),
        Some(&sha256_hex(wrong)[..12])
    );
}

#[tokio::test]
async fn in_both_mode_jwts_and_api_keys_are_accepted() {
    let app = spawn_secure(|s| {
        jwt_mode(s);
        let mut keys = opik_mcp::config::Settings::default();
        api_key_mode(&mut keys);
        s.auth.api_keys = keys.auth.api_keys;
        s.auth.mode = opik_mcp::config::AuthMode::Both;
    })
    .await;
    let jwt = hs_token(&claims("alice", "opik:read"));
    for token in [jwt.as_str(), READ_KEY] {
        let resp = post_as(&app, Some(token), &initialize_request(1), None).await;
        assert_eq!(resp.status(), 200);
    }
    let resp = post_as(&app, Some("a.b.c"), &initialize_request(1), None).await;
    assert_eq!(resp.status(), 401, "a JWT-shaped value is checked as a JWT");
}

#[tokio::test]
async fn none_mode_refuses_a_public_bind_unless_explicitly_allowed() {
    let mut s = crate::helpers::test_settings();
    s.server.host = "0.0.0.0".into();
    let err = opik_mcp::startup::Application::build(s.clone())
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.contains("server.host") && err.contains("--allow-unauthenticated"),
        "{err}"
    );
    assert!(err.contains("auth.mode"), "{err}");
    s.auth.allow_unauthenticated = true;
    assert!(opik_mcp::startup::Application::build(s).await.is_ok());
}

#[tokio::test]
async fn an_unknown_tool_in_the_scope_overrides_fails_start_up() {
    let mut s = crate::helpers::test_settings();
    s.auth
        .scopes
        .tools
        .insert("get-opik-hlep".into(), "opik:write".into());
    let err = opik_mcp::startup::Application::build(s)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.contains("auth.scopes.tools") && err.contains("get-opik-hlep"),
        "{err}"
    );
}

#[tokio::test]
async fn the_analysis_tools_need_only_the_read_scope() {
    let app = spawn_secure(|s| {
        api_key_mode(s);
        s.opik.toolsets = "consolidated".parse().expect("toolsets");
    })
    .await;
    let sid = initialize_as(&app, READ_KEY).await;
    let list = rpc_as(&app, READ_KEY, &sid, 2, "tools/list", json!({})).await;
    let names = tool_names(&list);
    for tool in ["search", "stats", "compare_experiments", "read", "list"] {
        assert!(names.iter().any(|n| n == tool), "{tool}: {names:?}");
    }
    assert!(!names.iter().any(|n| n == "write"), "{names:?}");
    let tools = list["result"]["tools"].as_array().expect("tools");
    for t in tools.iter().filter(|t| {
        ["search", "stats", "compare_experiments"].contains(&t["name"].as_str().unwrap_or(""))
    }) {
        assert_eq!(t["annotations"]["readOnlyHint"], true, "{t}");
    }
}
