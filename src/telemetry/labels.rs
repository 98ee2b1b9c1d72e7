//! Label values for metrics (and a few log fields): small closed enums, so every label has a
//! bounded set of values. Nothing here can carry a session id, a subject or a raw path.

/// Declares a label enum with its stable wire names and the list of all values.
macro_rules! label_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* #[doc = concat!("`", $text, "`")] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The label value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }
    };
}

label_enum! {
    /// The route template of an HTTP request (never the raw path or query).
    Route {
        Health => "health",
        Healthz => "healthz",
        Readyz => "readyz",
        Metrics => "metrics",
        Sse => "sse",
        Messages => "messages",
        Mcp => "mcp",
        OpenApi => "openapi",
        Docs => "docs",
        Admin => "admin",
        OAuth => "oauth",
        Other => "other",
    }
}

impl Route {
    /// Classify a request path; `mcp_path` is the configured Streamable HTTP path.
    pub fn classify(path: &str, mcp_path: &str) -> Self {
        match path {
            "/health" => Route::Health,
            "/healthz" => Route::Healthz,
            "/readyz" => Route::Readyz,
            "/metrics" => Route::Metrics,
            "/sse" => Route::Sse,
            "/messages" => Route::Messages,
            "/openapi.json" | "/openapi.yaml" => Route::OpenApi,
            p if p == mcp_path => Route::Mcp,
            p if p == "/docs" || p.starts_with("/docs/") => Route::Docs,
            p if p == "/admin" || p.starts_with("/admin/") => Route::Admin,
            // Sign-in: OAuth discovery documents, the broker's endpoints and its pages.
            "/authorize" | "/token" | "/register" | "/revoke" | "/.well-known/jwks.json" => {
                Route::OAuth
            }
            p if p.starts_with("/.well-known/oauth-") || p.starts_with("/oauth/") => Route::OAuth,
            _ => Route::Other,
        }
    }
}

label_enum! {
    /// HTTP request method.
    HttpMethod {
        Get => "GET",
        Post => "POST",
        Delete => "DELETE",
        Put => "PUT",
        Patch => "PATCH",
        Head => "HEAD",
        Options => "OPTIONS",
        Other => "other",
    }
}

impl HttpMethod {
    /// From poem's method.
    pub fn of(m: &poem::http::Method) -> Self {
        use poem::http::Method;
        match *m {
            Method::GET => HttpMethod::Get,
            Method::POST => HttpMethod::Post,
            Method::DELETE => HttpMethod::Delete,
            Method::PUT => HttpMethod::Put,
            Method::PATCH => HttpMethod::Patch,
            Method::HEAD => HttpMethod::Head,
            Method::OPTIONS => HttpMethod::Options,
            _ => HttpMethod::Other,
        }
    }
}

label_enum! {
    /// An MCP (JSON-RPC) method; anything not in the spec is `other`.
    McpMethod {
        Initialize => "initialize",
        Ping => "ping",
        ToolsList => "tools/list",
        ToolsCall => "tools/call",
        ResourcesList => "resources/list",
        ResourcesTemplatesList => "resources/templates/list",
        ResourcesRead => "resources/read",
        ResourcesSubscribe => "resources/subscribe",
        ResourcesUnsubscribe => "resources/unsubscribe",
        PromptsList => "prompts/list",
        PromptsGet => "prompts/get",
        CompletionComplete => "completion/complete",
        LoggingSetLevel => "logging/setLevel",
        NotificationsInitialized => "notifications/initialized",
        NotificationsCancelled => "notifications/cancelled",
        NotificationsProgress => "notifications/progress",
        NotificationsRootsListChanged => "notifications/roots/list_changed",
        Response => "response",
        Other => "other",
    }
}

impl McpMethod {
    /// Map a method name (client-controlled) onto the closed set.
    pub fn parse(method: &str) -> Self {
        McpMethod::ALL
            .iter()
            .copied()
            .find(|m| m.as_str() == method && *m != McpMethod::Other)
            .unwrap_or(McpMethod::Other)
    }

