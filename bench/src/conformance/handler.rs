//! The fixture handler: rmcp's [`ServerHandler`] over [`super::catalog`] and
//! [`super::tools`], with resource subscriptions, completions and a log level.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
};

use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    model::{
        CallToolRequestParams, CallToolResponse, CompleteRequestParams, CompleteResult,
        GetPromptRequestParams, GetPromptResponse, Implementation, ListPromptsResult,
        ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
        ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig,
        SubscribeRequestParams, UnsubscribeRequestParams,
    },
    service::RequestContext,
};
use serde_json::json;

use super::{catalog, tools};

/// One session's fixture server.
#[derive(Clone, Default)]
pub struct Fixtures {
    subscriptions: Arc<Mutex<HashSet<String>>>,
}

#[allow(
    deprecated,
    reason = "logging and subscriptions are part of 2025-06-18 and 2025-11-25"
)]
impl ServerHandler for Fixtures {
    fn get_info(&self) -> ServerConfig {
        let caps = ServerCapabilities::builder()
            .enable_tools()
            .enable_prompts()
            .enable_resources()
            .enable_resources_subscribe()
            .enable_logging()
            .enable_completions()
            .build();
        ServerConfig::new(caps)
            .with_server_info(Implementation::new(
                "opik-mcp-conformance",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions("The conformance suite's fixtures behind opik-mcp's transports.")
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _cx: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        catalog::tools()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        cx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let args = request.arguments.clone().unwrap_or_default();
        tools::call(&request.name, &args, &cx).await.map(Into::into)
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _cx: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        catalog::resources()
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _cx: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        catalog::templates()
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _cx: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        catalog::read(&request.uri).map(Into::into)
    }

    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        _cx: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.subscriptions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(request.uri);
        Ok(())
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _cx: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.subscriptions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&request.uri);
        Ok(())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _cx: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        catalog::prompts()
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _cx: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let args = request.arguments.clone().unwrap_or_default();
        catalog::prompt(&request.name, &args).map(Into::into)
    }

    /// Values that start with what was typed, from a fixed list per argument.
    async fn complete(
        &self,
        request: CompleteRequestParams,
        _cx: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        let all: &[&str] = match request.argument.name.as_str() {
            "arg1" | "arg2" => &["test", "testValue1", "testValue2", "paris", "park"],
            "id" => &["1", "2", "3", "123"],
            "resourceUri" => &["test://static-text", "test://static-binary"],
            _ => &[],
        };
        let typed = request.argument.value.as_str();
        let values: Vec<&str> = all
            .iter()
            .copied()
            .filter(|v| v.starts_with(typed))
            .collect();
        catalog::parse(json!({ "completion": {
            "values": values, "total": values.len(), "hasMore": false } }))
    }

    async fn set_level(
        &self,
        _request: rmcp::model::SetLevelRequestParams,
        _cx: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        Ok(())
    }
}
