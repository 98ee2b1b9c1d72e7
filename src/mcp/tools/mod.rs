//! The tool router: every tool group contributes a `#[tool_router]` impl on
//! [`McpServer`](super::McpServer); [`router`] merges them and keeps only the tools of the
//! enabled toolsets, so a disabled tool is exactly as unknown as a missing one.

mod help;
mod info;

use rmcp::handler::server::router::tool::ToolRouter;

use super::McpServer;
use crate::config::{Settings, Toolset};

/// Which toolset each tool belongs to. A tool missing here is never enabled.
const TOOLSETS: &[(&str, Toolset)] = &[
    ("get-server-info", Toolset::Core),
    ("get-opik-help", Toolset::Core),
];

/// The toolset of a tool, if it has one.
pub fn toolset_of(name: &str) -> Option<Toolset> {
    TOOLSETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The router of every tool, enabled or not (tool groups merge their routers here).
fn full_router() -> ToolRouter<McpServer> {
    McpServer::info_router()
}

/// Every tool this build knows, enabled or not (for config checks and scope decisions).
pub fn all_tools() -> Vec<rmcp::model::Tool> {
    full_router().list_all()
}

/// The router of every enabled tool.
pub(crate) fn router(settings: &Settings) -> ToolRouter<McpServer> {
    let mut router = full_router();
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
