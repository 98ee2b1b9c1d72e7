//! MCP resources: `opik://workspace-info`, `opik://projects-list` and the URI templates of the
//! legacy TS server (upstream `resources/opik-resources.ts`), gated by toolset as there.
//!
//! Reads reuse the tools (same requests, bounding and notes) and answer their JSON. Failures are
//! JSON-RPC errors, since a resource result has no `isError`: an unknown or disabled URI and an
//! Opik 404 are -32002 (resource not found), bad URI parts are -32602, anything else -32603
//! with the tool's actionable message.

use crate::mcp::tools::params::Parameters;
use percent_encoding::percent_decode_str;
use rmcp::{
    ErrorData,
    handler::server::wrapper::Json,
    model::{Extensions, ReadResourceResult, Resource, ResourceContents, ResourceTemplate},
};
use serde::Serialize;
use serde_json::json;

use super::{
    McpServer,
    tools::common::{ErrorKind, ToolError},
};
use crate::config::{Settings, Toolset};

const JSON_MIME: &str = "application/json";

/// The entity URIs of the consolidated `read` tool, readable as resources too.
const ENTITY_TEMPLATES: [(&str, &str, &str); 7] = [
    ("opik://projects/{projectId}", "project", "A project."),
    (
        "opik://traces/{traceId}",
        "trace",
        "A trace with its first 200 spans (as Opik truncates them for lists).",
    ),
    ("opik://spans/{spanId}", "span", "A span, in full."),
    (
        "opik://projects/{projectId}/threads/{threadId}",
        "thread",
        "A thread with its first 200 messages.",
    ),
    (
        "opik://test-suites/{testSuiteId}",
        "test-suite",
        "A dataset (test suite).",
    ),
    (
        "opik://experiments/{experimentId}",
        "experiment",
        "An experiment.",
    ),
    (
        "opik://prompts/{promptId}",
        "prompt",
        "A prompt with its newest 100 versions.",
    ),
];

/// Largest `{size}` a template read asks for (before the server-wide page cap).
const MAX_TEMPLATE_SIZE: u32 = 100;

fn has(settings: &Settings, t: Toolset) -> bool {
    settings.opik.toolsets.contains(t)
}

fn traces_enabled(s: &Settings) -> bool {
    has(s, Toolset::Core) || has(s, Toolset::ExpertTraceActions)
}

/// The static resources.
pub fn list(settings: &Settings) -> Vec<Resource> {
    let mut out = vec![
        Resource::new("opik://workspace-info", "workspace-info")
            .with_description("The Opik workspace, API URL and toolsets this server uses.")
            .with_mime_type(JSON_MIME),
    ];
    if has(settings, Toolset::Core) {
        out.push(
            Resource::new("opik://projects-list", "projects-list")
                .with_description("The first 25 projects of the workspace.")
                .with_mime_type(JSON_MIME),
        );
    }
    out
}

/// The URI templates.
pub fn templates(settings: &Settings) -> Vec<ResourceTemplate> {
    let t = |uri: &str, name: &str, desc: &str| {
        ResourceTemplate::new(uri, name)
            .with_description(desc)
            .with_mime_type(JSON_MIME)
    };
    let mut out = Vec::new();
    if has(settings, Toolset::Core) {
        out.push(t(
            "opik://projects/{page}/{size}",
            "projects-page",
            "A page of projects.",
        ));
    }
    if has(settings, Toolset::ExpertPrompts) {
        out.push(t(
            "opik://prompts/{page}/{size}",
            "prompts-page",
            "A page of prompts.",
        ));
        out.push(t(
            "opik://prompt/{name}",
            "prompt-latest",
            "A prompt's latest version, by name.",
        ));
        out.push(t(
            "opik://prompt/{name}/{commit}",
            "prompt-commit",
            "A prompt version by name and commit.",
        ));
    }
    if has(settings, Toolset::ExpertDatasets) {
        out.push(t(
            "opik://datasets/{page}/{size}",
            "datasets-page",
            "A page of datasets.",
        ));
        out.push(t(
            "opik://dataset/{datasetId}",
            "dataset-by-id",
            "A dataset by id.",
        ));
        out.push(t(
            "opik://dataset/{datasetId}/items/{page}/{size}",
            "dataset-items-page",
            "A page of a dataset's items.",
        ));
    }
    if has(settings, Toolset::Consolidated) {
        // The entity forms `read` takes (one set for both; `read` also takes the singular
        // legacy forms above and pasted Opik UI links).
        for (uri, name, desc) in ENTITY_TEMPLATES {
            out.push(t(uri, name, desc));
        }
    }
    if traces_enabled(settings) {
        out.push(t(
            "opik://trace/{traceId}",
            "trace-by-id",
            "A trace by id, in full.",
        ));
        out.push(t(
            "opik://traces/{projectId}/{page}/{size}",
            "traces-by-project-page",
            "A page of a project's traces.",
        ));
    }
    out
}

