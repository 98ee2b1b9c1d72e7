//! The config loader never panics on any TOML document.
#![no_main]
use figment::{Figment, providers::{Format, Toml}};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|doc: &str| {
    if let Ok(s) = Figment::from(Toml::string(doc)).extract::<opik_mcp::config::Settings>() {
        let _ = s.validate();
    }
});
