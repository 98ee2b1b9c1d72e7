use secrecy::SecretString;

use super::*;
use crate::config::OpikSettings;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn with_key() -> Settings {
    Settings {
        opik: OpikSettings {
            api_key: Some(SecretString::from("k-123")),
            ..OpikSettings::default()
        },
        ..Settings::default()
    }
}

#[test]
fn a_missing_key_for_opik_cloud_is_one_warning_naming_opik_api_key() {
    let w = warnings_for(&Settings::default(), &[]);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with("OPIK_API_KEY is not set"), "{w:?}");
    assert!(w[0].contains("https://www.comet.com/opik/api"), "{w:?}");
}

#[test]
fn no_key_warning_when_a_key_is_set_or_opik_is_self_hosted() {
    assert!(warnings_for(&with_key(), &[]).is_empty());
    let mut s = Settings::default();
    s.opik.api_url = "http://localhost:5173/api".into();
    assert!(warnings_for(&s, &[]).is_empty(), "not Opik Cloud");
    let mut s = Settings::default();
    s.opik.self_hosted = true;
    assert!(warnings_for(&s, &[]).is_empty());
    let mut s = Settings::default();
    s.opik.caller_key_header = Some("x-opik-api-key".into());
    assert!(warnings_for(&s, &[]).is_empty(), "callers bring their keys");
}

#[test]
fn unread_opik_and_comet_names_are_named_with_a_hint_when_known() {
    let w = warnings_for(
        &with_key(),
        &env(&[
            ("OPIK_MCP_PORT", "8080"),
            ("COMET_API_KEY", "secret-value"),
            ("OPIK_PROJECT_NAME", "p"),
            ("PATH", "/bin"),
        ]),
    );
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(w[0].contains("COMET_API_KEY") && w[0].contains("OPIK_API_KEY"));
    assert!(w[1].contains("OPIK_MCP_PORT") && w[1].contains("OPIK_MCP_SERVER__PORT"));
    assert!(w[2].contains("OPIK_PROJECT_NAME") && w[2].contains("not read"));
    assert!(
        !w.iter().any(|l| l.contains("secret-value")),
        "values are never shown"
    );
}

#[test]
fn names_that_are_read_get_no_warning() {
    let read = env(&[
        ("OPIK_API_KEY", "k"),
        ("OPIK_URL", "http://a/api"),
        ("OPIK_WORKSPACE", "w"),
        ("COMET_WORKSPACE", "w"),
        ("COMET_URL_OVERRIDE", "http://a/opik/api/../.."),
        ("OPIK_MCP_CONFIG", "x.toml"),
        ("OPIK_MCP_TRANSPORT", "stdio"),
        ("OPIK_MCP_SERVER__PORT", "1"),
    ]);
    let w = warnings_for(&with_key(), &read);
    assert!(w.iter().all(|l| !l.contains("not read")), "{w:?}");
}

#[test]
fn two_names_of_one_setting_with_different_values_say_which_wins() {
    let w = warnings_for(
        &with_key(),
        &env(&[
            ("COMET_URL_OVERRIDE", "https://comet.example/"),
            ("OPIK_URL", "https://comet.example/opik/api"),
            ("OPIK_WORKSPACE", "a"),
            ("OPIK_WORKSPACE_NAME", "b"),
        ]),
    );
    assert_eq!(
        w,
        [
            "OPIK_WORKSPACE and OPIK_WORKSPACE_NAME set opik.workspace to different values; \
          OPIK_WORKSPACE_NAME wins"
        ],
        "equal values (after /opik/api is appended) are no conflict"
    );
}
