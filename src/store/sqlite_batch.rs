//! SQLite's audit INSERT: multi-row `VALUES` lists in power-of-two chunks, each text built
//! once per process (PostgreSQL binds one array per column instead, see `pg_batch`).

use std::sync::OnceLock;

use sqlx::{Arguments, error::BoxDynError, sqlite::SqliteArguments};

use super::{AuditRecord, query::AUDIT_COLUMNS};

/// How many columns [`AUDIT_COLUMNS`] names (one bind parameter each per row).
const AUDIT_COLUMN_COUNT: usize = {
    let bytes = AUDIT_COLUMNS.as_bytes();
    let (mut i, mut commas) = (0, 0);
    while i < bytes.len() {
        if bytes[i] == b',' {
            commas += 1;
        }
        i += 1;
    }
    commas + 1
};

/// Most rows in one multi-row INSERT: 512 × 17 columns stays under SQLite's 32766 bind
/// parameters.
pub(super) const MAX_CHUNK: usize = 512;

const _: () = assert!(
    MAX_CHUNK * AUDIT_COLUMN_COUNT <= 32766,
    "SQLite's bind limit"
);

/// Distinct chunk lengths: 1, 2, 4 … [`MAX_CHUNK`].
const LENGTHS: usize = MAX_CHUNK.trailing_zeros() as usize + 1;

/// The INSERT text for each chunk length, built on first use.
static TEXTS: [OnceLock<String>; LENGTHS] = [const { OnceLock::new() }; LENGTHS];

/// `records` cut into chunks whose lengths are powers of two, largest first (`MAX_CHUNK`
/// while more are left). A multi-row INSERT's text depends on its row count, and sqlx caches
/// prepared statements by text: one statement per batch length was parsed again for most
/// batches (small batches vary in length), about 18,000 instructions per record. With these
/// lengths every batch uses at most ten distinct statement texts, each parsed once per
/// connection.
pub(super) fn audit_chunks<T>(mut records: &[T]) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        if records.is_empty() {
            return None;
        }
        let len = records.len().min(MAX_CHUNK);
        let (chunk, rest) = records.split_at(1 << len.ilog2());
        records = rest;
        Some(chunk)
    })
}

/// `INSERT INTO audit … VALUES …` for `rows` rows (a length [`audit_chunks`] yields),
/// ignoring ids already stored (a retried batch).
pub(super) fn audit_insert(rows: usize) -> &'static str {
    debug_assert!(rows.is_power_of_two() && rows <= MAX_CHUNK);
    TEXTS[rows.ilog2() as usize].get_or_init(|| {
        let row = format!("({})", vec!["?"; AUDIT_COLUMN_COUNT].join(", "));
        format!(
            "INSERT INTO audit ({AUDIT_COLUMNS}) VALUES {} ON CONFLICT (id) DO NOTHING",
            vec![row; rows].join(", ")
        )
    })
}

/// The arguments of [`audit_insert`] for `chunk`, in column order (times as INTEGER
/// microseconds, JSON as TEXT; SQLite copies each value once).
pub(super) fn audit_arguments(chunk: &[&AuditRecord]) -> Result<SqliteArguments, BoxDynError> {
    let mut args = SqliteArguments::default();
    args.reserve(chunk.len() * AUDIT_COLUMN_COUNT, 0);
    for &r in chunk {
        args.add(r.id)?;
        args.add(r.occurred_at.timestamp_micros())?;
        args.add(r.kind.as_str())?;
        args.add(r.session_hash.as_deref())?;
        args.add(r.subject.as_deref())?;
        args.add(r.method.as_deref())?;
        args.add(r.name.as_deref())?;
        args.add(r.arguments_digest.as_deref())?;
        args.add(r.arguments.as_ref().map(|v| v.to_string()))?;
        args.add(r.outcome.as_str())?;
        args.add(r.error_code)?;
        args.add(r.http_status)?;
        args.add(r.upstream_status)?;
        args.add(r.latency_us)?;
        args.add(r.request_id.as_deref())?;
        args.add(r.client_addr.as_deref())?;
        args.add(r.detail.as_deref())?;
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_chunks_are_powers_of_two_in_order_and_cover_every_record() {
        for n in [0, 1, 2, 3, 7, 42, 500, 512, 513, 1200, 8000] {
            let records: Vec<usize> = (0..n).collect();
            let chunks: Vec<&[usize]> = audit_chunks(&records).collect();
            assert!(
                chunks
                    .iter()
                    .all(|c| c.len().is_power_of_two() && c.len() <= MAX_CHUNK),
                "{n}: {:?}",
                chunks.iter().map(|c| c.len()).collect::<Vec<_>>()
            );
            assert_eq!(chunks.concat(), records, "{n}: order and coverage");
            assert!(chunks.windows(2).all(|w| w[0].len() >= w[1].len()));
        }
    }

    #[test]
    fn the_column_count_is_the_column_list_s() {
        assert_eq!(AUDIT_COLUMN_COUNT, AUDIT_COLUMNS.split(',').count());
        assert_eq!(AUDIT_COLUMN_COUNT, 17);
    }

    #[test]
    fn audit_insert_text_has_one_placeholder_per_value() {
        let columns = AUDIT_COLUMNS.split(',').count();
        let one = audit_insert(1);
        assert!(
            one.starts_with("INSERT INTO audit (id, occurred_at,"),
            "{one}"
        );
        assert!(one.ends_with("?) ON CONFLICT (id) DO NOTHING"), "{one}");
        assert_eq!(one.matches('?').count(), columns);
        let four = audit_insert(4);
        assert_eq!(four.matches('?').count(), 4 * columns);
        assert_eq!(four.matches("?), (?").count(), 3, "four rows");
        assert!(std::ptr::eq(four, audit_insert(4)), "built once");
    }
}
