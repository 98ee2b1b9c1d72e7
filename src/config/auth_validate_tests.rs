use super::*;
use crate::config::ApiKeySettings;

fn jwt() -> AuthSettings {
    let mut a = AuthSettings {
        mode: AuthMode::Jwt,
        resource: Some("https://mcp.example.com/mcp".into()),
        ..AuthSettings::default()
    };
    a.jwt.issuer = Some("https://issuer.example".into());
    a.jwt.jwks_url = Some("https://issuer.example/jwks.json".into());
    a
}

#[test]
fn jwt_mode_names_each_missing_key() {
    assert!(jwt().validate().is_ok());
    let mut a = jwt();
    a.resource = None;
    assert!(
        a.validate()
            .expect_err("x")
            .to_string()
            .contains("auth.resource")
    );
    let mut a = jwt();
    a.jwt.issuer = None;
    assert!(
        a.validate()
            .expect_err("x")
            .to_string()
            .contains("auth.jwt.issuer")
    );
    let mut a = jwt();
    a.jwt.jwks_url = Some("http://issuer.example/jwks".into());
    assert!(
        a.validate()
            .expect_err("x")
            .to_string()
            .contains("auth.jwt.jwks_url")
    );
    let mut a = jwt();
    a.jwt.algorithms = vec!["none".into()];
    assert!(
        a.validate()
            .expect_err("x")
            .to_string()
            .contains("auth.jwt.algorithms")
    );
    let mut a = jwt();
    a.jwt.algorithms = vec!["HS256".into()];
    assert!(
        a.validate()
            .expect_err("x")
            .to_string()
            .contains("hs_secret")
    );
}

#[test]
fn api_keys_must_be_hashes_with_scopes() {
    let mut a = AuthSettings {
        mode: AuthMode::ApiKey,
        ..AuthSettings::default()
    };
    assert!(a.validate().is_err());
    a.api_keys.push(ApiKeySettings {
        name: "ci".into(),
        sha256: "not-a-hash".into(),
        scopes: vec!["opik:read".into()],
    });
    assert!(a.validate().expect_err("x").to_string().contains("sha256"));
    a.api_keys[0].sha256 = "a".repeat(64);
    assert!(a.validate().is_ok());
    a.api_keys[0].scopes = vec!["bad scope".into()];
    assert!(a.validate().is_err());
}
