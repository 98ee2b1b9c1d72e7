//! What the store writes: audit records and session changes, as one stream of idempotent
//! operations (the same values go to the database, to the spill file and back).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{domain::SessionId, events::Outcome};

/// SHA-256 of a session id, hex: the only form a session id is ever stored in.
pub fn session_hash(id: &SessionId) -> String {
    sha256_hex(id.as_ref().as_bytes())
}

/// SHA-256 of `data`, lower-case hex. Through a buffer: `hex::encode` collects a `char`
/// iterator into the string (about 2,000 instructions for 32 bytes, once per audit record
/// for the arguments digest); `encode_to_slice` is a table lookup per byte.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    let mut text = [0u8; 64];
    match hex::encode_to_slice(digest, &mut text) {
        Ok(()) => String::from_utf8_lossy(&text).into_owned(),
        // Unreachable (32 bytes always fill 64 hex digits); the slow path is still right.
        Err(_) => hex::encode(digest),
    }
}

/// The current time at the precision both backends store (microseconds), so a record reads
/// back equal to what was written.
pub fn now() -> DateTime<Utc> {
    let t = Utc::now();
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// Parse a stored outcome name (the inverse of `Outcome::as_str`).
pub fn parse_outcome(s: &str) -> Option<Outcome> {
    [
        Outcome::Ok,
        Outcome::ToolError,
        Outcome::ProtocolError,
        Outcome::Denied,
        Outcome::RateLimited,
    ]
    .into_iter()
    .find(|o| o.as_str() == s)
}

mod outcome_serde {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::events::Outcome;

    pub fn serialize<S: Serializer>(o: &Outcome, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(o.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Outcome, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_outcome(&s).ok_or_else(|| D::Error::custom(format!("unknown outcome {s}")))
    }
}

/// What an audit row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// An MCP request that reached the engine.
    Request,
    /// A security event (auth denial, rate-limit hit, session-binding violation).
    Security,
}

impl RecordKind {
    /// Stable storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Request => "request",
            RecordKind::Security => "security",
        }
    }

    /// Parse a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "request" => Some(RecordKind::Request),
            "security" => Some(RecordKind::Security),
            _ => None,
        }
    }
}

/// One audit row. `id` is a UUIDv7 minted when the record is made, so a replayed record is
/// recognised (`ON CONFLICT DO NOTHING`) and ids sort by time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Idempotency key and tie-breaker of the time order.
    pub id: Uuid,
    /// When the request finished (or the event happened).
    pub occurred_at: DateTime<Utc>,
    /// Request or security event.
    pub kind: RecordKind,
    /// SHA-256 of the session id, when there is a session.
    pub session_hash: Option<String>,
    /// Authenticated subject.
    pub subject: Option<String>,
    /// JSON-RPC method (`tools/call`, `resources/read`…).
    pub method: Option<String>,
    /// Tool name, resource URI or prompt name.
    pub name: Option<String>,
    /// SHA-256 (hex) of the canonical JSON of the redacted arguments.
    pub arguments_digest: Option<String>,
    /// The redacted arguments, only with `audit.log_arguments = true`.
    pub arguments: Option<serde_json::Value>,
    /// How it ended.
    #[serde(with = "outcome_serde")]
    pub outcome: Outcome,
    /// JSON-RPC error code.
    pub error_code: Option<i32>,
    /// HTTP status the client got, for refusals answered at the HTTP layer.
    pub http_status: Option<i32>,
    /// HTTP status of the upstream (Opik) call, when the tool made one.
    pub upstream_status: Option<i32>,
    /// Microseconds from accepting the request to its reply.
    pub latency_us: Option<i64>,
    /// JSON-RPC id as JSON text (`7` or `"abc"`).
    pub request_id: Option<String>,
    /// Client address (`ip:port`).
    pub client_addr: Option<String>,
    /// Free text: the reason of a security event.
    pub detail: Option<String>,
}

impl AuditRecord {
    /// Its keyset position.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            at: self.occurred_at,
            key: self.id.to_string(),
        }
    }
}

/// A session was created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionOpened {
    /// SHA-256 of the session id.
    pub session_hash: String,
    /// `sse`, `streamable-http` or `stdio`.
    pub transport: String,
    /// Authenticated subject that owns the session.
    pub subject: Option<String>,
    /// Client address.
    pub client_addr: Option<String>,
    /// The replica serving it.
    pub instance_id: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// Activity since the last update (absolute values, so re-applying is harmless).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionActivity {
    /// SHA-256 of the session id.
    pub session_hash: String,
    /// Last request time.
    pub last_seen_at: DateTime<Utc>,
    /// Requests answered so far.
    pub request_count: i64,
    /// Of which failed (tool error, protocol error, refusals).
    pub error_count: i64,
    /// From `initialize`, once known.
    pub protocol_version: Option<String>,
    /// `clientInfo.name`, once known.
    pub client_name: Option<String>,
    /// `clientInfo.version`, once known.
    pub client_version: Option<String>,
    /// Set when the session ended.
    pub ended: Option<SessionEnd>,
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionEnd {
    /// End time.
    pub ended_at: DateTime<Utc>,
    /// `deleted`, `stream_closed`, `idle_timeout`, `shutdown`, `engine_stopped`, `admin`.
    pub reason: String,
}

