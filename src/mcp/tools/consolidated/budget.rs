//! The token budget of `read`: a result is rendered as compact JSON and compressed step by
//! step until it fits — full, then long strings shortened (each marked with its JSON path),
//! then a skeleton (scalars only, nested objects summarised), then trailing elements of the
//! largest array dropped. Tokens are estimated as characters / 4, the usual rule of thumb for
//! English text and JSON with BPE tokenizers; the header says so.

use serde_json::{Map, Value};

/// String lengths tried by the medium tier, longest first.
const MEDIUM_LIMITS: [usize; 5] = [2000, 1000, 500, 250, 120];
/// Longest string kept by the skeleton tier.
const SKELETON_STRING: usize = 60;

/// Estimated tokens of `text` (characters / 4, rounded up).
pub fn tokens(text: &str) -> usize {
    text.chars().count().div_ceil(4)
}

/// How far a result had to be compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// Everything.
    Full,
    /// Long strings shortened.
    Medium,
    /// Scalars only; nested objects summarised.
    Skeleton,
}

impl Tier {
    /// The header's word for it.
    pub fn label(self) -> &'static str {
        match self {
            Tier::Full => "full",
            Tier::Medium => "medium (long strings shortened; each cut names its JSON path)",
            Tier::Skeleton => "skeleton (scalar fields only; nested values summarised)",
        }
    }
}

/// A rendered result and what was cut.
#[derive(Debug)]
pub struct Fitted {
    /// Compact JSON.
    pub body: String,
    /// The tier used.
    pub tier: Tier,
    /// Estimated tokens of the uncompressed JSON.
    pub full_tokens: usize,
    /// What was cut, for the header.
    pub cuts: Vec<String>,
}

/// Render `value` within `budget` tokens.
pub fn fit(value: &Value, budget: usize) -> Fitted {
    let full = value.to_string();
    let full_tokens = tokens(&full);
    if full_tokens <= budget {
        return Fitted {
            body: full,
            tier: Tier::Full,
            full_tokens,
            cuts: Vec::new(),
        };
    }
    for limit in MEDIUM_LIMITS {
        let mut v = value.clone();
        let n = shorten(&mut v, limit, "$");
        let body = v.to_string();
        if tokens(&body) <= budget {
            return Fitted {
                body,
                tier: Tier::Medium,
                full_tokens,
                cuts: vec![format!("{n} string(s) cut to {limit} characters")],
            };
        }
    }
    let mut v = value.clone();
    let mut stats = (0, 0);
    skeleton(&mut v, "$", false, &mut stats);
    let mut cuts = vec![format!(
        "{} string(s) cut to {SKELETON_STRING} characters, {} nested value(s) summarised",
        stats.0, stats.1
    )];
    let mut body = v.to_string();
    if tokens(&body) > budget {
        if let Some(note) = trim_largest_array(&mut v, budget) {
            cuts.push(note);
        }
        body = v.to_string();
    }
    if tokens(&body) > budget {
        body = "{}".into();
        cuts.push("everything: max_tokens is too small even for a skeleton; raise it".into());
    }
    Fitted {
        body,
        tier: Tier::Skeleton,
        full_tokens,
        cuts,
    }
}

fn cut(s: &mut String, limit: usize, path: &str) -> bool {
    let total = s.chars().count();
    if total <= limit {
        return false;
    }
    let end = s.char_indices().nth(limit).map_or(s.len(), |(i, _)| i);
    s.truncate(end);
    s.push_str(&format!("…[+{} chars cut at {path}]", total - limit));
    true
}

fn child(path: &str, key: &str) -> String {
    if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !key.is_empty() {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", Value::String(key.into()))
    }
}

/// Shorten every string longer than `limit`; returns how many.
fn shorten(v: &mut Value, limit: usize, path: &str) -> usize {
    match v {
        Value::String(s) => usize::from(cut(s, limit, path)),
        Value::Array(a) => a
            .iter_mut()
            .enumerate()
            .map(|(i, x)| shorten(x, limit, &format!("{path}[{i}]")))
            .sum(),
        Value::Object(m) => m
            .iter_mut()
            .map(|(k, x)| shorten(x, limit, &child(path, k)))
            .sum(),
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
    }
}

