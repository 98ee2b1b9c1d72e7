//! Plumbing every Opik-calling tool shares: tool errors, credentials, paging, bounding of large
//! results, id/date checks, project resolution and the output envelopes.

use rmcp::{
    handler::server::wrapper::Json,
    model::{ContentBlock, Extensions, IntoContents},
};
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use super::output::{ActionOutput, ItemOutput, ListOutput};
use crate::{
    mcp::McpServer,
    opik::{Call, Credentials, OpikClient, OpikError, types::Page},
};

/// A failed tool call: becomes a result with `isError: true` and this text, never a protocol
/// error, so the model can read it and correct itself.
#[derive(Debug)]
pub struct ToolError {
    /// What kind of failure (resources map it to a JSON-RPC code).
    pub kind: ErrorKind,
    /// What failed and what to do about it.
    pub message: String,
}

/// Kinds of [`ToolError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The arguments are wrong.
    InvalidArguments,
    /// The entity does not exist.
    NotFound,
    /// Opik failed or refused.
    Failed,
}

impl ToolError {
    /// The arguments are wrong; `message` says how to fix them.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::InvalidArguments,
            message: format!("Invalid arguments: {}", message.into()),
        }
    }

    /// Any other failure.
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Failed,
            message: message.into(),
        }
    }
}

impl From<OpikError> for ToolError {
    fn from(e: OpikError) -> Self {
        let kind = match e {
            OpikError::NotFound { .. } => ErrorKind::NotFound,
            _ => ErrorKind::Failed,
        };
        Self {
            kind,
            message: e.tool_text(),
        }
    }
}

impl IntoContents for ToolError {
    fn into_contents(self) -> Vec<ContentBlock> {
        vec![ContentBlock::text(self.message)]
    }
}

/// What every tool returns: typed structured content, or a tool error.
pub type ToolResult<T> = Result<Json<T>, ToolError>;

/// Default page for list tools.
pub fn default_page() -> u32 {
    1
}

/// Default page size for list tools.
pub fn default_size() -> u32 {
    10
}

/// A UUID argument, or an error naming the argument.
pub fn uuid_arg(name: &str, value: &str) -> Result<String, ToolError> {
    let trimmed = value.trim();
    uuid::Uuid::parse_str(trimmed)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| ToolError::invalid(format!("{name} must be a UUID, got {value:?}")))
}

/// A non-blank string argument.
pub fn text_arg(name: &str, value: &str) -> Result<String, ToolError> {
    let t = value.trim();
    if t.is_empty() {
        return Err(ToolError::invalid(format!("{name} must not be empty")));
    }
    Ok(t.to_string())
}

/// A date argument (`YYYY-MM-DD`, or a full RFC 3339 time) as an ISO-8601 instant: the start of
/// the day, or its last millisecond when `end_of_day`.
pub fn date_arg(name: &str, value: &str, end_of_day: bool) -> Result<String, ToolError> {
    let v = value.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(v) {
        return Ok(t.to_utc().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
    }
    let day = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
        ToolError::invalid(format!("{name} must be a date YYYY-MM-DD, got {value:?}"))
    })?;
    let time = if end_of_day {
        "23:59:59.999"
    } else {
        "00:00:00.000"
    };
    Ok(format!("{}T{time}Z", day.format("%Y-%m-%d")))
}

/// A project as tools name it.
#[derive(Debug, Clone)]
pub enum ProjectRef {
    /// By id.
    Id(String),
    /// By name.
    Name(String),
}

