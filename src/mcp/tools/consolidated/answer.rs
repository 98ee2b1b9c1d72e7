//! A budgeted text answer: a one-line header (what it is, the tier, the size, what was cut and
//! how to fetch the rest) and the compact JSON fitted by [`super::budget::fit`], the two
//! together within the caller's `max_tokens`. Used by `read` and `compare_experiments`.

use serde_json::Value;

use super::budget::{Fitted, fit, tokens};

/// Default token budget.
pub const DEFAULT_MAX_TOKENS: u32 = 8000;

/// The budget asked for, checked.
pub fn budget(max_tokens: Option<u32>) -> Result<usize, super::super::common::ToolError> {
    let budget = max_tokens.unwrap_or(DEFAULT_MAX_TOKENS);
    if !(100..=200_000).contains(&budget) {
        return Err(super::super::common::ToolError::invalid(format!(
            "max_tokens: must be between 100 and 200000, got {budget}"
        )));
    }
    Ok(budget as usize)
}

/// What to render.
pub struct Answer<'a> {
    /// The tool and the subject, e.g. `read: trace 0190…`.
    pub title: String,
    /// The result before the budget.
    pub value: &'a Value,
    /// Caps hit while fetching, for the `cut:` part of the header.
    pub notes: Vec<String>,
}

/// The header and the JSON within `budget` tokens; `more` says how to fetch what the fitted
/// body left out (`None` when nothing is missing).
pub fn render(a: &Answer<'_>, budget: usize, more: impl Fn(&Fitted) -> Option<String>) -> String {
    let mut reserve = 80;
    // The header is written after the body is fitted; its size is then reserved and the body
    // refitted (the header barely changes, so two or three rounds settle it).
    let mut round = 0;
    loop {
        let fitted = fit(a.value, budget.saturating_sub(reserve).max(1));
        let mut cut: Vec<String> = a.notes.clone();
        cut.extend(fitted.cuts.iter().cloned());
        let more = more(&fitted)
            .map(|m| format!(" · more: {m}"))
            .unwrap_or_default();
        let header = format!(
            "[{} · tier {} · ~{} of ~{} tokens (estimated as characters/4; max_tokens {budget}) \
             · cut: {}{more}]",
            a.title,
            fitted.tier.label(),
            tokens(&fitted.body),
            fitted.full_tokens,
            if cut.is_empty() {
                "nothing".into()
            } else {
                cut.join("; ")
            }
        );
        let text = format!("{header}\n{}", fitted.body);
        // +2: the newline and the rounding of two separate estimates.
        let need = tokens(&header) + 2;
        if tokens(&text) <= budget || need <= reserve || round == 3 {
            return text;
        }
        reserve = need;
        round += 1;
    }
}
