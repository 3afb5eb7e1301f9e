-- The workspace's views of open work at scale (issue 3): partial indexes
-- over open cases only (about 15 % of a mature store), so that "mine",
-- "open", "overdue" and "-priority" read their first page in index order
-- instead of sorting every open case of a project.
-- The WHERE clause must stay exactly the list query's open filter
-- `c.status NOT IN ('solved', 'closed')`, or SQLite will not use them.
CREATE INDEX cases_open_project_updated ON cases(project_id, updated_at)
    WHERE status NOT IN ('solved', 'closed');
CREATE INDEX cases_open_assignee_updated ON cases(assignee_id, updated_at)
    WHERE status NOT IN ('solved', 'closed');
-- Matches cases::store::Sort::PriorityDesc's expression exactly.
CREATE INDEX cases_open_project_priority ON cases(project_id,
    (CASE priority WHEN 'urgent' THEN '3' WHEN 'high' THEN '2' WHEN 'normal' THEN '1' ELSE '0' END || updated_at))
    WHERE status NOT IN ('solved', 'closed');
