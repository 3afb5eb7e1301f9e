-- The case list's seek indexes carry every sort key and every filtered
-- column (issue 16, docs/perf16.md "Seeks read from the index alone
-- (session 18)"). A list that reads a filter's cases by its index (a
-- status, a team, a topic, a channel, an assignee, a due date) and sorts
-- them by anything but the update time looked up each case's row for its
-- sort key: ACME's 5,749 cases waiting for a third party, sorted by
-- creation, were 5,749 row look-ups (13-16 ms at 1.1M cases). With the sort
-- keys and the other filters in the entry, the ids come from the index
-- alone, sorted, and only the page's rows are read; `cases::plan` weighs
-- such a seek accordingly (`Candidate::covers`).
--
-- Every one of these indexes already holds the update time, so every
-- change of a case rewrites its entries already: the wider entries cost
-- bytes, not writes. Same names and leading columns as before: every plan
-- that used them still can. Their statistics are taken at the next start
-- (`db::optimize`). At 1.1M cases this migration takes about 20 seconds.

DROP INDEX cases_project_status_updated;
CREATE INDEX cases_project_status_updated ON cases(project_id, status, updated_at,
    created_at, sla_due_at, priority, handling_team, channel, topic_id, assignee_id, due_at);
DROP INDEX cases_project_team_updated;
CREATE INDEX cases_project_team_updated ON cases(project_id, handling_team, updated_at,
    created_at, sla_due_at, priority, status, channel, topic_id, assignee_id, due_at);
DROP INDEX cases_project_topic_updated;
CREATE INDEX cases_project_topic_updated ON cases(project_id, topic_id, updated_at,
    created_at, sla_due_at, priority, status, handling_team, channel, assignee_id, due_at);
DROP INDEX cases_project_channel_updated;
CREATE INDEX cases_project_channel_updated ON cases(project_id, channel, updated_at,
    created_at, sla_due_at, priority, status, handling_team, topic_id, assignee_id, due_at);
DROP INDEX cases_assignee_status_updated;
CREATE INDEX cases_assignee_status_updated ON cases(assignee_id, status, updated_at,
    created_at, sla_due_at, priority, project_id, handling_team, channel, topic_id, due_at);
DROP INDEX cases_open_assignee_updated;
CREATE INDEX cases_open_assignee_updated ON cases(assignee_id, updated_at,
    created_at, sla_due_at, priority, project_id, status, handling_team, channel, topic_id, due_at)
    WHERE status NOT IN ('solved', 'closed');
DROP INDEX cases_open_due;
CREATE INDEX cases_open_due ON cases(project_id, due_at, updated_at,
    created_at, sla_due_at, priority, status, handling_team, channel, topic_id, assignee_id)
    WHERE status NOT IN ('solved', 'closed');