/// Read one resource.
pub async fn read(
    server: &McpServer,
    uri: &str,
    ext: &Extensions,
) -> Result<ReadResourceResult, ErrorData> {
    let settings = server.engine().settings();
    let parts = segments(uri).ok_or_else(|| not_found(uri))?;
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let core = has(settings, Toolset::Core);
    let prompts = has(settings, Toolset::ExpertPrompts);
    let datasets = has(settings, Toolset::ExpertDatasets);
    let traces = traces_enabled(settings);
    let e = ext.clone();
    let text = match parts.as_slice() {
        ["workspace-info"] => Ok(to_text(&json!({
            "name": server.credentials(ext, None).0.workspace.unwrap_or_else(|| settings.opik.workspace.clone()),
            "apiUrl": settings.opik.api_url_display(),
            "selfHosted": settings.opik.self_hosted,
            "enabledToolsets": settings.opik.toolsets.names(),
        }))),
        ["projects-list"] if core => tool(server.list_projects(Parameters(args(json!({"size": 25}))?), e).await),
        ["projects", p, s] if core => {
            let (page, size) = page_size(p, s)?;
            tool(server.list_projects(Parameters(args(json!({"page": page, "size": size}))?), e).await)
        }
        ["prompts", p, s] if prompts => {
            let (page, size) = page_size(p, s)?;
            tool(server.get_prompts(Parameters(args(json!({"page": page, "size": size}))?), e).await)
        }
        ["prompt", name] if prompts => {
            tool(server.get_prompt_version(Parameters(args(json!({"name": name}))?), e).await)
        }
        ["prompt", name, commit] if prompts => {
            let a = args(json!({"name": name, "commit": commit}))?;
            tool(server.get_prompt_version(Parameters(a), e).await)
        }
        ["datasets", p, s] if datasets => {
            let (page, size) = page_size(p, s)?;
            tool(server.list_datasets(Parameters(args(json!({"page": page, "size": size}))?), e).await)
        }
        ["dataset", id] if datasets => {
            tool(server.get_dataset_by_id(Parameters(args(json!({"datasetId": id}))?), e).await)
        }
        ["dataset", id, "items", p, s] if datasets => {
            let (page, size) = page_size(p, s)?;
            let a = args(json!({"datasetId": id, "page": page, "size": size}))?;
            tool(server.list_dataset_items(Parameters(a), e).await)
        }
        ["trace", id] if traces => {
            tool(server.get_trace_by_id(Parameters(args(json!({"traceId": id}))?), e).await)
        }
        ["traces", project, p, s] if traces => {
            let (page, size) = page_size(p, s)?;
            let a = args(json!({"projectId": project, "page": page, "size": size}))?;
            tool(server.list_traces(Parameters(a), e).await)
        }
        _ if has(settings, Toolset::Consolidated) => {
            let rest = uri.strip_prefix("opik://").unwrap_or_default();
            match server.read_entity_uri(rest, ext).await {
                Some(r) => r,
                None => return Err(not_found(uri)),
            }
        }
        _ => return Err(not_found(uri)),
    }
    .map_err(|err| to_error(uri, err))?;
    Ok(ReadResourceResult::new(vec![
        ResourceContents::text(text, uri).with_mime_type(JSON_MIME),
    ]))
}

/// The path segments of an `opik://` URI, percent-decoded.
fn segments(uri: &str) -> Option<Vec<String>> {
    let rest = uri.strip_prefix("opik://")?;
    Some(
        rest.split('/')
            .map(|p| percent_decode_str(p).decode_utf8_lossy().into_owned())
            .collect(),
    )
}

/// The tool a resource (or template) URI mirrors, as [`read`] routes it: a read of the URI
/// is authorized as a call of that tool. `None` when no enabled resource has that shape.
pub fn mirrored_tool(settings: &Settings, uri: &str) -> Option<&'static str> {
    let parts = segments(uri)?;
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let core = has(settings, Toolset::Core);
    let prompts = has(settings, Toolset::ExpertPrompts);
    let datasets = has(settings, Toolset::ExpertDatasets);
    let traces = traces_enabled(settings);
    Some(match parts.as_slice() {
        ["workspace-info"] => "get-server-info",
        ["projects-list"] | ["projects", _, _] if core => "list-projects",
        ["prompts", _, _] if prompts => "get-prompts",
        ["prompt", _] | ["prompt", _, _] if prompts => "get-prompt-version",
        ["datasets", _, _] if datasets => "list-datasets",
        ["dataset", _] if datasets => "get-dataset-by-id",
        ["dataset", _, "items", _, _] if datasets => "list-dataset-items",
        ["trace", _] if traces => "get-trace-by-id",
        ["traces", _, _, _] if traces => "list-traces",
        _ if has(settings, Toolset::Consolidated) => "read",
        _ => return None,
    })
}

