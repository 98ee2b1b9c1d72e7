//! Which scope each tool needs, decided once at start-up from the tool annotations and
//! `auth.scopes`:
//! - `readOnlyHint: true` → `auth.scopes.read` (`opik:read`);
//! - otherwise `destructiveHint: false` → `auth.scopes.write` (`opik:write`);
//! - otherwise → `auth.scopes.admin` (`opik:admin`): the MCP spec defaults `destructiveHint`
//!   to true for a tool that is not read-only, so an unannotated tool is treated as
//!   destructive (fail closed);
//! - `auth.scopes.tools."<name>"` overrides all of that.

use std::collections::{BTreeSet, HashMap};

use rmcp::model::Tool;

use crate::config::ScopeSettings;

/// The required scope of every tool.
#[derive(Debug, Clone, Default)]
pub struct ToolScopes {
    by_tool: HashMap<String, String>,
    supported: Vec<String>,
    fallback: String,
}

impl ToolScopes {
    /// Decide the scope of each tool.
    pub fn new(tools: &[Tool], s: &ScopeSettings) -> Self {
        let by_tool: HashMap<String, String> = tools
            .iter()
            .map(|t| {
                let scope = s
                    .tools
                    .get(t.name.as_ref())
                    .cloned()
                    .unwrap_or_else(|| classify(t, s).to_owned());
                (t.name.to_string(), scope)
            })
            .collect();
        let mut supported: BTreeSet<String> =
            [s.read.clone(), s.write.clone(), s.admin.clone()].into();
        supported.extend(s.required.iter().cloned());
        supported.extend(by_tool.values().cloned());
        Self {
            by_tool,
            supported: supported.into_iter().collect(),
            fallback: s.admin.clone(),
        }
    }

    /// The scope `tool` needs (the admin scope for a tool we do not know).
    pub fn required(&self, tool: &str) -> &str {
        self.by_tool
            .get(tool)
            .map_or(&self.fallback, String::as_str)
    }

    /// Every scope this server uses (`scopes_supported` of the resource metadata).
    pub fn supported(&self) -> &[String] {
        &self.supported
    }
}

/// The scope class of a tool from its annotations.
pub fn classify<'a>(tool: &Tool, s: &'a ScopeSettings) -> &'a str {
    let a = tool.annotations.as_ref();
    if a.and_then(|a| a.read_only_hint) == Some(true) {
        &s.read
    } else if a.and_then(|a| a.destructive_hint) == Some(false) {
        &s.write
    } else {
        &s.admin
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rmcp::model::ToolAnnotations;

    use super::*;

    fn tool(name: &'static str, ro: Option<bool>, destructive: Option<bool>) -> Tool {
        let mut t = Tool::new(name, "d", Arc::new(serde_json::Map::new()));
        let mut a = ToolAnnotations::default();
        a.read_only_hint = ro;
        a.destructive_hint = destructive;
        t.annotations = Some(a);
        t
    }

    #[test]
    fn annotations_decide_read_write_admin_and_config_overrides() {
        let mut s = ScopeSettings::default();
        s.tools.insert("list-x".into(), "custom:scope".into());
        let tools = [
            tool("get-x", Some(true), None),
            tool("create-x", Some(false), Some(false)),
            tool("delete-x", Some(false), Some(true)),
            tool("unannotated", None, None),
            tool("list-x", Some(true), None),
        ];
        let scopes = ToolScopes::new(&tools, &s);
        assert_eq!(scopes.required("get-x"), "opik:read");
        assert_eq!(scopes.required("create-x"), "opik:write");
        assert_eq!(scopes.required("delete-x"), "opik:admin");
        assert_eq!(scopes.required("unannotated"), "opik:admin");
        assert_eq!(scopes.required("list-x"), "custom:scope");
        assert_eq!(scopes.required("nope"), "opik:admin");
        assert!(scopes.supported().contains(&"custom:scope".to_string()));
    }
}
