//! The protocol revisions served, and the cache hints of the stateless revision's lists.

use std::borrow::Cow;

use rmcp::model::ProtocolVersion;

/// Protocol revisions served with an `initialize` handshake (2024-11-05 … 2025-11-25).
pub fn supported_versions() -> Cow<'static, [ProtocolVersion]> {
    Cow::Borrowed(ProtocolVersion::known_up_to(&ProtocolVersion::V_2025_11_25))
}

/// Every revision served: the handshake era plus the stateless 2026-07-28.
pub fn all_versions() -> Cow<'static, [ProtocolVersion]> {
    Cow::Borrowed(ProtocolVersion::known_up_to(&ProtocolVersion::V_2026_07_28))
}

/// How long 2026-07-28 clients may cache list results, in milliseconds.
pub const LIST_TTL_MS: u64 = 60_000;

/// 2026-07-28 list results carry cache hints (`ttlMs`, `cacheScope`); earlier revisions don't.
/// Lists only change with the configuration (a restart): clients may cache them, shared
/// (`Public`) unless a third argument says otherwise.
macro_rules! with_cache_hints {
    ($result:expr, $context:expr) => {
        with_cache_hints!($result, $context, ::rmcp::model::CacheScope::Public)
    };
    ($result:expr, $context:expr, $scope:expr) => {{
        let result = $result;
        if $context
            .protocol_version()
            .is_some_and(|v| v >= ::rmcp::model::ProtocolVersion::V_2026_07_28)
        {
            result
                .with_ttl_ms($crate::mcp::LIST_TTL_MS)
                .with_cache_scope($scope)
        } else {
            result
        }
    }};
}
