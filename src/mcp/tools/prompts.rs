//! Prompt library tools (expert-prompts): `get-prompts`, `create-prompt`, `get-prompt-by-id`,
//! `get-prompt-version`, `delete-prompt`, `save-prompt-version`.
//!
//! Corrected from the legacy TS server: `create-prompt` sends `tags` as the API's `tags` field
//! (upstream tucked them into `metadata`).

#![expect(
    clippy::doc_markdown,
    reason = "argument docs are the input schema descriptions models read; no backticks there"
)]

use crate::mcp::tools::params::Parameters;
use reqwest::Method;
use rmcp::{handler::server::wrapper::Json, model::Extensions, schemars, tool, tool_router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::common::{
    ActionOutput, ItemOutput, ListOutput, ToolError, default_page, default_size, text_arg, uuid_arg,
};
use crate::{
    mcp::McpServer,
    opik::{
        Call,
        types::{Prompt, PromptVersion},
    },
};

/// Arguments of `get-prompts`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ListPromptsArgs {
    /// 1-based page number.
    #[serde(default = "default_page")]
    #[schemars(range(min = 1))]
    pub page: u32,
    /// Page size (at most the server's limit, 100 by default).
    #[serde(default = "default_size")]
    #[schemars(range(min = 1))]
    pub size: u32,
    /// Optional name filter (substring, case-insensitive).
    #[serde(default)]
    pub name: Option<String>,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

/// Arguments of `create-prompt`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreatePromptArgs {
    /// Prompt name (unique in the workspace).
    pub name: String,
    /// Optional description (at most 255 characters).
    #[serde(default)]
    pub description: Option<String>,
    /// Optional tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

/// Arguments of `get-prompt-by-id` and `delete-prompt`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PromptIdArgs {
    /// Prompt id (UUID).
    #[serde(alias = "prompt_id")]
    pub prompt_id: String,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

/// Arguments of `get-prompt-version`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PromptVersionArgs {
    /// Prompt name.
    pub name: String,
    /// Optional 8-character commit; the latest version when omitted.
    #[serde(default)]
    pub commit: Option<String>,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

/// Template syntax.
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TemplateType {
    /// `{{variable}}` (default).
    Mustache,
    /// Jinja2.
    Jinja2,
}

/// Arguments of `save-prompt-version`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SavePromptVersionArgs {
    /// Prompt name; the prompt is created if it does not exist.
    pub name: String,
    /// Template text.
    pub template: String,
    /// Optional summary of what changed (also accepted as change_description).
    #[serde(default, alias = "change_description")]
    pub change_description: Option<String>,
    /// Optional metadata object.
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
    /// Optional template syntax: mustache or jinja2.
    #[serde(default, rename = "type")]
    pub template_type: Option<TemplateType>,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

#[tool_router(router = prompts_router, vis = "pub(crate)")]
impl McpServer {
    /// List prompts.
    #[tool(
        name = "get-prompts",
        description = "List prompts in the prompt library, optionally filtered by name.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn get_prompts(
        &self,
        Parameters(args): Parameters<ListPromptsArgs>,
        ext: Extensions,
    ) -> Result<Json<ListOutput<Prompt>>, ToolError> {
        let name = args
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let ws = args.workspace_name.as_deref();
        let target = ("/v1/private/prompts", "prompts");
        self.paged_list(&ext, ws, (args.page, args.size), target, |c| {
            c.query_opt("name", name)
        })
        .await
    }

    /// Create a prompt.
    #[tool(
        name = "create-prompt",
        description = "Create a prompt in the prompt library (name, optional description and \
                       tags); add its text with save-prompt-version.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    pub async fn create_prompt(
        &self,
        Parameters(args): Parameters<CreatePromptArgs>,
        ext: Extensions,
    ) -> Result<Json<ActionOutput>, ToolError> {
        let (creds, ws_note) = self.credentials(&ext, args.workspace_name.as_deref());
        let name = text_arg("name", &args.name)?;
        let mut body = json!({ "name": name });
        if let Some(d) = args.description.filter(|d| !d.trim().is_empty()) {
            body["description"] = json!(d);
        }
        if let Some(tags) = args.tags.filter(|t| !t.is_empty()) {
            let mut tags: Vec<String> = tags.into_iter().filter(|t| !t.trim().is_empty()).collect();
            tags.sort();
            tags.dedup();
            body["tags"] = json!(tags);
        }
        let call = Call::new(Method::POST, "/v1/private/prompts").body(&body);
        let id = self.opik().send(&creds, call).await?.created_id();
        let mut out = ActionOutput::new(format!("Created prompt {name:?}"), id);
        out.0.notes.extend(ws_note);
        Ok(out)
    }

    /// One prompt with its latest version.
    #[tool(
        name = "get-prompt-by-id",
        description = "Get a prompt by id, with its latest version.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn get_prompt_by_id(
        &self,
        Parameters(args): Parameters<PromptIdArgs>,
        ext: Extensions,
    ) -> Result<Json<ItemOutput<Prompt>>, ToolError> {
        let (creds, ws_note) = self.credentials(&ext, args.workspace_name.as_deref());
        let id = uuid_arg("promptId", &args.prompt_id)?;
        let path = format!("/v1/private/prompts/{id}");
        let raw = self.opik().get_json(&creds, Call::get(&path)).await?;
        let mut notes: Vec<String> = ws_note.into_iter().collect();
        let item: Prompt = self.bounded(raw, &mut notes)?;
        Ok(Json(ItemOutput {
            summary: format!("Prompt {:?}", item.name.as_deref().unwrap_or(&id)),
            item,
            notes,
        }))
    }

    /// A prompt version by name and commit.
    #[tool(
        name = "get-prompt-version",
        description = "Get a prompt's template by prompt name: the latest version, or the one \
                       with the given commit.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn get_prompt_version(
        &self,
        Parameters(args): Parameters<PromptVersionArgs>,
        ext: Extensions,
    ) -> Result<Json<ItemOutput<PromptVersion>>, ToolError> {
        let (creds, ws_note) = self.credentials(&ext, args.workspace_name.as_deref());
        let name = text_arg("name", &args.name)?;
        let mut body = json!({ "name": name });
        if let Some(c) = args
            .commit
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            body["commit"] = json!(c);
        }
        let call = Call::new(Method::POST, "/v1/private/prompts/versions/retrieve").body(&body);
        let raw = self.opik().send(&creds, call).await?.json()?;
        let mut notes: Vec<String> = ws_note.into_iter().collect();
        let item: PromptVersion = self.bounded(raw, &mut notes)?;
        Ok(Json(ItemOutput {
            summary: format!(
                "Prompt {name:?} at commit {}",
                item.commit.as_deref().unwrap_or("(unknown)")
            ),
            item,
            notes,
        }))
    }

    /// Delete a prompt.
    #[tool(
        name = "delete-prompt",
        description = "Delete a prompt and all its versions, by id. This cannot be undone.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn delete_prompt(
        &self,
        Parameters(args): Parameters<PromptIdArgs>,
        ext: Extensions,
    ) -> Result<Json<ActionOutput>, ToolError> {
        let (creds, ws_note) = self.credentials(&ext, args.workspace_name.as_deref());
        let id = uuid_arg("promptId", &args.prompt_id)?;
        let path = format!("/v1/private/prompts/{id}");
        self.opik()
            .send(&creds, Call::new(Method::DELETE, &path))
            .await?;
        let mut out = ActionOutput::new(format!("Deleted prompt {id}"), Some(id));
        out.0.notes.extend(ws_note);
        Ok(out)
    }

    /// Save a new version of a prompt.
    #[tool(
        name = "save-prompt-version",
        description = "Save a new version (commit) of a prompt's template, creating the prompt \
                       if needed. Returns the version with its commit id.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    pub async fn save_prompt_version(
        &self,
        Parameters(args): Parameters<SavePromptVersionArgs>,
        ext: Extensions,
    ) -> Result<Json<ItemOutput<PromptVersion>>, ToolError> {
        let (creds, ws_note) = self.credentials(&ext, args.workspace_name.as_deref());
        let name = text_arg("name", &args.name)?;
        let template = text_arg("template", &args.template)?;
        let mut version = json!({ "template": template });
        if let Some(c) = args.change_description.filter(|c| !c.trim().is_empty()) {
            version["change_description"] = json!(c);
        }
        if let Some(m) = args.metadata {
            version["metadata"] = Value::Object(m);
        }
        if let Some(t) = args.template_type {
            version["type"] = json!(match t {
                TemplateType::Mustache => "mustache",
                TemplateType::Jinja2 => "jinja2",
            });
        }
        let body = json!({ "name": name, "version": version });
        let call = Call::new(Method::POST, "/v1/private/prompts/versions").body(&body);
        let raw = self.opik().send(&creds, call).await?.json()?;
        let mut notes: Vec<String> = ws_note.into_iter().collect();
        let item: PromptVersion = self.bounded(raw, &mut notes)?;
        Ok(Json(ItemOutput {
            summary: format!(
                "Saved prompt {name:?} version {}",
                item.commit.as_deref().unwrap_or("(unknown)")
            ),
            item,
            notes,
        }))
    }
}
