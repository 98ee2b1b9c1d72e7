//! Authorization header parsing: bearer extraction and JWT header decoding. Random
//! `Authorization` values and random JWT-shaped tokens (base64url header/payload of random
//! JSON, random signature) must be refused with an `AuthError`, never panic, never pass.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use opik_mcp::auth::Authenticator;
use opik_mcp::config::{ApiKeySettings, AuthMode, AuthSettings};
use poem::http::{HeaderMap, HeaderValue};
use proptest::prelude::*;

fn authenticator() -> Authenticator {
    let mut a = AuthSettings {
        mode: AuthMode::Both,
        resource: Some("https://mcp.test/mcp".into()),
        ..AuthSettings::default()
    };
    a.jwt.issuer = Some("https://issuer.test".into());
    a.jwt.hs_secret = Some("fuzz-secret-0123456789abcdef0123456789".to_string().into());
    a.api_keys = vec![ApiKeySettings {
        name: "fuzz".into(),
        // SHA-256 of a key the fuzzer will not guess.
        sha256: "0".repeat(64),
        scopes: vec!["opik:read".into()],
    }];
    Authenticator::new(&a, None).expect("authenticator")
}

fn run(auth: &Authenticator, headers: &HeaderMap, query: Option<&str>) -> bool {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(auth.authenticate(headers, query, None)).is_ok()
}

fn header_json() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(r#"{"alg":"HS256","typ":"JWT"}"#.to_string()),
        Just(r#"{"alg":"none"}"#.to_string()),
        Just(r#"{"alg":"RS256","kid":"x"}"#.to_string()),
        r#"\{"alg":"[A-Za-z0-9]{0,6}"(,"kid":".{0,8}")?\}"#,
        ".{0,40}",
    ]
}

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn random_authorization_values_are_refused(v in prop::collection::vec(any::<u8>(), 0..200)) {
        let auth = authenticator();
        let mut h = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_bytes(&v) {
            h.insert("authorization", value);
        }
        prop_assert!(!run(&auth, &h, None));
    }

    #[test]
    fn random_jwt_shaped_tokens_are_refused(
        header in header_json(),
        payload in ".{0,80}",
        sig in prop::collection::vec(any::<u8>(), 0..48),
        scheme in "(Bearer|bearer|BEARER|Basic) {1,2}",
        query in prop::option::of(".{0,40}"),
    ) {
        let auth = authenticator();
        let token = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(sig),
        );
        let mut h = HeaderMap::new();
        h.insert("authorization", HeaderValue::from_str(&format!("{scheme}{token}")).expect("ascii"));
        prop_assert!(!run(&auth, &h, query.as_deref()));
    }
}
