//! The fake's in-memory workspace, seeded with fixed ids, and the JSON shapes it answers
//! (field names and required fields as `shared/opik/openapi.yaml` declares them).

use serde_json::{Value, json};

/// Seeded ids (UUID v7 layout, like the ids Opik generates).
pub mod ids {
    pub const PROJECT_DEMO: &str = "0190a000-0000-7000-8000-000000000001";
    pub const PROJECT_OTHER: &str = "0190a000-0000-7000-8000-000000000002";
    pub const TRACE_LONG: &str = "0190a000-0000-7000-8000-000000000011";
    pub const TRACE_SHORT: &str = "0190a000-0000-7000-8000-000000000012";
    pub const TRACE_OTHER: &str = "0190a000-0000-7000-8000-000000000013";
    pub const THREAD: &str = "conversation-1";
    pub const THREAD_MODEL: &str = "0190a000-0000-7000-8000-000000000021";
    pub const PROMPT: &str = "0190a000-0000-7000-8000-000000000031";
    pub const PROMPT_VERSION: &str = "0190a000-0000-7000-8000-000000000032";
    pub const PROMPT_NAME: &str = "greeting";
    pub const COMMIT: &str = "abcd1234";
    pub const DATASET: &str = "0190a000-0000-7000-8000-000000000041";
    pub const DATASET_NAME: &str = "qa-golden";
    pub const ITEM_1: &str = "0190a000-0000-7000-8000-000000000051";
    pub const ITEM_2: &str = "0190a000-0000-7000-8000-000000000052";
    pub const SPAN_1: &str = "0190a000-0000-7000-8000-000000000061";
    pub const SPAN_2: &str = "0190a000-0000-7000-8000-000000000062";
    /// The one experiment named [`EXPERIMENT_NAME`].
    pub const EXPERIMENT: &str = "0190a000-0000-7000-8000-000000000071";
    pub const EXPERIMENT_NAME: &str = "gpt-4o run";
    /// Two experiments share [`AMBIGUOUS_NAME`].
    pub const EXPERIMENT_B1: &str = "0190a000-0000-7000-8000-000000000072";
    pub const EXPERIMENT_B2: &str = "0190a000-0000-7000-8000-000000000073";
    pub const AMBIGUOUS_NAME: &str = "baseline";
}

/// Length of the seeded trace's long input, to exercise truncation.
pub const LONG_INPUT_CHARS: usize = 10_000;

const T0: &str = "2025-06-01T10:00:00Z";
const T1: &str = "2025-06-01T10:00:02.500Z";

/// The fake workspace.
#[derive(Debug, Clone)]
pub struct Data {
    pub projects: Vec<Value>,
    pub traces: Vec<Value>,
    pub threads: Vec<Value>,
    pub prompts: Vec<Value>,
    pub versions: Vec<Value>,
    pub datasets: Vec<Value>,
    pub items: Vec<Value>,
    pub spans: Vec<Value>,
    pub experiments: Vec<Value>,
    /// `ExperimentItem_Compare`s, by experiment and dataset item.
    pub experiment_items: Vec<Value>,
    pub next: u32,
}

impl Data {
    /// The seeded workspace.
    pub fn seeded() -> Self {
        let mut d = Self::base();
        super::analysis::seed(&mut d);
        d
    }

    /// The workspace the classic-tool tests count on (two projects, one dataset, …).
    fn base() -> Self {
        use ids::*;
        Self {
            projects: vec![
                project(PROJECT_DEMO, "demo-app"),
                project(PROJECT_OTHER, "other-app"),
            ],
            traces: vec![
                trace(
                    TRACE_LONG,
                    PROJECT_DEMO,
                    "chat-turn",
                    &"lorem ipsum ".repeat(LONG_INPUT_CHARS / 12 + 1)[..LONG_INPUT_CHARS],
                ),
                trace(TRACE_SHORT, PROJECT_DEMO, "summarise", "short question"),
                trace(TRACE_OTHER, PROJECT_OTHER, "other", "other input"),
            ],
            threads: vec![json!({
                "id": THREAD, "project_id": PROJECT_DEMO, "thread_model_id": THREAD_MODEL,
                "start_time": T0, "end_time": T1, "duration": 2500.0,
                "first_message": {"role": "user", "content": "hi"},
                "last_message": {"role": "assistant", "content": "bye"},
                "number_of_messages": 2, "status": "inactive", "tags": ["support"],
                "created_at": T0, "last_updated_at": T1
            })],
            prompts: vec![json!({
                "id": PROMPT, "name": PROMPT_NAME, "description": "Greets the user",
                "template_structure": "text", "tags": ["demo"], "version_count": 1,
                "created_at": T0, "last_updated_at": T0
            })],
            versions: vec![version(PROMPT_VERSION, PROMPT, COMMIT, "Hello {{name}}")],
            datasets: vec![json!({
                "id": DATASET, "name": DATASET_NAME, "description": "Golden answers",
                "tags": [], "dataset_items_count": 2, "experiment_count": 0,
                "created_at": T0, "last_updated_at": T0
            })],
            items: vec![
                item(
                    ITEM_1,
                    DATASET,
                    json!({"input": {"q": "2+2?"}, "expected_output": {"a": "4"}}),
                ),
                item(
                    ITEM_2,
                    DATASET,
                    json!({"input": {"q": "capital of France?"}}),
                ),
            ],
            spans: vec![
                span(SPAN_1, TRACE_LONG, PROJECT_DEMO, "retrieve", "query"),
                span(SPAN_2, TRACE_LONG, PROJECT_DEMO, "llm-call", "prompt"),
            ],
            experiments: vec![
                experiment(EXPERIMENT, EXPERIMENT_NAME),
                experiment(EXPERIMENT_B1, AMBIGUOUS_NAME),
                experiment(EXPERIMENT_B2, AMBIGUOUS_NAME),
            ],
            experiment_items: Vec::new(),
            next: 0x1000,
        }
    }

