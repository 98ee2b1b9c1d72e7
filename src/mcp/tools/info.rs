//! The `core` capability tools, which need no Opik call: `get-server-info`, `get-opik-help`,
//! `get-opik-examples`, `get-opik-metrics-info` and `get-opik-tracing-info`.

use crate::mcp::tools::params::Parameters;
use rmcp::{handler::server::wrapper::Json, schemars, tool, tool_router};
use serde::{Deserialize, Serialize};

use super::{
    common::ToolError,
    guides::{self, MetricInfo, TracingTopic},
    help::HelpTopic,
};
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
    /// Classic tools that are callable but not listed: a consolidated tool does their job.
    pub callable_unlisted_tools: Vec<&'static str>,
    /// What the listed tools cost an agent's context.
    pub listed_size: ToolsetSize,
    /// What each toolset (and the presets all and core,consolidated) costs when enabled alone.
    pub toolset_sizes: Vec<ToolsetSize>,
    /// MCP protocol revisions served.
    pub protocol_versions: Vec<String>,
}

/// The size of a set of listed tools, as `tools/list` sends them.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolsetSize {
    /// The toolset or preset.
    pub toolset: String,
    /// Tools listed.
    pub tools: i64,
    /// Estimated tokens (characters / 4) of names, descriptions, input schemas, annotations.
    pub tokens: i64,
    /// Estimated tokens of the output schemas (for clients; models are not shown them).
    pub output_schema_tokens: i64,
}

impl ToolsetSize {
    fn new(toolset: impl Into<String>, s: super::surface::Size) -> Self {
        let n = |x: usize| i64::try_from(x).unwrap_or(i64::MAX);
        Self {
            toolset: toolset.into(),
            tools: n(s.tools),
            tokens: n(s.tokens()),
            output_schema_tokens: n(s.output_tokens()),
        }
    }
}

/// Arguments of `get-opik-help`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HelpArgs {
    /// Optional topic: general, projects, traces, prompts, datasets or metrics. Omit for an
    /// overview of every topic.
    #[serde(default)]
    pub topic: Option<HelpTopic>,
    /// Optional sub-topic: features, limitations or examples.
    #[serde(default)]
    pub subtopic: Option<String>,
}

/// A text answer.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct TextOutput {
    /// The text (markdown).
    pub text: String,
}

/// Arguments of `get-opik-examples`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExamplesArgs {
    /// Optional task, e.g. "create prompt", "log trace", "evaluate response". Omit to list the
    /// tasks with examples.
    #[serde(default)]
    pub task: Option<String>,
}

/// Arguments of `get-opik-metrics-info`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricsInfoArgs {
    /// Optional metric name (e.g. hallucination, answerrelevance, moderation); case and
    /// punctuation are ignored. Omit for every metric.
    #[serde(default)]
    pub metric: Option<String>,
}

/// Evaluation metrics.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct MetricsInfo {
    /// The metrics asked for.
    pub metrics: Vec<MetricInfo>,
}

/// Arguments of `get-opik-tracing-info`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TracingInfoArgs {
    /// Optional topic: traces, spans, feedback, search or visualization. Omit for all.
    #[serde(default)]
    pub topic: Option<TracingTopic>,
}

