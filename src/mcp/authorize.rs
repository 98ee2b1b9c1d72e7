//! The one authorization point of the MCP engine: every request that reaches Opik data or
//! runs a tool passes [`McpEngine::authorize`] before any handler runs (see
//! [`super::McpService`]), and the consolidated tools' operations pass
//! [`McpEngine::authorize_operation`].
//!
//! - **Tools** need their scope (`auth.scopes.tools`, else the read/write/admin class) and
//!   count against their per-tool quota. A tool the caller may not use answers exactly like
//!   a tool that does not exist.
//! - **Resources** (`resources/read`, `resources/subscribe`) are the tool they mirror
//!   (`opik://projects-list` is `list-projects`, an entity URI is `read`, …): the same scope,
//!   the same quota bucket, the same `-32029` when over it. A resource the caller may not
//!   read answers like one that does not exist. No upstream call happens on a refusal.
//! - **Prompts** are fixed text that reads no Opik data: they need only the scopes every MCP
//!   request needs (checked by the HTTP layer), so they always pass here.
//! - **Operations** of `write` and `run_experiment` need their own scope or the general
//!   write scope; the refusal names the scope (a tool error the caller can act on).
//!
//! Every refusal is a security event (`tool_denied`, or `rate_limited` for quotas) so the
//! audit trail sees it. Requests without a principal come from stdio (a local, trusted pipe);
//! the HTTP transports always attach one.

use rmcp::{
    ErrorData,
    model::{ClientRequest, ErrorCode},
};

use super::{McpEngine, codes, resources, unknown_tool};
use crate::{
    auth::Principal,
    events::{SecurityEvent, SecurityEventKind},
    ratelimit::Decision,
};

/// What a request asks to use.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target<'a> {
    /// A tool, by name.
    Tool(&'a str),
    /// A resource, by URI (read or subscribed).
    Resource(&'a str),
    /// A prompt.
    Prompt,
}

impl<'a> Target<'a> {
    /// The target of `request`, when it is one that needs authorization.
    pub(crate) fn of(request: &'a ClientRequest) -> Option<Self> {
        match request {
            ClientRequest::CallToolRequest(r) => Some(Target::Tool(&r.params.name)),
            ClientRequest::ReadResourceRequest(r) => Some(Target::Resource(&r.params.uri)),
            ClientRequest::SubscribeRequest(r) => Some(Target::Resource(&r.params.uri)),
            ClientRequest::GetPromptRequest(_) => Some(Target::Prompt),
            _ => None,
        }
    }
}

impl McpEngine {
    /// Whether the caller may see and use `tool` (scope only, no quota).
    pub(crate) fn may_call(&self, principal: Option<&Principal>, tool: &str) -> bool {
        principal.is_none_or(|p| p.has_scope(self.scopes.required(tool)))
    }

    /// Whether the caller may see the resource or template `uri`: it may use the tool the
    /// resource mirrors (a URI that mirrors none is not served, so listing it is harmless).
    pub(crate) fn may_read(&self, principal: Option<&Principal>, uri: &str) -> bool {
        resources::mirrored_tool(&self.settings, uri).is_none_or(|t| self.may_call(principal, t))
    }

    /// Authorize `target` for `principal`: scope, then quota. Refusals are reported.
    pub(crate) fn authorize(
        &self,
        principal: Option<&Principal>,
        target: Target<'_>,
    ) -> Result<(), ErrorData> {
        if let Target::Tool(tool) = target
            && !self.router.has_route(tool)
        {
            return Err(unknown_tool(tool));
        }
        let Some(p) = principal else {
            return Ok(());
        };
        match target {
            Target::Tool(tool) => {
                if !self.may_call(principal, tool) {
                    // Same answer as a missing tool: a caller learns nothing about tools it
                    // may not use.
                    self.deny(p, self.scopes.required(tool), tool);
                    return Err(unknown_tool(tool));
                }
                self.check_quota(p, tool)
            }
            Target::Resource(uri) => {
                // A URI that mirrors no tool is unknown: the handler answers -32002.
                let Some(tool) = resources::mirrored_tool(&self.settings, uri) else {
                    return Ok(());
                };
                if !self.may_call(principal, tool) {
                    self.deny(p, self.scopes.required(tool), uri);
                    return Err(resources::not_found(uri));
                }
                self.check_quota(p, tool)
            }
            Target::Prompt => Ok(()),
        }
    }

    /// Authorize one operation of a consolidated tool (`write`'s `trace.create`,
    /// `run_experiment`): the operation's `scope` or the general write scope. The error is
    /// the message a tool error carries.
    pub(crate) fn authorize_operation(
        &self,
        principal: Option<&Principal>,
        tool: &str,
        operation: &str,
        scope: &str,
    ) -> Result<(), String> {
        let Some(p) = principal else {
            return Ok(());
        };
        let general = &self.settings.auth.scopes.write;
        if p.has_scope(scope) || p.has_scope(general) {
            return Ok(());
        }
        let target = if tool == operation {
            tool.to_owned()
        } else {
            format!("{tool}/{operation}")
        };
        self.deny(p, scope, &target);
        Err(format!(
            "Forbidden: {operation} needs the scope {scope} (or {general}); your token does \
             not grant it"
        ))
    }

    /// Count a use of `tool` against its per-tool quota; over quota is a JSON-RPC error
    /// carrying the retry time (`data.retryAfterSecs`). Exempt principals are not counted.
    fn check_quota(&self, p: &Principal, tool: &str) -> Result<(), ErrorData> {
        if crate::ratelimit::exempt(&self.settings.rate_limit, p) {
            return Ok(());
        }
        match self.limits.check(p.id(), tool) {
            Decision::Unlimited | Decision::Allowed { .. } => Ok(()),
            Decision::Limited { limit, retry_after } => {
                self.report(SecurityEventKind::RateLimited, p, "per_tool", tool);
                let secs = retry_after.as_secs_f64().ceil().max(1.0) as u64;
                Err(ErrorData::new(
                    ErrorCode(codes::RATE_LIMITED),
                    format!("rate limit exceeded for tool {tool}; retry after {secs} s"),
                    Some(serde_json::json!({ "retryAfterSecs": secs, "limit": limit })),
                ))
            }
        }
    }

    /// Report a scope refusal: `reason` is the scope that was missing.
    fn deny(&self, p: &Principal, reason: &str, target: &str) {
        self.report(SecurityEventKind::ToolDenied, p, reason, target);
    }

    fn report(&self, kind: SecurityEventKind, p: &Principal, reason: &str, target: &str) {
        self.observers.security_event(&SecurityEvent {
            kind,
            principal: Some(p.id()),
            client_ip: None,
            credential: p.credential_tag(),
            reason,
            target,
            session: None,
        });
    }
}
