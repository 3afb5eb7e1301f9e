-- The case list's walk indexes carry the list's filter columns (project,
-- status, team, channel, topic, assignee, due date) after the sort key (issue 16, docs/perf16.md "Walks that check the filters in the
-- index"). A walk in the sort's order checks every other filter per row;
-- with the filter's columns in the index entry SQLite tests them there and
-- reads the case's row only for entries that pass (its deferred seek), so a
-- walk past 30,000 non-matching cases costs index entries, not row look-ups
-- (measured on a 200k store: 178 → 49 ms for a walk over every entry).
-- `cases::plan` weighs such a walk accordingly.
--
-- The case id follows the sort key, as the list's ORDER BY (key, id) does:
-- many cases share a key (every case without an SLA deadline or a due date
-- sorts as '9999'), and an index ordered by the other columns within a key
-- would have SQLite sort the whole group by id for one page.
--
-- Same names, same leading columns and WHERE clauses as before: every plan
-- that used them still can. The expressions must stay exactly
-- `cases::store::Sort::expr`'s.

DROP INDEX cases_updated;
CREATE INDEX cases_updated ON cases(updated_at, id,
    project_id, status, handling_team, channel, topic_id, assignee_id, due_at);
DROP INDEX cases_created;
CREATE INDEX cases_created ON cases(created_at, id,
    project_id, status, handling_team, channel, topic_id, assignee_id, due_at);
DROP INDEX cases_due_order;
CREATE INDEX cases_due_order ON cases(COALESCE(due_at, '9999'), id,
    project_id, status, handling_team, channel, topic_id, assignee_id, due_at);
DROP INDEX cases_sla_order;
CREATE INDEX cases_sla_order ON cases(COALESCE(sla_due_at, '9999'), id,
    project_id, status, handling_team, channel, topic_id, assignee_id, due_at);
DROP INDEX cases_priority_order;
CREATE INDEX cases_priority_order ON cases(
    (CASE priority WHEN 'urgent' THEN '3' WHEN 'high' THEN '2' WHEN 'normal' THEN '1' ELSE '0' END || updated_at), id,
    project_id, status, handling_team, channel, topic_id, assignee_id, due_at);

DROP INDEX cases_project_updated;
CREATE INDEX cases_project_updated ON cases(project_id, updated_at, id,
    status, handling_team, channel, topic_id, assignee_id, due_at);
DROP INDEX cases_project_created;
CREATE INDEX cases_project_created ON cases(project_id, created_at, id,
    status, handling_team, channel, topic_id, assignee_id, due_at);

DROP INDEX cases_open_updated;
CREATE INDEX cases_open_updated ON cases(updated_at, id,
    project_id, status, handling_team, channel, topic_id, assignee_id, due_at)
    WHERE status NOT IN ('solved', 'closed');
DROP INDEX cases_open_project_updated;
CREATE INDEX cases_open_project_updated ON cases(project_id, updated_at, id,
    status, handling_team, channel, topic_id, assignee_id, due_at)
    WHERE status NOT IN ('solved', 'closed');
DROP INDEX cases_open_project_priority;
CREATE INDEX cases_open_project_priority ON cases(project_id,
    (CASE priority WHEN 'urgent' THEN '3' WHEN 'high' THEN '2' WHEN 'normal' THEN '1' ELSE '0' END || updated_at), id,
    status, handling_team, channel, topic_id, assignee_id, due_at)
    WHERE status NOT IN ('solved', 'closed');
DROP INDEX cases_open_project_sla;
CREATE INDEX cases_open_project_sla ON cases(project_id, COALESCE(sla_due_at, '9999'), id,
    status, handling_team, channel, topic_id, assignee_id, due_at)
    WHERE status NOT IN ('solved', 'closed');
DROP INDEX cases_open_created;
CREATE INDEX cases_open_created ON cases(created_at, id,
    project_id, status, handling_team, channel, topic_id, assignee_id, due_at)
    WHERE status NOT IN ('solved', 'closed');
