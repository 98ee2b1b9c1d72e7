//! The cap on concurrent SSE streams per principal. Entries exist only while streams are
//! open, so the map is bounded by the number of open streams.

use std::sync::Arc;

use dashmap::DashMap;

/// Open streams per principal id.
pub struct StreamSlots {
    open: Arc<DashMap<Arc<str>, usize>>,
    max: usize,
}

impl StreamSlots {
    /// At most `max` streams per principal.
    pub fn new(max: usize) -> Self {
        Self {
            open: Arc::new(DashMap::new()),
            max,
        }
    }

    /// The cap.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Take a slot for `key`, or `None` when it already holds `max` streams.
    pub fn acquire(&self, key: &Arc<str>) -> Option<StreamPermit> {
        let mut n = self.open.entry(Arc::clone(key)).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(StreamPermit {
            open: Arc::clone(&self.open),
            key: Arc::clone(key),
        })
    }

    /// Streams open for `key`.
    pub fn open_for(&self, key: &str) -> usize {
        self.open.get(key).map_or(0, |n| *n)
    }
}

/// One open stream; dropping it (the stream ended) frees the slot.
pub struct StreamPermit {
    open: Arc<DashMap<Arc<str>, usize>>,
    key: Arc<str>,
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        self.open.remove_if_mut(&self.key, |_, n| {
            *n = n.saturating_sub(1);
            *n == 0
        });
    }
}
