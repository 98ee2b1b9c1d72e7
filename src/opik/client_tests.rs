use reqwest::header::AUTHORIZATION;

use super::*;

fn reply(location: Option<&str>) -> Reply {
    Reply {
        status: 201,
        location: location.map(str::to_owned),
        body: Bytes::new(),
    }
}

#[test]
fn created_id_is_the_last_location_segment() {
    let r = reply(Some(
        "http://h/api/v1/private/projects/0190babc-62a0-71d2-832a-0feffa4676eb",
    ));
    assert_eq!(
        r.created_id().as_deref(),
        Some("0190babc-62a0-71d2-832a-0feffa4676eb")
    );
    assert_eq!(reply(None).created_id(), None);
}

#[test]
fn empty_body_is_malformed_not_a_panic() {
    assert!(matches!(reply(None).json(), Err(OpikError::Malformed(_))));
}

#[test]
fn only_transient_failures_are_retried() {
    assert!(retryable(&OpikError::from_status(503, b"")));
    assert!(retryable(&OpikError::from_status(429, b"")));
    assert!(!retryable(&OpikError::from_status(500, b"")));
    assert!(!retryable(&OpikError::from_status(404, b"")));
    assert!(!retryable(&OpikError::Timeout(Duration::from_secs(1))));
}

#[test]
fn self_hosted_sends_no_credentials_and_callers_override_defaults() {
    let mut s = OpikSettings {
        api_key: Some("server-key".to_string().into()),
        workspace: "server-ws".into(),
        ..OpikSettings::default()
    };
    let client = OpikClient::new(&s).expect("client");
    let caller = Credentials {
        api_key: Some("caller-key".to_string().into()),
        workspace: None,
    };
    let h = client.auth_headers(&caller).expect("headers");
    assert_eq!(h[AUTHORIZATION], "caller-key");
    assert!(h[AUTHORIZATION].is_sensitive());
    assert_eq!(h[WORKSPACE_HEADER], "server-ws");
    s.self_hosted = true;
    let h = OpikClient::new(&s)
        .expect("client")
        .auth_headers(&caller)
        .expect("headers");
    assert!(h.get(AUTHORIZATION).is_none() && h.get(WORKSPACE_HEADER).is_none());
}

#[test]
fn the_servers_key_is_refused_outside_the_allowed_workspaces() {
    let s = OpikSettings {
        api_key: Some("server-key".to_string().into()),
        workspace: "server-ws".into(),
        allowed_workspaces: vec!["team-ws".into()],
        ..OpikSettings::default()
    };
    let client = OpikClient::new(&s).expect("client");
    for ok in ["server-ws", "team-ws"] {
        assert!(
            client.auth_headers(&Credentials::workspace(ok)).is_ok(),
            "{ok}"
        );
    }
    let err = client
        .auth_headers(&Credentials::workspace("other-ws"))
        .expect_err("refused");
    assert!(
        matches!(err, OpikError::WorkspaceNotAllowed { .. }),
        "{err}"
    );
    let own_key = Credentials {
        api_key: Some("caller-key".to_string().into()),
        workspace: Some("other-ws".into()),
    };
    assert!(
        client.auth_headers(&own_key).is_ok(),
        "a caller's own key may go anywhere"
    );
}
