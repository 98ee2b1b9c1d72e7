//! Typed helpers of the OAuth broker's counters (declared in `metrics.rs` with the others).

use metrics::counter;

use super::metrics::{OAUTH_REFRESHES, OAUTH_REFUSALS, OAUTH_REGISTRATIONS, OAUTH_SIGN_INS};
use crate::telemetry::labels::{OAuthConsent, OAuthRefusal, OAuthStep};

/// A client registered.
pub fn registration() {
    counter!(OAUTH_REGISTRATIONS).increment(1);
}

/// A sign-in completed (a code was sent to the client).
pub fn sign_in(consent: OAuthConsent) {
    counter!(OAUTH_SIGN_INS, "consent" => consent.as_str()).increment(1);
}

/// A refresh token was exchanged.
pub fn refresh() {
    counter!(OAUTH_REFRESHES).increment(1);
}

/// A step of a sign-in was refused.
pub fn refusal(step: OAuthStep, reason: OAuthRefusal) {
    counter!(OAUTH_REFUSALS, "step" => step.as_str(), "reason" => reason.as_str()).increment(1);
}
