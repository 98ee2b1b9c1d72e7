//! Every metric the service exports, declared once: name, kind, unit, labels and a doc line
//! ([`ALL`], rendered as `# HELP` and listed in docs/observability.md). Labels come from the
//! closed enums of [`super::labels`] (or the registered tool names), never from a session id,
//! a subject or a raw path. Callers use the typed helpers below, not the `metrics` macros.
//!
//! The recorder is `metrics-exporter-prometheus` without its HTTP listener: the admin
//! listener renders it at `/metrics`.

mod handle_cache;
mod http_handles;
mod mcp_handles;

use std::{sync::OnceLock, time::Duration};

use metrics::{Unit, counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::labels::{
    AuthFailure, ConnClose, HttpMethod, McpMethod, OriginRejection, RateLimitBucket, Route,
    StreamKind, TlsResult,
};
use crate::events::{EndReason, Outcome, TransportKind};

/// What kind of series a metric is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Monotonic counter (`_total`).
    Counter,
    /// Value that goes up and down.
    Gauge,
    /// Histogram with the buckets of [`install`].
    Histogram,
}

/// One declared metric.
#[derive(Debug, Clone, Copy)]
pub struct MetricDef {
    /// Exported name.
    pub name: &'static str,
    /// Counter, gauge or histogram.
    pub kind: Kind,
    /// Unit, when it has one.
    pub unit: Option<Unit>,
    /// Label names.
    pub labels: &'static [&'static str],
    /// The doc line (`# HELP`).
    pub help: &'static str,
}

