//! The entity types of `read` and `list`, and how an `id` argument names an entity: a UUID, a
//! name, an `opik://` URI or a pasted Opik UI link (notes §C.1).

use schemars::JsonSchema;
use serde::Deserialize;

use crate::mcp::tools::common::{ProjectRef, ToolError};

/// What `read` can fetch.
// Variants use `//`: documented variants make schemars emit a described `oneOf` (see
// search_filters.rs), which every agent reads with the tool list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReadType {
    // A project.
    Project,
    // A trace, with its spans.
    Trace,
    // One span.
    Span,
    // A dataset (test suite).
    TestSuite,
    // An experiment.
    Experiment,
    // A prompt, with its versions.
    Prompt,
    // A conversation thread, with its messages (needs the project).
    Thread,
}

impl ReadType {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            ReadType::Project => "project",
            ReadType::Trace => "trace",
            ReadType::Span => "span",
            ReadType::TestSuite => "test_suite",
            ReadType::Experiment => "experiment",
            ReadType::Prompt => "prompt",
            ReadType::Thread => "thread",
        }
    }

    /// The collection segment of `opik://{collection}/{id}` URIs.
    fn collection(self) -> &'static str {
        match self {
            ReadType::Project => "projects",
            ReadType::Trace => "traces",
            ReadType::Span => "spans",
            ReadType::TestSuite => "test-suites",
            ReadType::Experiment => "experiments",
            ReadType::Prompt => "prompts",
            ReadType::Thread => "threads",
        }
    }

    /// Types whose entities have unique-ish names a second call can resolve.
    pub fn has_names(self) -> bool {
        matches!(
            self,
            ReadType::Project | ReadType::TestSuite | ReadType::Experiment | ReadType::Prompt
        )
    }
}

/// How the caller named the entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// A UUID (or, for threads, the thread id).
    Id(String),
    /// A name to resolve.
    Name(String),
}

/// A parsed `id` argument: the key and, for threads, the project from a URI or link.
#[derive(Debug, Clone)]
pub struct Target {
    /// The entity's key.
    pub key: Key,
    /// The project the URI or link named.
    pub project: Option<ProjectRef>,
    /// A prompt version's commit (`opik://prompt/{name}/{commit}`).
    pub commit: Option<String>,
}

/// Parse `raw` as a reference to an entity of `kind`.
pub fn parse(kind: ReadType, raw: &str) -> Result<Target, ToolError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(ToolError::invalid("id must not be empty"));
    }
    if let Some(rest) = raw.strip_prefix("opik://") {
        return uri(kind, rest);
    }
    if raw.starts_with("https://") || raw.starts_with("http://") {
        return link(kind, raw);
    }
    Ok(Target {
        key: key_of(kind, raw)?,
        project: None,
        commit: None,
    })
}

/// A bare id: a UUID; a thread id; or a name for the kinds that have names.
fn key_of(kind: ReadType, raw: &str) -> Result<Key, ToolError> {
    match uuid::Uuid::parse_str(raw.trim()) {
        Ok(u) => Ok(Key::Id(u.hyphenated().to_string())),
        Err(_) if kind == ReadType::Thread => Ok(Key::Id(raw.to_string())),
        Err(_) if kind.has_names() => Ok(Key::Name(raw.to_string())),
        Err(_) => Err(ToolError::invalid(format!(
            "{0} ids are UUIDs (got {raw:?}); find one with list(entity_type=\"{0}\", …) or \
             search(entity_type=\"{0}\", …), or pass an opik:// URI or an Opik UI link",
            kind.name()
        ))),
    }
}

fn uuid_of(kind: ReadType, what: &str, value: &str) -> Result<String, ToolError> {
    uuid::Uuid::parse_str(value.trim())
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| {
            ToolError::invalid(format!(
                "the {what} in this {} reference must be a UUID, got {value:?}",
                kind.name()
            ))
        })
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The kind a URI's collection segment names (singular or plural, as resources and `read`
/// spell them).
fn kind_of_collection(segment: &str) -> Option<ReadType> {
    Some(match segment {
        "project" | "projects" => ReadType::Project,
        "trace" | "traces" => ReadType::Trace,
        "span" | "spans" => ReadType::Span,
        "dataset" | "datasets" | "test-suite" | "test-suites" | "test_suite" => ReadType::TestSuite,
        "experiment" | "experiments" => ReadType::Experiment,
        "prompt" | "prompts" => ReadType::Prompt,
        "thread" | "threads" => ReadType::Thread,
        _ => return None,
    })
}

