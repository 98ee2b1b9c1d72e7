-- Sessions and the audit trail (SQLite). Same shape as migrations/postgres, with SQLite's
-- native types: times are INTEGER microseconds since the Unix epoch (UTC) so they compare
-- and index as numbers, UUIDs are 16-byte BLOBs, JSON is TEXT.
--
-- Session ids are stored only as SHA-256 (hex): a raw id is a bearer of the session.
CREATE TABLE sessions (
    session_hash      TEXT    PRIMARY KEY NOT NULL CHECK (length(session_hash) = 64),
    transport         TEXT    NOT NULL CHECK (transport IN ('sse', 'streamable-http', 'stdio')),
    protocol_version  TEXT,
    subject           TEXT,
    client_name       TEXT,
    client_version    TEXT,
    client_addr       TEXT,
    instance_id       TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    last_seen_at      INTEGER NOT NULL,
    ended_at          INTEGER,
    end_reason        TEXT,
    request_count     INTEGER NOT NULL DEFAULT 0,
    error_count       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE INDEX sessions_created_idx ON sessions (created_at DESC, session_hash DESC);
CREATE INDEX sessions_active_idx ON sessions (created_at DESC) WHERE ended_at IS NULL;
CREATE INDEX sessions_ended_idx ON sessions (ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX sessions_subject_idx ON sessions (subject, created_at DESC);

CREATE TABLE audit (
    id                BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    occurred_at       INTEGER NOT NULL,
    kind              TEXT    NOT NULL CHECK (kind IN ('request', 'security')),
    session_hash      TEXT,
    subject           TEXT,
    method            TEXT,
    name              TEXT,
    arguments_digest  TEXT,
    arguments         TEXT    CHECK (arguments IS NULL OR json_valid(arguments)),
    outcome           TEXT    NOT NULL
        CHECK (outcome IN ('ok', 'tool_error', 'protocol_error', 'denied', 'rate_limited')),
    error_code        INTEGER,
    http_status       INTEGER,
    upstream_status   INTEGER,
    latency_us        INTEGER,
    request_id        TEXT,
    client_addr       TEXT,
    detail            TEXT
);

CREATE INDEX audit_time_idx ON audit (occurred_at DESC, id DESC);
CREATE INDEX audit_subject_idx ON audit (subject, occurred_at DESC);
CREATE INDEX audit_name_idx ON audit (name, occurred_at DESC);
CREATE INDEX audit_outcome_idx ON audit (outcome, occurred_at DESC);
CREATE INDEX audit_session_idx ON audit (session_hash, occurred_at DESC);
