//! Toolset names (upstream §B.3): which groups of tools are listed and callable.

use std::{collections::BTreeSet, fmt, str::FromStr};

use serde::{Deserialize, Deserializer};

/// One group of tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Toolset {
    /// Server info, help and the read-only project/trace tools (default).
    Core,
    /// Prompt library management.
    ExpertPrompts,
    /// Dataset management.
    ExpertDatasets,
    /// Trace feedback.
    ExpertTraceActions,
    /// Project creation.
    ExpertProjectActions,
    /// Integration docs.
    Integration,
    /// Metrics.
    Metrics,
    /// The consolidated agent-friendly tools (`schema`, `write`, …).
    Consolidated,
}

impl Toolset {
    /// Every toolset, in display order.
    pub const ALL: [Toolset; 8] = [
        Toolset::Core,
        Toolset::ExpertPrompts,
        Toolset::ExpertDatasets,
        Toolset::ExpertTraceActions,
        Toolset::ExpertProjectActions,
        Toolset::Integration,
        Toolset::Metrics,
        Toolset::Consolidated,
    ];

    /// The canonical name.
    pub fn as_str(self) -> &'static str {
        match self {
            Toolset::Core => "core",
            Toolset::ExpertPrompts => "expert-prompts",
            Toolset::ExpertDatasets => "expert-datasets",
            Toolset::ExpertTraceActions => "expert-trace-actions",
            Toolset::ExpertProjectActions => "expert-project-actions",
            Toolset::Integration => "integration",
            Toolset::Metrics => "metrics",
            Toolset::Consolidated => "consolidated",
        }
    }

    /// Expand one configured name (canonical, `all`, or a legacy alias).
    fn expand(name: &str) -> Option<Vec<Toolset>> {
        use Toolset::*;
        let set = match name {
            "all" => Toolset::ALL.to_vec(),
            "core" | "capabilities" => vec![Core],
            "expert-prompts" | "prompts" => vec![ExpertPrompts],
            "expert-datasets" | "datasets" => vec![ExpertDatasets],
            "expert-trace-actions" => vec![ExpertTraceActions],
            "expert-project-actions" => vec![ExpertProjectActions],
            "projects" => vec![Core, ExpertProjectActions],
            "traces" => vec![Core, ExpertTraceActions],
            "integration" => vec![Integration],
            "metrics" => vec![Metrics],
            "consolidated" => vec![Consolidated],
            _ => return None,
        };
        Some(set)
    }
}

/// The enabled toolsets (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolsets(BTreeSet<Toolset>);

impl Default for Toolsets {
    fn default() -> Self {
        Self(BTreeSet::from([Toolset::Core]))
    }
}

impl Toolsets {
    /// Whether `t` is enabled.
    pub fn contains(&self, t: Toolset) -> bool {
        self.0.contains(&t)
    }

    /// Canonical names of the enabled toolsets.
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|t| t.as_str()).collect()
    }
}

/// An unknown toolset name.
#[derive(Debug, PartialEq, Eq)]
pub struct UnknownToolset(pub String);

impl fmt::Display for UnknownToolset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown toolset {:?}; expected a comma-separated list of: all, core, expert-prompts, \
             expert-datasets, expert-trace-actions, expert-project-actions, integration, metrics, \
             consolidated \
             (aliases: capabilities, prompts, datasets, projects, traces)",
            self.0
        )
    }
}

impl FromStr for Toolsets {
    type Err = UnknownToolset;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut set = BTreeSet::new();
        for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let lower = name.to_ascii_lowercase();
            let expanded = Toolset::expand(&lower).ok_or_else(|| UnknownToolset(name.into()))?;
            set.extend(expanded);
        }
        if set.is_empty() {
            return Err(UnknownToolset(s.into()));
        }
        Ok(Self(set))
    }
}

impl<'de> Deserialize<'de> for Toolsets {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Csv(String),
            List(Vec<String>),
        }
        let csv = match Raw::deserialize(d)? {
            Raw::Csv(s) => s,
            Raw::List(v) => v.join(","),
        };
        csv.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_aliases_expand_like_upstream() {
        let t: Toolsets = "projects,traces".parse().expect("valid");
        assert_eq!(
            t.names(),
            ["core", "expert-trace-actions", "expert-project-actions"]
        );
    }

    #[test]
    fn all_enables_every_toolset() {
        let t: Toolsets = "all".parse().expect("valid");
        assert_eq!(t.names().len(), Toolset::ALL.len());
    }

    #[test]
    fn unknown_name_is_rejected_with_the_name() {
        let err = "core,bogus".parse::<Toolsets>().expect_err("invalid");
        assert!(err.to_string().contains("\"bogus\""));
    }

    #[test]
    fn empty_list_is_rejected() {
        assert!(" , ".parse::<Toolsets>().is_err());
    }
}