#[tool_router(router = info_router, vis = "pub(crate)")]
impl McpServer {
    /// Report the effective, non-secret configuration.
    #[tool(
        name = "get-server-info",
        description = "Show this MCP server's version, Opik API URL, workspace, self-hosted flag, \
                       enabled toolsets and tools, and each toolset's size in tokens. Never \
                       shows the API key.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn get_server_info(
        &self,
        Parameters(_args): Parameters<ServerInfoArgs>,
    ) -> Result<Json<ServerInfo>, ToolError> {
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
            api_base_url: s.opik.api_url_display(),
            workspace_name: s.opik.workspace.clone(),
            is_self_hosted: s.opik.self_hosted,
            api_key_configured: s.opik.has_api_key(),
            toolsets: s.opik.toolsets.names(),
            enabled_tools: engine.tools().iter().map(|t| t.name.to_string()).collect(),
            callable_unlisted_tools: super::surface::unlisted_callable(&s.opik.toolsets),
            listed_size: ToolsetSize::new(s.opik.toolsets.names().join(","), engine.listed_size()),
            toolset_sizes: super::surface::build_sizes()
                .iter()
                .map(|(t, size)| ToolsetSize::new(t.clone(), *size))
                .collect(),
            protocol_versions: crate::mcp::all_versions()
                .iter()
                .map(|v| v.to_string())
                .collect(),
        };
        Ok(Json(info))
    }

    /// Static how-to text for Opik topics.
    #[tool(
        name = "get-opik-help",
        description = "How-to help for Opik: optional topic general, projects, traces, prompts, \
                       datasets or metrics; optional subtopic features, limitations or examples.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn get_opik_help(
        &self,
        Parameters(args): Parameters<HelpArgs>,
    ) -> Result<Json<TextOutput>, ToolError> {
        let text = match args.topic {
            Some(topic) => super::help::text(topic, args.subtopic.as_deref()),
            None => super::help::overview(),
        };
        Ok(Json(TextOutput { text }))
    }

    /// Worked examples for common Opik tasks.
    #[tool(
        name = "get-opik-examples",
        description = "Worked examples (steps and code) for a task such as \"create prompt\", \
                       \"log trace\" or \"evaluate response\"; without a task, lists the tasks.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn get_opik_examples(
        &self,
        Parameters(args): Parameters<ExamplesArgs>,
    ) -> Result<Json<TextOutput>, ToolError> {
        let tasks = guides::EXAMPLES
            .iter()
            .map(|e| e.task)
            .collect::<Vec<_>>()
            .join(", ");
        let text = match args.task.as_deref().map(guides::best_example) {
            Some(Some(e)) => {
                let steps: Vec<String> = e
                    .steps
                    .iter()
                    .enumerate()
                    .map(|(i, s)| format!("{}. {s}", i + 1))
                    .collect();
                format!(
                    "# Example: {}\n\n{}\n\n## Steps\n{}\n\n## Code\n```python\n{}```",
                    e.task,
                    e.description,
                    steps.join("\n"),
                    e.code
                )
            }
            Some(None) => format!(
                "No example matches {:?}. Available tasks: {tasks}",
                args.task.unwrap_or_default()
            ),
            None => format!("Available tasks: {tasks}"),
        };
        Ok(Json(TextOutput { text }))
    }

    /// Opik's built-in evaluation metrics.
    #[tool(
        name = "get-opik-metrics-info",
        description = "Describe Opik's evaluation metrics (heuristic and LLM-judge): what each \
                       measures, its range and inputs; optionally one metric by name.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn get_opik_metrics_info(
        &self,
        Parameters(args): Parameters<MetricsInfoArgs>,
    ) -> Result<Json<MetricsInfo>, ToolError> {
        let all = guides::metrics();
        let Some(wanted) = args.metric else {
            return Ok(Json(MetricsInfo { metrics: all }));
        };
        let norm = |s: &str| {
            s.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
                .to_lowercase()
        };
        let key = norm(&wanted);
        let found: Vec<MetricInfo> = all
            .iter()
            .filter(|m| norm(&m.name) == key)
            .cloned()
            .collect();
        if found.is_empty() {
            let names: Vec<&str> = all.iter().map(|m| m.name.as_str()).collect();
            return Err(ToolError::invalid(format!(
                "metric: unknown metric {wanted:?}; known metrics: {}",
                names.join(", ")
            )));
        }
        Ok(Json(MetricsInfo { metrics: found }))
    }

    /// How tracing works in Opik.
    #[tool(
        name = "get-opik-tracing-info",
        description = "Explain Opik tracing: traces, spans, feedback, search or visualization \
                       (optional topic; all topics when omitted).",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn get_opik_tracing_info(
        &self,
        Parameters(args): Parameters<TracingInfoArgs>,
    ) -> Result<Json<TextOutput>, ToolError> {
        Ok(Json(TextOutput {
            text: guides::tracing_text(args.topic),
        }))
    }
}
