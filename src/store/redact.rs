//! Argument redaction and the canonical digest.
//!
//! Values under secret-looking keys (`audit.redact_keys`) become `"[REDACTED]"` before
//! anything is stored or logged. The digest is SHA-256 over the canonical JSON (object keys
//! sorted, no whitespace) of the *redacted* arguments: a digest of raw arguments would let
//! anyone with read access to the audit table test guesses of a low-entropy password.
//! Canonicalisation is a dozen lines over `serde_json`, so no extra crate (RFC 8785's number
//! rules do not matter: we only ever hash `serde_json`'s own output).

use serde_json::Value;
use sha2::{Digest, Sha256};

/// What replaces a secret value.
pub const REDACTED: &str = "[REDACTED]";

/// Redacts secret-looking keys.
#[derive(Debug, Clone)]
pub struct Redactor {
    keys: Vec<String>,
}

fn normalize(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

impl Redactor {
    /// A redactor for these key names (see `audit.redact_keys`).
    pub fn new<S: AsRef<str>>(keys: &[S]) -> Self {
        Self {
            keys: keys.iter().map(|k| normalize(k.as_ref())).collect(),
        }
    }

    /// Whether values under `key` are secret.
    pub fn is_secret(&self, key: &str) -> bool {
        let k = normalize(key);
        self.keys.iter().any(|s| k.contains(s.as_str()))
    }

    /// A copy of `value` with every secret value (at any depth) replaced.
    pub fn redact(&self, value: &Value) -> Value {
        match value {
            Value::Object(map) => self.redact_object(map),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.redact(v)).collect()),
            other => other.clone(),
        }
    }
}

impl Redactor {
    /// [`Redactor::redact`] of an object, without copying it first.
    pub fn redact_object(&self, map: &serde_json::Map<String, Value>) -> Value {
        Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if self.is_secret(k) {
                        Value::String(REDACTED.into())
                    } else {
                        self.redact(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        )
    }
}

/// Canonical JSON text: object keys sorted at every depth, no insignificant whitespace.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// SHA-256 (hex) of the canonical JSON of `value`.
pub fn digest(value: &Value) -> String {
    hex::encode(Sha256::digest(canonical_json(value).as_bytes()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::DEFAULT_REDACT_KEYS;

    fn redactor() -> Redactor {
        Redactor::new(DEFAULT_REDACT_KEYS)
    }

    #[test]
    fn secret_keys_are_redacted_at_any_depth_and_in_any_spelling() {
        let args = json!({
            "apiKey": "sk-1", "API_KEY": "sk-2", "x-api-key": "sk-3",
            "nested": {"password": "hunter2", "list": [{"access_token": "t"}]},
            "project": "demo"
        });
        let out = redactor().redact(&args);
        let text = out.to_string();
        for secret in ["sk-1", "sk-2", "sk-3", "hunter2", "\"t\""] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        assert_eq!(out["project"], "demo");
        assert_eq!(out["nested"]["password"], REDACTED);
    }

    #[test]
    fn canonical_json_ignores_key_order() {
        let a = json!({"b": 1, "a": {"d": [1, 2], "c": null}});
        let b = json!({"a": {"c": null, "d": [1, 2]}, "b": 1});
        assert_eq!(canonical_json(&a), r#"{"a":{"c":null,"d":[1,2]},"b":1}"#);
        assert_eq!(digest(&a), digest(&b));
        assert_ne!(digest(&a), digest(&json!({"b": 2})));
    }

    #[test]
    fn digest_of_redacted_arguments_does_not_depend_on_the_secret() {
        let r = redactor();
        let one = digest(&r.redact(&json!({"token": "aaa", "q": 1})));
        let two = digest(&r.redact(&json!({"token": "bbb", "q": 1})));
        assert_eq!(one, two);
    }
}
