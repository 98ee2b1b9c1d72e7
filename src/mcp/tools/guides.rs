//! Static guidance for `get-opik-examples`, `get-opik-metrics-info` and
//! `get-opik-tracing-info` (written for this server; no Opik call).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One worked example.
pub(crate) struct Example {
    pub task: &'static str,
    pub description: &'static str,
    pub steps: &'static [&'static str],
    pub code: &'static str,
}

pub(crate) const EXAMPLES: &[Example] = &[
    Example {
        task: "log a trace",
        description: "Record each run of an LLM function as a trace with the Python SDK.",
        steps: &[
            "pip install opik, then run `opik configure` (or set OPIK_API_KEY and OPIK_WORKSPACE)",
            "decorate the entry function with @track; nested decorated calls become spans",
            "run the app, then list-traces with the project name to see the runs",
        ],
        code: "import opik\nfrom opik import track\n\n@track(project_name=\"my-app\")\ndef answer(q: str) -> str:\n    return llm(q)\n",
    },
    Example {
        task: "trace openai calls",
        description: "Wrap an OpenAI client so every completion is logged as an LLM span.",
        steps: &[
            "pip install opik openai",
            "wrap the client with track_openai",
            "call it as usual",
        ],
        code: "from openai import OpenAI\nfrom opik.integrations.openai import track_openai\n\nclient = track_openai(OpenAI())\n",
    },
    Example {
        task: "create prompt",
        description: "Store a versioned prompt template in the prompt library.",
        steps: &[
            "create-prompt {\"name\": \"greeting\"} (optional: description, tags)",
            "save-prompt-version {\"name\": \"greeting\", \"template\": \"Hello {{name}}\"}",
            "get-prompt-version {\"name\": \"greeting\"} returns the latest commit",
        ],
        code: "import opik\nprompt = opik.Prompt(name=\"greeting\", prompt=\"Hello {{name}}\")\nprint(prompt.format(name=\"Ada\"))\n",
    },
    Example {
        task: "create dataset",
        description: "Build an evaluation dataset and add items to it.",
        steps: &[
            "create-dataset {\"name\": \"qa-golden\"}",
            "create-dataset-item {\"datasetId\": \"…\", \"input\": {\"question\": \"…\"}, \"expectedOutput\": {\"answer\": \"…\"}}",
            "list-dataset-items {\"datasetId\": \"…\"} to review",
        ],
        code: "import opik\nds = opik.Opik().get_or_create_dataset(\"qa-golden\")\nds.insert([{\"input\": {\"question\": \"2+2?\"}, \"expected_output\": {\"answer\": \"4\"}}])\n",
    },
    Example {
        task: "evaluate response",
        description: "Score an application over a dataset with built-in metrics (an experiment).",
        steps: &[
            "prepare a dataset (see create dataset)",
            "define a task function returning the fields the metrics need",
            "run evaluate(); results appear as an experiment on the dataset",
        ],
        code: "from opik.evaluation import evaluate\nfrom opik.evaluation.metrics import Equals\n\nevaluate(dataset=ds, task=lambda item: {\"output\": app(item[\"input\"])}, scoring_metrics=[Equals()])\n",
    },
    Example {
        task: "add feedback score",
        description: "Attach a numeric judgement to a trace.",
        steps: &[
            "find the trace with list-traces or search-traces",
            "add-trace-feedback {\"traceId\": \"…\", \"scores\": [{\"name\": \"relevance\", \"value\": 0.8, \"reason\": \"…\"}]}",
        ],
        code: "import opik\nopik.Opik().log_traces_feedback_scores([{\"id\": trace_id, \"name\": \"relevance\", \"value\": 0.8}])\n",
    },
    Example {
        task: "search traces",
        description: "Find failing or slow runs with filters and sorting.",
        steps: &[
            "search-traces {\"projectName\": \"my-app\", \"filters\": {\"duration\": {\"$gt\": 5000}}, \"sortBy\": \"duration\"}",
            "search-traces {\"projectName\": \"my-app\", \"query\": \"timeout\"} for full-text search",
        ],
        code: "import opik\nopik.Opik().search_traces(project_name=\"my-app\", filter_string='duration > 5000')\n",
    },
];

/// Words of a task, lower-cased, without articles and one-letter words.
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1 && !["an", "the", "my"].contains(w))
        .map(str::to_owned)
        .collect()
}

/// The example that best matches `task`: an exact task name wins; otherwise the most whole
/// words shared with the task name (weighted 2) and the description (weighted 1), the first
/// listed example winning a tie. Whole words, not substrings: "log" must not match "logged".
pub(crate) fn best_example(task: &str) -> Option<&'static Example> {
    let wanted = words(task);
    if let Some(e) = EXAMPLES.iter().find(|e| words(e.task) == wanted) {
        return Some(e);
    }
    let mut best: Option<(usize, &'static Example)> = None;
    for e in EXAMPLES {
        let (name, text) = (words(e.task), words(e.description));
        let score: usize = wanted
            .iter()
            .map(|w| 2 * usize::from(name.contains(w)) + usize::from(text.contains(w)))
            .sum();
        if score > 0 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, e));
        }
    }
    best.map(|(_, e)| e)
}

/// An Opik evaluation metric (`opik.evaluation.metrics`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct MetricInfo {
    /// Class name in the Python SDK.
    pub name: String,
    /// `heuristic` (deterministic) or `llm-judge` (asks a model).
    pub kind: String,
    /// What it measures.
    pub description: String,
    /// Score range.
    pub range: String,
    /// Arguments `score()` takes.
    pub inputs: Vec<String>,
}

