//! Tools that need no Opik call: `get-server-info` and `get-opik-help`.

use rmcp::{
    ErrorData, handler::server::wrapper::Parameters, model::CallToolResult, schemars, tool,
    tool_router,
};
use serde::{Deserialize, Serialize};

use crate::mcp::McpServer;

/// Arguments of `get-server-info` (none are needed).
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerInfoArgs {
    /// Ignored; accepted because upstream clients send a dummy value.
    #[serde(default)]
    pub random_string: Option<String>,
}

/// What `get-server-info` reports: the effective configuration, without secrets.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServerInfo {
    /// Server name.
    pub name: &'static str,
    /// Server version.
    pub version: &'static str,
    /// Transport mode of this process.
    pub transport: &'static str,
    /// Opik REST API base URL.
    pub api_base_url: String,
    /// Opik workspace.
    pub workspace_name: String,
    /// Whether Opik is self-hosted.
    pub is_self_hosted: bool,
    /// Whether an API key is configured (the key itself is never shown).
    pub api_key_configured: bool,
    /// Enabled toolsets.
    pub toolsets: Vec<&'static str>,
    /// Names of the tools this server lists.
    pub enabled_tools: Vec<String>,
    /// MCP protocol revisions served.
    pub protocol_versions: Vec<String>,
}

/// Help topics of `get-opik-help`.
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum HelpTopic {
    /// What Opik is and how this server maps onto it.
    General,
    /// Projects.
    Projects,
    /// Traces, spans and threads.
    Traces,
    /// Prompt library.
    Prompts,
    /// Datasets and experiments.
    Datasets,
    /// Metrics and feedback scores.
    Metrics,
}

/// Arguments of `get-opik-help`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HelpArgs {
    /// The topic: general, projects, traces, prompts, datasets or metrics.
    pub topic: HelpTopic,
    /// Optional sub-topic: features, limitations or examples.
    #[serde(default)]
    pub subtopic: Option<String>,
}

#[tool_router(router = info_router, vis = "pub(crate)")]
impl McpServer {
    /// Report the effective, non-secret configuration.
    #[tool(
        name = "get-server-info",
        description = "Show this MCP server's version, Opik API URL, workspace, self-hosted flag, \
                       enabled toolsets and tools. Never shows the API key.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn get_server_info(
        &self,
        Parameters(_args): Parameters<ServerInfoArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let engine = self.engine();
        let s = engine.settings();
        let info = ServerInfo {
            name: "opik-mcp",
            version: env!("CARGO_PKG_VERSION"),
            transport: match s.transport {
                crate::config::TransportMode::Stdio => "stdio",
                crate::config::TransportMode::Sse => "sse",
                crate::config::TransportMode::StreamableHttp => "streamable-http",
            },
            api_base_url: s.opik.api_url.clone(),
            workspace_name: s.opik.workspace.clone(),
            is_self_hosted: s.opik.self_hosted,
            api_key_configured: s.opik.has_api_key(),
            toolsets: s.opik.toolsets.names(),
            enabled_tools: engine.tools().iter().map(|t| t.name.to_string()).collect(),
            protocol_versions: crate::mcp::all_versions()
                .iter()
                .map(|v| v.to_string())
                .collect(),
        };
        let value = serde_json::to_value(&info)
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        let mut result = CallToolResult::structured(value);
        result.content = vec![rmcp::model::ContentBlock::text(
            serde_json::to_string_pretty(&info).unwrap_or_default(),
        )];
        Ok(result)
    }

    /// Static how-to text for Opik topics.
    #[tool(
        name = "get-opik-help",
        description = "How-to help for Opik: topic general, projects, traces, prompts, datasets \
                       or metrics; optional subtopic features, limitations or examples.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn get_opik_help(
        &self,
        Parameters(args): Parameters<HelpArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let text = super::help::text(args.topic, args.subtopic.as_deref());
        Ok(CallToolResult::success(vec![
            rmcp::model::ContentBlock::text(text),
        ]))
    }
}