impl ProjectRef {
    /// The project named by an id or a name argument, if either is given (the id wins).
    pub fn from_args(id: Option<&str>, name: Option<&str>) -> Result<Option<Self>, ToolError> {
        if let Some(id) = id.map(str::trim).filter(|s| !s.is_empty()) {
            return Ok(Some(ProjectRef::Id(uuid_arg("projectId", id)?)));
        }
        Ok(name
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|n| ProjectRef::Name(n.to_string())))
    }

    /// The query pair Opik expects (`project_id` or `project_name`).
    pub fn apply<'a>(&self, call: Call<'a>) -> Call<'a> {
        match self {
            ProjectRef::Id(id) => call.query("project_id", id),
            ProjectRef::Name(n) => call.query("project_name", n),
        }
    }

    /// The body fields Opik expects.
    pub fn insert_into(&self, body: &mut serde_json::Map<String, Value>) {
        match self {
            ProjectRef::Id(id) => body.insert("project_id".into(), Value::String(id.clone())),
            ProjectRef::Name(n) => body.insert("project_name".into(), Value::String(n.clone())),
        };
    }
}

impl McpServer {
    /// The Opik client.
    pub(crate) fn opik(&self) -> &OpikClient {
        self.engine().opik()
    }

    /// The credentials for this call. The caller's own (attached to the request by the HTTP
    /// layer) win; otherwise the server's, with `workspace_arg` overriding the workspace.
    /// Returns a note when `workspace_arg` was ignored.
    pub(crate) fn credentials(
        &self,
        ext: &Extensions,
        workspace_arg: Option<&str>,
    ) -> (Credentials, Option<String>) {
        let arg = workspace_arg.map(str::trim).filter(|w| !w.is_empty());
        match ext.get::<Credentials>() {
            Some(c) if c.workspace.is_some() => {
                let note = arg.filter(|w| Some(*w) != c.workspace.as_deref()).map(|w| {
                    format!("workspaceName {w:?} ignored: your credentials set the workspace")
                });
                (c.clone(), note)
            }
            Some(c) => {
                let mut c = c.clone();
                c.workspace = arg.map(str::to_owned);
                (c, None)
            }
            None => (
                Credentials {
                    api_key: None,
                    workspace: arg.map(str::to_owned),
                },
                None,
            ),
        }
    }

    /// Clamp a page request to `opik.max_page_size`; returns (page, size, note).
    pub(crate) fn paging(&self, page: u32, size: u32) -> (u32, u32, Option<String>) {
        let cap = self.engine().settings().opik.max_page_size;
        let page = page.max(1);
        match size {
            0 => (page, 1, Some("size 0 raised to 1".into())),
            s if s > cap => (
                page,
                cap,
                Some(format!("size {s} reduced to the limit of {cap}")),
            ),
            s => (page, s, None),
        }
    }

    /// Cut long strings in `value` (notes say how many), then read it as `T`.
    pub(crate) fn bounded<T: DeserializeOwned>(
        &self,
        mut value: Value,
        notes: &mut Vec<String>,
    ) -> Result<T, ToolError> {
        let max = self.engine().settings().opik.max_string_chars;
        let cut = truncate_strings(&mut value, max);
        if cut > 0 {
            notes.push(format!(
                "{cut} long text value(s) were cut to {max} characters (marked \"…[truncated N \
                 chars]\"); open the entity in the Opik UI for the full text"
            ));
        }
        serde_json::from_value(value)
            .map_err(|e| ToolError::from(OpikError::Malformed(e.to_string())))
    }

    /// GET a page of `size` and shape it as a [`ListOutput`]; `what` names the entities
    /// ("traces"). Opik reports the page's item count as `size`, so the requested size is used
    /// to count pages.
    pub(crate) async fn list_page<T: DeserializeOwned>(
        &self,
        creds: &Credentials,
        call: Call<'_>,
        size: u32,
        what: &str,
        mut notes: Vec<String>,
    ) -> ToolResult<ListOutput<T>> {
        let raw = self.opik().get_json(creds, call).await?;
        let page: Page<T> = self.bounded(raw, &mut notes)?;
        // i64 throughout: JSON Schema `int64` is a format clients know (`uint64` is not).
        let (p, size) = (page.page.unwrap_or(1), i64::from(size.max(1)));
        let total = page
            .total
            .unwrap_or_else(|| i64::try_from(page.content.len()).unwrap_or(i64::MAX));
        let pages = (total.max(0).saturating_add(size - 1) / size).max(1);
        Ok(Json(ListOutput {
            summary: format!("Found {total} {what} (showing page {p} of {pages})"),
            page: p,
            size,
            total,
            items: page.content,
            notes,
        }))
    }