const METRICS: &[(&str, &str, &str, &str, &[&str])] = &[
    (
        "Equals",
        "heuristic",
        "Exact match of output and reference.",
        "0 or 1",
        &["output", "reference"],
    ),
    (
        "Contains",
        "heuristic",
        "Whether the output contains the reference.",
        "0 or 1",
        &["output", "reference"],
    ),
    (
        "RegexMatch",
        "heuristic",
        "Whether the output matches a regular expression.",
        "0 or 1",
        &["output"],
    ),
    (
        "IsJson",
        "heuristic",
        "Whether the output parses as JSON.",
        "0 or 1",
        &["output"],
    ),
    (
        "LevenshteinRatio",
        "heuristic",
        "Normalised edit similarity of output and reference.",
        "0..1",
        &["output", "reference"],
    ),
    (
        "SentenceBLEU",
        "heuristic",
        "BLEU overlap with one or more references.",
        "0..1",
        &["output", "reference"],
    ),
    (
        "ROUGE",
        "heuristic",
        "ROUGE overlap with a reference.",
        "0..1",
        &["output", "reference"],
    ),
    (
        "Hallucination",
        "llm-judge",
        "Whether the output states things the context does not support.",
        "0 (none) or 1",
        &["input", "output", "context"],
    ),
    (
        "AnswerRelevance",
        "llm-judge",
        "How well the output answers the input.",
        "0..1",
        &["input", "output", "context"],
    ),
    (
        "ContextPrecision",
        "llm-judge",
        "Whether the retrieved context is relevant to the expected answer.",
        "0..1",
        &["input", "output", "expected_output", "context"],
    ),
    (
        "ContextRecall",
        "llm-judge",
        "How much of the expected answer the context supports.",
        "0..1",
        &["input", "output", "expected_output", "context"],
    ),
    (
        "Moderation",
        "llm-judge",
        "How unsafe or policy-violating the output is.",
        "0 (safe)..1",
        &["output"],
    ),
    (
        "Usefulness",
        "llm-judge",
        "How useful the output is for the input.",
        "0..1",
        &["input", "output"],
    ),
    (
        "GEval",
        "llm-judge",
        "A custom criterion described in natural language, judged by a model.",
        "0..1",
        &["output"],
    ),
];

/// Every metric.
pub(crate) fn metrics() -> Vec<MetricInfo> {
    METRICS
        .iter()
        .map(|(name, kind, description, range, inputs)| MetricInfo {
            name: (*name).into(),
            kind: (*kind).into(),
            description: (*description).into(),
            range: (*range).into(),
            inputs: inputs.iter().map(|s| (*s).to_string()).collect(),
        })
        .collect()
}

/// Tracing topics of `get-opik-tracing-info`.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TracingTopic {
    /// Traces: one run of the application.
    Traces,
    /// Spans: the steps inside a trace.
    Spans,
    /// Feedback scores on traces and spans.
    Feedback,
    /// Finding traces: filters, full-text search, sorting.
    Search,
    /// Viewing traces in the Opik UI.
    Visualization,
}

/// Text for a tracing topic, or an overview of all of them.
pub(crate) fn tracing_text(topic: Option<TracingTopic>) -> String {
    let part = |t: TracingTopic| match t {
        TracingTopic::Traces => {
            "## Traces\nA trace records one run: name, input, output, metadata, tags, start/end time, \
             token usage, cost and errors. Log them with the SDKs (@track in Python, track() in \
             TypeScript) or an integration (OpenAI, LangChain, LlamaIndex, …). Tools: list-traces, \
             get-trace-by-id, get-trace-stats."
        }
        TracingTopic::Spans => {
            "## Spans\nSpans are the steps of a trace (type general, llm, tool or guardrail), nested \
             by parent_span_id. LLM spans carry model, provider and usage. Each decorated function \
             call inside a trace becomes a span."
        }
        TracingTopic::Feedback => {
            "## Feedback\nFeedback scores are named numbers (with an optional reason and category) on \
             traces, spans and threads, from the UI, the SDK or online evaluation rules. Tool: \
             add-trace-feedback."
        }
        TracingTopic::Search => {
            "## Search\nsearch-traces takes full-text `query`, `filters` (e.g. {\"duration\": {\"$gt\": \
             1000}}, {\"metadata.model\": \"gpt-4o\"}, {\"tags\": {\"$contains\": \"prod\"}}) and \
             sortBy/sortOrder. Threads group traces by thread_id: get-trace-threads."
        }
        TracingTopic::Visualization => {
            "## Visualization\nThe Opik UI shows each trace as a tree of spans with timings, inputs and \
             outputs, and per-project dashboards of counts, latency, cost and scores \
             (get-metrics returns the same series)."
        }
    };
    match topic {
        Some(t) => part(t).to_string(),
        None => [
            TracingTopic::Traces,
            TracingTopic::Spans,
            TracingTopic::Feedback,
            TracingTopic::Search,
            TracingTopic::Visualization,
        ]
        .into_iter()
        .map(part)
        .collect::<Vec<_>>()
        .join("\n\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_match_by_words() {
        assert_eq!(
            best_example("How do I create a prompt?").map(|e| e.task),
            Some("create prompt")
        );
        assert_eq!(
            best_example("feedback").map(|e| e.task),
            Some("add feedback score")
        );
        assert!(best_example("zzz").is_none());
    }

    #[test]
    fn log_a_trace_is_the_trace_logging_example_not_an_integration() {
        for task in [
            "log a trace",
            "Log trace",
            "log traces",
            "how do I log a trace",
        ] {
            assert_eq!(
                best_example(task).map(|e| e.task),
                Some("log a trace"),
                "{task}"
            );
        }
        assert_eq!(
            best_example("trace openai calls").map(|e| e.task),
            Some("trace openai calls")
        );
    }
}
