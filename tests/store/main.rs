//! The store test suite: every test in `suite.rs` and `plans.rs` runs against SQLite (a temp
//! file) and against the real PostgreSQL on 127.0.0.1:5432 (a fresh uuid-named database per
//! test, dropped afterwards; `TEST_PG_URL` overrides the server).

mod db;
mod migrate_cli;
mod plans;
mod rebuild;
mod suite;

/// One `#[tokio::test]` per backend for each listed test (`module::function`).
macro_rules! on_both_backends {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    crate::db::with_sqlite(crate::$module::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    crate::db::with_postgres(crate::$module::$name).await;
                }
            )*
        }
    };
}

on_both_backends!(
    suite::migrations_apply_on_an_empty_database_and_are_idempotent,
    suite::a_batch_writes_every_record_once_and_replaying_it_adds_nothing,
    suite::records_read_back_exactly_as_written,
    suite::audit_filters_combine_subject_tool_outcome_kind_session_and_time,
    suite::cursor_pagination_walks_every_row_once_newest_first,
    suite::a_cursor_the_server_did_not_make_is_refused,
    suite::session_updates_are_idempotent_and_monotone,
    suite::sessions_list_active_and_ended_newest_first_with_pagination,
    suite::retention_deletes_only_old_rows_in_small_batches,
    plans::listings_by_name_or_failure_use_their_partial_indexes,
);
