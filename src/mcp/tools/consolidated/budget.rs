//! The token budget of `read` and `compare_experiments`: a result is rendered as compact JSON
//! and compressed step by step until it fits — full, then long strings shortened (each marked
//! with its JSON path), then a skeleton (the main entity keeps its fields with strings cut;
//! list elements keep their scalars, nested values become one-line previews naming their
//! path), then trailing elements of the largest list dropped, then the main entity a skeleton
//! too. Tokens are estimated as characters / 4, the usual rule of thumb for
//! English text and JSON with BPE tokenizers; the header says so.

use serde_json::{Map, Value};

use super::ordered;

/// String lengths tried by the medium tier, longest first.
const MEDIUM_LIMITS: [usize; 5] = [2000, 1000, 500, 250, 120];
/// Longest string (or nested-value preview) in a skeleton.
const SKELETON_STRING: usize = 60;
/// Longest string of the main entity while it keeps its structure in the skeleton tier.
const MAIN_STRING: usize = 120;

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
            Tier::Skeleton => "skeleton (list elements: scalar fields, nested values as previews)",
        }
    }
}

/// A rendered result and what was cut.
#[derive(Debug)]
pub struct Fitted {
    /// Compact JSON, in reading order ([`super::ordered`]).
    pub body: String,
    /// The tier used.
    pub tier: Tier,
    /// Estimated tokens of the uncompressed JSON.
    pub full_tokens: usize,
    /// What was cut, for the header.
    pub cuts: Vec<String>,
    /// When a list was cut short: its key, how many elements were kept and how many it had.
    pub kept: Option<(String, usize, usize)>,
}

impl Fitted {
    fn new(v: &Value, tier: Tier, full_tokens: usize, cuts: Vec<String>) -> Self {
        Self {
            body: ordered::to_string(v),
            tier,
            full_tokens,
            cuts,
            kept: None,
        }
    }
}

/// Render `value` within `budget` tokens.
pub fn fit(value: &Value, budget: usize) -> Fitted {
    let full_tokens = tokens(&value.to_string());
    if full_tokens <= budget {
        return Fitted::new(value, Tier::Full, full_tokens, Vec::new());
    }
    for limit in MEDIUM_LIMITS {
        let mut v = value.clone();
        let n = shorten(&mut v, limit, "$");
        if tokens(&v.to_string()) <= budget {
            let cuts = vec![format!("{n} string(s) cut to {limit} characters")];
            return Fitted::new(&v, Tier::Medium, full_tokens, cuts);
        }
    }
    // First the main entity keeps its shape (strings shortened) and list elements become
    // skeletons; then, if that is still too large, the main entity becomes a skeleton too.
    let mut last = None;
    for deep in [false, true] {
        let mut v = value.clone();
        let mut stats = Stats::default();
        skeleton_root(&mut v, deep, &mut stats);
        let mut cuts = vec![stats.note(deep)];
        let mut kept = None;
        if tokens(&v.to_string()) > budget
            && let Some((key, n, total)) = trim_largest_array(&mut v, budget)
        {
            cuts.push(format!("{key}: only the first {n} of {total} kept"));
            kept = Some((key, n, total));
        }
        if tokens(&v.to_string()) <= budget {
            let mut f = Fitted::new(&v, Tier::Skeleton, full_tokens, cuts);
            f.kept = kept;
            return f;
        }
        last = Some(cuts);
    }
    let mut cuts = last.unwrap_or_default();
    cuts.push("everything: max_tokens is too small even for a skeleton; raise it".into());
    let mut f = Fitted::new(
        &Value::Object(Map::new()),
        Tier::Skeleton,
        full_tokens,
        cuts,
    );
    f.body = "{}".into();
    f
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

/// What the skeleton tier changed.
#[derive(Debug, Default)]
struct Stats {
    /// Strings shortened.
    strings: usize,
    /// Nested values replaced by a one-line preview.
    previews: usize,
}

impl Stats {
    fn note(&self, deep: bool) -> String {
        format!(
            "{} string(s) shortened, {} nested value(s) shown as {SKELETON_STRING}-character \
             previews{}",
            self.strings,
            self.previews,
            if deep {
                ""
            } else {
                " (the main entity keeps its fields, strings cut to 120 characters)"
            }
        )
    }
}

/// The skeleton of a result: the main entity (the root when it is an entity, else the root's
/// object fields) shortened — or, when `deep`, made a skeleton too — and every element of the
/// root's lists (spans, versions, messages, items) made a skeleton.
fn skeleton_root(v: &mut Value, deep: bool, stats: &mut Stats) {
    let main = |x: &mut Value, path: &str, stats: &mut Stats| match x {
        Value::Object(m) if deep => entity(m, path, stats),
        other => stats.strings += shorten(other, MAIN_STRING, path),
    };
    match v {
        Value::Object(m) if m.contains_key("id") => main(v, "$", stats),
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                let path = child("$", k);
                match x {
                    Value::Array(items) => {
                        for (i, e) in items.iter_mut().enumerate() {
                            element(e, &format!("{path}[{i}]"), stats);
                        }
                    }
                    other => main(other, &path, stats),
                }
            }
        }
        Value::Array(items) => {
            for (i, e) in items.iter_mut().enumerate() {
                element(e, &format!("$[{i}]"), stats);
            }
        }
        other => stats.strings += shorten(other, MAIN_STRING, "$"),
    }
}

