//! `run_experiment(experiment_config)`: POST `/v1/private/experiments/execute` (Opik creates one
//! experiment per prompt variant and runs the dataset asynchronously), then return at once with
//! the experiment ids and a link to the results — long-running work never holds the call open
//! (clients time tool calls out at about 60 s, notes §D).

use crate::mcp::tools::params::Parameters;
use reqwest::Method;
use rmcp::{handler::server::wrapper::Json, model::Extensions, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::entity::ReadType;
use crate::{
    auth::Principal,
    mcp::{McpServer, tools::common::ToolError},
    opik::Call,
};

/// The scope `run_experiment` needs (besides the general write scope).
pub const SCOPE: &str = "opik:experiment_create";
/// Most prompt variants per run.
const MAX_PROMPTS: usize = 10;

/// One chat message of a prompt variant.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatMessage {
    /// system, user or assistant.
    pub role: String,
    /// The text (mustache {{variables}} are filled from each dataset item), or content parts.
    pub content: Value,
}

/// One prompt variant: a model and its messages.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PromptVariant {
    /// Model name, e.g. gpt-4o-mini.
    pub model: String,
    /// The messages (at least one).
    pub messages: Vec<ChatMessage>,
    /// Model parameters, e.g. {"temperature": 0}.
    #[serde(default)]
    pub configs: Option<Map<String, Value>>,
    /// Link the results to this prompt version (UUID).
    #[serde(default)]
    pub prompt_version_id: Option<String>,
}

/// What to run.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExperimentConfig {
    /// Dataset (test suite) name; the id is looked up when only the name is given.
    #[serde(default)]
    pub dataset_name: Option<String>,
    /// Dataset id (UUID); the name is looked up when only the id is given.
    #[serde(default)]
    pub dataset_id: Option<String>,
    /// One to ten prompt variants; one experiment is created per variant.
    pub prompts: Vec<PromptVariant>,
    /// Run against this dataset version (UUID).
    #[serde(default)]
    pub dataset_version_id: Option<String>,
    /// Or against the version with this hash.
    #[serde(default)]
    pub version_hash: Option<String>,
    /// Project to log the traces into.
    #[serde(default)]
    pub project_name: Option<String>,
}

/// Arguments of `run_experiment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunExperimentArgs {
    /// The dataset and the prompt variants to run over it.
    pub experiment_config: ExperimentConfig,
}

/// What `run_experiment` returns.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RunExperimentOutput {
    /// What was started.
    pub summary: String,
    /// One experiment per prompt variant, in the order Opik returned them.
    pub experiment_ids: Vec<String>,
    /// The prompt variant (0-based) of each experiment.
    pub prompt_indexes: Vec<i64>,
    /// Dataset items each experiment will process.
    pub total_items: i64,
    /// Opik UI page comparing the experiments (results appear as items finish).
    pub results_url: String,
}

fn uuid(field: &str, v: &str) -> Result<String, ToolError> {
    uuid::Uuid::parse_str(v.trim())
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| {
            ToolError::invalid(format!(
                "experiment_config.{field}: expected a UUID, got {v:?}"
            ))
        })
}

/// The prompts as Opik's `PromptVariant`s, validated.
fn variants(prompts: &[PromptVariant]) -> Result<Vec<Value>, ToolError> {
    if prompts.is_empty() || prompts.len() > MAX_PROMPTS {
        return Err(ToolError::invalid(format!(
            "experiment_config.prompts: expected 1 to {MAX_PROMPTS} variants, got {}",
            prompts.len()
        )));
    }
    prompts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let at = format!("experiment_config.prompts[{i}]");
            if p.model.trim().is_empty() {
                return Err(ToolError::invalid(format!(
                    "{at}.model: expected a model name"
                )));
            }
            if p.messages.is_empty() {
                return Err(ToolError::invalid(format!(
                    "{at}.messages: expected at least one message, e.g. {{\"role\": \"user\", \
                     \"content\": \"{{{{input}}}}\"}}"
                )));
            }
            if let Some(j) = p
                .messages
                .iter()
                .position(|m| m.role.trim().is_empty() || m.content.is_null())
            {
                return Err(ToolError::invalid(format!(
                    "{at}.messages[{j}]: expected a role and a content"
                )));
            }
            let mut v = json!({"model": p.model, "messages": p.messages});
            if let Some(c) = &p.configs {
                v["configs"] = Value::Object(c.clone());
            }
            if let Some(id) = &p.prompt_version_id {
                v["prompt_versions"] =
                    json!([{"id": uuid(&format!("prompts[{i}].prompt_version_id"), id)?}]);
            }
            Ok(v)
        })
        .collect()
}

