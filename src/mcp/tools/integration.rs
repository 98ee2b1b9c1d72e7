//! `opik-integration-docs` (integration toolset): a step-by-step guide an assistant follows
//! to add Opik tracing to the user's application. Static; no Opik call.

use crate::mcp::tools::params::Parameters;
use rmcp::{handler::server::wrapper::Json, schemars, tool, tool_router};
use serde::Deserialize;

use super::{common::ToolError, info::TextOutput};
use crate::mcp::McpServer;

/// Arguments of `opik-integration-docs` (none).
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationArgs {}

const GUIDE: &str = "\
# Adding Opik to an LLM application

Work through these steps in order and confirm each with the user before the next.

## Rules
- Keep existing behaviour: only add Opik imports, decorators, wrappers and configuration.
- Propose every change before making it; wait for approval.
- Never hard-code an API key: read it from OPIK_API_KEY (and OPIK_WORKSPACE), with a comment
  saying where to get one (Opik UI → API keys).

## 1. Check the stack
Find the language and the LLM libraries in use. Opik has SDKs for Python and
JavaScript/TypeScript; for anything else, stop and say so (OpenTelemetry export is the
fallback: https://www.comet.com/docs/opik/tracing/opentelemetry/overview).

## 2. Find what to trace
List the functions that call models, tools or retrievers, and the entry points (main, API
routes, CLI handlers). Ask which entry point matters most if it is unclear.

## 3. Pick integrations
Match the libraries found against https://www.comet.com/docs/opik/tracing/integrations/overview
(OpenAI, Anthropic, LangChain, LlamaIndex, LiteLLM, Bedrock, Vertex AI, DSPy, …). Prefer an
integration over hand-written decorators.

## 4. Propose the plan
Packages to install (`pip install opik` / `npm install opik`), files to change, the exact
snippets (for example `@track` on the entry function, `track_openai(OpenAI())`), and where the
configuration goes (`opik configure`, or environment variables). Wait for approval.

## 5. Apply it
Install the packages, make the approved edits, nothing else.

## 6. Verify
Ask the user to run the application once, then check with list-projects and list-traces (this
server) that traces arrive in the expected project. Fix and repeat if they do not.
";

#[tool_router(router = integration_router, vis = "pub(crate)")]
impl McpServer {
    /// The integration guide.
    #[tool(
        name = "opik-integration-docs",
        description = "Step-by-step guide for adding Opik tracing to an LLM application (for \
                       the assistant to follow with the user).",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn opik_integration_docs(
        &self,
        Parameters(_args): Parameters<IntegrationArgs>,
    ) -> Result<Json<TextOutput>, ToolError> {
        Ok(Json(TextOutput {
            text: GUIDE.to_string(),
        }))
    }
}