/// The one set of `opik://` forms that name a single entity, shared by `read` and
/// `resources/read`: `opik://{collection}/{id}` (collection singular or plural; a name where
/// the kind has names), `opik://projects/{project_id}/threads/{thread_id}` and
/// `opik://prompt/{name}/{commit}`. `None` when `rest` (the part after `opik://`) is not one of
/// them (a page URI, or unknown).
pub fn entity_uri(rest: &str) -> Option<Result<(ReadType, Target), ToolError>> {
    let parts: Vec<String> = rest.trim_end_matches('/').split('/').map(decode).collect();
    let at = |kind: ReadType, id: &str, project: Option<&String>, commit: Option<&String>| {
        let project = project
            .map(|p| uuid_of(kind, "project id", p).map(ProjectRef::Id))
            .transpose()?;
        let key = key_of(kind, id)?;
        Ok((
            kind,
            Target {
                key,
                project,
                commit: commit.cloned(),
            },
        ))
    };
    match parts.as_slice() {
        [p, pid, t, tid] if p == "projects" && t == "threads" => {
            Some(at(ReadType::Thread, tid, Some(pid), None))
        }
        [p, name, commit] if p == "prompt" => Some(at(ReadType::Prompt, name, None, Some(commit))),
        [c, id] if !id.is_empty() => kind_of_collection(c).map(|k| at(k, id, None, None)),
        _ => None,
    }
}

/// What `read` says about an `opik://` URI that names a page, not one entity.
fn page_uri_hint(rest: &str) -> Option<&'static str> {
    let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    Some(match parts.as_slice() {
        ["projects-list"] | ["projects", _, _] => "list(entity_type=\"project\")",
        ["prompts", _, _] => "list(entity_type=\"prompt\")",
        ["datasets", _, _] => "list(entity_type=\"test_suite\")",
        ["traces", _, _, _] => "list(entity_type=\"trace\", project_id=…)",
        ["dataset", _, "items", _, _] => "list(entity_type=\"test_suite_item\", test_suite_id=…)",
        ["workspace-info"] => "get-server-info, or resources/read of this URI",
        _ => return None,
    })
}

/// An `opik://` URI given to `read` as the id of an entity of `kind`.
fn uri(kind: ReadType, rest: &str) -> Result<Target, ToolError> {
    let Some(parsed) = entity_uri(rest) else {
        return Err(ToolError::invalid(match page_uri_hint(rest) {
            Some(call) => format!("opik://{rest} is a page, not one entity: use {call}"),
            None => format!(
                "unsupported URI opik://{rest}: use opik://{}/{{id}} (threads: \
                 opik://projects/{{project_id}}/threads/{{thread_id}})",
                kind.collection()
            ),
        }));
    };
    let (named, target) = parsed?;
    if named != kind {
        return Err(ToolError::invalid(format!(
            "opik://{rest} names a {}, but entity_type is {}",
            named.name(),
            kind.name()
        )));
    }
    Ok(target)
}

/// A pasted Opik UI link, e.g. `…/{ws}/projects/{pid}/traces?trace={id}&span={id}`,
/// `…?type=threads&thread={id}`, `…/datasets/{id}/items`, `…/prompts/{id}`,
/// `…/experiments/{dataset}/compare?experiments=["{id}"]`.
fn link(kind: ReadType, raw: &str) -> Result<Target, ToolError> {
    let url = url::Url::parse(raw)
        .map_err(|e| ToolError::invalid(format!("could not parse the link {raw:?}: {e}")))?;
    let segments: Vec<String> = url
        .path_segments()
        .map(|s| s.map(decode).collect())
        .unwrap_or_default();
    let after = |name: &str| {
        segments
            .iter()
            .position(|s| s == name)
            .and_then(|i| segments.get(i + 1))
            .filter(|s| !s.is_empty())
            .cloned()
    };
    let query = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let missing = |what: &str| {
        ToolError::invalid(format!(
            "this link names no {what}; open the {} in the Opik UI and paste that link, or pass \
             its id",
            kind.name()
        ))
    };
    let project = after("projects")
        .map(|p| uuid_of(kind, "project id", &p).map(ProjectRef::Id))
        .transpose()?;
    let id = match kind {
        ReadType::Project => after("projects").ok_or_else(|| missing("project"))?,
        ReadType::Trace => query("trace").ok_or_else(|| missing("trace (?trace=)"))?,
        ReadType::Span => query("span").ok_or_else(|| missing("span (?span=)"))?,
        ReadType::TestSuite => after("datasets").ok_or_else(|| missing("dataset"))?,
        ReadType::Prompt => after("prompts").ok_or_else(|| missing("prompt"))?,
        ReadType::Experiment => first_experiment(query("experiments").as_deref())
            .ok_or_else(|| missing("experiment (?experiments=[…])"))?,
        ReadType::Thread => {
            let tid = query("thread").ok_or_else(|| missing("thread (?thread=)"))?;
            return Ok(Target {
                key: Key::Id(tid),
                project,
                commit: None,
            });
        }
    };
    Ok(Target {
        key: Key::Id(uuid_of(kind, "id", &id)?),
        project,
        commit: None,
    })
}

