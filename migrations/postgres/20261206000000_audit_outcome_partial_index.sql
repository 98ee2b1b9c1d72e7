-- The outcome index holds only the failures (`outcome <> 'ok'`), the rows operators filter
-- for. Nearly every row is `ok`, and an entry for each cost every insert one more B-tree
-- write. A listing of `ok` rows walks the time index instead (they are most rows, so it
-- finds them as soon); for the other outcomes the store's query repeats the index's
-- condition, which is what lets the planner use a partial index with a bound parameter.
DROP INDEX audit_outcome_idx;
CREATE INDEX audit_outcome_idx ON audit (outcome, occurred_at DESC) WHERE outcome <> 'ok';
