-- Sessions shared between replicas (cluster.shared_sessions; see docs/scaling.md).
--
-- `sessions` (the first migration) is the audit view, written in batches; this table is what
-- a replica needs, written synchronously, to serve a session another replica created. Keyed by
-- the SHA-256 of the session id like `sessions`: the raw id never reaches the database.
CREATE TABLE shared_sessions (
    session_hash      TEXT        PRIMARY KEY CHECK (length(session_hash) = 64),
    transport         TEXT        NOT NULL CHECK (transport IN ('sse', 'streamable-http')),
    -- Owning principal; another principal presenting the id gets 404 on every replica.
    subject           TEXT,
    -- The client's `initialize` request (client info, capabilities, protocol version),
    -- replayed into the engine of every replica that adopts the session.
    init_request      JSONB,
    created_by        TEXT        NOT NULL,
    -- The replica holding the session's stream (legacy SSE stream, Streamable HTTP GET).
    stream_instance   TEXT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Refreshed by whichever replica serves the session (at most every few seconds each):
    -- the session expires cluster-wide after `server.session_idle_ttl_secs` without traffic.
    last_seen_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    ended_at          TIMESTAMPTZ,
    end_reason        TEXT
);

CREATE INDEX shared_sessions_live_idx ON shared_sessions (last_seen_at) WHERE ended_at IS NULL;
CREATE INDEX shared_sessions_ended_idx ON shared_sessions (ended_at) WHERE ended_at IS NOT NULL;

-- One row per replica, refreshed every `cluster.heartbeat_secs`: a stale heartbeat means the
-- replica (and every legacy SSE stream it held) is gone.
CREATE TABLE cluster_instances (
    instance_id       TEXT        PRIMARY KEY,
    channel           TEXT        NOT NULL,
    started_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    heartbeat_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Relayed server messages too large for a NOTIFY payload (8000 bytes): the notification
-- carries the row id, the receiving replica deletes the row as it reads it.
CREATE TABLE relay_messages (
    id                BIGSERIAL   PRIMARY KEY,
    session_hash      TEXT        NOT NULL,
    payload           TEXT        NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
