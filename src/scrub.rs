//! Scrubbing secrets out of free text before it is shown to a caller, logged or audited:
//! credentials inside URLs (`https://user:pw@host`), token-shaped values (JWTs, `Bearer …`,
//! long opaque keys), and known secrets (the Opik key in use) echoed back by an upstream.
//!
//! Hand-written rather than with a regex crate: three linear scans over the text, and the
//! rules are easier to read (and test) as code than as patterns.

use std::borrow::Cow;

/// What replaces a scrubbed value.
pub const MASK: &str = "[REDACTED]";

/// Shortest run of key-like characters treated as an opaque secret.
const MIN_OPAQUE: usize = 32;

/// `text` with the user-info of every `scheme://user:pw@host` replaced by [`MASK`].
pub fn mask_userinfo(text: &str) -> Cow<'_, str> {
    if !text.contains("://") || !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority ends at the first '/', '?', '#', whitespace or quote.
        let end = tail
            .find(|c: char| "/?#\"'<>`".contains(c) || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str(MASK);
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Whether `c` can be part of an opaque key or a JWT segment.
fn key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_+".contains(c)
}

/// Whether `word` looks like a credential: a JWT (`eyJ….….…`) or a long opaque run of
/// key characters mixing letters and digits (not a UUID).
pub fn is_token_shaped(word: &str) -> bool {
    let parts: Vec<&str> = word.split('.').collect();
    if parts.len() == 3
        && word.starts_with("eyJ")
        && parts.iter().all(|p| p.chars().all(key_char))
        && parts[..2].iter().all(|p| !p.is_empty())
    {
        return true;
    }
    word.len() >= MIN_OPAQUE
        && word.chars().all(key_char)
        && word.chars().any(|c| c.is_ascii_digit())
        && word.chars().any(|c| c.is_ascii_alphabetic())
        && uuid::Uuid::try_parse(word).is_err()
}

/// `text` with token-shaped words (see [`is_token_shaped`]) replaced by [`MASK`].
pub fn redact_tokens(text: &str) -> Cow<'_, str> {
    redact_words(text, false)
}

/// [`redact_tokens`], and also the word after `Bearer` or `Basic` (an echoed
/// `Authorization` value; too eager for ordinary prose, so only for upstream text).
pub fn redact_credentials(text: &str) -> Cow<'_, str> {
    redact_words(text, true)
}

fn redact_words(text: &str, schemes: bool) -> Cow<'_, str> {
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut after_scheme = false;
    let mut last = 0;
    let words = text.split(|c: char| !(key_char(c) || c == '.'));
    for word in words {
        // `split` yields slices of `text`, so the offset is their address difference.
        let start = word.as_ptr() as usize - text.as_ptr() as usize;
        let secret = !word.is_empty() && (after_scheme || is_token_shaped(word));
        if secret {
            out.push_str(&text[last..start]);
            out.push_str(MASK);
            last = start + word.len();
            changed = true;
        }
        if !word.is_empty() {
            after_scheme = schemes && (word == "Bearer" || word == "Basic");
        }
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Text from an upstream (an error body, a transport error) made safe to show and log:
/// each of `secrets` (the credentials of the call) removed, URL user-info masked,
/// token-shaped values redacted, control characters turned into spaces, and at most
/// `max_chars` characters kept (`…` marks a cut).
pub fn upstream_text(text: &str, secrets: &[&str], max_chars: usize) -> String {
    let mut s = text.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        if s.contains(secret) {
            s = s.replace(secret, MASK);
        }
    }
    let s = mask_userinfo(&s);
    let s = redact_credentials(&s);
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max_chars)
        .collect();
    if s.chars().count() > max_chars {
        format!("{clean}…")
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_in_urls_is_masked_wherever_it_appears() {
        assert_eq!(
            mask_userinfo("https://user:pw@opik.example/api"),
            "https://[REDACTED]@opik.example/api"
        );
        assert_eq!(
            mask_userinfo("cannot reach postgres://app:s3cret@db:5432/x and http://h/a@b"),
            "cannot reach postgres://[REDACTED]@db:5432/x and http://h/a@b"
        );
        assert_eq!(mask_userinfo("no urls here @all"), "no urls here @all");
    }

    #[test]
    fn jwts_bearer_values_and_long_keys_are_redacted_but_ids_are_not() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
        assert_eq!(
            redact_tokens(&format!("token {jwt} bad")),
            "token [REDACTED] bad"
        );
        assert_eq!(
            redact_credentials("Authorization: Bearer abc"),
            "Authorization: Bearer [REDACTED]"
        );
        assert_eq!(redact_tokens("the Bearer abc"), "the Bearer abc");
        let key = "sk-proj-8f3KQz1xY7wPq2LmN4vB6cD9eR0tU5sA";
        assert_eq!(redact_tokens(&format!("key={key};")), "key=[REDACTED];");
        let id = "0190babc-62a0-71d2-832a-0feffa4676eb";
        assert_eq!(
            redact_tokens(&format!("trace {id} not found")),
            format!("trace {id} not found")
        );
        assert_eq!(redact_tokens("Project not found"), "Project not found");
    }

    #[test]
    fn upstream_text_removes_the_key_in_use_control_characters_and_length() {
        let out = upstream_text(
            "bad key opik-key-123 given\r\nX-Injected: 1",
            &["opik-key-123"],
            40,
        );
        assert_eq!(out, "bad key [REDACTED] given  X-Injected: 1");
        let long = upstream_text(&"word ".repeat(100), &[], 20);
        assert_eq!(long.chars().count(), 21);
        assert!(long.ends_with('…'));
    }
}
