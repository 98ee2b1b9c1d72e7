//! `opik-mcp doctor`, run as the real binary against the fake Opik (which checks credentials
//! like Opik Cloud), a real SQLite file and real ports.

use std::process::{Command, Output};

use crate::fake_opik::{self, FakeOpik};

/// The binary with none of the caller's Opik settings, HTTP mode on free ports, the audit
/// trail off unless a test turns it on.
fn doctor(args: &[&str], envs: &[(&str, &str)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_opik-mcp"));
    for (name, _) in std::env::vars() {
        let setting = name.starts_with("OPIK_") || name.starts_with("COMET_");
        if setting || ["DATABASE_URL", "TRANSPORT", "SSE_PORT", "RUST_LOG"].contains(&name.as_str())
        {
            c.env_remove(name);
        }
    }
    c.arg("doctor")
        .args(["--transport=sse", "--sse-host=127.0.0.1"])
        .env("OPIK_MCP_SERVER__PORT", "0")
        .env("OPIK_MCP_ADMIN__PORT", "0")
        .env("OPIK_MCP_AUDIT__ENABLED", "false")
        .args(args)
        .envs(envs.iter().copied());
    c
}

/// Run off the test's runtime, which serves the fake.
async fn run(mut cmd: Command) -> (Output, String) {
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run doctor"))
        .await
        .expect("join");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out, text)
}

fn line<'a>(report: &'a str, check: &str) -> &'a str {
    report
        .lines()
        .find(|l| {
            l.trim_start()
                .get(5..)
                .is_some_and(|r| r.starts_with(check))
        })
        .unwrap_or_else(|| panic!("no {check} line in:\n{report}"))
}

#[tokio::test]
async fn doctor_passes_against_opik_with_the_right_key_and_a_migrated_database() {
    let fake = FakeOpik::start().await;
    let dir = tempfile::tempdir().expect("tmp");
    let db = format!("sqlite://{}", dir.path().join("audit.db").display());
    let spill = dir.path().join("audit.spill");
    let migrate = Command::new(env!("CARGO_BIN_EXE_opik-mcp"))
        .args(["migrate", "--database-url", &db])
        .output()
        .expect("migrate");
    assert!(migrate.status.success(), "{migrate:?}");
    let (out, report) = run(doctor(
        &["--api-url", &fake.api_url(), "--database-url", &db],
        &[
            ("OPIK_API_KEY", fake_opik::KEY),
            // Upstream's Python name for the workspace.
            ("OPIK_WORKSPACE", fake_opik::WORKSPACE),
            ("OPIK_MCP_AUDIT__SPILL_PATH", &spill.display().to_string()),
            ("OPIK_MCP_AUDIT__ENABLED", "true"),
        ],
    ))
    .await;
    assert!(out.status.success(), "{report}");
    let key_line = report.lines().find(|l| l.contains("opik.api_key"));
    assert!(
        key_line.is_some_and(|l| l.ends_with(" ******** (set)")),
        "{report}"
    );
    assert!(
        !report.contains(fake_opik::KEY),
        "the key is never printed:\n{report}"
    );
    assert!(
        line(&report, "opik").starts_with("  PASS")
            && line(&report, "opik").contains("accepted for workspace \"test-ws\""),
        "{report}"
    );
    assert!(
        line(&report, "database").contains("opens and is migrated"),
        "{report}"
    );
    assert!(line(&report, "ports").starts_with("  PASS"), "{report}");
    assert!(report.ends_with("All checks passed.\n"), "{report}");
    let probe = fake.last("GET", "/v1/private/projects");
    assert_eq!(probe.header("authorization"), Some(fake_opik::KEY));
    assert_eq!(probe.header("comet-workspace"), Some(fake_opik::WORKSPACE));
    assert_eq!(probe.query.get("size").map(String::as_str), Some("1"));
}

