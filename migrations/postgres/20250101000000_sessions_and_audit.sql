-- Sessions and the audit trail (PostgreSQL). See docs/operations.md.
--
-- Session ids are stored only as SHA-256 (hex): a raw id is a bearer of the session.
-- The primary key is that hash, so any replica can find a session a client presents;
-- `instance_id` names the replica serving it today. A later issue can share live sessions
-- across replicas by adding columns (additive migrations only).
CREATE TABLE sessions (
    session_hash      TEXT        PRIMARY KEY CHECK (length(session_hash) = 64),
    transport         TEXT        NOT NULL CHECK (transport IN ('sse', 'streamable-http', 'stdio')),
    protocol_version  TEXT,
    subject           TEXT,
    client_name       TEXT,
    client_version    TEXT,
    client_addr       TEXT,
    instance_id       TEXT        NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    last_seen_at      TIMESTAMPTZ NOT NULL,
    ended_at          TIMESTAMPTZ,
    end_reason        TEXT,
    request_count     BIGINT      NOT NULL DEFAULT 0,
    error_count       BIGINT      NOT NULL DEFAULT 0
);

CREATE INDEX sessions_created_idx ON sessions (created_at DESC, session_hash DESC);
CREATE INDEX sessions_active_idx ON sessions (created_at DESC) WHERE ended_at IS NULL;
CREATE INDEX sessions_ended_idx ON sessions (ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX sessions_subject_idx ON sessions (subject, created_at DESC);

-- One row per MCP request and per security event. `id` is a UUIDv7 minted by the server
-- when the record is made: replays are idempotent (ON CONFLICT DO NOTHING) and ids sort by
-- time. No foreign key to sessions: audit rows outlive session rows, and security events
-- may have no session.
CREATE TABLE audit (
    id                UUID        PRIMARY KEY,
    occurred_at       TIMESTAMPTZ NOT NULL,
    kind              TEXT        NOT NULL CHECK (kind IN ('request', 'security')),
    session_hash      TEXT,
    subject           TEXT,
    method            TEXT,
    name              TEXT,
    arguments_digest  TEXT,
    arguments         JSONB,
    outcome           TEXT        NOT NULL
        CHECK (outcome IN ('ok', 'tool_error', 'protocol_error', 'denied', 'rate_limited')),
    error_code        INTEGER,
    http_status       INTEGER,
    upstream_status   INTEGER,
    latency_us        BIGINT,
    request_id        TEXT,
    client_addr       TEXT,
    detail            TEXT
);

-- Listing is newest first with keyset pagination on (occurred_at, id); each filter of the
-- admin API has an index led by its column.
CREATE INDEX audit_time_idx ON audit (occurred_at DESC, id DESC);
CREATE INDEX audit_subject_idx ON audit (subject, occurred_at DESC);
CREATE INDEX audit_name_idx ON audit (name, occurred_at DESC);
CREATE INDEX audit_outcome_idx ON audit (outcome, occurred_at DESC);
CREATE INDEX audit_session_idx ON audit (session_hash, occurred_at DESC);
