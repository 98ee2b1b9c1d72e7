//! Compact pipe tables for `list` and `search`: one line per entity, cells on one line, `|`
//! escaped, at most [`CELL`] characters.

use serde_json::Value;

/// Widest table cell, in characters.
pub const CELL: usize = 60;

/// One table cell: scalars as text, JSON compacted, `|` escaped, at most [`CELL`] characters.
pub fn cell(v: Option<&Value>) -> String {
    let s = match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let s = s.replace(['\n', '\r', '\t'], " ").replace('|', "\\|");
    if s.chars().count() > CELL {
        let mut t: String = s.chars().take(CELL - 1).collect();
        t.push('…');
        t
    } else {
        s
    }
}

/// A pipe table of `items` with `cols` (Opik field names) as columns.
pub fn table(cols: &[&str], items: &[Value]) -> String {
    let mut out = format!(
        "{}\n{}\n",
        cols.join(" | "),
        vec!["---"; cols.len()].join("|")
    );
    for it in items {
        let row: Vec<String> = cols.iter().map(|c| cell(it.get(*c))).collect();
        out.push_str(&row.join(" | "));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn cells_are_single_line_escaped_and_short() {
        assert_eq!(cell(Some(&json!("a|b\nc"))), "a\\|b c");
        assert_eq!(cell(Some(&json!({"q": 1}))), "{\"q\":1}");
        assert_eq!(cell(None), "");
        let long = cell(Some(&json!("x".repeat(100))));
        assert_eq!(long.chars().count(), CELL);
        assert!(long.ends_with('…'));
    }
}