macro_rules! metric_defs {
    ($($(#[$m:meta])* $const:ident = $name:literal, $kind:ident, $unit:expr, [$($l:literal),*], $help:literal;)+) => {
        $( #[doc = $help] pub const $const: &str = $name; )+
        /// Every metric of this service (the process metrics of `metrics-process` aside).
        pub const ALL: &[MetricDef] = &[$(MetricDef {
            name: $name, kind: Kind::$kind, unit: $unit, labels: &[$($l),*], help: $help,
        }),+];
    };
}

metric_defs! {
    // HTTP
    HTTP_REQUESTS = "opik_mcp_http_requests_total", Counter, None, ["route", "method", "status"],
        "HTTP requests answered, by route template, method and status code.";
    HTTP_DURATION = "opik_mcp_http_request_duration_seconds", Histogram, Some(Unit::Seconds),
        ["route", "method"], "Time from receiving a request to sending its response headers.";
    HTTP_IN_FLIGHT = "opik_mcp_http_requests_in_flight", Gauge, None, ["route"],
        "HTTP requests being handled (until their response headers are sent).";
    HTTP_BYTES_OUT = "opik_mcp_http_response_bytes_total", Counter, Some(Unit::Bytes), ["route"],
        "Response body bytes sent, streams included, by route template.";
    CONNECTIONS_CLOSED = "opik_mcp_connections_closed_total", Counter, None, ["reason"],
        "Connections the server closed on its own: no request head in time, idle, or over the per-address limit.";
    TLS_HANDSHAKES = "opik_mcp_tls_handshakes_total", Counter, None, ["result"],
        "TLS handshakes on the public listener, by result (ok, error).";
    TLS_RELOADS = "opik_mcp_tls_reloads_total", Counter, None, ["result"],
        "Changed TLS certificate files seen, by result (ok: now served; error: rejected, the previous certificate stays).";
    // MCP
    SESSIONS_ACTIVE = "opik_mcp_sessions_active", Gauge, None, ["transport"],
        "Live MCP sessions, by transport.";
    SESSIONS_OPENED = "opik_mcp_sessions_opened_total", Counter, None, ["transport"],
        "MCP sessions created, by transport.";
    SESSIONS_CLOSED = "opik_mcp_sessions_closed_total", Counter, None, ["transport", "reason"],
        "MCP sessions ended, by transport and reason.";
    MESSAGES = "opik_mcp_messages_total", Counter, None, ["method"],
        "Client JSON-RPC messages accepted into a session, by MCP method.";
    REQUESTS = "opik_mcp_requests_total", Counter, None, ["method", "outcome"],
        "MCP requests answered, by method and outcome.";
    REQUEST_DURATION = "opik_mcp_request_duration_seconds", Histogram, Some(Unit::Seconds),
        ["method"], "Time from accepting an MCP request to routing its reply.";
    TOOL_CALLS = "opik_mcp_tool_calls_total", Counter, None, ["tool", "outcome"],
        "tools/call requests answered, by registered tool name (else other) and outcome.";
    TOOL_DURATION = "opik_mcp_tool_call_duration_seconds", Histogram, Some(Unit::Seconds),
        ["tool"], "Duration of tools/call requests, by registered tool name (else other).";
    SSE_STREAMS_OPEN = "opik_mcp_sse_streams_open", Gauge, None, ["transport"],
        "Open server-to-client SSE streams, by transport.";
    SSE_KEEPALIVES = "opik_mcp_sse_keepalives_total", Counter, None, [],
        "Keep-alive comments written on idle SSE streams.";
    CLUSTER_EVENTS = "opik_mcp_cluster_events_total", Counter, None, ["event"],
        "Shared sessions: adoptions, messages relayed to (and delivered from) other replicas, relays dropped, copies ended by another replica.";
    QUEUE_DEPTH = "opik_mcp_session_queue_depth", Gauge, None, [],
        "Client messages queued for the MCP engines across all sessions (sampled at scrape).";
    QUEUE_DEPTH_MAX = "opik_mcp_session_queue_depth_max", Gauge, None, [],
        "Deepest single session queue (sampled at scrape).";
    STREAM_REPLAY_BYTES = "opik_mcp_stream_replay_bytes", Gauge, Some(Unit::Bytes), [],
        "Events kept for stream resumption (Last-Event-ID), all sessions (sampled at scrape).";
    // Security
    AUTH_FAILURES = "opik_mcp_auth_failures_total", Counter, None, ["reason"],
        "Requests refused by authentication or authorization, by reason.";
    RATE_LIMITED = "opik_mcp_rate_limited_total", Counter, None, ["bucket"],
        "Requests refused by a rate limit, by bucket.";
    ORIGIN_REJECTED = "opik_mcp_origin_rejected_total", Counter, None, ["kind"],
        "Requests refused by the Host or Origin check.";
    JWKS_FETCHES = "opik_mcp_jwks_fetches_total", Counter, None, ["result"],
        "Fetches of the JWT issuer's key set (JWKS), by result (ok, error).";
    JWKS_KEYS = "opik_mcp_jwks_keys", Gauge, None, [],
        "Signing keys currently loaded from the JWKS (0: every JWT is refused).";
    JWKS_LAST_SUCCESS = "opik_mcp_jwks_last_success_timestamp_seconds", Gauge,
        Some(Unit::Seconds), [], "Unix time of the last successful JWKS fetch.";
    // OAuth broker (helpers: metrics_oauth.rs)
    OAUTH_REGISTRATIONS = "opik_mcp_oauth_registrations_total", Counter, None, [],
        "MCP clients registered at the OAuth broker (RFC 7591).";
    OAUTH_SIGN_INS = "opik_mcp_oauth_sign_ins_total", Counter, None, ["consent"],
        "Sign-ins completed by the OAuth broker (a code sent to the client), by whether the consent page was asked or a grant was remembered.";
    OAUTH_REFRESHES = "opik_mcp_oauth_refreshes_total", Counter, None, [],
        "Refresh tokens exchanged (and rotated) at the OAuth broker.";
    OAUTH_REFUSALS = "opik_mcp_oauth_refusals_total", Counter, None, ["step", "reason"],
        "Steps of a sign-in the OAuth broker refused, by step and reason (a reused code or refresh token also revokes its grant; the upstream reasons mean the identity provider failed).";
    // Store
    AUDIT_QUEUE_DEPTH = "opik_mcp_audit_queue_depth", Gauge, None, [],
        "Audit records waiting to be written.";
    AUDIT_BATCH_SIZE = "opik_mcp_audit_batch_size", Histogram, Some(Unit::Count), [],
        "Audit records per database write.";
    AUDIT_BATCH_DURATION = "opik_mcp_audit_batch_duration_seconds", Histogram,
        Some(Unit::Seconds), [], "Time to write one audit batch.";
    AUDIT_SPILLED = "opik_mcp_audit_spilled_total", Counter, None, [],
        "Audit records spilled to the local file while the database was unavailable.";
    AUDIT_REPLAYED = "opik_mcp_audit_replayed_total", Counter, None, [],
        "Spilled audit records written back to the database.";
    AUDIT_LOST = "opik_mcp_audit_lost_total", Counter, None, [],
        "Audit records lost (must stay 0; alert on any increase).";
    DB_POOL_CONNECTIONS = "opik_mcp_db_pool_connections", Gauge, None, ["state"],
        "Database pool connections, by state (in use or idle).";
    DB_POOL_MAX = "opik_mcp_db_pool_max_connections", Gauge, None, [],
        "Configured maximum of database pool connections.";
    // Upstream Opik
    UPSTREAM_REQUESTS = "opik_mcp_upstream_requests_total", Counter, None, ["endpoint", "status"],
        "Requests to the Opik REST API, by endpoint area and status code (error: no response).";
    UPSTREAM_DURATION = "opik_mcp_upstream_request_duration_seconds", Histogram,
        Some(Unit::Seconds), ["endpoint"], "Duration of requests to the Opik REST API.";
    UPSTREAM_TIMEOUTS = "opik_mcp_upstream_timeouts_total", Counter, None, ["endpoint"],
        "Requests to the Opik REST API that timed out.";
    UPSTREAM_RETRIES = "opik_mcp_upstream_retries_total", Counter, None, ["endpoint"],
        "Retries of requests to the Opik REST API.";
    // Process
    BUILD_INFO = "opik_mcp_build_info", Gauge, None, ["version", "git_sha"],
        "Always 1; labels carry the version and git commit of the binary.";
    TOKIO_WORKERS = "opik_mcp_tokio_workers", Gauge, None, [],
        "Worker threads of the async runtime.";
    TOKIO_ALIVE_TASKS = "opik_mcp_tokio_alive_tasks", Gauge, None, [],
        "Tasks alive in the async runtime (sampled at scrape).";
    TOKIO_GLOBAL_QUEUE = "opik_mcp_tokio_global_queue_depth", Gauge, None, [],
        "Tasks waiting in the runtime's global queue (sampled at scrape).";
}

/// Histogram buckets for durations, seconds (1 ms … 60 s).
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];
/// Histogram buckets for audit batch sizes.
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Whether [`install`] has run (a recorder is global from then on).
pub(super) fn installed() -> bool {
    HANDLE.get().is_some()
}

/// Install the Prometheus recorder (once per process; later calls return the same handle),
/// describe every metric and publish the build info. If another recorder is already global
/// (embedding), the handle still renders, but only this crate's defaults.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full(AUDIT_BATCH_SIZE.into()), BATCH_BUCKETS)
                })
                .unwrap_or_else(|_| PrometheusBuilder::new())
                .build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder is already installed; /metrics will be partial");
            }
            describe();
            publish_defaults();
            handle
        })
        .clone()
}

