//! Configuration errors speak the user's terms: they name the flag, environment variable or
//! file key the user set (with the value), say what was expected in words, and never show a
//! Rust source path or type name.

use super::bin;

/// Run the binary with `args` and `env`; it must refuse to start (exit 2). Returns stderr.
fn refused(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = bin();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    for rust in [
        "src/", ".rs:", "alloc::", "&str", "String", "u16", "usize", "global.",
    ] {
        assert!(!err.contains(rust), "{rust:?} in: {err}");
    }
    err
}

#[test]
fn an_unknown_transport_flag_names_the_flag_and_the_choices() {
    let err = refused(&["--transport=websocket"], &[]);
    assert!(
        err.contains("--transport: unknown value \"websocket\""),
        "{err}"
    );
    assert!(err.contains("stdio, sse, http, streamable-http"), "{err}");
}

#[test]
fn an_out_of_range_port_names_the_variable_the_user_set() {
    let err = refused(&["--transport=sse"], &[("SSE_PORT", "70000")]);
    assert!(err.contains("SSE_PORT=70000"), "{err}");
    assert!(err.contains("a whole number from 0 to 65535"), "{err}");
    assert!(!err.contains("SERVER.PORT"), "{err}");
    let err = refused(&["--transport=sse"], &[("OPIK_MCP_SERVER__PORT", "abc")]);
    assert!(err.contains("OPIK_MCP_SERVER__PORT=abc"), "{err}");
}

#[test]
fn a_bad_value_in_the_config_file_names_the_file_and_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("opik.toml");
    std::fs::write(&file, "[server]\nport = \"x\"\n").expect("write");
    let err = refused(
        &["--transport=sse", "--config", file.to_str().expect("utf-8")],
        &[],
    );
    assert!(
        err.contains(&format!("server.port in {}", file.display())),
        "{err}"
    );
}

#[test]
fn a_validation_error_names_the_variable_that_set_the_value() {
    let err = refused(&["--transport=sse"], &[("SSE_HOST", " ")]);
    assert!(
        err.contains("SSE_HOST= : must not be empty (setting server.host)"),
        "{err}"
    );
}

#[test]
fn secrets_in_a_refused_value_are_not_echoed() {
    let err = refused(
        &["--transport=sse"],
        &[("OPIK_API_BASE_URL", "ftp://user:hunter2@opik.example")],
    );
    assert!(!err.contains("hunter2"), "{err}");
    assert!(
        err.contains("OPIK_API_BASE_URL=ftp://[REDACTED]@opik.example"),
        "{err}"
    );
}
