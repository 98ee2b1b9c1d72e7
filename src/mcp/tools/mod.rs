//! The tool router: every tool group contributes a `#[tool_router]` impl on
//! [`McpServer`](super::McpServer); [`router`] merges them and keeps only the tools of the
//! enabled toolsets, so a disabled tool is exactly as unknown as a missing one.
//!
//! The 28 tools and their toolsets follow the legacy TypeScript server (`legacy/typescript/
//! src/index.ts` upstream): `search-traces` belongs to `expert-trace-actions` there.

pub(crate) mod common;
mod consolidated;
mod datasets;
mod guides;
mod help;
mod info;
mod integration;
mod metrics;
mod output;
pub(crate) mod params;
mod projects;
mod prompts;
pub(crate) mod surface;
mod trace_actions;
mod traces;

use std::sync::OnceLock;

use rmcp::handler::server::router::tool::ToolRouter;

use super::McpServer;
use crate::config::{Settings, Toolset};

/// Which toolset each tool belongs to. A tool missing here is never enabled.
pub const TOOLSETS: &[(&str, Toolset)] = &[
    ("get-server-info", Toolset::Core),
    ("get-opik-help", Toolset::Core),
    ("get-opik-examples", Toolset::Core),
    ("get-opik-metrics-info", Toolset::Core),
    ("get-opik-tracing-info", Toolset::Core),
    ("list-projects", Toolset::Core),
    ("list-traces", Toolset::Core),
    ("get-trace-by-id", Toolset::Core),
    ("get-trace-stats", Toolset::Core),
    ("get-trace-threads", Toolset::Core),
    ("search-traces", Toolset::ExpertTraceActions),
    ("add-trace-feedback", Toolset::ExpertTraceActions),
    ("create-project", Toolset::ExpertProjectActions),
    ("get-prompts", Toolset::ExpertPrompts),
    ("create-prompt", Toolset::ExpertPrompts),
    ("get-prompt-by-id", Toolset::ExpertPrompts),
    ("get-prompt-version", Toolset::ExpertPrompts),
    ("delete-prompt", Toolset::ExpertPrompts),
    ("save-prompt-version", Toolset::ExpertPrompts),
    ("list-datasets", Toolset::ExpertDatasets),
    ("get-dataset-by-id", Toolset::ExpertDatasets),
    ("create-dataset", Toolset::ExpertDatasets),
    ("delete-dataset", Toolset::ExpertDatasets),
    ("list-dataset-items", Toolset::ExpertDatasets),
    ("create-dataset-item", Toolset::ExpertDatasets),
    ("delete-dataset-item", Toolset::ExpertDatasets),
    ("opik-integration-docs", Toolset::Integration),
    ("get-metrics", Toolset::Metrics),
    ("read", Toolset::Consolidated),
    ("list", Toolset::Consolidated),
    ("schema", Toolset::Consolidated),
    ("write", Toolset::Consolidated),
    ("run_experiment", Toolset::Consolidated),
    ("search", Toolset::Consolidated),
    ("stats", Toolset::Consolidated),
    ("compare_experiments", Toolset::Consolidated),
];

/// The toolset of a tool, if it has one.
pub fn toolset_of(name: &str) -> Option<Toolset> {
    TOOLSETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The router of every tool of every group, before toolset filtering, built once per process:
/// generating and rewriting every schema is a large part of start-up, and the configuration
/// checks, the metrics labels, the scopes and each engine all need the same router.
fn full_router() -> &'static ToolRouter<McpServer> {
    static FULL: OnceLock<ToolRouter<McpServer>> = OnceLock::new();
    FULL.get_or_init(build_full_router)
}

/// [`full_router`]'s router, with every schema in the strict-portable form and compact
/// output schemas.
fn build_full_router() -> ToolRouter<McpServer> {
    let mut router = McpServer::info_router()
        + McpServer::projects_router()
        + McpServer::traces_router()
        + McpServer::trace_actions_router()
        + McpServer::prompts_router()
        + McpServer::datasets_router()
        + McpServer::integration_router()
        + McpServer::metrics_router()
        + McpServer::consolidated_read_router()
        + McpServer::consolidated_list_router()
        + McpServer::consolidated_write_router()
        + McpServer::consolidated_experiment_router()
        + McpServer::consolidated_search_router()
        + McpServer::consolidated_stats_router()
        + McpServer::consolidated_compare_router();
    super::strict_schema::apply(&mut router);
    for route in router.map.values_mut() {
        if let Some(out) = route.attr.output_schema.as_mut() {
            surface::compact_output_schema(std::sync::Arc::make_mut(out));
        }
    }
    router
}

/// Every tool this build knows, enabled or not (for config checks and scope decisions).
pub fn all_tools() -> Vec<rmcp::model::Tool> {
    full_router().list_all()
}

/// The router of every enabled tool.
pub(crate) fn router(settings: &Settings) -> ToolRouter<McpServer> {
    let mut router = full_router().clone();
    let names: Vec<String> = router
        .list_all()
        .into_iter()
        .map(|t| t.name.into())
        .collect();
    for name in names {
        let enabled = toolset_of(&name).is_some_and(|t| settings.opik.toolsets.contains(t));
        if !enabled {
            router.remove_route(&name);
        }
    }
    router
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_has_a_toolset_and_every_toolset_entry_a_tool() {
        let names: Vec<String> = all_tools().into_iter().map(|t| t.name.into()).collect();
        assert_eq!(names.len(), TOOLSETS.len(), "{names:?}");
        for n in &names {
            assert!(toolset_of(n).is_some(), "{n} has no toolset");
        }
        for (n, _) in TOOLSETS {
            assert!(
                names.iter().any(|x| x == n),
                "{n} is in TOOLSETS but not a tool"
            );
        }
    }

    #[test]
    fn filtering_one_deployment_leaves_the_shared_router_whole() {
        let mut settings = Settings::default();
        settings.opik.toolsets = "core".parse().expect("a toolset list");
        let core = router(&settings).list_all().len();
        assert!(core < TOOLSETS.len(), "core alone lists {core} tools");
        assert_eq!(all_tools().len(), TOOLSETS.len());
        settings.opik.toolsets = "all".parse().expect("a toolset list");
        assert_eq!(router(&settings).list_all().len(), TOOLSETS.len());
    }
}
