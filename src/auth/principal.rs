//! `Principal`: who is calling, as decided by the auth layer for each request.

use std::{collections::HashSet, fmt, net::IpAddr, sync::Arc};

/// How the caller was identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    /// No authentication (`auth.mode = none`); identified by client IP for rate limits only.
    Anonymous,
    /// A validated JWT (`sub`).
    Jwt,
    /// A static API key (its configured name).
    ApiKey,
}

impl PrincipalKind {
    /// Stable name for logs and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Anonymous => "anonymous",
            PrincipalKind::Jwt => "jwt",
            PrincipalKind::ApiKey => "api_key",
        }
    }
}

/// The granted scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scopes {
    /// Everything (unauthenticated mode, stdio).
    All,
    /// Exactly these.
    Set(HashSet<Box<str>>),
}

impl Scopes {
    /// Scopes from names.
    pub fn from_names<I: IntoIterator<Item = S>, S: AsRef<str>>(names: I) -> Self {
        Scopes::Set(names.into_iter().map(|s| s.as_ref().into()).collect())
    }

    /// Whether `scope` is granted.
    pub fn contains(&self, scope: &str) -> bool {
        match self {
            Scopes::All => true,
            Scopes::Set(set) => set.contains(scope),
        }
    }
}

/// The caller of one request; cheap to clone (it travels in request extensions).
#[derive(Clone)]
pub struct Principal(Arc<Inner>);

struct Inner {
    kind: PrincipalKind,
    /// `jwt:<sub>`, `key:<name>` or `ip:<addr>`: unique across kinds, so an API key named
    /// like a JWT subject never shares its sessions or quotas.
    id: Arc<str>,
    scopes: Scopes,
    credential_tag: Option<String>,
    ip: Option<IpAddr>,
}

impl Principal {
    /// An unauthenticated caller, keyed by client IP (when known) for rate limits.
    ///
    /// Every request of an unauthenticated deployment gets one: the last one made on this
    /// thread is handed out again while the address is the same (its id's formatting and
    /// allocations were ≈ 1,900 instructions a request). A principal never changes once
    /// made, so a shared one is the same value as a fresh one.
    pub fn anonymous(ip: Option<IpAddr>) -> Self {
        thread_local! {
            static LAST: crate::memo::Slot<Option<IpAddr>, Principal> =
                const { std::cell::RefCell::new(None) };
        }
        crate::memo::last_per_thread(&LAST, ip, Self::fresh_anonymous)
    }

    fn fresh_anonymous(ip: Option<IpAddr>) -> Self {
        let id = match ip {
            Some(ip) => format!("ip:{ip}"),
            None => "ip:unknown".to_string(),
        };
        let mut p = Self::new(PrincipalKind::Anonymous, id, Scopes::All, None);
        if let Some(inner) = Arc::get_mut(&mut p.0) {
            inner.ip = ip;
        }
        p
    }

    /// Whether this is an anonymous caller on a loopback address.
    pub fn is_anonymous_loopback(&self) -> bool {
        self.0.kind == PrincipalKind::Anonymous && self.0.ip.is_some_and(|ip| ip.is_loopback())
    }

    /// A JWT subject.
    pub fn jwt(subject: &str, scopes: Scopes, credential_tag: String) -> Self {
        Self::new(
            PrincipalKind::Jwt,
            format!("jwt:{subject}"),
            scopes,
            Some(credential_tag),
        )
    }

    /// An API-key holder.
    pub fn api_key(name: &str, scopes: Scopes, credential_tag: String) -> Self {
        Self::new(
            PrincipalKind::ApiKey,
            format!("key:{name}"),
            scopes,
            Some(credential_tag),
        )
    }

    fn new(kind: PrincipalKind, id: String, scopes: Scopes, tag: Option<String>) -> Self {
        Self(Arc::new(Inner {
            kind,
            id: id.into(),
            scopes,
            credential_tag: tag,
            ip: None,
        }))
    }

    /// How the caller was identified.
    pub fn kind(&self) -> PrincipalKind {
        self.0.kind
    }

    /// The stable id (`jwt:<sub>`, `key:<name>`, `ip:<addr>`): the key of rate limits.
    pub fn id(&self) -> &str {
        &self.0.id
    }

    /// The owner recorded on sessions it creates: `None` when anonymous (sessions of an
    /// unauthenticated server are not bound).
    pub fn owner(&self) -> Option<Arc<str>> {
        match self.0.kind {
            PrincipalKind::Anonymous => None,
            PrincipalKind::Jwt | PrincipalKind::ApiKey => Some(Arc::clone(&self.0.id)),
        }
    }

    /// The granted scopes.
    pub fn scopes(&self) -> &Scopes {
        &self.0.scopes
    }

    /// Whether `scope` is granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.0.scopes.contains(scope)
    }

    /// Short hash of the credential presented (for logs), if any.
    pub fn credential_tag(&self) -> Option<&str> {
        self.0.credential_tag.as_deref()
    }
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Principal")
            .field("kind", &self.0.kind)
            .field("id", &self.0.id)
            .finish_non_exhaustive()
    }
}

/// A short, non-reversible tag of a credential for logs: the first 12 hex characters of its
/// SHA-256. Credentials themselves are never logged.
pub fn credential_tag(credential: &str) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(credential.as_bytes())[..6])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_namespaced_by_kind() {
        let a = Principal::jwt("alice", Scopes::All, "t".into());
        let b = Principal::api_key("alice", Scopes::All, "t".into());
        assert_ne!(a.owner(), b.owner());
        assert_eq!(a.id(), "jwt:alice");
    }

    #[test]
    fn anonymous_owns_nothing_but_has_a_rate_key() {
        let p = Principal::anonymous(Some("10.0.0.1".parse().expect("ip")));
        assert_eq!(p.owner(), None);
        assert_eq!(p.id(), "ip:10.0.0.1");
        assert!(p.has_scope("anything"));
    }

    #[test]
    fn anonymous_principals_follow_the_address_even_when_reused() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().expect("ip"));
        let a = Principal::anonymous(ip("10.0.0.1"));
        let again = Principal::anonymous(ip("10.0.0.1"));
        assert!(
            Arc::ptr_eq(&a.0, &again.0),
            "the same address reuses the last one"
        );
        let b = Principal::anonymous(ip("10.0.0.2"));
        assert_eq!(b.id(), "ip:10.0.0.2");
        assert_eq!(Principal::anonymous(None).id(), "ip:unknown");
        let v6 = Principal::anonymous(ip("::1"));
        assert_eq!(v6.id(), "ip:::1");
        assert!(v6.is_anonymous_loopback());
        assert_eq!(Principal::anonymous(ip("10.0.0.1")).id(), "ip:10.0.0.1");
        assert!(!Principal::anonymous(ip("10.0.0.1")).is_anonymous_loopback());
    }

    #[test]
    fn scopes_are_exact() {
        let s = Scopes::from_names(["opik:read"]);
        assert!(s.contains("opik:read"));
        assert!(!s.contains("opik:write"));
    }

    #[test]
    fn credential_tag_is_short_and_hides_the_value() {
        let tag = credential_tag("secret-token");
        assert_eq!(tag.len(), 12);
        assert!(!tag.contains("secret"));
    }
}