/// The first id of the UI's `experiments=["…","…"]` parameter (or a bare id).
fn first_experiment(value: Option<&str>) -> Option<String> {
    let v = value?.trim();
    match serde_json::from_str::<Vec<String>>(v) {
        Ok(ids) => ids.into_iter().next(),
        Err(_) => Some(
            v.trim_matches(|c| c == '[' || c == ']' || c == '"')
                .to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0190babc-62a0-71d2-832a-0feffa4676eb";
    const PID: &str = "0190babc-62a0-71d2-832a-0feffa467600";

    #[test]
    fn uuids_names_and_thread_ids() {
        let t = parse(ReadType::Trace, &ID.to_uppercase()).expect("uuid");
        assert_eq!(t.key, Key::Id(ID.into()));
        assert_eq!(
            parse(ReadType::Prompt, "greeter").expect("name").key,
            Key::Name("greeter".into())
        );
        assert_eq!(
            parse(ReadType::Thread, "chat-42").expect("thread").key,
            Key::Id("chat-42".into())
        );
        let err = parse(ReadType::Span, "my-span").expect_err("spans have no names");
        assert!(
            err.message.contains("span ids are UUIDs"),
            "{}",
            err.message
        );
    }

    #[test]
    fn opik_uris_name_the_collection_and_threads_their_project() {
        let t = parse(ReadType::TestSuite, &format!("opik://test-suites/{ID}")).expect("uri");
        assert_eq!(t.key, Key::Id(ID.into()));
        let t = parse(
            ReadType::Thread,
            &format!("opik://projects/{PID}/threads/chat%2042"),
        )
        .expect("thread uri");
        assert_eq!(t.key, Key::Id("chat 42".into()));
        assert!(matches!(t.project, Some(ProjectRef::Id(p)) if p == PID));
        let err = parse(ReadType::Trace, &format!("opik://spans/{ID}")).expect_err("mismatch");
        assert!(
            err.message
                .contains("names a span, but entity_type is trace"),
            "{}",
            err.message
        );
        assert!(parse(ReadType::Trace, "opik://traces/nope").is_err());
    }

    #[test]
    fn resource_uris_are_read_forms_too() {
        for uri in [format!("opik://trace/{ID}"), format!("opik://traces/{ID}")] {
            assert_eq!(
                parse(ReadType::Trace, &uri).expect("trace").key,
                Key::Id(ID.into())
            );
        }
        let t = parse(ReadType::TestSuite, &format!("opik://dataset/{ID}")).expect("dataset");
        assert_eq!(t.key, Key::Id(ID.into()));
        let t = parse(ReadType::Prompt, "opik://prompt/my%20prompt/abcd1234").expect("prompt");
        assert_eq!(t.key, Key::Name("my prompt".into()));
        assert_eq!(t.commit.as_deref(), Some("abcd1234"));
        let page = parse(ReadType::Trace, &format!("opik://traces/{PID}/1/25")).expect_err("page");
        assert!(
            page.message.contains("is a page")
                && page.message.contains("list(entity_type=\"trace\""),
            "{}",
            page.message
        );
        assert!(entity_uri("workspace-info").is_none());
    }

    #[test]
    fn ui_links_yield_the_right_id_for_each_type() {
        let base = "https://www.comet.com/opik/ws";
        let trace = format!("{base}/projects/{PID}/traces?trace={ID}&span={PID}");
        assert_eq!(
            parse(ReadType::Trace, &trace).expect("t").key,
            Key::Id(ID.into())
        );
        assert_eq!(
            parse(ReadType::Span, &trace).expect("s").key,
            Key::Id(PID.into())
        );
        assert_eq!(
            parse(ReadType::Project, &trace).expect("p").key,
            Key::Id(PID.into())
        );
        let thread = format!("{base}/projects/{PID}/traces?type=threads&thread=conv-1");
        let t = parse(ReadType::Thread, &thread).expect("thread");
        assert_eq!(t.key, Key::Id("conv-1".into()));
        assert!(t.project.is_some());
        let exp = format!("{base}/experiments/{PID}/compare?experiments=%5B%22{ID}%22%5D");
        assert_eq!(
            parse(ReadType::Experiment, &exp).expect("e").key,
            Key::Id(ID.into())
        );
        let err = parse(ReadType::Prompt, &trace).expect_err("no prompt in a trace link");
        assert!(err.message.contains("names no prompt"), "{}", err.message);
    }
}