#[tool_router(router = consolidated_experiment_router, vis = "pub(crate)")]
impl McpServer {
    /// Start an experiment run.
    #[tool(
        name = "run_experiment",
        description = "Run prompt variants over a dataset (test suite) in Opik: one experiment \
                       per variant, processed asynchronously by Opik. Returns at once with the \
                       experiment ids and a results link; read(entity_type=\"experiment\", id) \
                       later shows progress and scores. experiment_config: dataset_name and/or \
                       dataset_id, prompts [{model, messages [{role, content}], configs?, \
                       prompt_version_id?}] (1 to 10), dataset_version_id?, version_hash?, \
                       project_name?.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    pub async fn run_experiment(
        &self,
        Parameters(args): Parameters<RunExperimentArgs>,
        ext: Extensions,
    ) -> Result<Json<RunExperimentOutput>, ToolError> {
        let principal = ext.get::<Principal>();
        self.engine()
            .authorize_operation(principal, "run_experiment", "run_experiment", SCOPE)
            .map_err(ToolError::failed)?;
        let cfg = args.experiment_config;
        let prompts = variants(&cfg.prompts)?;
        let (creds, _) = self.credentials(&ext, None);
        let (dataset_id, dataset_name) = self.dataset_of(&creds, &cfg).await?;
        let body = execution_body(&cfg, prompts, &dataset_id, &dataset_name)?;
        let call = Call::new(Method::POST, "/v1/private/experiments/execute").body(&body);
        let reply = self.opik().send(&creds, call).await?.json()?;
        let experiments = reply["experiments"].as_array().cloned().unwrap_or_default();
        let experiment_ids: Vec<String> = experiments
            .iter()
            .filter_map(|e| e["experiment_id"].as_str().map(str::to_owned))
            .collect();
        let prompt_indexes = experiments
            .iter()
            .filter_map(|e| e["prompt_index"].as_i64())
            .collect();
        let total_items = reply["total_items"].as_i64().unwrap_or(0);
        let workspace = creds
            .workspace
            .clone()
            .unwrap_or_else(|| self.engine().settings().opik.workspace.clone());
        let results_url = results_url(self.opik().base_url(), &workspace, &experiment_ids);
        Ok(Json(RunExperimentOutput {
            summary: format!(
                "Started {} experiment(s) over {total_items} item(s) of dataset {dataset_name:?}; \
                 Opik processes them in the background",
                experiment_ids.len()
            ),
            experiment_ids,
            prompt_indexes,
            total_items,
            results_url,
        }))
    }
}

impl McpServer {
    /// The dataset's id and name: both given, or the missing one looked up.
    async fn dataset_of(
        &self,
        creds: &crate::opik::Credentials,
        cfg: &ExperimentConfig,
    ) -> Result<(String, String), ToolError> {
        let name = cfg
            .dataset_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        match (cfg.dataset_id.as_deref(), name) {
            (Some(id), Some(name)) => Ok((uuid("dataset_id", id)?, name.to_string())),
            (Some(id), None) => {
                let id = uuid("dataset_id", id)?;
                let path = format!("/v1/private/datasets/{id}");
                let d = self.opik().get_json(creds, Call::get(&path)).await?;
                let name = d["name"].as_str().unwrap_or_default().to_string();
                Ok((id, name))
            }
            (None, Some(name)) => {
                let id = self.resolve_name(creds, ReadType::TestSuite, name).await?;
                Ok((id, name.to_string()))
            }
            (None, None) => Err(ToolError::invalid(
                "experiment_config: expected dataset_name or dataset_id, e.g. \
                 \"dataset_name\": \"qa-regression\"",
            )),
        }
    }
}

/// Opik's `ExperimentExecutionRequest`.
fn execution_body(
    cfg: &ExperimentConfig,
    prompts: Vec<Value>,
    dataset_id: &str,
    dataset_name: &str,
) -> Result<Value, ToolError> {
    let mut body =
        json!({"dataset_name": dataset_name, "dataset_id": dataset_id, "prompts": prompts});
    if let Some(v) = &cfg.dataset_version_id {
        body["dataset_version_id"] = Value::String(uuid("dataset_version_id", v)?);
    }
    for (k, v) in [
        ("version_hash", &cfg.version_hash),
        ("project_name", &cfg.project_name),
    ] {
        if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            body[k] = Value::String(v.into());
        }
    }
    Ok(body)
}

/// Characters left as they are in a URL component (as JavaScript's `encodeURIComponent`).
const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The Opik UI's comparison page: the UI lives at the API base without its `/api` suffix.
pub fn results_url(api_base: &str, workspace: &str, ids: &[String]) -> String {
    let base = api_base.trim_end_matches('/');
    let ui = base.strip_suffix("/api").unwrap_or(base);
    let list = serde_json::to_string(ids).unwrap_or_default();
    let encoded = percent_encoding::utf8_percent_encode(&list, COMPONENT);
    let ws = percent_encoding::utf8_percent_encode(workspace, COMPONENT);
    format!("{ui}/{ws}/redirect/experiments?experiments={encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_results_link_is_the_ui_redirect_with_the_ids() {
        let url = results_url(
            "https://www.comet.com/opik/api/",
            "my ws",
            &["a".into(), "b".into()],
        );
        assert_eq!(
            url,
            "https://www.comet.com/opik/my%20ws/redirect/experiments?experiments=%5B%22a%22%2C%22b%22%5D"
        );
    }

    #[test]
    fn variants_are_checked_before_anything_is_sent() {
        assert!(variants(&[]).expect_err("none").message.contains("1 to 10"));
        let p = PromptVariant {
            model: "m".into(),
            messages: vec![],
            configs: None,
            prompt_version_id: None,
        };
        assert!(
            variants(&[p])
                .expect_err("no messages")
                .message
                .contains("prompts[0].messages")
        );
    }
}
