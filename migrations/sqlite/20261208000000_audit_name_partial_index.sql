-- The name index holds only rows that have a name (`tools/call`, `resources/read`,
-- `prompts/get`). Most requests — `ping`, `tools/list`, `initialize` — have none, and an
-- entry for each cost every such insert one more B-tree write. A listing filtered by name
-- compares `name` with a value (`name = ?`), which a NULL never satisfies, so the planner
-- uses this index for it without the query repeating the condition.
DROP INDEX audit_name_idx;
CREATE INDEX audit_name_idx ON audit (name, occurred_at DESC) WHERE name IS NOT NULL;
