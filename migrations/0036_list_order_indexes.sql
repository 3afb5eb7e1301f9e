-- The case list's sort orders over all cases, without a project prefix
-- (issue 16, docs/perf16.md): a list across projects (a client admin, an
-- agent, the platform admin) walks one of these in the sort's order and
-- checks the visibility and the filters per row, where before every case
-- was read and sorted. `cases::plan` chooses between such a walk and
-- reading a narrow filter's own index. The expressions must stay exactly
-- `cases::store::Sort::expr`'s, or SQLite cannot walk them.
CREATE INDEX cases_updated ON cases(updated_at);
CREATE INDEX cases_created ON cases(created_at);
CREATE INDEX cases_due_order ON cases(COALESCE(due_at, '9999'));
CREATE INDEX cases_sla_order ON cases(COALESCE(sla_due_at, '9999'));
CREATE INDEX cases_priority_order ON cases(
    (CASE priority WHEN 'urgent' THEN '3' WHEN 'high' THEN '2' WHEN 'normal' THEN '1' ELSE '0' END || updated_at));