    /// The method of a client message (`response` for responses and errors).
    pub fn of(msg: &rmcp::model::ClientJsonRpcMessage) -> Self {
        use rmcp::model::{ClientNotification as N, JsonRpcMessage};
        match msg {
            JsonRpcMessage::Request(r) => Self::parse(r.request.method()),
            JsonRpcMessage::Notification(n) => match &n.notification {
                N::CancelledNotification(_) => McpMethod::NotificationsCancelled,
                N::ProgressNotification(_) => McpMethod::NotificationsProgress,
                N::InitializedNotification(_) => McpMethod::NotificationsInitialized,
                N::RootsListChangedNotification(_) => McpMethod::NotificationsRootsListChanged,
                N::CustomNotification(c) => Self::parse(&c.method),
                _ => McpMethod::Other,
            },
            JsonRpcMessage::Response(_) | JsonRpcMessage::Error(_) => McpMethod::Response,
        }
    }
}

label_enum! {
    /// Why authentication failed.
    AuthFailure {
        Missing => "missing",
        Malformed => "malformed",
        BadSignature => "bad_signature",
        Expired => "expired",
        NotYetValid => "not_yet_valid",
        WrongIssuer => "wrong_issuer",
        WrongAudience => "wrong_audience",
        UnknownKey => "unknown_key",
        InsufficientScope => "insufficient_scope",
        Other => "other",
    }
}

label_enum! {
    /// Which rate-limit bucket refused a request.
    RateLimitBucket {
        Ip => "ip",
        Subject => "subject",
        Session => "session",
        Tool => "tool",
        Global => "global",
    }
}

label_enum! {
    /// Which edge check refused a request (DNS-rebinding / cross-site protection).
    OriginRejection {
        Host => "host",
        Origin => "origin",
    }
}

label_enum! {
    /// The Opik REST API area an upstream request went to.
    UpstreamEndpoint {
        Projects => "projects",
        Traces => "traces",
        Spans => "spans",
        Threads => "threads",
        Prompts => "prompts",
        Datasets => "datasets",
        Experiments => "experiments",
        FeedbackScores => "feedback_scores",
        Metrics => "metrics",
        Workspaces => "workspaces",
        Health => "health",
        Other => "other",
    }
}

label_enum! {
    /// Why the server closed a connection on its own.
    ConnClose {
        /// No complete request head within `limits.header_read_timeout_secs` of the accept.
        NoRequest => "no_request",
        /// No byte either way for `limits.idle_connection_secs`.
        Idle => "idle",
        /// Over `limits.max_connections_per_ip`: closed at accept.
        PerIpLimit => "per_ip_limit",
    }
}

label_enum! {
    /// Result of a TLS handshake.
    TlsResult {
        Ok => "ok",
        Error => "error",
    }
}

label_enum! {
    /// Which kind of SSE stream is open.
    StreamKind {
        LegacySse => "sse",
        Streamable => "streamable-http",
    }
}

label_enum! {
    /// What the cluster did for a shared session (docs/scaling.md).
    ClusterEvent {
        Adopted => "adopted",
        Relayed => "relayed",
        RelayedDirect => "relayed_direct",
        RelayRefused => "relay_refused",
        RelayDelivered => "relay_delivered",
        RelayDropped => "relay_dropped",
        EndedElsewhere => "ended_elsewhere",
    }
}

label_enum! {
    /// State of database pool connections.
    PoolState {
        InUse => "in_use",
        Idle => "idle",
    }
}

// The OAuth broker's labels, in a file of their own (this one is long enough).
#[path = "labels_oauth.rs"]
mod oauth;
pub use oauth::{OAuthConsent, OAuthRefusal, OAuthStep};

impl AuthFailure {
    /// The label of a refusal's reason (`SecurityEvent::reason`: `missing_credentials`,
    /// `token expired`, …). Unknown reasons are `other`, so the set stays bounded.
    pub fn from_reason(reason: &str) -> Self {
        match reason {
            "missing_credentials" => AuthFailure::Missing,
            "token_in_query"
            | "malformed token"
            | "malformed Authorization header"
            | "token too large"
            | "unsupported critical header"
            | "missing or malformed claim" => AuthFailure::Malformed,
            "invalid signature" => AuthFailure::BadSignature,
            "token expired" => AuthFailure::Expired,
            "token not yet valid" => AuthFailure::NotYetValid,
            "token issuer not accepted" => AuthFailure::WrongIssuer,
            "token audience is not this server" => AuthFailure::WrongAudience,
            "unknown signing key" | "unknown API key" => AuthFailure::UnknownKey,
            "insufficient_scope" => AuthFailure::InsufficientScope,
            _ => AuthFailure::Other,
        }
    }
}

