//! The transport-agnostic MCP server: rmcp's [`ServerHandler`] over our tools.
//!
//! `mcp` knows no HTTP. `transports/*` feed it messages through a session's
//! (Sink, Stream) pair; see `src/mcp/README.md` for the design.

#[macro_use]
mod versions;
mod authorize;
pub mod codes;
mod completion;
pub mod instructions;
mod prompts;
mod resources;
mod service;
mod strict_schema;
mod subscriptions;
pub mod tools;

pub use service::McpService;
pub use versions::{LIST_TTL_MS, all_versions, supported_versions};

use std::{borrow::Cow, sync::Arc};

use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    handler::server::{router::tool::ToolRouter, tool::ToolCallContext},
    model::{
        CallToolRequestParams, CallToolResponse, CompleteRequestParams, CompleteResult,
        DiscoverResult, GetPromptRequestParams, GetPromptResponse, Implementation,
        InitializeRequestParams, InitializeResult, ListPromptsResult, ListResourceTemplatesResult,
        ListResourcesResult, ListToolsResult, PaginatedRequestParams, ProtocolVersion,
        ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig,
        SubscribeRequestParams, Tool, UnsubscribeRequestParams,
    },
    service::RequestContext,
};

use crate::{
    auth::{Principal, ToolScopes},
    config::Settings,
    events::Observers,
    opik::{OpikClient, OpikError},
    ratelimit::ToolLimits,
};

/// Everything sessions share: settings, the Opik client, the tool router, the scope of each
/// tool and the per-tool quotas, built once.
pub struct McpEngine {
    settings: Arc<Settings>,
    opik: OpikClient,
    router: ToolRouter<McpServer>,
    listed: Arc<Vec<Tool>>,
    /// What `listed` costs an agent (measured once).
    listed_size: tools::surface::Size,
    scopes: ToolScopes,
    limits: ToolLimits,
    observers: Observers,
    completions: completion::CompletionCache,
}

impl McpEngine {
    /// Build the engine from validated settings.
    pub fn new(settings: Arc<Settings>, observers: Observers) -> Result<Arc<Self>, OpikError> {
        let opik = settings.opik.client()?;
        Ok(Self::with_opik(settings, observers, opik))
    }

    /// [`Self::new`] with the Opik client built already (start-up builds it on another
    /// thread: it loads the system's CA certificates).
    pub fn with_opik(settings: Arc<Settings>, observers: Observers, opik: OpikClient) -> Arc<Self> {
        let router = tools::router(&settings);
        // One tool per job: classic twins of consolidated tools stay routable, unlisted.
        let listed = Arc::new(tools::surface::listed_tools(
            &router.list_all(),
            &settings.opik.toolsets,
        ));
        let listed_size = tools::surface::size(&listed);
        let scopes = ToolScopes::new(&tools::all_tools(), &settings.auth.scopes);
        let limits = ToolLimits::new(&settings.rate_limit);
        let completions = completion::CompletionCache::new(
            settings.opik.completion_cache_ttl(),
            settings.opik.completion_timeout(),
        );
        Arc::new(Self {
            settings,
            opik,
            router,
            listed,
            listed_size,
            scopes,
            limits,
            observers,
            completions,
        })
    }

    /// The scope each tool needs.
    pub fn scopes(&self) -> &ToolScopes {
        &self.scopes
    }

    /// The per-tool quotas.
    pub fn tool_limits(&self) -> &ToolLimits {
        &self.limits
    }

    /// The effective settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The Opik REST client.
    pub fn opik(&self) -> &OpikClient {
        &self.opik
    }

    /// The service one session runs.
    pub fn handler(self: &Arc<Self>) -> McpService {
        McpService(self.server())
    }

    /// A handler with no session state of its own (tool calls, resource polls).
    pub(crate) fn server(self: &Arc<Self>) -> McpServer {
        McpServer {
            engine: Arc::clone(self),
            subscriptions: Arc::default(),
        }
    }

    /// The completion lists fetched from Opik.
    fn completions(&self) -> &completion::CompletionCache {
        &self.completions
    }

    /// How far 2026-07-28 clients may share cached tool and resource lists: which entries
    /// are listed depends on the caller's scopes when auth is on.
    fn list_cache_scope(&self) -> rmcp::model::CacheScope {
        if self.settings.auth.mode == crate::config::AuthMode::None {
            rmcp::model::CacheScope::Public
        } else {
            rmcp::model::CacheScope::Private
        }
    }

    /// The tools this deployment lists.
    pub fn tools(&self) -> &[Tool] {
        &self.listed
    }

    /// What the listed tools cost an agent's context.
    pub fn listed_size(&self) -> tools::surface::Size {
        self.listed_size
    }
}