/// Keep the structure of containers (the composite root, arrays) and the scalar fields of
/// entities (objects with an `id`, or array elements); summarise an entity's nested values.
/// `stats` counts (strings cut, values summarised).
fn skeleton(v: &mut Value, path: &str, in_entity: bool, stats: &mut (usize, usize)) {
    match v {
        Value::String(s) => stats.0 += usize::from(cut(s, SKELETON_STRING, path)),
        Value::Array(a) if in_entity => {
            *v = Value::String(format!("[{} item(s) at {path}]", a.len()));
            stats.1 += 1;
        }
        Value::Array(a) => {
            for (i, x) in a.iter_mut().enumerate() {
                let p = format!("{path}[{i}]");
                match x {
                    Value::Object(m) => entity_fields(m, &p, stats),
                    other => skeleton(other, &p, false, stats),
                }
            }
        }
        Value::Object(m) if in_entity => {
            *v = Value::String(format!("{{{} key(s) at {path}}}", m.len()));
            stats.1 += 1;
        }
        Value::Object(m) if m.contains_key("id") => entity_fields(m, path, stats),
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                skeleton(x, &child(path, k), false, stats);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn entity_fields(m: &mut Map<String, Value>, path: &str, stats: &mut (usize, usize)) {
    for (k, x) in m.iter_mut() {
        skeleton(x, &child(path, k), true, stats);
    }
}

/// Drop trailing elements of the largest array (the root, or a field of the root) until the
/// JSON fits; returns a note, or `None` when there is no array to trim.
fn trim_largest_array(v: &mut Value, budget: usize) -> Option<String> {
    let key = match v {
        Value::Array(_) => None,
        Value::Object(m) => Some(
            m.iter()
                .filter_map(|(k, x)| x.as_array().map(|a| (k.clone(), a.len())))
                .max_by_key(|(_, n)| *n)?
                .0,
        ),
        _ => return None,
    };
    let total = array_at(v, key.as_deref())?.len();
    let (mut lo, mut hi) = (0, total);
    let full = array_at(v, key.as_deref())?.clone();
    // Largest kept length that fits.
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        array_at(v, key.as_deref())?.truncate(mid);
        if tokens(&v.to_string()) <= budget {
            lo = mid;
        } else {
            hi = mid - 1;
        }
        *array_at(v, key.as_deref())? = full.clone();
    }
    array_at(v, key.as_deref())?.truncate(lo);
    let name = key.unwrap_or_else(|| "items".into());
    Some(format!("{name}: only the first {lo} of {total} kept"))
}

fn array_at<'a>(v: &'a mut Value, key: Option<&str>) -> Option<&'a mut Vec<Value>> {
    match key {
        None => v.as_array_mut(),
        Some(k) => v.get_mut(k)?.as_array_mut(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn small_values_are_returned_in_full() {
        let f = fit(&json!({"id": "a", "name": "b"}), 100);
        assert_eq!(f.tier, Tier::Full);
        assert_eq!(f.body, r#"{"id":"a","name":"b"}"#);
    }

    #[test]
    fn long_strings_are_cut_with_their_path() {
        let v = json!({"trace": {"id": "t", "input": {"q": "x".repeat(4000)}}});
        let f = fit(&v, 500);
        assert_eq!(f.tier, Tier::Medium);
        assert!(tokens(&f.body) <= 500, "{}", f.body.len());
        assert!(
            f.body.contains("chars cut at $.trace.input.q]"),
            "{}",
            f.body
        );
    }

    #[test]
    fn many_entities_become_a_skeleton_and_then_a_prefix_that_fits() {
        let spans: Vec<Value> = (0..1000)
            .map(|i| json!({"id": format!("s{i}"), "name": "llm", "input": {"p": "y".repeat(300)}}))
            .collect();
        let v = json!({"trace": {"id": "t", "name": "n"}, "spans": spans});
        let f = fit(&v, 2000);
        assert_eq!(f.tier, Tier::Skeleton);
        assert!(tokens(&f.body) <= 2000);
        let back: Value = serde_json::from_str(&f.body).expect("still JSON");
        let kept = back["spans"].as_array().expect("spans").len();
        assert!(kept > 10 && kept < 1000, "{kept}");
        assert_eq!(back["spans"][0]["input"], "{1 key(s) at $.spans[0].input}");
        assert!(
            f.cuts
                .iter()
                .any(|c| c.contains(&format!("first {kept} of 1000")))
        );
    }

    #[test]
    fn a_hopeless_budget_says_so() {
        let v = json!({"id": "x".repeat(100), "name": "y".repeat(100)});
        let f = fit(&v, 5);
        assert_eq!(f.body, "{}");
        assert!(f.cuts.last().expect("note").contains("raise it"));
    }
}
