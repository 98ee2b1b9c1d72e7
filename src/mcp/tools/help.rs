//! Static help text for `get-opik-help`.

use rmcp::schemars;
use serde::Deserialize;

/// Help topics of `get-opik-help`.
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum HelpTopic {
    /// What Opik is and how this server maps onto it.
    General,
    /// Projects.
    Projects,
    /// Traces, spans and threads.
    Traces,
    /// Prompt library.
    Prompts,
    /// Datasets and experiments.
    Datasets,
    /// Metrics and feedback scores.
    Metrics,
}

/// The help text for a topic and optional sub-topic.
pub(crate) fn text(topic: HelpTopic, subtopic: Option<&str>) -> String {
    let (title, features, limitations, examples) = parts(topic);
    match subtopic.map(str::to_ascii_lowercase).as_deref() {
        Some("features") => format!("# {title}: features\n{features}"),
        Some("limitations") => format!("# {title}: limitations\n{limitations}"),
        Some("examples") => format!("# {title}: examples\n{examples}"),
        Some(other) => format!(
            "Unknown subtopic {other:?} (expected features, limitations or examples).\n\n\
             # {title}\n{features}\n\n## Limitations\n{limitations}\n\n## Examples\n{examples}"
        ),
        None => format!(
            "# {title}\n{features}\n\n## Limitations\n{limitations}\n\n## Examples\n{examples}"
        ),
    }
}

/// Every topic's title and features, for `get-opik-help` without a topic.
pub(crate) fn overview() -> String {
    let topics = [
        HelpTopic::General,
        HelpTopic::Projects,
        HelpTopic::Traces,
        HelpTopic::Prompts,
        HelpTopic::Datasets,
        HelpTopic::Metrics,
    ];
    let mut out = String::from(
        "# Opik help\nAsk again with a topic (general, projects, traces, prompts, datasets, \
         metrics) and optionally a subtopic (features, limitations, examples).\n",
    );
    for t in topics {
        let (title, features, _, _) = parts(t);
        out.push_str(&format!("\n## {title}\n{features}\n"));
    }
    out
}

fn parts(topic: HelpTopic) -> (&'static str, &'static str, &'static str, &'static str) {
    match topic {
        HelpTopic::General => (
            "Opik",
            "Opik (by Comet) records LLM application runs as traces made of spans, groups \
             conversations into threads, and stores prompts, datasets, experiments and \
             feedback scores per project in a workspace. This server exposes them as MCP tools.",
            "Tools act in the workspace the server is configured for (see get-server-info). \
             Large results are paged and long strings are truncated with a marker.",
            "Call get-server-info, then list-projects, then list-traces with a project name.",
        ),
        HelpTopic::Projects => (
            "Projects",
            "A project groups the traces of one application. Projects are listed by page and \
             can be created with a name and description.",
            "Deleting a project deletes its traces; this server does not offer it. Trace tools \
             default to the first listed project when none is named.",
            "list-projects {\"page\":1,\"size\":10}; create-project {\"name\":\"my-app\"}",
        ),
        HelpTopic::Traces => (
            "Traces, spans and threads",
            "A trace is one run (input, output, metadata, timing, cost); spans are its steps \
             (LLM calls, tools, retrieval). Threads group traces of one conversation. Traces can \
             be listed, searched with filters, read by id, summarised with stats and scored.",
            "Trace, thread and stats calls work on one project (projectName or projectId; the \
             first listed project when neither is given). Lists return at most 100 per page.",
            "list-traces {\"projectName\":\"my-app\",\"size\":5}; get-trace-by-id {\"traceId\":\"…\"}",
        ),
        HelpTopic::Prompts => (
            "Prompt library",
            "Prompts are versioned templates (mustache or jinja2). Each save creates a commit.",
            "Prompt names are unique per workspace.",
            "get-prompts {}; save-prompt-version {\"name\":\"greet\",\"template\":\"Hi {{name}}\"}",
        ),
        HelpTopic::Datasets => (
            "Datasets and experiments",
            "Datasets hold items (input/expected output) used by experiments, which record \
             scored runs of an application over a dataset.",
            "Items are written in batches of at most 1,000.",
            "list-datasets {}; list-dataset-items {\"datasetId\":\"…\"}",
        ),
        HelpTopic::Metrics => (
            "Metrics and feedback scores",
            "Feedback scores are named numeric values (with an optional reason) on traces, spans \
             and threads. Trace statistics summarise counts, durations, tokens and cost.",
            "Scores are numbers; categorical scores are stored as their numeric value.",
            "add-trace-feedback {\"traceId\":\"…\",\"scores\":[{\"name\":\"relevance\",\"value\":0.8}]}",
        ),
    }
}
