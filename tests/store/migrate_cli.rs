//! `opik-mcp migrate` on both backends: applies on an empty database, then reports up to date.

use std::process::Command;

use crate::db::{create_pg_database, drop_pg_database};

fn migrate(url: &str) -> (bool, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_opik-mcp"))
        .current_dir(dir.path())
        .args(["migrate", "--database-url", url])
        .env_remove("DATABASE_URL")
        .output()
        .expect("run opik-mcp migrate");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn migrate_subcommand_applies_then_reports_up_to_date_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    let (ok, out) = migrate(&url);
    assert!(ok, "{out}");
    // The audit schema, the OAuth broker's tables, the partial outcome and name indexes, the
    // audit table rebuilt with its outcome check as comparisons.
    assert!(out.contains("applied 5 migration"), "{out}");
    let (ok, out) = migrate(&url);
    assert!(ok, "{out}");
    assert!(out.contains("up to date"), "{out}");
}

#[tokio::test]
async fn migrate_subcommand_applies_then_reports_up_to_date_on_postgres() {
    let (name, url) = create_pg_database().await;
    let first = tokio::task::spawn_blocking({
        let url = url.clone();
        move || (migrate(&url), migrate(&url))
    })
    .await;
    drop_pg_database(&name).await;
    let ((ok1, out1), (ok2, out2)) = first.expect("runs");
    // The audit schema, the shared-session tables, the OAuth broker's tables, the partial
    // outcome index, the direct relay's columns, the partial name index.
    assert!(ok1 && out1.contains("applied 6 migration"), "{out1}");
    assert!(ok2 && out2.contains("up to date"), "{out2}");
}

#[test]
fn migrate_subcommand_fails_with_the_url_named_and_no_password() {
    let (ok, out) = migrate("postgres://app:hunter2@127.0.0.1:1/nothing");
    assert!(!ok);
    assert!(out.contains("cannot open the database"), "{out}");
    assert!(!out.contains("hunter2"), "password leaked: {out}");
}
