//! Project tools: `list-projects` (core) and `create-project` (expert-project-actions).

use crate::mcp::tools::params::Parameters;
use reqwest::Method;
use rmcp::{handler::server::wrapper::Json, model::Extensions, schemars, tool, tool_router};
use serde::Deserialize;
use serde_json::json;

use super::common::{ActionOutput, ListOutput, ToolError, default_page, default_size, text_arg};
use crate::{
    mcp::McpServer,
    opik::{
        Call,
        query::{SortOrder, sorting_param},
        types::Project,
    },
};

/// Fields projects can be sorted by.
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectSort {
    /// Name.
    Name,
    /// Creation time.
    CreatedAt,
    /// Last update.
    LastUpdatedAt,
    /// Time of the newest trace.
    LastUpdatedTraceAt,
}

impl ProjectSort {
    fn field(self) -> &'static str {
        match self {
            ProjectSort::Name => "name",
            ProjectSort::CreatedAt => "created_at",
            ProjectSort::LastUpdatedAt => "last_updated_at",
            ProjectSort::LastUpdatedTraceAt => "last_updated_trace_at",
        }
    }
}

/// Arguments of `list-projects`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ListProjectsArgs {
    /// 1-based page number.
    #[serde(default = "default_page")]
    #[schemars(range(min = 1))]
    pub page: u32,
    /// Page size (at most the server's limit, 100 by default).
    #[serde(default = "default_size")]
    #[schemars(range(min = 1))]
    pub size: u32,
    /// Optional sort field; sent to Opik as its `sorting` parameter.
    #[serde(default, alias = "sort_by")]
    pub sort_by: Option<ProjectSort>,
    /// Sort direction (default desc); used with sortBy.
    #[serde(default, alias = "sort_order")]
    pub sort_order: Option<SortOrder>,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

/// Arguments of `create-project`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateProjectArgs {
    /// Project name.
    pub name: String,
    /// Optional description (at most 255 characters).
    #[serde(default)]
    pub description: Option<String>,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

#[tool_router(router = projects_router, vis = "pub(crate)")]
impl McpServer {
    /// List projects.
    #[tool(
        name = "list-projects",
        description = "List projects in the workspace, to find the names and ids that trace, \
                       thread and metrics tools take.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn list_projects(
        &self,
        Parameters(args): Parameters<ListProjectsArgs>,
        ext: Extensions,
    ) -> Result<Json<ListOutput<Project>>, ToolError> {
        let sorting = args
            .sort_by
            .map(|f| sorting_param(f.field(), args.sort_order.unwrap_or_default()));
        let ws = args.workspace_name.as_deref();
        let target = ("/v1/private/projects", "projects");
        self.paged_list(&ext, ws, (args.page, args.size), target, |c| {
            c.query_opt("sorting", sorting)
        })
        .await
    }

    /// Create a project.
    #[tool(
        name = "create-project",
        description = "Create a project to group traces, prompts and evaluation runs. Returns \
                       the new project's id.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    pub async fn create_project(
        &self,
        Parameters(args): Parameters<CreateProjectArgs>,
        ext: Extensions,
    ) -> Result<Json<ActionOutput>, ToolError> {
        let (creds, ws_note) = self.credentials(&ext, args.workspace_name.as_deref());
        let name = text_arg("name", &args.name)?;
        let mut body = json!({ "name": name });
        if let Some(d) = args.description.filter(|d| !d.trim().is_empty()) {
            body["description"] = json!(d);
        }
        let reply = self
            .opik()
            .send(
                &creds,
                Call::new(Method::POST, "/v1/private/projects").body(&body),
            )
            .await?;
        let id = reply.created_id();
        let mut out = ActionOutput::new(format!("Created project {name:?}"), id);
        out.0.notes.extend(ws_note);
        Ok(out)
    }
}