/// One write. Every op is idempotent and monotone: replaying a spill file, or a batch whose
/// commit was not acknowledged, leaves the same rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Insert an audit row (ignored if its id exists).
    Audit(AuditRecord),
    /// Insert a session row (ignored if it exists).
    SessionOpened(SessionOpened),
    /// Raise counters / last-seen, fill client info, set the end once.
    SessionActivity(SessionActivity),
}

/// Filters of the audit listing (all optional, combined with AND).
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Exact subject.
    pub subject: Option<String>,
    /// Exact tool / resource / prompt name.
    pub name: Option<String>,
    /// Exact method.
    pub method: Option<String>,
    /// Outcome.
    pub outcome: Option<Outcome>,
    /// Request or security.
    pub kind: Option<RecordKind>,
    /// Session hash.
    pub session_hash: Option<String>,
    /// At or after.
    pub since: Option<DateTime<Utc>>,
    /// Before.
    pub until: Option<DateTime<Utc>>,
    /// Rows per page.
    pub limit: u32,
    /// Continue after this position (newest first).
    pub after: Option<Cursor>,
}

/// Which sessions to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionState {
    /// Not ended.
    Active,
    /// Ended.
    Ended,
    /// Both.
    #[default]
    All,
}

/// Filters of the session listing.
#[derive(Debug, Clone, Default)]
pub struct SessionQuery {
    /// Active, ended or all.
    pub state: SessionState,
    /// Exact subject.
    pub subject: Option<String>,
    /// Rows per page.
    pub limit: u32,
    /// Continue after this position (newest first).
    pub after: Option<Cursor>,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    /// SHA-256 of the session id.
    pub session_hash: String,
    /// Transport.
    pub transport: String,
    /// Protocol version from `initialize`.
    pub protocol_version: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Client name.
    pub client_name: Option<String>,
    /// Client version.
    pub client_version: Option<String>,
    /// Client address.
    pub client_addr: Option<String>,
    /// Serving replica.
    pub instance_id: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last request.
    pub last_seen_at: DateTime<Utc>,
    /// Ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Why it ended.
    pub end_reason: Option<String>,
    /// Requests answered.
    pub request_count: i64,
    /// Failed requests.
    pub error_count: i64,
}

impl SessionRow {
    /// Its keyset position.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            at: self.created_at,
            key: self.session_hash.clone(),
        }
    }
}

/// A page of results and where the next one starts.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows, newest first.
    pub items: Vec<T>,
    /// Pass back to get the next page; `None` on the last page.
    pub next: Option<Cursor>,
}

/// A keyset position: (time, tie-breaker), newest first. Opaque to clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// Time of the last row returned.
    pub at: DateTime<Utc>,
    /// Its id (audit: UUID text; sessions: hash).
    pub key: String,
}

impl Cursor {
    /// Opaque text form for clients.
    pub fn encode(&self) -> String {
        hex::encode(format!("{}|{}", self.at.timestamp_micros(), self.key))
    }

    /// Parse the text form; `None` if it was not made by [`Cursor::encode`].
    pub fn decode(s: &str) -> Option<Self> {
        let raw = String::from_utf8(hex::decode(s).ok()?).ok()?;
        let (micros, key) = raw.split_once('|')?;
        let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        let ok = !key.is_empty() && key.len() <= 64 && key.bytes().all(|b| b.is_ascii_graphic());
        ok.then(|| Cursor {
            at,
            key: key.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_round_trip_through_their_names() {
        for o in [
            Outcome::Ok,
            Outcome::ToolError,
            Outcome::ProtocolError,
            Outcome::Denied,
            Outcome::RateLimited,
        ] {
            assert_eq!(parse_outcome(o.as_str()), Some(o));
        }
        assert_eq!(parse_outcome("maybe"), None);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = Cursor {
            at: Utc::now(),
            key: Uuid::now_v7().to_string(),
        };
        let back = Cursor::decode(&c.encode()).expect("round trip");
        assert_eq!(back.key, c.key);
        assert_eq!(back.at.timestamp_micros(), c.at.timestamp_micros());
        assert_eq!(Cursor::decode("zz"), None);
        assert_eq!(Cursor::decode(&hex::encode("nobar")), None);
    }

    #[test]
    fn sha256_hex_matches_the_reference_encoding() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(sha256_hex(b"{}"), hex::encode(Sha256::digest(b"{}")));
    }

    #[test]
    fn session_hash_is_sha256_hex_and_never_the_id() {
        let id = SessionId::generate();
        let h = session_hash(&id);
        assert_eq!(h.len(), 64);
        assert_ne!(h, id.as_ref());
    }
}
