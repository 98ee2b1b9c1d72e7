//! Label values of the OAuth broker's metrics (declared with [`super`]'s `label_enum!`).

label_enum! {
    /// The OAuth broker's step that refused (`oauth.sign_in` in the audit trail is `callback`).
    OAuthStep {
        Register => "register",
        Authorize => "authorize",
        Callback => "callback",
        Consent => "consent",
        Token => "token",
        Revoke => "revoke",
    }
}

label_enum! {
    /// Why the OAuth broker refused a step.
    OAuthRefusal {
        /// Malformed or missing parameters (PKCE among them).
        InvalidRequest => "invalid_request",
        /// Unknown client, wrong secret, unusable metadata document.
        InvalidClient => "invalid_client",
        InvalidRedirectUri => "invalid_redirect_uri",
        InvalidClientMetadata => "invalid_client_metadata",
        InvalidScope => "invalid_scope",
        /// `resource` missing or not this server.
        InvalidTarget => "invalid_target",
        /// A response or grant type other than the supported ones.
        UnsupportedType => "unsupported_type",
        /// Unknown, expired or mismatched code or refresh token.
        InvalidGrant => "invalid_grant",
        /// A used code or refresh token presented again (its grant is revoked).
        TokenReuse => "token_reuse",
        RateLimited => "rate_limited",
        /// Unknown or replayed sign-in, another browser, too late.
        BadState => "bad_state",
        /// Outside the allowed domains or groups, or without a required scope.
        NotAllowed => "not_allowed",
        /// The user said no (consent page, or at the identity provider).
        UserDenied => "user_denied",
        /// The identity provider did not answer in time.
        UpstreamTimeout => "upstream_timeout",
        /// The identity provider failed or refused.
        UpstreamError => "upstream_error",
    }
}

label_enum! {
    /// Whether a sign-in showed the consent page.
    OAuthConsent {
        Asked => "asked",
        /// A grant of this user to this client already covered the scopes.
        Remembered => "remembered",
    }
}
