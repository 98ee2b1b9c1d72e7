-- The OAuth broker (auth.broker; see docs/security.md "Sign-in"): registered clients, sign-ins
-- in progress, authorization codes, grants with their refresh tokens, and the signing key.
-- Every replica reads and writes these, so any of them can serve any step of a sign-in.
--
-- Times are Unix seconds (BIGINT) in both backends, so one set of queries serves both.
-- Secrets (client secrets, codes, refresh tokens, sign-in ids) are stored only as SHA-256
-- (hex): a database dump does not hand out credentials.

-- Clients registered with RFC 7591 dynamic registration. Clients identified by a Client ID
-- Metadata Document (an https URL) are not stored: their document is fetched and cached.
CREATE TABLE oauth_clients (
    client_id                  TEXT    PRIMARY KEY,
    secret_hash                TEXT,
    client_name                TEXT,
    redirect_uris              TEXT    NOT NULL,
    token_endpoint_auth_method TEXT    NOT NULL
        CHECK (token_endpoint_auth_method IN ('none', 'client_secret_post', 'client_secret_basic')),
    client_addr                TEXT,
    created_at                 BIGINT  NOT NULL
);

-- A sign-in in progress: created by /authorize (phase 'upstream', keyed by the hash of the
-- state sent upstream), moved to phase 'consent' by the callback (re-keyed by the hash of a
-- fresh id that only the consent form carries), deleted when the code is issued.
CREATE TABLE oauth_requests (
    id_hash             TEXT    PRIMARY KEY,
    phase               TEXT    NOT NULL CHECK (phase IN ('upstream', 'consent')),
    client_id           TEXT    NOT NULL,
    redirect_uri        TEXT    NOT NULL,
    code_challenge      TEXT    NOT NULL,
    client_state        TEXT,
    scopes              TEXT    NOT NULL,
    browser_hash        TEXT    NOT NULL,
    upstream_verifier   TEXT    NOT NULL,
    nonce               TEXT    NOT NULL,
    subject             TEXT,
    email               TEXT,
    created_at          BIGINT  NOT NULL,
    expires_at          BIGINT  NOT NULL
);

CREATE INDEX oauth_requests_expiry_idx ON oauth_requests (expires_at);

-- One user's authorization of one client: the family of refresh tokens. Revoked (not
-- deleted) on admin action, revocation, or a reused refresh token or code.
CREATE TABLE oauth_grants (
    id             TEXT    PRIMARY KEY,
    client_id      TEXT    NOT NULL,
    client_name    TEXT,
    subject        TEXT    NOT NULL,
    email          TEXT,
    scopes         TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    last_used_at   BIGINT  NOT NULL,
    expires_at     BIGINT  NOT NULL,
    revoked_at     BIGINT,
    revoked_reason TEXT
);

CREATE INDEX oauth_grants_subject_idx ON oauth_grants (subject, client_id);
CREATE INDEX oauth_grants_created_idx ON oauth_grants (created_at DESC, id DESC);

-- Authorization codes: single use (used_at set on exchange; a second exchange revokes the
-- grant), at most 60 seconds.
CREATE TABLE oauth_codes (
    code_hash      TEXT    PRIMARY KEY,
    grant_id       TEXT    NOT NULL,
    client_id      TEXT    NOT NULL,
    redirect_uri   TEXT    NOT NULL,
    code_challenge TEXT    NOT NULL,
    expires_at     BIGINT  NOT NULL,
    used_at        BIGINT
);

CREATE INDEX oauth_codes_expiry_idx ON oauth_codes (expires_at);

-- Refresh tokens: rotated on every use (used_at set); presenting a used one revokes the
-- grant (reuse detection).
CREATE TABLE oauth_refresh_tokens (
    token_hash     TEXT    PRIMARY KEY,
    grant_id       TEXT    NOT NULL,
    client_id      TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    expires_at     BIGINT  NOT NULL,
    used_at        BIGINT
);

CREATE INDEX oauth_refresh_grant_idx ON oauth_refresh_tokens (grant_id);
CREATE INDEX oauth_refresh_expiry_idx ON oauth_refresh_tokens (expires_at);

-- The token signing key when none is configured (auth.broker.signing_key_path): generated
-- by the first replica to start, used by all (the oldest row wins a concurrent start).
CREATE TABLE oauth_signing_keys (
    kid            TEXT    PRIMARY KEY,
    private_pkcs8  BLOB   NOT NULL,
    created_at     BIGINT  NOT NULL
);
