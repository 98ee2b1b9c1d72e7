//! The SQLite audit table's rebuild (migration 20261208000001, the outcome CHECK without an
//! IN list): every row survives it unchanged, the constraint still refuses what it refused,
//! and an insert no longer builds a temporary B-tree per row.

use sqlx::{Connection, Executor, Row, SqliteConnection};

const REBUILD: &str = "20261208000001";

/// The SQLite migrations' file paths, in version order.
fn migrations() -> Vec<std::path::PathBuf> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("migrations/sqlite")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
}

async fn apply(conn: &mut SqliteConnection, file: &std::path::Path) {
    let sql = std::fs::read_to_string(file).expect("migration text");
    conn.execute(sqlx::AssertSqlSafe(sql))
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
}

const INSERT: &str = "INSERT INTO audit (id, occurred_at, kind, session_hash, subject, method, \
    name, arguments_digest, arguments, outcome, error_code, http_status, upstream_status, \
    latency_us, request_id, client_addr, detail) \
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

async fn insert(conn: &mut SqliteConnection, n: u8, outcome: &str) -> Result<(), sqlx::Error> {
    let named = n.is_multiple_of(2);
    sqlx::query(INSERT)
        .bind(vec![n; 16])
        .bind(1_700_000_000_000_000_i64 + i64::from(n))
        .bind(if n.is_multiple_of(3) {
            "security"
        } else {
            "request"
        })
        .bind(format!("{n:064}"))
        .bind(named.then_some("alice"))
        .bind(if named { "tools/call" } else { "ping" })
        .bind(named.then_some("list-projects"))
        .bind(named.then(|| "d".repeat(64)))
        .bind(named.then_some(r#"{"page":1,"size":10}"#))
        .bind(outcome)
        .bind((outcome != "ok").then_some(-32602_i64))
        .bind(Some(200_i64))
        .bind(named.then_some(200_i64))
        .bind(Some(1234_i64 + i64::from(n)))
        .bind(Some(format!("req-{n}")))
        .bind(Some("127.0.0.1"))
        .bind((n == 5).then_some("detail text"))
        .execute(conn)
        .await
        .map(drop)
}

/// Every row with its row id, each column as text (NULL as `None`), in row-id order.
async fn rows(conn: &mut SqliteConnection) -> Vec<Vec<Option<String>>> {
    let rows = sqlx::query(
        "SELECT rowid, quote(id), occurred_at, kind, session_hash, subject, method, name, \
         arguments_digest, arguments, outcome, error_code, http_status, upstream_status, \
         latency_us, request_id, client_addr, detail FROM audit ORDER BY rowid",
    )
    .fetch_all(conn)
    .await
    .expect("select");
    rows.iter()
        .map(|r| {
            (0..r.len())
                .map(|i| {
                    r.try_get::<Option<String>, _>(i)
                        .or_else(|_| {
                            r.try_get::<Option<i64>, _>(i)
                                .map(|v| v.map(|v| v.to_string()))
                        })
                        .expect("text or integer")
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn the_rebuild_keeps_every_row_and_the_outcome_check_and_drops_the_per_row_b_tree() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("r.db").display());
    let mut conn = SqliteConnection::connect(&url).await.expect("open");
    let files = migrations();
    let at = files
        .iter()
        .position(|f| {
            f.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(REBUILD))
        })
        .expect("the rebuild migration exists");
    for f in &files[..at] {
        apply(&mut conn, f).await;
    }
    let outcomes = [
        "ok",
        "tool_error",
        "protocol_error",
        "denied",
        "rate_limited",
    ];
    for n in 0..10u8 {
        insert(&mut conn, n, outcomes[usize::from(n) % outcomes.len()])
            .await
            .expect("insert before");
    }
    // A gap in the row ids, which the rebuild keeps.
    conn.execute("DELETE FROM audit WHERE rowid = 4")
        .await
        .expect("delete");
    let before = rows(&mut conn).await;
    assert_eq!(before.len(), 9);

    for f in &files[at..] {
        apply(&mut conn, f).await;
    }
    assert_eq!(
        rows(&mut conn).await,
        before,
        "every row, value and row id kept"
    );

    let refused = insert(&mut conn, 20, "bogus")
        .await
        .expect_err("unknown outcome");
    assert!(
        refused.to_string().contains("CHECK constraint failed"),
        "{refused}"
    );
    for (n, o) in (21..).zip(outcomes) {
        insert(&mut conn, n, o)
            .await
            .unwrap_or_else(|e| panic!("{o}: {e}"));
    }
    let duplicate = insert(&mut conn, 21, "ok").await.expect_err("same id");
    assert!(duplicate.to_string().contains("UNIQUE"), "{duplicate}");

    let indexes: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit' \
         AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .expect("indexes")
    .iter()
    .map(|r| r.get(0))
    .collect();
    assert_eq!(
        indexes,
        [
            "audit_name_idx",
            "audit_outcome_idx",
            "audit_session_idx",
            "audit_subject_idx",
            "audit_time_idx"
        ]
    );

    // No temporary B-tree in an insert's program any more.
    let program: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN {INSERT}")))
        .fetch_all(&mut conn)
        .await
        .expect("explain")
        .iter()
        .map(|r| r.get::<String, _>("opcode"))
        .collect();
    assert!(program.iter().any(|op| op == "IdxInsert"), "{program:?}");
    assert!(
        !program.iter().any(|op| op == "OpenEphemeral"),
        "{program:?}"
    );
    conn.close().await.ok();
}