fn describe() {
    for d in ALL {
        match (d.kind, d.unit) {
            (Kind::Counter, Some(u)) => metrics::describe_counter!(d.name, u, d.help),
            (Kind::Counter, None) => metrics::describe_counter!(d.name, d.help),
            (Kind::Gauge, Some(u)) => metrics::describe_gauge!(d.name, u, d.help),
            (Kind::Gauge, None) => metrics::describe_gauge!(d.name, d.help),
            (Kind::Histogram, Some(u)) => metrics::describe_histogram!(d.name, u, d.help),
            (Kind::Histogram, None) => metrics::describe_histogram!(d.name, d.help),
        }
    }
}

/// Series that must exist from the start (so "stays 0" can be alerted on).
fn publish_defaults() {
    gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION"), "git_sha" => env!("BUILD_GIT_SHA"))
        .set(1.0);
    counter!(AUDIT_LOST).absolute(0);
    counter!(SSE_KEEPALIVES).absolute(0);
    for t in [TransportKind::Sse, TransportKind::StreamableHttp] {
        gauge!(SESSIONS_ACTIVE, "transport" => t.as_str()).set(0.0);
    }
}

// ---- HTTP ------------------------------------------------------------------------------

/// One answered HTTP request.
pub fn http_request(route: Route, method: HttpMethod, status: u16, elapsed: Duration) {
    http_handles::requests(route, method, status).increment(1);
    http_handles::duration(route, method).record(elapsed.as_secs_f64());
}