#[tokio::test]
async fn doctor_fails_on_a_closed_port_naming_the_url_and_the_setting() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/opik/api", closed.local_addr().expect("addr"));
    drop(closed);
    let (out, report) = run(doctor(&["--api-url", &url, "--api-key", "k"], &[])).await;
    assert_eq!(out.status.code(), Some(1), "{report}");
    let opik = line(&report, "opik");
    assert!(opik.starts_with("  FAIL"), "{report}");
    assert!(
        opik.contains(&format!("GET {url}/v1/private/projects")),
        "{opik}"
    );
    assert!(
        opik.contains("opik.api_url") && opik.contains("OPIK_API_BASE_URL"),
        "{opik}"
    );
    assert!(report.ends_with("1 of 5 checks failed.\n"), "{report}");
}

#[tokio::test]
async fn doctor_names_opik_api_key_when_opik_refuses_the_key() {
    let fake = FakeOpik::start().await;
    let (out, report) = run(doctor(
        &[
            "--api-url",
            &fake.api_url(),
            "--workspace",
            fake_opik::WORKSPACE,
        ],
        &[("OPIK_API_KEY", "not-the-key")],
    ))
    .await;
    assert_eq!(out.status.code(), Some(1), "{report}");
    let opik = line(&report, "opik");
    assert!(
        opik.contains("401") && opik.contains("OPIK_API_KEY"),
        "{opik}"
    );
    assert!(!report.contains("not-the-key"), "{report}");
}

#[tokio::test]
async fn doctor_names_the_taken_port_and_the_database_it_cannot_create() {
    let fake = FakeOpik::start().await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let (out, report) = run(doctor(
        &[
            "--api-url",
            &fake.api_url(),
            "--sse-port",
            &port,
            "--database-url",
            "sqlite:///nonexistent-dir/audit.db",
        ],
        &[
            ("OPIK_API_KEY", fake_opik::KEY),
            ("OPIK_WORKSPACE_NAME", fake_opik::WORKSPACE),
            ("OPIK_MCP_AUDIT__ENABLED", "true"),
        ],
    ))
    .await;
    assert_eq!(out.status.code(), Some(1), "{report}");
    let ports = line(&report, "ports");
    assert!(
        ports.starts_with("  FAIL") && ports.contains(&port) && ports.contains("SSE_PORT"),
        "{ports}"
    );
    let db = line(&report, "database");
    assert!(
        db.starts_with("  FAIL") && db.contains("/nonexistent-dir") && db.contains("DATABASE_URL"),
        "{db}"
    );
    assert!(line(&report, "opik").starts_with("  PASS"), "{report}");
}

#[tokio::test]
async fn doctor_names_the_tls_file_and_the_jwks_url_it_could_not_load() {
    let fake = FakeOpik::start().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let jwks = format!("http://{}/jwks.json", closed.local_addr().expect("addr"));
    drop(closed);
    let (out, report) = run(doctor(
        &[
            "--api-url",
            &fake.api_url(),
            "--tls-cert",
            "/nonexistent/cert.pem",
            "--tls-key",
            "/nonexistent/key.pem",
            "--auth-mode",
            "jwt",
            "--jwt-issuer",
            "https://issuer.example",
            "--resource-url",
            "https://mcp.example/mcp",
            "--jwks-url",
            &jwks,
        ],
        &[
            ("OPIK_API_KEY", fake_opik::KEY),
            ("OPIK_WORKSPACE_NAME", fake_opik::WORKSPACE),
        ],
    ))
    .await;
    assert_eq!(out.status.code(), Some(1), "{report}");
    let tls = line(&report, "tls");
    assert!(
        tls.starts_with("  FAIL")
            && tls.contains("tls.cert_path")
            && tls.contains("/nonexistent/cert.pem"),
        "{tls}"
    );
    let jwks_line = line(&report, "jwks");
    assert!(
        jwks_line.starts_with("  FAIL")
            && jwks_line.contains(&jwks)
            && jwks_line.contains("OPIK_MCP_AUTH__JWT__JWKS_URL"),
        "{jwks_line}"
    );
    assert!(report.ends_with("2 of 5 checks failed.\n"), "{report}");
}
