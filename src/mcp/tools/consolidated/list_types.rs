//! The entity types `list` pages through, with the table columns of each.

use schemars::JsonSchema;
use serde::Deserialize;

/// What `list` can page through.
// Variants use `//`: documented variants make schemars emit a described `oneOf` (see
// search_filters.rs), which every agent reads with the tool list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListType {
    // Projects.
    Project,
    // Spans of a trace (trace_id) or of a project.
    Span,
    // A project's traces (needs the project).
    Trace,
    // A project's threads (needs the project).
    Thread,
    // Datasets (test suites).
    TestSuite,
    // A dataset's items (needs test_suite_id).
    TestSuiteItem,
    // Experiments (optionally of one test suite or prompt).
    Experiment,
    // Prompts.
    Prompt,
    // A prompt's versions (needs prompt_id).
    PromptVersion,
}

impl ListType {
    pub fn name(self) -> &'static str {
        match self {
            ListType::Project => "project",
            ListType::Span => "span",
            ListType::Trace => "trace",
            ListType::Thread => "thread",
            ListType::TestSuite => "test_suite",
            ListType::TestSuiteItem => "test_suite_item",
            ListType::Experiment => "experiment",
            ListType::Prompt => "prompt",
            ListType::PromptVersion => "prompt_version",
        }
    }

    /// Table columns (Opik field names).
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            ListType::Project => &["id", "name", "last_updated_trace_at", "created_at"],
            ListType::Span => &[
                "id",
                "name",
                "type",
                "parent_span_id",
                "start_time",
                "duration",
                "model",
                "total_estimated_cost",
            ],
            ListType::Trace => &[
                "id",
                "name",
                "start_time",
                "duration",
                "total_estimated_cost",
                "thread_id",
            ],
            ListType::Thread => &[
                "id",
                "number_of_messages",
                "status",
                "start_time",
                "end_time",
            ],
            ListType::TestSuite => &[
                "id",
                "name",
                "dataset_items_count",
                "experiment_count",
                "last_updated_at",
            ],
            ListType::TestSuiteItem => &["id", "data", "source"],
            ListType::Experiment => &[
                "id",
                "name",
                "dataset_name",
                "status",
                "trace_count",
                "created_at",
            ],
            ListType::Prompt => &[
                "id",
                "name",
                "version_count",
                "template_structure",
                "last_updated_at",
            ],
            ListType::PromptVersion => &[
                "id",
                "commit",
                "change_description",
                "created_at",
                "template",
            ],
        }
    }
}
