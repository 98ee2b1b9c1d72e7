//! The rmcp service each session runs: [`McpServer`] (the handler) behind one adapter that
//! turns rmcp's bare "method not found" (`-32601` with only the method name as message)
//! into an answer a client developer can act on: why the method is not there (an extension
//! or capability not offered, a method of another protocol revision, a request that goes the
//! other way) and which methods are, also as `data.supported`. Before any handler, it
//! authorizes the request (`super::authorize`).

use std::borrow::Cow;

use rmcp::{
    ErrorData, RoleServer, Service,
    model::{
        ClientNotification, ClientRequest, ErrorCode, ProtocolVersion, ServerCapabilities,
        ServerConfig, ServerResult,
    },
    service::{NotificationContext, RequestContext},
};
use serde_json::json;

use super::{McpServer, authorize::Target};
use crate::auth::Principal;

/// The service of one session (see the module docs).
#[derive(Clone)]
pub struct McpService(pub(super) McpServer);

impl Service<RoleServer> for McpService {
    async fn handle_request(
        &self,
        request: ClientRequest,
        context: RequestContext<RoleServer>,
    ) -> Result<ServerResult, ErrorData> {
        // The one authorization point: before any handler runs.
        if let Some(target) = Target::of(&request) {
            let principal = context.extensions.get::<Principal>();
            self.0.engine.authorize(principal, target)?;
        }
        let method = request.method().to_owned();
        let version = context.protocol_version();
        Service::handle_request(&self.0, request, context)
            .await
            .map_err(|e| {
                if e.code == ErrorCode::METHOD_NOT_FOUND {
                    let caps = Service::get_info(&self.0).capabilities;
                    explain(&method, &caps, version.as_ref())
                } else {
                    e
                }
            })
    }

    async fn handle_notification(
        &self,
        notification: ClientNotification,
        context: NotificationContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        Service::handle_notification(&self.0, notification, context).await
    }

    fn get_info(&self) -> ServerConfig {
        Service::get_info(&self.0)
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Service::supported_protocol_versions(&self.0)
    }
}

/// Whether `version` is the stateless era (no `initialize`, `ping`, subscriptions by URI).
fn stateless(version: Option<&ProtocolVersion>) -> bool {
    version.is_some_and(|v| v.as_str() >= ProtocolVersion::V_2026_07_28.as_str())
}

/// The methods a client may call here, given the advertised capabilities and the session's
/// protocol revision.
pub fn supported(
    caps: &ServerCapabilities,
    version: Option<&ProtocolVersion>,
) -> Vec<&'static str> {
    let legacy = !stateless(version);
    let mut out = Vec::new();
    let mut add = |on: bool, methods: &[&'static str]| {
        if on {
            out.extend_from_slice(methods);
        }
    };
    add(legacy, &["initialize", "ping"]);
    add(true, &["server/discover"]);
    add(caps.tools.is_some(), &["tools/list", "tools/call"]);
    let resources = caps.resources.as_ref();
    add(
        resources.is_some(),
        &[
            "resources/list",
            "resources/templates/list",
            "resources/read",
        ],
    );
    let subscribe = resources.and_then(|r| r.subscribe).unwrap_or(false);
    add(
        legacy && subscribe,
        &["resources/subscribe", "resources/unsubscribe"],
    );
    add(caps.prompts.is_some(), &["prompts/list", "prompts/get"]);
    add(caps.completions.is_some(), &["completion/complete"]);
    let logging = caps.logging.is_some();
    add(legacy && logging, &["logging/setLevel"]);
    out
}

/// Why `method` is not served here.
fn reason(method: &str, caps: &ServerCapabilities, version: Option<&ProtocolVersion>) -> String {
    let revision = version.map_or("an unknown revision", |v| v.as_str());
    match method {
        m if m.starts_with("tasks/") => {
            "the tasks extension is not offered (no tasks capability)".into()
        }
        m if m.starts_with("skills/") || m == "resources/directory/read" => {
            "the skills extension is not offered".into()
        }
        "resources/subscribe" | "resources/unsubscribe" if !stateless(version) => {
            let on = caps.resources.as_ref().and_then(|r| r.subscribe) == Some(true);
            if on {
                "it is not available in this session".into()
            } else {
                "resource subscriptions are turned off on this server (the resources capability \
                 does not set subscribe)"
                    .into()
            }
        }
        "initialize"
        | "ping"
        | "logging/setLevel"
        | "resources/subscribe"
        | "resources/unsubscribe" => {
            format!("protocol {revision} removed it")
        }
        "subscriptions/listen" => format!(
            "it belongs to protocol 2026-07-28 and this session uses {revision}; \
             use resources/subscribe"
        ),
        m if m.starts_with("sampling/")
            || m.starts_with("elicitation/")
            || m.starts_with("roots/") =>
        {
            "a server sends that request to a client, not the other way round".into()
        }
        m if m.starts_with("notifications/") => {
            "it is a notification: send it without an id".into()
        }
        _ => "this server does not implement it".into(),
    }
}

/// The `-32601` error for `method`.
pub fn explain(
    method: &str,
    caps: &ServerCapabilities,
    version: Option<&ProtocolVersion>,
) -> ErrorData {
    let supported = supported(caps, version);
    ErrorData::new(
        ErrorCode::METHOD_NOT_FOUND,
        format!(
            "Method not found: {method}: {}. Supported methods: {}",
            reason(method, caps, version),
            supported.join(", ")
        ),
        Some(json!({ "method": method, "supported": supported })),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(subscribe: bool) -> ServerCapabilities {
        let b = ServerCapabilities::builder()
            .enable_tools()
            .enable_resources()
            .enable_prompts()
            .enable_completions();
        if subscribe {
            b.enable_resources_subscribe().build()
        } else {
            b.build()
        }
    }

    #[test]
    fn unknown_methods_say_why_and_list_what_is_supported() {
        let v = ProtocolVersion::V_2025_11_25;
        let e = explain("vendor/x", &caps(true), Some(&v));
        assert_eq!(e.code, ErrorCode::METHOD_NOT_FOUND);
        assert!(
            e.message
                .starts_with("Method not found: vendor/x: this server does not")
        );
        assert!(
            e.message.contains("completion/complete") && e.message.contains("resources/subscribe")
        );
        let data = e.data.expect("data");
        assert_eq!(data["method"], "vendor/x");
        assert!(
            data["supported"]
                .as_array()
                .expect("list")
                .contains(&json!("tools/call"))
        );
    }

    #[test]
    fn capabilities_and_revisions_explain_missing_methods() {
        let v = ProtocolVersion::V_2025_11_25;
        let off = explain("resources/subscribe", &caps(false), Some(&v));
        assert!(off.message.contains("turned off"), "{}", off.message);
        assert!(
            !off.message.contains("resources/unsubscribe,"),
            "not listed when off"
        );
        let tasks = explain("tasks/get", &caps(true), Some(&v));
        assert!(tasks.message.contains("tasks extension"));
        let listen = explain("subscriptions/listen", &caps(true), Some(&v));
        assert!(listen.message.contains("2026-07-28") && listen.message.contains("2025-11-25"));
        let modern = ProtocolVersion::V_2026_07_28;
        let ping = explain("ping", &caps(true), Some(&modern));
        assert!(
            ping.message.contains("protocol 2026-07-28 removed it"),
            "{}",
            ping.message
        );
        assert!(!supported(&caps(true), Some(&modern)).contains(&"ping"));
        let sampling = explain("sampling/createMessage", &caps(true), Some(&v));
        assert!(
            sampling
                .message
                .contains("server sends that request to a client")
        );
    }
}
