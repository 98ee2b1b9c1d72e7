//! `opik-mcp doctor`: the effective configuration (secrets masked), the start-up warnings,
//! then one check per thing that must work, each with a one-line verdict. A failure names
//! the URL or file it tried and the setting to change. Exit 0 only if every check passes.
//!
//! Checks run with the configured timeouts and change nothing: no database file is created
//! and no migration is applied.

mod checks;
mod summary;

use std::io::Write;

use crate::config::{Settings, startup_warnings};

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// It works.
    Pass,
    /// It does not; the detail says what to change.
    Fail,
    /// Not configured, so nothing to check.
    Skip,
}

impl Verdict {
    fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "SKIP",
        }
    }
}

/// One check's result.
#[derive(Debug, Clone)]
pub struct Check {
    /// Short name (`opik`, `database`, `tls`, `jwks`, `ports`).
    pub name: &'static str,
    /// Outcome.
    pub verdict: Verdict,
    /// One line: what was tried and, on failure, what to change.
    pub detail: String,
}

impl Check {
    pub(crate) fn pass(name: &'static str, detail: impl Into<String>) -> Self {
        Self::new(name, Verdict::Pass, detail)
    }

    pub(crate) fn fail(name: &'static str, detail: impl Into<String>) -> Self {
        Self::new(name, Verdict::Fail, detail)
    }

    pub(crate) fn skip(name: &'static str, detail: impl Into<String>) -> Self {
        Self::new(name, Verdict::Skip, detail)
    }

    fn new(name: &'static str, verdict: Verdict, detail: impl Into<String>) -> Self {
        Self {
            name,
            verdict,
            detail: detail.into(),
        }
    }
}

/// Every check, in a fixed order.
pub async fn checks(settings: &Settings) -> Vec<Check> {
    vec![
        checks::opik(settings).await,
        checks::database(settings).await,
        checks::tls(settings),
        checks::jwks(settings).await,
        checks::ports(settings).await,
    ]
}

/// Print the report to `out`; whether every check passed.
pub async fn run(
    settings: &Settings,
    config_file: Option<&std::path::Path>,
    out: &mut impl Write,
) -> std::io::Result<bool> {
    writeln!(out, "opik-mcp {} doctor", env!("CARGO_PKG_VERSION"))?;
    writeln!(out, "\nConfiguration (secrets masked):")?;
    for (key, value) in summary::lines(settings, config_file) {
        writeln!(out, "  {key:<22} {value}")?;
    }
    let warnings = startup_warnings(settings);
    if !warnings.is_empty() {
        writeln!(out, "\nWarnings:")?;
        for w in &warnings {
            writeln!(out, "  ! {w}")?;
        }
    }
    writeln!(out, "\nChecks:")?;
    let results = checks(settings).await;
    for c in &results {
        writeln!(out, "  {} {:<9} {}", c.verdict.label(), c.name, c.detail)?;
    }
    let failed = results
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .count();
    match failed {
        0 => writeln!(out, "\nAll checks passed.")?,
        n => writeln!(out, "\n{n} of {} checks failed.", results.len())?,
    }
    Ok(failed == 0)
}
