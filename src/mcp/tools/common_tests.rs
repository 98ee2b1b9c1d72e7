//! Unit tests of `common.rs`.

use serde_json::json;

use super::*;

#[test]
fn long_strings_are_cut_on_char_boundaries_with_a_marker() {
    let mut v = json!({"a": "é".repeat(10), "b": ["short", "x".repeat(12)], "n": 5});
    assert_eq!(truncate_strings(&mut v, 8), 2);
    assert_eq!(v["a"], format!("{}…[truncated 2 chars]", "é".repeat(8)));
    assert_eq!(v["b"][0], "short");
    assert_eq!(v["b"][1], format!("{}…[truncated 4 chars]", "x".repeat(8)));
}

#[test]
fn dates_become_iso_instants() {
    assert_eq!(
        date_arg("d", "2025-01-02", false).expect("ok"),
        "2025-01-02T00:00:00.000Z"
    );
    assert_eq!(
        date_arg("d", "2025-01-02", true).expect("ok"),
        "2025-01-02T23:59:59.999Z"
    );
    assert_eq!(
        date_arg("d", "2025-01-02T10:00:00+02:00", false).expect("ok"),
        "2025-01-02T08:00:00.000Z"
    );
    assert!(
        date_arg("startDate", "yesterday", false)
            .expect_err("bad")
            .message
            .contains("startDate")
    );
}

fn server() -> McpServer {
    let settings = std::sync::Arc::new(crate::config::Settings::default());
    crate::mcp::McpEngine::new(settings, crate::session::Observers::default())
        .expect("engine")
        .server()
}

#[test]
fn caller_credentials_win_over_the_workspace_argument() {
    let server = server();
    let (c, note) = server.credentials(&Extensions::new(), Some("arg-ws"));
    assert_eq!(c.workspace.as_deref(), Some("arg-ws"));
    assert!(
        c.api_key.is_none() && note.is_none(),
        "server key applies by fallback"
    );

    let mut ext = Extensions::new();
    ext.insert(Credentials {
        api_key: Some("caller-key".to_string().into()),
        workspace: Some("caller-ws".into()),
    });
    let (c, note) = server.credentials(&ext, Some("arg-ws"));
    assert_eq!(c.workspace.as_deref(), Some("caller-ws"));
    assert!(note.expect("note").contains("\"arg-ws\" ignored"));
    assert!(
        !format!("{c:?}").contains("caller-key"),
        "Debug never shows the key"
    );

    let mut ext = Extensions::new();
    ext.insert(Credentials {
        api_key: Some("caller-key".to_string().into()),
        workspace: None,
    });
    let (c, note) = server.credentials(&ext, Some("arg-ws"));
    assert_eq!(c.workspace.as_deref(), Some("arg-ws"));
    assert!(c.api_key.is_some() && note.is_none());
}

#[test]
fn page_sizes_are_clamped_to_the_configured_limit() {
    let server = server();
    assert_eq!(server.paging(0, 10), (1, 10, None));
    let (_, size, note) = server.paging(2, 1000);
    assert_eq!(size, 100);
    assert!(note.expect("note").contains("reduced"));
}

#[test]
fn ids_must_be_uuids() {
    assert!(uuid_arg("traceId", "0190BABC-62A0-71D2-832A-0FEFFA4676EB").is_ok());
    assert!(
        uuid_arg("traceId", "../projects")
            .expect_err("bad")
            .message
            .contains("traceId")
    );
}