/// Counts a request as in flight until dropped.
pub struct InFlight(metrics::Gauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

/// Mark a request in flight on `route`.
pub fn http_in_flight(route: Route) -> InFlight {
    let g = http_handles::in_flight(route);
    g.increment(1.0);
    InFlight(g)
}

/// Changed certificate files were loaded (`ok`) or rejected (`error`).
pub fn tls_reload(result: TlsResult) {
    counter!(TLS_RELOADS, "result" => result.as_str()).increment(1);
}

/// The counter of response bytes for `route` (resolved once per response).
pub fn http_bytes_out(route: Route) -> metrics::Counter {
    http_handles::bytes_out(route)
}

/// The server closed a connection on its own, for `reason`.
pub fn connection_closed(reason: ConnClose) {
    counter!(CONNECTIONS_CLOSED, "reason" => reason.as_str()).increment(1);
}

/// A TLS handshake finished (TLS termination calls this).
pub fn tls_handshake(result: TlsResult) {
    counter!(TLS_HANDSHAKES, "result" => result.as_str()).increment(1);
}

// ---- MCP -------------------------------------------------------------------------------

/// A session was created.
pub fn session_opened(transport: TransportKind) {
    gauge!(SESSIONS_ACTIVE, "transport" => transport.as_str()).increment(1.0);
    counter!(SESSIONS_OPENED, "transport" => transport.as_str()).increment(1);
}

/// A session ended.
pub fn session_closed(transport: TransportKind, reason: EndReason) {
    gauge!(SESSIONS_ACTIVE, "transport" => transport.as_str()).decrement(1.0);
    counter!(SESSIONS_CLOSED, "transport" => transport.as_str(), "reason" => reason.as_str())
        .increment(1);
}

/// A client message was accepted into a session.
pub fn mcp_message(method: McpMethod) {
    mcp_handles::messages(method).increment(1);
}

/// An MCP request was answered.
pub fn mcp_request(method: McpMethod, outcome: Outcome, latency: Duration) {
    mcp_handles::requests(method, outcome).increment(1);
    mcp_handles::duration(method).record(latency.as_secs_f64());
}

/// A `tools/call` was answered; `tool` must be a registered tool name or `other`.
pub fn tool_call(tool: metrics::SharedString, outcome: Outcome, latency: Duration) {
    counter!(TOOL_CALLS, "tool" => tool.clone(), "outcome" => outcome.as_str()).increment(1);
    histogram!(TOOL_DURATION, "tool" => tool).record(latency.as_secs_f64());
}

/// Counts an SSE stream as open until dropped.
pub struct OpenStream(metrics::Gauge);

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

/// An SSE stream opened.
pub fn sse_stream_opened(kind: StreamKind) -> OpenStream {
    let g = gauge!(SSE_STREAMS_OPEN, "transport" => kind.as_str());
    g.increment(1.0);
    OpenStream(g)
}

/// A keep-alive comment was written.
pub fn sse_keepalive() {
    counter!(SSE_KEEPALIVES).increment(1);
}

/// `n` shared-session events (`cluster.shared_sessions`).
pub fn cluster_event(e: super::labels::ClusterEvent, n: u64) {
    counter!(CLUSTER_EVENTS, "event" => e.as_str()).increment(n);
}

/// Bytes of events kept for stream resumption, sampled at scrape.
pub fn stream_replay_bytes(bytes: usize) {
    gauge!(STREAM_REPLAY_BYTES).set(bytes as f64);
}

/// Queue depths sampled at scrape: total across sessions and the deepest one.
pub fn queue_depth(total: usize, max: usize) {
    gauge!(QUEUE_DEPTH).set(total as f64);
    gauge!(QUEUE_DEPTH_MAX).set(max as f64);
}

// ---- Security --------------------------------------------------------------------------

/// A request was refused by authentication or authorization.
pub fn auth_failure(reason: AuthFailure) {
    counter!(AUTH_FAILURES, "reason" => reason.as_str()).increment(1);
}

/// A request was refused by a rate limit.
pub fn rate_limited(bucket: RateLimitBucket) {
    counter!(RATE_LIMITED, "bucket" => bucket.as_str()).increment(1);
}

/// A request was refused by the Host/Origin check.
pub fn origin_rejected(kind: OriginRejection) {
    counter!(ORIGIN_REJECTED, "kind" => kind.as_str()).increment(1);
}

// The store, upstream Opik, JWKS and runtime helpers.
#[path = "metrics_backends.rs"]
mod backends;
pub use backends::*;

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
