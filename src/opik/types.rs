//! Response types for the endpoints the tools use, shaped as `shared/opik/openapi.yaml` says.
//!
//! Every field is optional and free-form payloads (`input`, `output`, `metadata`, item `data`)
//! are `serde_json::Value`: the spec marks few fields required, Prism's own examples break its
//! patterns, and `JsonListString` may be an object, array or string. Fields not named here are
//! kept in `extra` so nothing Opik sends is silently dropped.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Fields the types below do not name, passed through unchanged.
pub type Extra = Map<String, Value>;

/// A page of a list endpoint (`*Page_Public`).
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    /// 1-based page number.
    #[serde(default)]
    pub page: Option<i64>,
    /// Page size.
    #[serde(default)]
    pub size: Option<i64>,
    /// Total matching entities.
    #[serde(default)]
    pub total: Option<i64>,
    /// The entities.
    #[serde(default = "Vec::new")]
    pub content: Vec<T>,
}

macro_rules! entity {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
        pub struct $name {
            $(
                $(#[$fdoc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
            /// Other fields Opik returned.
            #[serde(flatten)]
            pub extra: Extra,
        }
    };
}

entity!(
    /// A project (`Project_Public`).
    Project {
        /// Project id (UUID).
        id: String,
        /// Project name.
        name: String,
        /// Description.
        description: String,
        /// `private` or `public`.
        visibility: String,
        /// Creation time (ISO-8601).
        created_at: String,
        /// Last update time.
        last_updated_at: String,
        /// Time of the most recent trace.
        last_updated_trace_at: String,
    }
);

entity!(
    /// A trace (`Trace_Public`).
    Trace {
        /// Trace id (UUID).
        id: String,
        /// Project id.
        project_id: String,
        /// Trace name.
        name: String,
        /// Start time (ISO-8601).
        start_time: String,
        /// End time.
        end_time: String,
        /// Input payload.
        input: Value,
        /// Output payload.
        output: Value,
        /// Metadata.
        metadata: Value,
        /// Tags.
        tags: Vec<String>,
        /// Error details, when the run failed.
        error_info: Value,
        /// Token usage by kind.
        usage: Value,
        /// Feedback scores.
        feedback_scores: Vec<Value>,
        /// Estimated cost (USD).
        total_estimated_cost: f64,
        /// Duration in milliseconds.
        duration: f64,
        /// Thread (conversation) id.
        thread_id: String,
        /// Number of spans.
        span_count: i64,
    }
);

entity!(
    /// A conversation thread (`TraceThread`).
    TraceThread {
        /// Thread id (the id the application chose).
        id: String,
        /// Project id.
        project_id: String,
        /// Opik's own thread UUID.
        thread_model_id: String,
        /// Start time.
        start_time: String,
        /// End time.
        end_time: String,
        /// Duration in milliseconds.
        duration: f64,
        /// First message.
        first_message: Value,
        /// Last message.
        last_message: Value,
        /// Number of messages.
        number_of_messages: i64,
        /// `active` or `inactive`.
        status: String,
        /// Feedback scores.
        feedback_scores: Vec<Value>,
        /// Tags.
        tags: Vec<String>,
    }
);

entity!(
    /// One statistic (`ProjectStatItemObject_Public`): a count, an average or percentiles.
    Stat {
        /// Statistic name, e.g. `trace_count`, `duration`, `usage.total_tokens`.
        name: String,
        /// `COUNT`, `AVG` or `PERCENTAGE`.
        r#type: String,
        /// A number, or `{p50, p90, p99}` for percentages.
        value: Value,
    }
);

/// Project statistics (`ProjectStats_Public`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ProjectStats {
    /// The statistics.
    #[serde(default)]
    pub stats: Vec<Stat>,
}

entity!(
    /// A prompt (`Prompt_Public` / `Prompt_Detail`).
    Prompt {
        /// Prompt id (UUID).
        id: String,
        /// Prompt name (unique in the workspace).
        name: String,
        /// Description.
        description: String,
        /// `text` or `chat`.
        template_structure: String,
        /// Tags.
        tags: Vec<String>,
        /// Number of versions.
        version_count: i64,
        /// Creation time.
        created_at: String,
        /// Last update time.
        last_updated_at: String,
        /// The newest version (detail only).
        latest_version: PromptVersion,
    }
);

entity!(
    /// A prompt version (`PromptVersion_Detail`).
    PromptVersion {
        /// Version id (UUID).
        id: String,
        /// Prompt id.
        prompt_id: String,
        /// 8-character commit id.
        commit: String,
        /// Template text.
        template: String,
        /// Metadata.
        metadata: Value,
        /// `mustache`, `jinja2` or `python`.
        r#type: String,
        /// Change description.
        change_description: String,
        /// Template variables.
        variables: Vec<String>,
        /// Creation time.
        created_at: String,
    }
);

entity!(
    /// A dataset (`Dataset_Public`).
    Dataset {
        /// Dataset id (UUID).
        id: String,
        /// Dataset name.
        name: String,
        /// Description.
        description: String,
        /// Tags.
        tags: Vec<String>,
        /// Number of items.
        dataset_items_count: i64,
        /// Number of experiments run on it.
        experiment_count: i64,
        /// Creation time.
        created_at: String,
        /// Last update time.
        last_updated_at: String,
    }
);

entity!(
    /// A dataset item (`DatasetItem_Public`).
    DatasetItem {
        /// Item id (UUID).
        id: String,
        /// `manual`, `trace`, `span` or `sdk`.
        source: String,
        /// The item's data (input, expected output, …).
        data: Value,
        /// Source trace id.
        trace_id: String,
        /// Source span id.
        span_id: String,
        /// Tags.
        tags: Vec<String>,
        /// Creation time.
        created_at: String,
    }
);

entity!(
    /// A metric time series (`ProjectMetricResponse_Public`).
    MetricSeries {
        /// Project id.
        project_id: String,
        /// The metric type.
        metric_type: String,
        /// `HOURLY`, `DAILY`, `WEEKLY` or `TOTAL`.
        interval: String,
        /// One series per name (e.g. per feedback score), each `{name, data: [{time, value}]}`.
        results: Vec<Value>,
    }
);

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn unknown_fields_survive_a_round_trip_and_absent_ones_stay_absent() {
        let raw = json!({"id": "p1", "name": "demo", "trace_count": 3});
        let p: Project = serde_json::from_value(raw.clone()).expect("project");
        assert_eq!(p.name.as_deref(), Some("demo"));
        assert_eq!(serde_json::to_value(&p).expect("json"), raw);
    }

    #[test]
    fn stats_read_every_value_shape() {
        let raw = json!({"stats": [
            {"name": "trace_count", "type": "COUNT", "value": 2},
            {"name": "duration", "type": "PERCENTAGE", "value": {"p50": 1.0, "p90": 2.0, "p99": 3.0}}
        ]});
        let s: ProjectStats = serde_json::from_value(raw).expect("stats");
        assert_eq!(s.stats[1].r#type.as_deref(), Some("PERCENTAGE"));
    }
}
