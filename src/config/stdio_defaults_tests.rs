use secrecy::ExposeSecret;

use super::*;
use crate::config::DEFAULT_DATABASE_URL;

fn stdio() -> Settings {
    Settings::default()
}

fn explicit(audit_enabled: bool, database_url: bool, spill_path: bool) -> Explicit {
    Explicit {
        audit_enabled,
        database_url,
        spill_path,
    }
}

fn no_home() -> Option<PathBuf> {
    None
}

#[test]
fn stdio_runs_without_the_audit_trail_unless_configured() {
    let mut s = stdio();
    apply(&mut s, Explicit::default(), no_home).expect("applies");
    assert!(!s.audit.enabled);
    assert_eq!(s.database.url.expose_secret(), DEFAULT_DATABASE_URL);
}

#[test]
fn the_http_service_keeps_its_working_directory_defaults() {
    let mut s = Settings {
        transport: TransportMode::Sse,
        ..Settings::default()
    };
    apply(&mut s, Explicit::default(), no_home).expect("applies");
    assert!(s.audit.enabled);
    assert_eq!(s.audit.spill_path, PathBuf::from("opik-mcp-audit.spill"));
}

#[test]
fn enabled_without_locations_puts_both_files_in_the_state_directory() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("state with space?#%").join("opik-mcp");
    let mut s = stdio();
    apply(&mut s, explicit(true, false, false), || Some(dir.clone())).expect("applies");
    assert!(s.audit.enabled);
    assert!(dir.is_dir(), "the directory is created");
    assert_eq!(s.audit.spill_path, dir.join("opik-mcp-audit.spill"));
    let opts = s.database.sqlite_options().expect("a valid sqlite URL");
    assert_eq!(opts.get_filename(), dir.join("opik-mcp.db"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "private to its owner");
    }
}

#[test]
fn a_given_database_keeps_its_url_and_only_the_spill_file_moves() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut s = stdio();
    s.database.url = SecretString::from("postgres://db/opik");
    apply(&mut s, explicit(false, true, false), || {
        Some(tmp.path().into())
    })
    .expect("applies");
    assert!(s.audit.enabled, "a database means the trail is wanted");
    assert_eq!(s.database.url.expose_secret(), "postgres://db/opik");
    assert_eq!(s.audit.spill_path, tmp.path().join("opik-mcp-audit.spill"));
}

#[test]
fn without_a_home_an_enabled_trail_needs_explicit_paths_and_says_so() {
    let mut s = stdio();
    let err = apply(&mut s, explicit(true, false, false), no_home).expect_err("no home");
    assert!(err.to_string().contains("database.url"), "{err}");
    let mut s = stdio();
    apply(&mut s, explicit(true, true, true), no_home).expect("both given: nothing to place");
}

#[test]
fn explicitly_disabled_stays_disabled() {
    let mut s = stdio();
    s.audit.enabled = false;
    apply(&mut s, explicit(true, true, false), no_home).expect("applies");
    assert!(!s.audit.enabled);
}
