//! What start-up checks: the settings that must refuse to serve, and the readiness checks
//! it registers on the admin listener.

use crate::{
    config::{AuthMode, Settings},
    store::AuditSink,
};

/// Readiness of the upstream Opik API (`admin.check_opik`): it answers its ping.
pub(super) fn opik_check(
    opik: crate::opik::OpikClient,
) -> impl crate::app::readiness::ReadinessCheck {
    use crate::app::readiness::{CheckResult, check_fn};
    check_fn("opik", move || {
        let opik = opik.clone();
        async move {
            match opik.ping().await {
                Ok(()) => CheckResult::pass("reachable"),
                Err(e) => CheckResult::fail(e.to_string()),
            }
        }
    })
}

/// Readiness of JWT verification against a JWKS: not ready while no signing key is loaded
/// (every JWT would be refused), ready once keys are, and degraded when they were last
/// refreshed more than `max_stale` ago (refreshes failing).
pub(super) fn jwks_check(
    jwks: std::sync::Arc<crate::auth::JwksCache>,
    max_stale: std::time::Duration,
) -> impl crate::app::readiness::ReadinessCheck {
    use crate::app::readiness::{CheckResult, check_fn};
    check_fn("jwks", move || {
        let s = jwks.status();
        async move {
            let age = s.since_success.map(|d| d.as_secs());
            let data = serde_json::json!({
                "keys": s.keys, "secs_since_success": age, "error": s.last_error,
            });
            let error = s
                .last_error
                .as_deref()
                .unwrap_or("no fetch has completed yet");
            let result = match age {
                _ if s.keys == 0 => CheckResult::fail(format!(
                    "no signing keys loaded from the JWKS (every JWT is refused): {error}"
                )),
                Some(a) if a > max_stale.as_secs() => CheckResult::pass(format!(
                    "{} keys, last refreshed {a} s ago (stale); refresh failing: {error}",
                    s.keys
                ))
                .degraded(true),
                _ => CheckResult::pass(format!("{} keys loaded", s.keys)),
            };
            result.with_data(data)
        }
    })
}

/// Readiness of the audit trail: ready while it can take records (spilling to the local file
/// is degraded but ready; failing with `fail-closed` is not ready).
pub(super) fn store_check(audit: AuditSink) -> impl crate::app::readiness::ReadinessCheck {
    use crate::{
        app::readiness::{CheckResult, check_fn},
        store::WriterState,
    };
    check_fn("store", move || {
        let s = audit.status();
        async move {
            let detail = format!(
                "{}; queued {}; spill pending {}; written {}; lost {}",
                s.state.as_str(),
                s.queued,
                s.spill_pending,
                s.written,
                s.lost
            );
            let ok = match s.state {
                WriterState::Ok | WriterState::Disabled | WriterState::Spilling => true,
                WriterState::Failing => s.accepting,
            };
            let data = serde_json::json!({
                "state": s.state.as_str(),
                "queued": s.queued,
                "spill_pending": s.spill_pending,
                "written": s.written,
                "lost": s.lost,
                "accepting": s.accepting,
                "error": s.last_error,
            });
            let result = if ok {
                CheckResult::pass(detail)
            } else {
                CheckResult::fail(detail)
            };
            result
                .with_data(data)
                .degraded(s.state != WriterState::Ok && s.state != WriterState::Disabled)
        }
    })
}

/// `auth.mode = none` only on loopback, unless explicitly allowed.
pub(super) fn check_exposure(settings: &Settings) -> anyhow::Result<()> {
    let auth = &settings.auth;
    if auth.mode == AuthMode::None
        && !settings.server.binds_loopback()
        && !auth.allow_unauthenticated
    {
        anyhow::bail!(
            "refusing to serve without authentication on the non-loopback address {host} \
             (server.host): anyone who can reach the port could use the server. Set auth.mode \
             (--auth-mode jwt|api-key|both), bind to loopback (--sse-host 127.0.0.1), or accept \
             the risk with auth.allow_unauthenticated = true (--allow-unauthenticated)",
            host = settings.server.host
        );
    }
    if auth.mode == AuthMode::None && auth.allow_unauthenticated {
        tracing::warn!(host = %settings.server.host, "serving WITHOUT authentication (--allow-unauthenticated)");
    }
    Ok(())
}

/// Tool names in per-tool settings must exist (a typo would silently not apply).
pub(super) fn check_tool_names(settings: &Settings) -> anyhow::Result<()> {
    let known: Vec<String> = crate::mcp::tools::all_tools()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    let keys = [
        (
            "auth.scopes.tools",
            settings.auth.scopes.tools.keys().collect::<Vec<_>>(),
        ),
        (
            "rate_limit.tools",
            settings.rate_limit.tools.keys().collect(),
        ),
    ];
    for (key, names) in keys {
        if let Some(unknown) = names.into_iter().find(|n| !known.contains(n)) {
            anyhow::bail!(
                "invalid configuration: {key}: unknown tool {unknown:?}; known tools: {}",
                known.join(", ")
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_tool_settings_must_name_existing_tools() {
        let mut settings = Settings::default();
        assert!(check_tool_names(&settings).is_ok(), "nothing named");
        settings
            .auth
            .scopes
            .tools
            .insert("get-server-info".into(), "opik:read".into());
        assert!(check_tool_names(&settings).is_ok(), "a real tool");
        settings.rate_limit.tools.insert(
            "get-server-infoo".into(),
            crate::config::Limit {
                per_minute: 10,
                burst: 1,
            },
        );
        let err = check_tool_names(&settings).expect_err("a typo").to_string();
        assert!(err.contains("rate_limit.tools"), "{err}");
        assert!(err.contains("unknown tool \"get-server-infoo\""), "{err}");
        assert!(
            err.contains("get-server-info,"),
            "lists the known tools: {err}"
        );
    }
}
