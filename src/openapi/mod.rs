//! The OpenAPI documents of both listeners, served at `/openapi.json`, `/openapi.yaml` and
//! (Swagger UI) `/docs` on each.
//!
//! - The public listener's document has `GET /health` (a poem-openapi operation) and the MCP
//!   endpoints (`/mcp` or the configured path, `/sse`, `/messages`), which are described by
//!   a hand-written fragment merged into the generated document ([`mcp`]). They are not
//!   poem-openapi operations on purpose: poem-openapi would parse headers, `Content-Type`
//!   and bodies itself and answer refusals with its own errors, while the MCP transports
//!   must answer every refusal with a JSON-RPC error of their own (and the path is
//!   configurable). The fragment is pinned by the snapshot test and exercised by the
//!   integration tests, which keep it truthful.
//! - The admin listener's document has `/healthz`, `/readyz` and `/metrics` (add the admin
//!   API's `#[OpenApi]` type to [`admin_service`]).
//!
//! Both declare the one error shape of non-MCP routes (`Error`) and the bearer scheme.

mod docs;
mod health;
mod mcp;
mod probes;

pub use docs::Docs;
pub use health::HealthApi;
pub use probes::ProbesApi;

use poem_openapi::{OpenApiService, Tags};

use crate::config::Settings;

/// Operation groups of the public listener (the MCP group comes with the fragment).
#[derive(Tags)]
pub enum PublicTags {
    /// Liveness of the public listener.
    Health,
}

/// Operation groups of the admin listener.
#[derive(Tags)]
pub enum AdminTags {
    /// Probes and metrics of the admin listener.
    Probes,
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The poem-openapi service of the public listener (mounted at `/`).
pub fn public_service() -> OpenApiService<HealthApi, ()> {
    OpenApiService::new(HealthApi, "opik-mcp", VERSION).description(
        "The public listener of opik-mcp: MCP over Streamable HTTP and legacy HTTP+SSE, and \
         its health check. Errors outside the MCP routes have the `Error` shape; MCP routes \
         answer with JSON-RPC error objects.",
    )
}

/// The poem-openapi service of the admin listener (mounted at `/`).
pub fn admin_service() -> OpenApiService<ProbesApi, ()> {
    // The admin API (audit queries) joins here: `OpenApiService::new((ProbesApi, AuditApi), ..)`.
    OpenApiService::new(ProbesApi, "opik-mcp admin", VERSION).description(
        "The admin listener of opik-mcp: liveness, readiness and Prometheus metrics. \
         Errors have the `Error` shape.",
    )
}

/// The public listener's document (generated + MCP fragment).
pub fn public_docs(settings: &Settings) -> anyhow::Result<Docs> {
    let mcp_path = settings.server.mcp_path.clone();
    Docs::build(&public_service(), |doc| {
        mcp::merge(doc, &mcp::common());
        mcp::merge(doc, &mcp::fragment(&mcp_path));
    })
}

/// The admin listener's document.
pub fn admin_docs() -> anyhow::Result<Docs> {
    Docs::build(&admin_service(), |doc| mcp::merge(doc, &mcp::common()))
}
