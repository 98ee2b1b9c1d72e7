//! Fetch the first items of a paged Opik list in several requests, shrinking the page when an
//! answer is over `opik.max_response_bytes`: a trace's spans or an experiment comparison can
//! carry megabytes per item, and one oversized page must not fail the whole read. A page that
//! is too large is asked for again in smaller pages (each size divides the previous one, so
//! the offset stays a whole number of pages); an item too large on its own is skipped and
//! counted.

use serde_json::Value;

use crate::{
    mcp::{McpServer, tools::common::ToolError},
    opik::{Call, Credentials, OpikError},
};

/// What [`McpServer::fetch_pages`] got.
#[derive(Debug, Default)]
pub struct Pages {
    /// The items, in Opik's order.
    pub items: Vec<Value>,
    /// Opik's total.
    pub total: i64,
    /// Positions (0-based) of items skipped because each alone was over the size limit.
    pub skipped: Vec<usize>,
    /// Requests made.
    pub requests: usize,
    /// Whether [`MAX_REQUESTS`] stopped the fetch before `cap` items.
    pub stopped: bool,
}

/// Most requests one fetch makes (pages of one item after a skip add up).
pub const MAX_REQUESTS: usize = 64;

/// The largest divisor of `size` that is at most half of it (1 for 1, 2 or 3).
fn smaller(size: u32) -> u32 {
    (1..=size / 2)
        .rev()
        .find(|d| size.is_multiple_of(*d))
        .unwrap_or(1)
}

impl McpServer {
    /// Up to `cap` items from the start of the list `call(page, size)` pages through,
    /// `size` per request at first.
    pub(crate) async fn fetch_pages<'p>(
        &self,
        creds: &Credentials,
        call: impl Fn(u32, u32) -> Call<'p>,
        cap: usize,
        size: u32,
    ) -> Result<Pages, ToolError> {
        let mut out = Pages::default();
        let mut size = size.max(1);
        let mut total: Option<i64> = None;
        while out.items.len() + out.skipped.len() < cap {
            let offset = out.items.len() + out.skipped.len();
            if total.is_some_and(|t| offset as i64 >= t) {
                break;
            }
            if out.requests == MAX_REQUESTS {
                out.stopped = true;
                break;
            }
            let page = u32::try_from(offset).unwrap_or(u32::MAX) / size + 1;
            out.requests += 1;
            let mut raw = match self.opik().get_json(creds, call(page, size)).await {
                Ok(raw) => raw,
                Err(OpikError::TooLarge { .. }) if size > 1 => {
                    size = smaller(size);
                    continue;
                }
                Err(OpikError::TooLarge { .. }) => {
                    out.skipped.push(offset);
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let content = match raw.get_mut("content").map(Value::take) {
                Some(Value::Array(a)) => a,
                _ => Vec::new(),
            };
            let got = content.len();
            total = total.or(raw["total"].as_i64());
            let room = cap - out.items.len() - out.skipped.len();
            out.items.extend(content.into_iter().take(room));
            if got < size as usize {
                break;
            }
        }
        out.total = total.unwrap_or(out.items.len() as i64 + out.skipped.len() as i64);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_smaller_size_divides_the_one_before() {
        assert_eq!(smaller(50), 25);
        assert_eq!(smaller(25), 5);
        assert_eq!(smaller(5), 1);
        assert_eq!(smaller(100), 50);
        assert_eq!(smaller(12), 6);
        assert_eq!(smaller(1), 1);
    }
}
