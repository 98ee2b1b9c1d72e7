//! The `instructions` of `initialize` and `server/discover`, rendered per session (as upstream
//! does, notes §C.1): the workspace the session works in, today's date (models otherwise guess
//! it when asked for "yesterday's traces"), and how to choose between the two tool surfaces.

use crate::config::{Settings, Toolset};

/// Render the instructions for a session in `workspace` on `today` (`YYYY-MM-DD`, UTC).
pub fn render(settings: &Settings, workspace: &str, today: &str) -> String {
    let sets = &settings.opik.toolsets;
    let consolidated = sets.contains(Toolset::Consolidated);
    let classic = Toolset::ALL
        .into_iter()
        .any(|t| t != Toolset::Consolidated && sets.contains(t));
    let mut s = format!(
        "opik-mcp exposes Opik (LLM observability by Comet): projects, traces, spans, threads, \
         prompts, datasets (test suites), experiments and feedback scores. Workspace: \
         \"{workspace}\". Today is {today} (UTC); use it for relative dates.\n"
    );
    if consolidated {
        s.push_str(
            "Consolidated tools (prefer these): search(entity_type, project_name, filters) to \
             find traces, spans or threads (errors, feedback scores, time windows like \"last \
             24h\", tags, model, duration, cost); stats(project_name, start, end, breakdown) \
             for counts, error rate, latency, cost and tokens (by model, provider or tag); \
             compare_experiments(experiments) to see where one evaluation run beat another; \
             list(entity_type, …) to browse (traces, spans and threads need a project or a \
             trace); read(entity_type, id) for one entity — id may be a UUID, a name, an \
             opik:// URI or a pasted Opik UI link, and max_tokens bounds the answer; \
             schema(operation) and then write(operation, data) for any change (up to 1000 \
             elements per call, dry_run to preview); run_experiment(experiment_config) to \
             evaluate prompts over a dataset (returns at once with a results link).\n",
        );
    }
    if classic && consolidated {
        s.push_str(
            "The classic tools that no consolidated tool replaces (get-server-info, help, \
             deletes, …) are listed too; classic tools the consolidated ones replace \
             (list-traces, get-trace-by-id, …) are not listed, but a workflow that names them \
             may still call them.\n",
        );
    } else if classic {
        s.push_str(
            "Start with get-server-info to see the workspace and enabled toolsets, and \
             get-opik-help for how-to topics. Enable the consolidated toolset (search, stats, \
             compare_experiments, read, list, write, …) for fewer, broader tools.\n",
        );
    }
    s
}

/// Today's date, UTC.
pub fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_name_the_workspace_the_date_and_the_surfaces() {
        let mut s = Settings::default();
        s.opik.toolsets = "all".parse().expect("toolsets");
        let text = render(&s, "team-ws", "2026-11-25");
        assert!(text.contains("Workspace: \"team-ws\""), "{text}");
        assert!(text.contains("Today is 2026-11-25"), "{text}");
        assert!(text.contains("Consolidated tools (prefer these)"), "{text}");
        assert!(
            text.contains("classic tools the consolidated ones replace"),
            "{text}"
        );

        s.opik.toolsets = "consolidated".parse().expect("toolsets");
        let text = render(&s, "w", "2026-11-25");
        assert!(
            !text.contains("classic tools") && !text.contains("get-server-info"),
            "{text}"
        );

        s.opik.toolsets = "core".parse().expect("toolsets");
        let text = render(&s, "w", "2026-11-25");
        assert!(
            text.contains("get-server-info") && !text.contains("read(entity_type"),
            "{text}"
        );
    }
}
