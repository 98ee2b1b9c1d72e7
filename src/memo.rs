//! The last value made on this thread, handed out again while its key is the same: for
//! per-request values that depend only on a small key and are the same for a client's every
//! request (its anonymous principal, its rate-limit key), where making one is a `format!`
//! and an allocation. Each caller keeps its own `thread_local!` slot.

use std::{cell::RefCell, thread::LocalKey};

/// A caller's slot: the key and the value made for it.
pub type Slot<K, V> = RefCell<Option<(K, V)>>;

/// The value in `slot` if it was made for `key`, else `make(key)`, kept for the next call.
pub fn last_per_thread<K: PartialEq + Copy, V: Clone>(
    slot: &'static LocalKey<Slot<K, V>>,
    key: K,
    make: impl FnOnce(K) -> V,
) -> V {
    slot.with(|last| {
        let mut last = last.borrow_mut();
        match last.as_ref() {
            Some((seen, value)) if *seen == key => value.clone(),
            _ => last.insert((key, make(key))).1.clone(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static SLOT: Slot<u8, String> = const { RefCell::new(None) };
    }

    #[test]
    fn a_value_is_made_again_only_when_the_key_changes() {
        let mut made = 0;
        let mut get = |k: u8| {
            last_per_thread(&SLOT, k, |k| {
                made += 1;
                format!("v{k}")
            })
        };
        assert_eq!(get(1), "v1");
        assert_eq!(get(1), "v1");
        assert_eq!(get(2), "v2");
        assert_eq!(get(1), "v1");
        assert_eq!(made, 3);
    }
}
