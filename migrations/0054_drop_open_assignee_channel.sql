-- Issue 16 (docs/perf16.md, "Session 21"): `cases_open_assignee_channel`
-- (migration 0039) served routing's count of each candidate's open cases
-- per channel; since migration 0053 the triggers keep those loads in
-- `agent_open_loads` and routing and the agent's routing card read them
-- there. The index was still written with every case: about 2.5 of a
-- commit's ~77 WAL frames and one index insert per case. `zezaro check`
-- recounts the loads through `cases_open_assignee_updated`, which holds the
-- same open cases with their channel.
DROP INDEX IF EXISTS cases_open_assignee_channel;