    /// The shape the plain classic list tools share: the caller's credentials, page and size
    /// clamped (with a note when changed), `GET path?page&size` plus the tool's own query
    /// parameters from `params`, and one page rendered.
    pub(crate) async fn paged_list<'p, T: DeserializeOwned>(
        &self,
        ext: &Extensions,
        workspace: Option<&str>,
        (page, size): (u32, u32),
        (path, what): (&'p str, &str),
        params: impl FnOnce(Call<'p>) -> Call<'p>,
    ) -> ToolResult<ListOutput<T>> {
        let (creds, ws_note) = self.credentials(ext, workspace);
        let (page, size, size_note) = self.paging(page, size);
        let call = params(Call::get(path).query("page", page).query("size", size));
        let notes = ws_note.into_iter().chain(size_note).collect();
        self.list_page(&creds, call, size, what, notes).await
    }

    /// A page's `content` (as JSON, unshaped) and `total`, for tools that render it themselves.
    pub(crate) async fn raw_page(
        &self,
        creds: &Credentials,
        call: Call<'_>,
    ) -> Result<(Vec<Value>, i64), ToolError> {
        let mut raw = self.opik().get_json(creds, call).await?;
        let content = match raw.get_mut("content").map(Value::take) {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        };
        let total = raw["total"]
            .as_i64()
            .unwrap_or_else(|| i64::try_from(content.len()).unwrap_or(i64::MAX));
        Ok((content, total))
    }

    /// The project a trace/thread/stats call uses: the one named, else the first project the
    /// workspace lists (upstream's behaviour; the note says which one was picked).
    pub(crate) async fn resolve_project(
        &self,
        creds: &Credentials,
        id: Option<&str>,
        name: Option<&str>,
        notes: &mut Vec<String>,
    ) -> Result<ProjectRef, ToolError> {
        if let Some(project) = ProjectRef::from_args(id, name)? {
            return Ok(project);
        }
        let call = Call::get("/v1/private/projects")
            .query("page", 1)
            .query("size", 1);
        let page: Page<crate::opik::types::Project> =
            serde_json::from_value(self.opik().get_json(creds, call).await?)
                .map_err(|e| ToolError::from(OpikError::Malformed(e.to_string())))?;
        let first = page
            .content
            .into_iter()
            .next()
            .and_then(|p| p.id.zip(p.name));
        match first {
            Some((id, name)) => {
                notes.push(format!(
                    "no projectName or projectId given: used project {name:?} ({id}), the first \
                     one listed"
                ));
                Ok(ProjectRef::Id(id))
            }
            None => Err(ToolError::failed(
                "This workspace has no projects, so there are no traces yet. Pass projectName \
                 or projectId, or log traces to a project first.",
            )),
        }
    }
}

/// Marker appended to a cut string.
fn marker(cut_chars: usize) -> String {
    format!("…[truncated {cut_chars} chars]")
}

/// Cut every string longer than `max` characters; returns how many were cut.
pub fn truncate_strings(value: &mut Value, max: usize) -> usize {
    match value {
        Value::String(s) => {
            let total = s.chars().count();
            if total <= max {
                return 0;
            }
            let end = s.char_indices().nth(max).map_or(s.len(), |(i, _)| i);
            s.truncate(end);
            s.push_str(&marker(total - max));
            1
        }
        Value::Array(items) => items.iter_mut().map(|v| truncate_strings(v, max)).sum(),
        Value::Object(map) => map.values_mut().map(|v| truncate_strings(v, max)).sum(),
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
    }
}

#[cfg(test)]
#[path = "common_tests.rs"]
mod tests;
