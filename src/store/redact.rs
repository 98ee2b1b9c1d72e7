//! Argument redaction and the canonical digest.
//!
//! Values under secret-looking keys (`audit.redact_keys`) become `"[REDACTED]"` before
//! anything is stored or logged. Keys are compared by their UTS #39 confusable skeleton
//! (`unicode-security`), lower-cased and without separators, so `pAsS_wOrD`, a full-width
//! `ｐａｓｓｗｏｒｄ` and a Cyrillic `раssword` all match `password`. Short entries (`pwd`,
//! `auth`, `jwt`, `dsn`) must match a whole word of the key (`basic_auth`, `xAuth`), so that
//! `author` is not taken for `auth`; longer ones match anywhere (`x_api_key` ∋ `apikey`).
//! Whatever the key, string values have URL user-info (a DSN's password) and token-shaped
//! values (JWTs, long opaque keys) redacted ([`crate::scrub`]). The digest is SHA-256 over the canonical JSON (object keys
//! sorted, no whitespace) of the *redacted* arguments: a digest of raw arguments would let
//! anyone with read access to the audit table test guesses of a low-entropy password.
//! Canonicalisation is a dozen lines over `serde_json`, so no extra crate (RFC 8785's number
//! rules do not matter: we only ever hash `serde_json`'s own output).

use serde_json::Value;

/// What replaces a secret value.
pub const REDACTED: &str = "[REDACTED]";

/// Entries up to this many characters must match a whole word of a key.
const WORD_ONLY: usize = 4;

/// Redacts secret-looking keys.
#[derive(Debug, Clone)]
pub struct Redactor {
    /// Folded entries matched anywhere in the folded key.
    anywhere: Vec<String>,
    /// Folded short entries matched against the key's words.
    words: Vec<String>,
}

/// Lower-case, confusable skeleton, letters and digits only.
fn fold(text: &str) -> String {
    let lower: String = text.chars().flat_map(char::to_lowercase).collect();
    unicode_security::confusable_detection::skeleton(&lower)
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The words of a key: split at separators and lower-to-upper case changes (`xAuthToken` →
/// `x`, `Auth`, `Token`), each folded.
fn words(key: &str) -> impl Iterator<Item = String> + '_ {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut prev_lower = false;
    for (i, c) in key.char_indices() {
        if !c.is_alphanumeric() || (prev_lower && c.is_uppercase()) {
            parts.push(&key[start..i]);
            start = if c.is_alphanumeric() {
                i
            } else {
                i + c.len_utf8()
            };
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
    }
    parts.push(&key[start..]);
    parts.into_iter().map(fold).filter(|w| !w.is_empty())
}

impl Redactor {
    /// A redactor for these key names (see `audit.redact_keys`).
    pub fn new<S: AsRef<str>>(keys: &[S]) -> Self {
        let (words, anywhere) = keys
            .iter()
            .map(|k| fold(k.as_ref()))
            .filter(|k| !k.is_empty())
            .partition(|k| k.chars().count() <= WORD_ONLY);
        Self { anywhere, words }
    }

    /// Whether values under `key` are secret.
    pub fn is_secret(&self, key: &str) -> bool {
        let folded = fold(key);
        if self.anywhere.iter().any(|s| folded.contains(s.as_str())) {
            return true;
        }
        !self.words.is_empty() && words(key).any(|w| self.words.contains(&w))
    }

    /// A copy of `value` with every secret value (at any depth) replaced, and URL user-info
    /// and token-shaped values redacted inside every string.
    pub fn redact(&self, value: &Value) -> Value {
        match value {
            Value::Object(map) => self.redact_object(map),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.redact(v)).collect()),
            Value::String(s) => Value::String(scrub_value(s)),
            other => other.clone(),
        }
    }
}

/// A string value with URL user-info and token-shaped values redacted.
fn scrub_value(s: &str) -> String {
    let masked = crate::scrub::mask_userinfo(s);
    crate::scrub::redact_tokens(&masked).into_owned()
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
    super::model::sha256_hex(canonical_json(value).as_bytes())
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
    fn new_default_names_look_alikes_and_whole_words_are_redacted_but_author_is_not() {
        let r = redactor();
        for key in [
            "pwd",
            "db_pwd",
            "auth",
            "basic_auth",
            "xAuth",
            "jwt",
            "idJwt",
            "bearer",
            "passphrase",
            "dsn",
            "ｐａｓｓｗｏｒｄ",
            "раssword",
            "API\u{200b}KEY",
        ] {
            assert!(r.is_secret(key), "{key:?} not redacted");
        }
        for key in ["author", "authorName", "project", "description", "dataset"] {
            assert!(!r.is_secret(key), "{key:?} redacted");
        }
    }

    #[test]
    fn dsn_passwords_and_token_shaped_values_are_redacted_under_any_key() {
        let args = json!({
            "note": "connect to postgres://app:hunter2@db:5432/x",
            "list": ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"],
            "config": {"value": "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c"},
            "traceId": "0190babc-62a0-71d2-832a-0feffa4676eb"
        });
        let out = redactor().redact(&args);
        let text = out.to_string();
        for secret in ["hunter2", "eyJzdWIiOiJ4In0", "sk-live-4f9a"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        assert_eq!(out["note"], "connect to postgres://[REDACTED]@db:5432/x");
        assert_eq!(out["traceId"], "0190babc-62a0-71d2-832a-0feffa4676eb");
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