fn element(e: &mut Value, path: &str, stats: &mut Stats) {
    match e {
        Value::Object(m) => entity(m, path, stats),
        other => stats.strings += shorten(other, SKELETON_STRING, path),
    }
}

/// An entity's skeleton: scalars kept (strings cut), nested values kept when their JSON is
/// short, else replaced by a preview of it that names its path.
fn entity(m: &mut Map<String, Value>, path: &str, stats: &mut Stats) {
    for (k, x) in m.iter_mut() {
        let p = child(path, k);
        match x {
            Value::String(s) => stats.strings += usize::from(cut(s, SKELETON_STRING, &p)),
            Value::Array(_) | Value::Object(_) => {
                let mut text = ordered::to_string(x);
                if cut(&mut text, SKELETON_STRING, &p) {
                    *x = Value::String(text);
                    stats.previews += 1;
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// Drop trailing elements of the largest array (the root, or a field of the root) until the
/// JSON fits; returns (its key, kept, total), or `None` when there is no array to trim.
fn trim_largest_array(v: &mut Value, budget: usize) -> Option<(String, usize, usize)> {
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
    Some((key.unwrap_or_else(|| "items".into()), lo, total))
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
        let preview = back["spans"][0]["input"].as_str().expect("a preview");
        assert!(
            preview.starts_with(r#"{"p":"yyy"#)
                && preview.ends_with("chars cut at $.spans[0].input]"),
            "{preview}"
        );
        assert_eq!(f.kept, Some(("spans".into(), kept, 1000)));
        assert!(
            f.cuts
                .iter()
                .any(|c| c.contains(&format!("first {kept} of 1000")))
        );
    }

    #[test]
    fn the_main_entity_keeps_its_input_and_output_shortened_in_the_skeleton() {
        let spans: Vec<Value> = (0..300)
            .map(|i| json!({"id": format!("s{i}"), "usage": {"t": 1}, "input": "z".repeat(500)}))
            .collect();
        let v = json!({"trace": {"id": "t", "input": {"question": "q".repeat(5000)},
                                 "output": {"answer": "a".repeat(5000)}}, "spans": spans});
        let f = fit(&v, 3000);
        assert_eq!(f.tier, Tier::Skeleton);
        let back: Value = serde_json::from_str(&f.body).expect("JSON");
        let q = back["trace"]["input"]["question"]
            .as_str()
            .expect("kept as a field");
        assert!(q.starts_with(&"q".repeat(120)) && q.contains("cut at $.trace.input.question"));
        assert!(back["trace"]["output"]["answer"].is_string());
        assert_eq!(
            back["spans"][0]["usage"],
            json!({"t": 1}),
            "short values stay values"
        );
        assert!(
            f.body.starts_with(r#"{"trace":{"id":"t""#),
            "{}",
            &f.body[..40]
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