    /// A fresh id for a created entity.
    pub fn new_id(&mut self) -> String {
        self.next += 1;
        format!("0190a000-0000-7000-8000-{:012x}", self.next)
    }

    /// A fresh 8-character commit.
    pub fn new_commit(&mut self) -> String {
        self.next += 1;
        format!("c{:07x}", self.next)
    }
}

/// `Project_Public`.
pub fn project(id: &str, name: &str) -> Value {
    json!({
        "id": id, "name": name, "visibility": "private", "description": format!("{name} project"),
        "created_at": T0, "created_by": "tester", "last_updated_at": T1,
        "last_updated_by": "tester", "last_updated_trace_at": T1
    })
}

/// `Trace_Public`.
pub fn trace(id: &str, project_id: &str, name: &str, input: &str) -> Value {
    json!({
        "id": id, "project_id": project_id, "name": name, "start_time": T0, "end_time": T1,
        "input": {"question": input}, "output": {"answer": "fine"},
        "metadata": {"model": "gpt-4o"}, "tags": ["prod"],
        "usage": {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20},
        "created_at": T0, "last_updated_at": T1, "feedback_scores": [],
        "total_estimated_cost": 0.0021, "span_count": 2, "duration": 2500.0,
        "thread_id": ids::THREAD
    })
}

/// `Span_Public`.
pub fn span(id: &str, trace_id: &str, project_id: &str, name: &str, input: &str) -> Value {
    json!({
        "id": id, "trace_id": trace_id, "project_id": project_id, "name": name, "type": "llm",
        "start_time": T0, "end_time": T1, "input": {"text": input}, "output": {"text": "ok"},
        "metadata": {}, "model": "gpt-4o", "provider": "openai",
        "usage": {"prompt_tokens": 5, "completion_tokens": 3}, "tags": [],
        "created_at": T0, "last_updated_at": T1
    })
}

/// `Experiment_Public`.
pub fn experiment(id: &str, name: &str) -> Value {
    json!({
        "id": id, "name": name, "dataset_name": ids::DATASET_NAME, "dataset_id": ids::DATASET,
        "metadata": {"model": "gpt-4o"}, "tags": [], "type": "regular", "status": "completed",
        "trace_count": 2, "dataset_item_count": 2, "created_at": T0, "last_updated_at": T1
    })
}

/// `PromptVersion_Detail`.
pub fn version(id: &str, prompt_id: &str, commit: &str, template: &str) -> Value {
    json!({
        "id": id, "prompt_id": prompt_id, "commit": commit, "template": template,
        "type": "mustache", "variables": ["name"], "template_structure": "text",
        "created_at": T0, "created_by": "tester"
    })
}

/// `DatasetItem_Public`.
pub fn item(id: &str, dataset_id: &str, data: Value) -> Value {
    json!({
        "id": id, "dataset_id": dataset_id, "source": "manual", "data": data, "tags": [],
        "created_at": T0, "last_updated_at": T0
    })
}

/// `ProjectMetricResponse_Public`.
pub fn metric(project_id: &str, metric_type: &str, interval: &str) -> Value {
    json!({
        "project_id": project_id, "metric_type": metric_type, "interval": interval,
        "results": [{"name": metric_type.to_lowercase(), "data": [
            {"time": "2025-06-01T00:00:00Z", "value": 2.0},
            {"time": "2025-06-02T00:00:00Z", "value": 5.0}
        ]}]
    })
}

/// A `*Page` body.
pub fn page(items: Vec<Value>, page: usize, size: usize) -> Value {
    let total = items.len();
    let content: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * size)
        .take(size)
        .collect();
    json!({"page": page, "size": content.len(), "total": total, "content": content, "sortableBy": ["name"]})
}
