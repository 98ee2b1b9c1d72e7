//! Messages relayed through PostgreSQL: each goes inside a `NOTIFY` on the receiving replica's
//! channel, in up to 32 parts when too large for one, and beyond that by reference through the
//! `relay_messages` table; the receiver reassembles parts and delivers the message.

use serde::{Deserialize, Serialize};

use super::Cluster;

/// A message too large for one notification travels in up to this many, in order; beyond
/// that, by reference through `relay_messages` (costs an `INSERT` and a `DELETE … RETURNING`).
const MAX_PARTS: usize = 32;
/// Bytes of JSON that a part's envelope (hash, key, indices) needs at most.
const ENVELOPE: usize = 200;
/// Messages being reassembled at once before the oldest are forgotten (a lost part).
const MAX_PARTIAL: usize = 64;

/// A relay notification: the message inline (`m`), one part of it (`k`, `i` of `n`, `c`), or
/// the id of its `relay_messages` row (`r`).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Relayed {
    /// Session hash.
    s: String,
    /// Kept as text: it goes to the stream as it came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    m: Option<Box<serde_json::value::RawValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    r: Option<i64>,
    /// Key of a message sent in parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    k: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    i: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<usize>,
    /// This part's slice of the message's JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<String>,
}

/// Messages arriving in parts: key → (next index, text so far).
pub(super) type Partial = std::collections::HashMap<String, (usize, String)>;

/// `text` cut into slices of at most `max` bytes, on character boundaries.
fn split(text: &str, max: usize) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut end = max.min(rest.len());
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        parts.push(&rest[..end]);
        rest = &rest[end..];
    }
    parts
}

/// Add one part; the whole text once the last part arrived.
fn reassemble(partial: &mut Partial, key: String, i: usize, n: usize, c: String) -> Option<String> {
    if partial.len() >= MAX_PARTIAL && !partial.contains_key(&key) {
        partial.clear();
    }
    if i == 0 {
        partial.insert(key.clone(), (0, String::new()));
    }
    let (next, text) = partial.get_mut(&key)?;
    if *next != i {
        // A part went missing (listener reconnect): drop the message.
        partial.remove(&key);
        return None;
    }
    text.push_str(&c);
    *next += 1;
    if *next == n {
        return partial.remove(&key).map(|(_, t)| t);
    }
    None
}

impl Cluster {
    /// Write a relayed message to the local stream it is for.
    pub(super) async fn deliver(&self, payload: &str, partial: &mut Partial) {
        let Ok(note) = serde_json::from_str::<Relayed>(payload) else {
            tracing::warn!("unreadable relay notification");
            return;
        };
        if let (Some(k), Some(i), Some(n), Some(c)) = (note.k, note.i, note.n, note.c) {
            if let Some(text) = reassemble(partial, k, i, n, c) {
                self.push(&note.s, &text);
            }
            return;
        }
        if let Some(m) = &note.m {
            self.push(&note.s, m.get());
            return;
        }
        let text = match note.r {
            Some(id) => match sqlx::query_scalar::<_, String>(
                "DELETE FROM relay_messages WHERE id = $1 RETURNING payload",
            )
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            {
                Ok(Some(t)) => t,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read a relayed message");
                    return;
                }
            },
            None => return,
        };
        self.push(&note.s, &text);
    }

    /// The notification payloads carrying `text`: itself, its parts, or a reference.
    pub(super) async fn envelopes(
        &self,
        hash: &str,
        text: &str,
    ) -> Result<Vec<String>, crate::store::StoreError> {
        if text.len() + hash.len() + 16 <= self.inline_bytes {
            return Ok(vec![format!(r#"{{"s":"{hash}","m":{text}}}"#)]);
        }
        // Escaping at most doubles a part (compact JSON has no raw control characters).
        let parts = split(text, (self.inline_bytes - ENVELOPE) / 2);
        if parts.len() <= MAX_PARTS {
            let key = uuid::Uuid::new_v4().simple().to_string();
            let n = parts.len();
            return Ok(parts
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    let part = Relayed {
                        s: hash.to_owned(),
                        k: Some(key.clone()),
                        i: Some(i),
                        n: Some(n),
                        c: Some(c.to_owned()),
                        ..Relayed::default()
                    };
                    serde_json::to_string(&part).unwrap_or_default()
                })
                .collect());
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO relay_messages (session_hash, payload) VALUES ($1, $2) RETURNING id",
        )
        .bind(hash)
        .bind(text)
        .fetch_one(&self.pool)
        .await?;
        Ok(vec![format!(r#"{{"s":"{hash}","r":{id}}}"#)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_split_in_parts_reassembles_exactly() {
        let text = "é".repeat(100) + &"x".repeat(1001);
        let parts = split(&text, 64);
        assert!(parts.iter().all(|p| p.len() <= 64));
        let mut partial = Partial::new();
        let n = parts.len();
        let mut whole = None;
        for (i, p) in parts.iter().enumerate() {
            whole = reassemble(&mut partial, "k".into(), i, n, (*p).to_owned());
            assert_eq!(whole.is_some(), i + 1 == n);
        }
        assert_eq!(whole.as_deref(), Some(text.as_str()));
        assert!(partial.is_empty());
    }

    #[test]
    fn a_missing_part_drops_the_message() {
        let mut partial = Partial::new();
        assert!(reassemble(&mut partial, "k".into(), 0, 3, "a".into()).is_none());
        assert!(reassemble(&mut partial, "k".into(), 2, 3, "c".into()).is_none());
        assert!(partial.is_empty(), "nothing kept for a broken message");
    }
}
