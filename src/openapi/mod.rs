//! The OpenAPI documents of both listeners, served at `/openapi.json`, `/openapi.yaml` and
//! (Swagger UI) `/docs` on each.
//!
//! **One document per listener.** The HTTP side is two listeners, and each serves the
//! document of exactly the routes it serves, as this process is configured: together they
//! describe the whole HTTP side. One document with per-path `servers` pointing at the other
//! listener was the alternative, and was turned down: "Try it out" in the public `/docs`
//! would then call another origin (a CORS failure, and the admin port is usually not
//! reachable from a browser at all: loopback or cluster-internal), and the public document
//! would advertise the admin address. Each document's description names the other.
//!
//! - The public listener's document has `GET /health` (a poem-openapi operation), the MCP
//!   endpoints (`/mcp` or the configured path, `/sse`, `/messages`), which are described by
//!   a hand-written fragment merged into the generated document ([`mcp`]), and, when
//!   mounted, the RFC 9728 protected-resource metadata and the browser client ([`extra`]).
//!   The MCP endpoints are not poem-openapi operations on purpose: poem-openapi would parse
//!   headers, `Content-Type` and bodies itself and answer refusals with its own errors, while
//!   the MCP transports must answer every refusal with a JSON-RPC error of their own (and the
//!   path is configurable). The fragments are pinned by the snapshot tests and exercised by
//!   the integration tests, which keep them truthful.
//! - Both list their own `/openapi.json`, `/openapi.yaml` and `/docs` (tag `Meta`).
//! - The admin listener's document has `/healthz`, `/readyz` and `/metrics`, and, when it
//!   is mounted (a store and `audit.admin_token`), the audit trail's admin API under
//!   `/admin` (`store::api`, also served alone at `/admin/openapi.json`).
//!
//! Both declare the one error shape of non-MCP routes (`Error`) on every operation (with
//! the refusals the middleware in front of every route can answer), and the bearer schemes.

mod broker;
mod broker_schemas;
mod examples;
mod extra;
mod health;
mod mcp;
mod probes;

pub use crate::app::Docs;
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
        "The public listener of opik-mcp: MCP over Streamable HTTP and legacy HTTP+SSE, its \
         health check, and (when configured) the OAuth protected-resource metadata and the \
         browser client. Errors outside the MCP routes have the `Error` shape; MCP routes \
         answer with JSON-RPC error objects. Readiness, metrics and the audit admin API are \
         on the admin listener (`admin.host:admin.port`, default 127.0.0.1:9464), which \
         serves its own document at `/openapi.json` and explorer at `/docs`.",
    )
}

/// The poem-openapi service of the admin listener (mounted at `/`).
pub fn admin_service() -> OpenApiService<ProbesApi, ()> {
    OpenApiService::new(ProbesApi, "opik-mcp admin", VERSION).description(
        "The admin listener of opik-mcp: liveness, readiness, Prometheus metrics and (with a \
         store and `audit.admin_token`) the audit trail's admin API under `/admin`. Errors \
         have the `Error` shape. The MCP endpoints are on the public listener, which serves \
         its own document at `/openapi.json` and explorer at `/docs`.",
    )
}

/// The public listener's document (generated + MCP fragment + the routes `settings` mount).
pub fn public_docs(settings: &Settings) -> anyhow::Result<Docs> {
    let mcp_path = settings.server.mcp_path.clone();
    let options = examples::explorer_options(&settings.server.mcp_path);
    Docs::build(&public_service(), Some(&options), |doc| {
        mcp::insert_absent(doc, &mcp::common());
        mcp::merge(doc, &mcp::fragment(&mcp_path));
        mcp::merge(doc, &extra::well_known(settings));
        mcp::merge(doc, &extra::client(settings));
        mcp::merge(doc, &broker::public(settings));
        mcp::merge(doc, &extra::meta(false));
        extra::declare_errors(doc, &extra::public_errors());
    })
}

/// The admin listener's document; `with_admin_api` when the audit admin API is mounted,
/// `with_grants_api` when the OAuth broker's grants API is.
pub fn admin_docs(with_admin_api: bool, with_grants_api: bool) -> anyhow::Result<Docs> {
    let admin_api = if with_admin_api {
        Some(serde_json::from_str(
            &crate::store::api::admin_service().spec(),
        )?)
    } else {
        None
    };
    let grants_api = with_grants_api.then(broker::admin).transpose()?;
    Docs::build(&admin_service(), None, |doc| {
        for api in [&admin_api, &grants_api].into_iter().flatten() {
            merge_operations(doc, api);
        }
        mcp::insert_absent(doc, &mcp::common());
        mcp::merge(doc, &extra::meta(with_admin_api));
        extra::declare_errors(doc, &extra::admin_errors());
    })
}

/// Add `api`'s tags, paths and components to `doc` (its `info` and `servers` are not
/// taken: the document keeps its own). A component `doc` already has stays as it is: two
/// APIs generate the same `Error` schema, and merging them would repeat its lists.
fn merge_operations(doc: &mut serde_json::Value, api: &serde_json::Value) {
    for key in ["tags", "paths"] {
        if let Some(part) = api.get(key) {
            mcp::merge(doc, &serde_json::json!({ key: part }));
        }
    }
    mcp::insert_absent(doc, api);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each page holds its own merged document once and the explorer options after it: the
    /// page shell is shared by both listeners' documents.
    #[test]
    fn each_explorer_page_inlines_its_own_merged_document() {
        let settings = Settings::default();
        let public = public_docs(&settings).expect("the public document builds");
        let admin = admin_docs(true, false).expect("the admin document builds");
        for (docs, other) in [(&public, &admin), (&admin, &public)] {
            let page = std::str::from_utf8(docs.html()).expect("UTF-8");
            let json = std::str::from_utf8(docs.json()).expect("UTF-8");
            let other = std::str::from_utf8(other.json()).expect("UTF-8");
            assert_eq!(page.matches(json).count(), 1);
            assert!(!page.contains(other));
            assert!(page.contains("SwaggerUIBundle"));
        }
        let page = std::str::from_utf8(public.html()).expect("UTF-8");
        let json = std::str::from_utf8(public.json()).expect("UTF-8");
        // The bundled script names the same options: the last occurrence is ours.
        let options = examples::explorer_options(&settings.server.mcp_path);
        let at = page.rfind(&options).expect("explorer options");
        assert!(at > page.find(json).expect("document") + json.len());
    }
}
