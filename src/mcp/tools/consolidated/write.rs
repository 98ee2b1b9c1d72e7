//! `schema(operation)` and `write(operation, data, idempotency_key?, dry_run?)`.

use reqwest::Method;
use rmcp::{handler::server::wrapper::Json, model::Extensions, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    plan::{PlannedRequest, Reader, plan},
    registry::{BATCH_LIMIT, Operation},
};
use crate::{
    auth::Principal,
    mcp::{
        McpServer,
        tools::{common::ToolError, params::Parameters},
    },
    opik::{Call, Credentials, OpikError},
};

/// Longest accepted idempotency key.
const MAX_KEY: usize = 64;

/// Arguments of `schema`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemaArgs {
    /// The write operation to describe.
    pub operation: Operation,
}

/// What `schema` returns.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SchemaOutput {
    /// The operation.
    pub operation: String,
    /// JSON Schema of one element of `data`.
    pub schema: Value,
    /// A valid element.
    pub example: Value,
    /// Scope needed (the general write scope also covers it).
    pub required_scope: String,
    /// Whether an array is sent as one batch request.
    pub supports_batch: bool,
    /// Most elements per call.
    pub max_elements: usize,
    /// How the operation can fail.
    pub failure_modes: Vec<String>,
}

/// Arguments of `write`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteArgs {
    /// The operation; call schema(operation) for the shape of data.
    pub operation: Operation,
    /// One object, or an array of up to 1000, each matching the operation's schema.
    pub data: Value,
    /// Optional key (at most 64 characters) sent as Idempotency-Key; it also lets the server
    /// retry the write safely.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// Validate and return the exact requests without sending them.
    #[serde(default)]
    pub dry_run: bool,
}

/// One request sent.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SentRequest {
    /// HTTP method.
    pub method: String,
    /// Path under the Opik API.
    pub path: String,
    /// Opik's status.
    pub status: u16,
}

/// What `write` returns.
#[derive(Debug, Serialize, JsonSchema)]
pub struct WriteOutput {
    /// What was done.
    pub summary: String,
    /// The operation.
    pub operation: String,
    /// True when nothing was sent.
    pub dry_run: bool,
    /// Number of elements.
    pub item_count: usize,
    /// Whether the elements went as batch requests.
    pub batch: bool,
    /// Id of each element, in order (client-generated UUID v7 for creates).
    pub ids: Vec<String>,
    /// Dry run: the exact requests that would be sent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub would_send: Vec<PlannedRequest>,
    /// The requests sent and Opik's answers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sent: Vec<SentRequest>,
}

#[tool_router(router = consolidated_write_router, vis = "pub(crate)")]
impl McpServer {
    /// Describe a write operation.
    #[tool(
        name = "schema",
        description = "The JSON Schema, an example, the required scope, batch support and \
                       failure modes of one `write` operation. Call it before `write`.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    pub async fn schema(
        &self,
        Parameters(args): Parameters<SchemaArgs>,
    ) -> Result<Json<SchemaOutput>, ToolError> {
        let op = args.operation;
        Ok(Json(SchemaOutput {
            operation: op.name().into(),
            schema: op.schema().to_value(),
            example: op.example(),
            required_scope: op.scope().into(),
            supports_batch: op.batch_endpoint(),
            max_elements: BATCH_LIMIT,
            failure_modes: op.failure_modes().into_iter().map(String::from).collect(),
        }))
    }

    /// Every mutation.
    #[tool(
        name = "write",
        description = "Create or change Opik data: trace.create, trace.update, span.create, \
                       span.update, score.create, comment.create, prompt_version.save, \
                       test_suite.create, test_suite_item.upsert, experiment.create, \
                       experiment_item.create, thread.close, thread.open. data is one object \
                       or an array of up to 1000 (see schema(operation)); every element is \
                       validated before anything is sent; dry_run returns the exact requests; \
                       created ids are returned.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    pub async fn write(
        &self,
        Parameters(args): Parameters<WriteArgs>,
        ext: Extensions,
    ) -> Result<Json<WriteOutput>, ToolError> {
        let op = args.operation;
        self.engine()
            .authorize_operation(ext.get::<Principal>(), "write", op.name(), op.scope())
            .map_err(ToolError::failed)?;
        let key = args
            .idempotency_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty());
        if key.is_some_and(|k| k.chars().count() > MAX_KEY || !k.is_ascii()) {
            return Err(ToolError::invalid(format!(
                "idempotency_key: expected at most {MAX_KEY} ASCII characters"
            )));
        }
        let (creds, _) = self.credentials(&ext, None);
        let reader = OpikReader {
            server: self,
            creds: &creds,
        };
        let plan = plan(op, &args.data, &reader).await?;
        let item_count = plan.ids.len();
        let batch = op.batch_endpoint() && plan.requests.len() < item_count;
        if args.dry_run {
            return Ok(Json(WriteOutput {
                summary: format!(
                    "Dry run: {} {} element(s) would be sent as {} request(s); nothing was \
                     written",
                    op.name(),
                    item_count,
                    plan.requests.len()
                ),
                operation: op.name().into(),
                dry_run: true,
                item_count,
                batch,
                ids: plan.ids,
                would_send: plan.requests,
                sent: Vec::new(),
            }));
        }
        let sent = self.send_plan(op, &plan.requests, key, &creds).await?;
        Ok(Json(WriteOutput {
            summary: format!(
                "{}: wrote {} element(s) in {} request(s)",
                op.name(),
                item_count,
                sent.len()
            ),
            operation: op.name().into(),
            dry_run: false,
            item_count,
            batch,
            ids: plan.ids,
            would_send: Vec::new(),
            sent,
        }))
    }
}

/// Reads the entities a plan needs with the caller's credentials.
struct OpikReader<'a> {
    server: &'a McpServer,
    creds: &'a Credentials,
}

impl Reader for OpikReader<'_> {
    async fn get(&self, path: &str, strip: bool) -> Result<Option<Value>, ToolError> {
        let mut call = Call::get(path);
        if strip {
            call = call.query("strip_attachments", true);
        }
        match self.server.opik().get_json(self.creds, call).await {
            Ok(v) => Ok(Some(v)),
            Err(OpikError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

impl McpServer {
    /// Send the planned requests in order; a failure says which one and how many succeeded.
    async fn send_plan(
        &self,
        op: Operation,
        requests: &[PlannedRequest],
        key: Option<&str>,
        creds: &Credentials,
    ) -> Result<Vec<SentRequest>, ToolError> {
        let mut sent = Vec::with_capacity(requests.len());
        for (n, r) in requests.iter().enumerate() {
            let method = Method::from_bytes(r.method.as_bytes())
                .map_err(|e| ToolError::failed(e.to_string()))?;
            let mut call = Call::new(method, &r.path).body(&r.body);
            if let Some(k) = key {
                // One key per request: Opik dedupes per key, and a batch split over several
                // requests must not look like one repeated request.
                let k = if requests.len() == 1 {
                    k.to_string()
                } else {
                    format!("{k}-{n}")
                };
                call = call.idempotency_key(k);
            }
            match self.opik().send(creds, call).await {
                Ok(reply) => sent.push(SentRequest {
                    method: r.method.clone(),
                    path: r.path.clone(),
                    status: reply.status,
                }),
                Err(e) => {
                    let mut err = ToolError::from(e);
                    err.message = format!(
                        "{} request {} of {} ({} {}) failed after {} succeeded: {}",
                        op.name(),
                        n + 1,
                        requests.len(),
                        r.method,
                        r.path,
                        n,
                        err.message
                    );
                    return Err(err);
                }
            }
        }
        Ok(sent)
    }
}
