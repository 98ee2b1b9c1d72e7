use super::*;
use crate::config::AuthMode;

fn broker() -> AuthSettings {
    let mut a = AuthSettings {
        mode: AuthMode::Jwt,
        resource: Some("https://mcp.example.com/mcp".into()),
        ..AuthSettings::default()
    };
    a.broker.upstream_issuer = Some("https://login.example.com/tenant/v2.0".into());
    a.broker.client_id = Some("client".into());
    a.broker.client_secret = Some("secret".to_owned().into());
    a
}

fn error_key(a: &AuthSettings) -> String {
    match a.validate() {
        Err(ConfigError::Invalid { key, .. }) => key.to_owned(),
        other => panic!("expected an invalid key, got {other:?}"),
    }
}

#[test]
fn a_complete_broker_config_is_valid_and_names_itself_issuer() {
    let a = broker();
    assert!(a.validate().is_ok());
    assert_eq!(a.issuer().as_deref(), Some("https://mcp.example.com"));
    assert_eq!(a.authorization_servers(), ["https://mcp.example.com"]);
    assert_eq!(
        a.jwt_algorithms().expect("algs"),
        [jsonwebtoken::Algorithm::ES256]
    );
}

#[test]
fn each_broker_mistake_names_its_key() {
    type Spoil = fn(&mut AuthSettings);
    let cases: [(&str, Spoil); 9] = [
        ("auth.broker.client_id", |a| a.broker.client_id = None),
        ("auth.broker.client_secret", |a| {
            a.broker.client_secret = None
        }),
        ("auth.mode", |a| a.mode = AuthMode::ApiKey),
        ("auth.broker.upstream_issuer", |a| {
            a.broker.upstream_issuer = Some("http://idp.example".into())
        }),
        ("auth.jwt.jwks_url", |a| {
            a.jwt.jwks_url = Some("https://idp.example/jwks".into())
        }),
        ("auth.jwt.issuer", |a| {
            a.jwt.issuer = Some("https://idp.example".into())
        }),
        ("auth.broker.code_ttl_secs", |a| {
            a.broker.code_ttl_secs = 120
        }),
        ("auth.broker.default_scopes", |a| {
            a.broker.default_scopes = vec!["root".into()]
        }),
        ("auth.broker.redirect_schemes", |a| {
            a.broker.redirect_schemes = vec!["javascript".into()]
        }),
    ];
    for (key, spoil) in cases {
        let mut a = broker();
        if key == "auth.mode" {
            a.api_keys.push(crate::config::ApiKeySettings {
                name: "k".into(),
                sha256: "a".repeat(64),
                scopes: vec!["opik:read".into()],
            });
        }
        spoil(&mut a);
        assert_eq!(error_key(&a), key);
    }
}

#[test]
fn the_client_secret_is_not_in_debug_output() {
    let text = format!("{:?}", broker().broker);
    assert!(!text.contains("\"secret\""), "{text}");
}
