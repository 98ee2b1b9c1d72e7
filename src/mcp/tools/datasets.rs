//! Dataset tools (expert-datasets): `list-datasets`, `get-dataset-by-id`, `create-dataset`,
//! `delete-dataset`, `list-dataset-items`, `create-dataset-item`, `delete-dataset-item`.

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
        types::{Dataset, DatasetItem},
    },
};

/// Arguments of `list-datasets`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ListDatasetsArgs {
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

/// Arguments naming one dataset.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DatasetIdArgs {
    /// Dataset id (UUID).
    #[serde(alias = "dataset_id")]
    pub dataset_id: String,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

/// Arguments of `create-dataset`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateDatasetArgs {
    /// Dataset name.
    pub name: String,
    /// Optional description (at most 255 characters).
    #[serde(default)]
    pub description: Option<String>,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

fn default_item_size() -> u32 {
    25
}

/// Arguments of `list-dataset-items`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ListItemsArgs {
    /// Dataset id (UUID).
    #[serde(alias = "dataset_id")]
    pub dataset_id: String,
    /// 1-based page number.
    #[serde(default = "default_page")]
    #[schemars(range(min = 1))]
    pub page: u32,
    /// Page size (default 25; at most the server's limit, 100 by default).
    #[serde(default = "default_item_size")]
    #[schemars(range(min = 1))]
    pub size: u32,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

/// Arguments of `create-dataset-item`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateItemArgs {
    /// Dataset id (UUID).
    #[serde(alias = "dataset_id")]
    pub dataset_id: String,
    /// Input payload (an object), stored as data.input.
    pub input: Map<String, Value>,
    /// Optional expected output (an object), stored as data.expected_output.
    #[serde(default, alias = "expected_output")]
    pub expected_output: Option<Map<String, Value>>,
    /// Optional metadata (an object), stored as data.metadata.
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

/// Arguments of `delete-dataset-item`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ItemIdArgs {
    /// Dataset item id (UUID).
    #[serde(alias = "item_id")]
    pub item_id: String,
    /// Optional workspace override (ignored when your credentials set the workspace).
    #[serde(default, alias = "workspace_name")]
    pub workspace_name: Option<String>,
}

