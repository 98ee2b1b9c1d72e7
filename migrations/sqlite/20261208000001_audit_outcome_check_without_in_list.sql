-- The outcome CHECK written as comparisons instead of `outcome IN (five values)`. SQLite codes
-- an IN list of more than two constants as a temporary B-tree, and inside a CHECK constraint
-- it builds that B-tree again for every row inserted (five more B-tree inserts per audit
-- row, more than the row's own table and index writes). The condition is the same; SQLite
-- cannot change a CHECK constraint in place, so the table is rebuilt (rows, row ids and
-- indexes as they were). The migration copies every row once: a large audit table takes a
-- few seconds per million rows at the first start of this version.
CREATE TABLE audit_rebuilt (
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
        CHECK (outcome = 'ok' OR outcome = 'tool_error' OR outcome = 'protocol_error'
               OR outcome = 'denied' OR outcome = 'rate_limited'),
    error_code        INTEGER,
    http_status       INTEGER,
    upstream_status   INTEGER,
    latency_us        INTEGER,
    request_id        TEXT,
    client_addr       TEXT,
    detail            TEXT
);

INSERT INTO audit_rebuilt (rowid, id, occurred_at, kind, session_hash, subject, method, name,
    arguments_digest, arguments, outcome, error_code, http_status, upstream_status, latency_us,
    request_id, client_addr, detail)
SELECT rowid, id, occurred_at, kind, session_hash, subject, method, name, arguments_digest,
    arguments, outcome, error_code, http_status, upstream_status, latency_us, request_id,
    client_addr, detail
FROM audit ORDER BY rowid;

DROP TABLE audit;
ALTER TABLE audit_rebuilt RENAME TO audit;

CREATE INDEX audit_time_idx ON audit (occurred_at DESC, id DESC);
CREATE INDEX audit_subject_idx ON audit (subject, occurred_at DESC);
CREATE INDEX audit_name_idx ON audit (name, occurred_at DESC) WHERE name IS NOT NULL;
CREATE INDEX audit_outcome_idx ON audit (outcome, occurred_at DESC) WHERE outcome <> 'ok';
CREATE INDEX audit_session_idx ON audit (session_hash, occurred_at DESC);
