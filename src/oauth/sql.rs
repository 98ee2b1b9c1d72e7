//! The two macros the broker's queries are written with (`store.rs`, `store_tokens.rs`).

/// Run `$body` with `$q` bound to a `sqlx::query` of `$sql` on whichever backend `$store` is.
/// Written once, compiled per backend: the row types differ, the code does not.
macro_rules! on_backend {
    ($store:expr, $sql:expr, |$q:ident, $pool:ident| $body:expr) => {
        match $store {
            Store::Sqlite(s) => {
                let sql = $sql.replace('$', "?");
                let $q = sqlx::query(AssertSqlSafe(sql));
                let $pool = s.pool();
                $body
            }
            Store::Postgres(s) => {
                let $q = sqlx::query(AssertSqlSafe($sql.to_string()));
                let $pool = s.pool();
                $body
            }
        }
    };
}

/// Build a row struct from the columns of the same names.
macro_rules! read_row {
    ($row:expr, $ty:ident { $($field:ident),* $(,)? }) => {
        $ty { $($field: $row.try_get(stringify!($field))?),* }
    };
}
