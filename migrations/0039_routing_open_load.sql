-- Issue 16 (docs/perf16.md, "CPU per created case"): routing counts, for
-- every case it routes, each candidate agent's open cases in the case's
-- channel (`routing::store::candidates`). Without an index on (assignee,
-- channel) over the open cases SQLite walked all of an agent's cases by
-- `cases_assignee_status_updated` and read every row to check its channel:
-- tens of thousands of rows per candidate at 200k cases, two thirds of the
-- server's CPU per created case. This partial index holds exactly the
-- counted rows, so each count reads only index entries of that agent's open
-- cases in that channel. The query names it (`INDEXED BY`) and spells the
-- same condition; a unit test checks the plan. `status` is a column of the
-- index too, so the count's own status condition is answered from the index
-- entries (a covering index) whatever SQLite's statistics say.
CREATE INDEX cases_open_assignee_channel ON cases(assignee_id, channel, status)
    WHERE status NOT IN ('solved', 'closed');