/// Whether `uri` names a resource this deployment lists: a static one, or one that fits a
/// listed template (each `{variable}` standing for one non-empty path segment), whether or
/// not the entity exists in Opik.
pub fn is_listed(settings: &Settings, uri: &str) -> bool {
    let fits = |template: &str| {
        let (t, u): (Vec<&str>, Vec<&str>) =
            (template.split('/').collect(), uri.split('/').collect());
        t.len() == u.len()
            && t.iter().zip(&u).all(|(t, u)| match t.strip_prefix('{') {
                Some(var) if var.ends_with('}') => !u.is_empty(),
                _ => t == u,
            })
    };
    list(settings).iter().any(|r| r.uri == uri)
        || templates(settings).iter().any(|t| fits(&t.uri_template))
}

/// The resource-not-found error (-32002) for `uri`, naming it.
pub fn not_found(uri: &str) -> ErrorData {
    ErrorData::resource_not_found(
        format!(
            "Unknown resource {uri}; resources/list and resources/templates/list show what is available"
        ),
        Some(json!({ "uri": uri })),
    )
}

fn to_error(uri: &str, e: ToolError) -> ErrorData {
    let data = Some(json!({ "uri": uri }));
    match e.kind {
        ErrorKind::InvalidArguments => ErrorData::invalid_params(e.message, data),
        ErrorKind::NotFound => ErrorData::resource_not_found(e.message, data),
        ErrorKind::Failed => ErrorData::internal_error(e.message, data),
    }
}

/// A template's `{page}/{size}`: positive integers, size capped.
fn page_size(page: &str, size: &str) -> Result<(u32, u32), ErrorData> {
    let parse = |name: &str, v: &str| {
        v.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            ErrorData::invalid_params(
                format!("{name} must be a positive integer, got {v:?}"),
                None,
            )
        })
    };
    Ok((
        parse("page", page)?,
        parse("size", size)?.min(MAX_TEMPLATE_SIZE),
    ))
}

/// Tool arguments from JSON (the shapes are fixed above, so failure is a bug in this file).
fn args<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, ErrorData> {
    serde_json::from_value(v).map_err(|e| ErrorData::internal_error(e.to_string(), None))
}

fn tool<T: Serialize>(r: Result<Json<T>, ToolError>) -> Result<String, ToolError> {
    r.map(|Json(v)| to_text(&v))
}

fn to_text<T: Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_follow_the_toolsets() {
        let mut s = Settings::default();
        assert_eq!(list(&s).len(), 2);
        assert_eq!(templates(&s).len(), 3);
        s.opik.toolsets = "all".parse().expect("valid");
        assert_eq!(templates(&s).len(), 9 + ENTITY_TEMPLATES.len());
        s.opik.toolsets = "expert-prompts".parse().expect("valid");
        assert_eq!(list(&s).len(), 1);
        assert_eq!(templates(&s).len(), 3);
    }

    #[test]
    fn listed_uris_are_the_static_ones_and_those_that_fit_an_enabled_template() {
        let s = Settings::default();
        assert!(is_listed(&s, "opik://workspace-info"));
        assert!(is_listed(&s, "opik://projects/2/10"));
        assert!(is_listed(&s, "opik://trace/abc"));
        assert!(!is_listed(&s, "opik://trace/"), "a variable is not empty");
        assert!(!is_listed(&s, "opik://trace/a/b"));
        assert!(
            !is_listed(&s, "opik://prompt/x"),
            "expert-prompts is off by default"
        );
        assert!(!is_listed(&s, "file:///etc/passwd"));
    }

    #[test]
    fn each_resource_and_template_mirrors_the_tool_its_read_calls() {
        let mut s = Settings::default();
        let tool = |s: &Settings, uri: &str| mirrored_tool(s, uri);
        assert_eq!(tool(&s, "opik://projects-list"), Some("list-projects"));
        assert_eq!(
            tool(&s, "opik://projects/{page}/{size}"),
            Some("list-projects")
        );
        assert_eq!(tool(&s, "opik://workspace-info"), Some("get-server-info"));
        assert_eq!(tool(&s, "opik://traces/p/1/2"), Some("list-traces"));
        assert_eq!(tool(&s, "opik://prompt/x"), None, "expert-prompts is off");
        assert_eq!(tool(&s, "file:///etc/passwd"), None);
        s.opik.toolsets = "all".parse().expect("valid");
        assert_eq!(tool(&s, "opik://prompt/x/abc"), Some("get-prompt-version"));
        assert_eq!(
            tool(&s, "opik://dataset/d/items/1/5"),
            Some("list-dataset-items")
        );
        assert_eq!(tool(&s, "opik://spans/abc"), Some("read"));
        let every = list(&s).into_iter().map(|r| r.uri.clone());
        let every = every.chain(templates(&s).into_iter().map(|t| t.uri_template.clone()));
        for uri in every {
            assert!(tool(&s, &uri).is_some(), "{uri} mirrors a tool");
        }
    }

    #[test]
    fn page_and_size_must_be_positive_integers() {
        assert_eq!(page_size("2", "500").expect("ok"), (2, MAX_TEMPLATE_SIZE));
        assert!(page_size("0", "10").is_err());
        assert!(page_size("x", "10").is_err());
    }
}
