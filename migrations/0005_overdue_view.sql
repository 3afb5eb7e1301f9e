-- The overdue view of a project at scale: its open cases with a due date in
-- the past are one range of this index (due_at < now), and updated_at in it
-- sorts that range without reading the cases. Open cases without a due
-- date (NULL sorts first) are skipped by the range.
-- The WHERE clause must stay exactly the list query's open filter.
CREATE INDEX cases_open_due ON cases(project_id, due_at, updated_at)
    WHERE status NOT IN ('solved', 'closed');
