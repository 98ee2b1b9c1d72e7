//! `SessionId`: 256 bits from the OS CSPRNG, hex-encoded (64 visible-ASCII characters,
//! as the Streamable HTTP spec requires for `Mcp-Session-Id`).

use std::{fmt, sync::Arc};

use rand::{TryRngCore, rngs::OsRng};

const LEN: usize = 64;

/// A session id minted by this server.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SessionId(Arc<str>);

/// Why a presented session id was refused before any lookup.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SessionIdError {
    /// Empty value.
    #[error("session id is empty")]
    Empty,
    /// Not 64 lowercase hex characters.
    #[error("session id is malformed: expected 64 hex characters")]
    Malformed,
}

impl SessionId {
    /// Mint a fresh id from the OS CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; LEN / 2];
        // The OS RNG failing means the platform is broken; there is no safe fallback.
        OsRng
            .try_fill_bytes(&mut bytes)
            .expect("OS random number generator failed");
        Self(hex::encode(bytes).into())
    }

    /// Validate a presented id (from a header or a query string).
    pub fn parse(s: &str) -> Result<Self, SessionIdError> {
        if s.is_empty() {
            return Err(SessionIdError::Empty);
        }
        if s.len() != LEN || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(SessionIdError::Malformed);
        }
        Ok(Self(s.into()))
    }

    /// A short, non-reversible tag for logs: the first 12 hex chars of SHA-256(id).
    pub fn log_tag(&self) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(self.0.as_bytes());
        hex::encode(&digest[..6])
    }
}

impl AsRef<str> for SessionId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Debug never prints the full id: it is a bearer of a session.
impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({})", self.log_tag())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_back_and_differ() {
        let a = SessionId::generate();
        let b = SessionId::generate();
        assert_ne!(a, b);
        assert_eq!(SessionId::parse(a.as_ref()), Ok(a));
    }

    #[test]
    fn malformed_ids_are_rejected() {
        assert_eq!(SessionId::parse(""), Err(SessionIdError::Empty));
        assert_eq!(SessionId::parse("abc"), Err(SessionIdError::Malformed));
        let upper = "A".repeat(64);
        assert_eq!(SessionId::parse(&upper), Err(SessionIdError::Malformed));
    }

    #[test]
    fn debug_hides_the_id() {
        let id = SessionId::generate();
        assert!(!format!("{id:?}").contains(id.as_ref()));
    }
}
