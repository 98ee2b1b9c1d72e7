//! Bearer extraction and JWT header decoding never panic and never accept noise.
#![no_main]
use libfuzzer_sys::fuzz_target;
use opik_mcp::{auth::Authenticator, config::{AuthMode, AuthSettings}};
use poem::http::{HeaderMap, HeaderValue};

fuzz_target!(|data: &[u8]| {
    let mut a = AuthSettings { mode: AuthMode::Jwt, ..AuthSettings::default() };
    a.jwt.issuer = Some("https://issuer.test".into());
    a.jwt.hs_secret = Some("fuzz-secret-0123456789abcdef0123456789".to_string().into());
    let auth = Authenticator::new(&a, None).expect("authenticator");
    let mut h = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_bytes(data) {
        h.insert("authorization", v);
    }
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("rt");
    assert!(rt.block_on(auth.authenticate(&h, None, None)).is_err());
});
