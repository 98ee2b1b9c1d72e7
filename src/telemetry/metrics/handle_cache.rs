//! What the handle tables of [`super::http_handles`] and [`super::mcp_handles`] share: a table
//! with one slot per label set, made once our recorder is installed, and a slot filled by its
//! first lookup.

use std::sync::OnceLock;

/// The table in `cell` (`len` slots made by `slot`), or `None` before our Prometheus recorder
/// is installed: no handle of the no-op recorder is ever kept, so until then every call looks
/// the series up as the `metrics` macros do.
pub(super) fn table<T>(
    cell: &'static OnceLock<Vec<T>>,
    len: usize,
    slot: impl Fn() -> T,
) -> Option<&'static [T]> {
    if !super::installed() {
        return None;
    }
    Some(cell.get_or_init(|| (0..len).map(|_| slot()).collect()))
}

/// The handle kept in `slot` (made by `fresh` on first use), or a fresh one without a slot.
pub(super) fn cached<H: Clone>(slot: Option<&OnceLock<H>>, fresh: impl FnOnce() -> H) -> H {
    match slot {
        Some(s) => s.get_or_init(fresh).clone(),
        None => fresh(),
    }
}