impl RateLimitBucket {
    /// The bucket of a quota named by `SecurityEvent::reason` (`per_ip`, `per_principal`,
    /// `per_tool`, `per_tool_override`); anything else is a cap (`session`).
    pub fn from_limiter(limiter: &str) -> Self {
        match limiter {
            "per_ip" => RateLimitBucket::Ip,
            "per_principal" => RateLimitBucket::Subject,
            "per_tool" | "per_tool_override" => RateLimitBucket::Tool,
            _ => RateLimitBucket::Session,
        }
    }
}

impl UpstreamEndpoint {
    /// The endpoint family of an Opik REST path (`/v1/private/traces/threads` → `threads`).
    pub fn of_path(path: &str) -> Self {
        let rest = path
            .trim_start_matches('/')
            .trim_start_matches("v1/")
            .trim_start_matches("private/");
        if rest.contains("feedback-scores") {
            return UpstreamEndpoint::FeedbackScores;
        }
        if rest.starts_with("traces/threads") {
            return UpstreamEndpoint::Threads;
        }
        match rest.split(['/', '?']).next().unwrap_or("") {
            "projects" => UpstreamEndpoint::Projects,
            "traces" => UpstreamEndpoint::Traces,
            "spans" => UpstreamEndpoint::Spans,
            "prompts" => UpstreamEndpoint::Prompts,
            "datasets" => UpstreamEndpoint::Datasets,
            "experiments" => UpstreamEndpoint::Experiments,
            "metrics" => UpstreamEndpoint::Metrics,
            "workspaces" => UpstreamEndpoint::Workspaces,
            "is-alive" | "health" => UpstreamEndpoint::Health,
            _ => UpstreamEndpoint::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_templates_not_paths() {
        assert_eq!(Route::classify("/mcp", "/mcp"), Route::Mcp);
        assert_eq!(Route::classify("/api/mcp", "/api/mcp"), Route::Mcp);
        assert_eq!(Route::classify("/messages", "/mcp"), Route::Messages);
        assert_eq!(
            Route::classify("/docs/oauth-receiver.html", "/mcp"),
            Route::Docs
        );
        assert_eq!(Route::classify("/admin/audit", "/mcp"), Route::Admin);
        assert_eq!(Route::classify("/token", "/mcp"), Route::OAuth);
        assert_eq!(
            Route::classify("/.well-known/oauth-protected-resource/mcp", "/mcp"),
            Route::OAuth
        );
        assert_eq!(Route::classify("/oauth/callback", "/mcp"), Route::OAuth);
        assert_eq!(Route::classify("/a/b/c/../../x", "/mcp"), Route::Other);
        assert_eq!(Route::classify("/mcp/extra", "/mcp"), Route::Other);
    }

    #[test]
    fn mcp_methods_outside_the_spec_are_other() {
        assert_eq!(McpMethod::parse("tools/call"), McpMethod::ToolsCall);
        assert_eq!(McpMethod::parse("other"), McpMethod::Other);
        assert_eq!(McpMethod::parse("x/y\nforged"), McpMethod::Other);
        assert_eq!(McpMethod::parse("response"), McpMethod::Response);
    }

    #[test]
    fn refusal_reasons_and_paths_map_to_bounded_labels() {
        assert_eq!(
            AuthFailure::from_reason("token expired"),
            AuthFailure::Expired
        );
        assert_eq!(
            AuthFailure::from_reason("unknown API key"),
            AuthFailure::UnknownKey
        );
        assert_eq!(
            AuthFailure::from_reason("anything else"),
            AuthFailure::Other
        );
        assert_eq!(RateLimitBucket::from_limiter("per_ip"), RateLimitBucket::Ip);
        assert_eq!(
            RateLimitBucket::from_limiter("per_tool_override"),
            RateLimitBucket::Tool
        );
        let of = UpstreamEndpoint::of_path;
        assert_eq!(of("/v1/private/projects"), UpstreamEndpoint::Projects);
        assert_eq!(of("/v1/private/traces/threads"), UpstreamEndpoint::Threads);
        assert_eq!(
            of("/v1/private/traces/abc/feedback-scores"),
            UpstreamEndpoint::FeedbackScores
        );
        assert_eq!(of("/v1/private/nope/1"), UpstreamEndpoint::Other);
    }
}