/// The per-session rmcp handler.
#[derive(Clone)]
pub struct McpServer {
    engine: Arc<McpEngine>,
    /// This session's resource subscriptions.
    subscriptions: Arc<subscriptions::Subscriptions>,
}

impl McpServer {
    /// The shared engine.
    pub fn engine(&self) -> &McpEngine {
        &self.engine
    }

    /// This session's instructions: the workspace its Opik calls use (the caller's, when its
    /// credentials name one) and today's date.
    fn instructions(&self, ext: &rmcp::model::Extensions) -> String {
        let settings = self.engine.settings();
        let workspace = ext
            .get::<crate::opik::Credentials>()
            .and_then(|c| c.workspace.clone())
            .unwrap_or_else(|| settings.opik.workspace.clone());
        instructions::render(settings, &workspace, &instructions::today())
    }
}

/// The error for a tool that does not exist *or* is not enabled: the two must be
/// indistinguishable so disabled tools leak nothing.
pub fn unknown_tool(name: &str) -> ErrorData {
    ErrorData::invalid_params(format!("Unknown tool: {name}"), None)
}

impl ServerHandler for McpServer {
    #[expect(
        deprecated,
        reason = "2025-11-25 clients may call logging/setLevel (SEP-2577 deprecates it from 2026-07-28)"
    )]
    fn get_info(&self) -> ServerConfig {
        let caps = ServerCapabilities::builder()
            .enable_tools()
            .enable_logging()
            .enable_resources()
            .enable_prompts()
            .enable_completions();
        let caps = if self.engine.subscriptions_enabled() {
            caps.enable_resources_subscribe().build()
        } else {
            caps.build()
        };
        ServerConfig::new(caps)
            .with_server_info(Implementation::new("opik-mcp", env!("CARGO_PKG_VERSION")))
            .with_instructions(self.instructions(&rmcp::model::Extensions::new()))
    }

    async fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<InitializeResult, ErrorData> {
        context.peer.set_peer_info(request.clone());
        let mut info = self.negotiate_initialize(&request)?;
        info.instructions = Some(self.instructions(&context.extensions));
        Ok(info)
    }

    async fn discover(
        &self,
        context: RequestContext<RoleServer>,
    ) -> Result<DiscoverResult, ErrorData> {
        let mut info = self.get_info();
        info.instructions = Some(self.instructions(&context.extensions));
        // 2026-07-28 has no resources/subscribe (its subscriptions/listen is not offered).
        if let Some(r) = info.capabilities.resources.as_mut() {
            r.subscribe = None;
        }
        Ok(DiscoverResult::from_server_info(
            self.supported_protocol_versions().into_owned(),
            info,
        ))
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        all_versions()
    }

    /// Accepted so clients may set a level (2025-11-25 requires answering it); the server sends
    /// no log notifications, so every level is trivially honoured.
    #[expect(
        deprecated,
        reason = "required by 2025-11-25; deprecated only from 2026-07-28"
    )]
    async fn set_level(
        &self,
        _request: rmcp::model::SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        Ok(())
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let principal = context.extensions.get::<Principal>();
        let tools: Vec<Tool> = self
            .engine
            .listed
            .iter()
            .filter(|t| self.engine.may_call(principal, &t.name))
            .cloned()
            .collect();
        let result = ListToolsResult::with_all_items(tools);
        Ok(with_cache_hints!(
            result,
            context,
            self.engine.list_cache_scope()
        ))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.engine.router.get(name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        // Scope and quota were checked before this handler (`authorize`).
        let tcc = ToolCallContext::new(self, request, context);
        self.engine.router.call(tcc).await
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let principal = context.extensions.get::<Principal>();
        let mut items = resources::list(self.engine.settings());
        items.retain(|r| self.engine.may_read(principal, &r.uri));
        let list = ListResourcesResult::with_all_items(items);
        Ok(with_cache_hints!(
            list,
            context,
            self.engine.list_cache_scope()
        ))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let principal = context.extensions.get::<Principal>();
        let mut items = resources::templates(self.engine.settings());
        items.retain(|t| self.engine.may_read(principal, &t.uri_template));
        let list = ListResourceTemplatesResult::with_all_items(items);
        Ok(with_cache_hints!(
            list,
            context,
            self.engine.list_cache_scope()
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        resources::read(self, &request.uri, &context.extensions)
            .await
            .map(Into::into)
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        let list = ListPromptsResult::with_all_items(prompts::list(self.engine.settings()));
        Ok(with_cache_hints!(list, context))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        prompts::get(
            self.engine.settings(),
            &request.name,
            request.arguments.as_ref(),
        )
        .map(Into::into)
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        completion::complete(self, &request, &context.extensions).await
    }

    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        subscriptions::subscribe(self, &request.uri, &context.extensions, context.peer).await
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        subscriptions::unsubscribe(self, &request.uri)
    }
}