#[tool_router(router = datasets_router, vis = "pub(crate)")]
impl McpServer {
    /// List datasets.
    #[tool(
        name = "list-datasets",
        description = "List datasets (evaluation data), optionally filtered by name.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn list_datasets(
        &self,
        Parameters(args): Parameters<ListDatasetsArgs>,
        ext: Extensions,
    ) -> Result<Json<ListOutput<Dataset>>, ToolError> {
        let name = args
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let ws = args.workspace_name.as_deref();
        let target = ("/v1/private/datasets", "datasets");
        self.paged_list(&ext, ws, (args.page, args.size), target, |c| {
            c.query_opt("name", name)
        })
        .await
    }

    /// One dataset.
    #[tool(
        name = "get-dataset-by-id",
        description = "Get a dataset's details (description, item and experiment counts) by id.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn get_dataset_by_id(
        &self,
        Parameters(args): Parameters<DatasetIdArgs>,
        ext: Extensions,
    ) -> Result<Json<ItemOutput<Dataset>>, ToolError> {
        let (creds, ws_note) = self.credentials(&ext, args.workspace_name.as_deref());
        let id = uuid_arg("datasetId", &args.dataset_id)?;
        let path = format!("/v1/private/datasets/{id}");
        let raw = self.opik().get_json(&creds, Call::get(&path)).await?;
        let mut notes: Vec<String> = ws_note.into_iter().collect();
        let item: Dataset = self.bounded(raw, &mut notes)?;
        Ok(Json(ItemOutput {
            summary: format!("Dataset {:?}", item.name.as_deref().unwrap_or(&id)),
            item,
            notes,
        }))
    }

    /// Create a dataset.
    #[tool(
        name = "create-dataset",
        description = "Create a dataset for evaluations and experiments. Returns its id.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    pub async fn create_dataset(
        &self,
        Parameters(args): Parameters<CreateDatasetArgs>,
        ext: Extensions,
    ) -> Result<Json<ActionOutput>, ToolError> {
        let (creds, ws_note) = self.credentials(&ext, args.workspace_name.as_deref());
        let name = text_arg("name", &args.name)?;
        let mut body = json!({ "name": name });
        if let Some(d) = args.description.filter(|d| !d.trim().is_empty()) {
            body["description"] = json!(d.trim());
        }
        let call = Call::new(Method::POST, "/v1/private/datasets").body(&body);
        let id = self.opik().send(&creds, call).await?.created_id();
        let mut out = ActionOutput::new(format!("Created dataset {name:?}"), id);
        out.0.notes.extend(ws_note);
        Ok(out)
    }

    /// Delete a dataset.
    #[tool(
        name = "delete-dataset",
        description = "Delete a dataset and its items, by id. This cannot be undone.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn delete_dataset(
        &self,
        Parameters(args): Parameters<DatasetIdArgs>,
        ext: Extensions,
    ) -> Result<Json<ActionOutput>, ToolError> {
        let (creds, ws_note) = self.credentials(&ext, args.workspace_name.as_deref());
        let id = uuid_arg("datasetId", &args.dataset_id)?;
        let path = format!("/v1/private/datasets/{id}");
        self.opik()
            .send(&creds, Call::new(Method::DELETE, &path))
            .await?;
        let mut out = ActionOutput::new(format!("Deleted dataset {id}"), Some(id));
        out.0.notes.extend(ws_note);
        Ok(out)
    }

    /// A page of a dataset's items.
    #[tool(
        name = "list-dataset-items",
        description = "List the items of a dataset, page by page (default 25 per page).",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn list_dataset_items(
        &self,
        Parameters(args): Parameters<ListItemsArgs>,
        ext: Extensions,
    ) -> Result<Json<ListOutput<DatasetItem>>, ToolError> {
        let id = uuid_arg("datasetId", &args.dataset_id)?;
        let path = format!("/v1/private/datasets/{id}/items");
        let ws = args.workspace_name.as_deref();
        let target = (path.as_str(), "dataset items");
        self.paged_list(&ext, ws, (args.page, args.size), target, |c| c)
            .await
    }

    /// Add one item to a dataset.
    #[tool(
        name = "create-dataset-item",
        description = "Add one item (input, optional expected output and metadata) to a \
                       dataset. Returns the new item's id.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    pub async fn create_dataset_item(
        &self,
        Parameters(args): Parameters<CreateItemArgs>,
        ext: Extensions,
    ) -> Result<Json<ActionOutput>, ToolError> {
        let (creds, ws_note) = self.credentials(&ext, args.workspace_name.as_deref());
        let dataset_id = uuid_arg("datasetId", &args.dataset_id)?;
        let mut data = Map::new();
        data.insert("input".into(), Value::Object(args.input));
        if let Some(e) = args.expected_output {
            data.insert("expected_output".into(), Value::Object(e));
        }
        if let Some(m) = args.metadata {
            data.insert("metadata".into(), Value::Object(m));
        }
        // The endpoint answers 204 with no body; a client-made UUID v7 (the id kind Opik
        // generates) lets the result name the new item.
        let item_id = uuid::Uuid::now_v7().hyphenated().to_string();
        let body = json!({
            "dataset_id": dataset_id,
            "items": [{ "id": item_id, "source": "manual", "data": data }],
        });
        let call = Call::new(Method::PUT, "/v1/private/datasets/items").body(&body);
        self.opik().send(&creds, call).await?;
        let mut out = ActionOutput::new(
            format!("Added item {item_id} to dataset {dataset_id}"),
            Some(item_id),
        );
        out.0.notes.extend(ws_note);
        Ok(out)
    }

    /// Delete one dataset item.
    #[tool(
        name = "delete-dataset-item",
        description = "Delete one dataset item by id. This cannot be undone.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn delete_dataset_item(
        &self,
        Parameters(args): Parameters<ItemIdArgs>,
        ext: Extensions,
    ) -> Result<Json<ActionOutput>, ToolError> {
        let (creds, ws_note) = self.credentials(&ext, args.workspace_name.as_deref());
        let id = uuid_arg("itemId", &args.item_id)?;
        let body = json!({ "item_ids": [id] });
        let call = Call::new(Method::POST, "/v1/private/datasets/items/delete").body(&body);
        self.opik().send(&creds, call).await?;
        let mut out = ActionOutput::new(format!("Deleted dataset item {id}"), Some(id));
        out.0.notes.extend(ws_note);
        Ok(out)
    }
}
