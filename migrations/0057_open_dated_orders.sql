-- The open cases with a due date in update and creation order: an overdue
-- or due-soon list newest first walks them and tests the due date in the
-- entry (cases::store::dated_walk). Walking all open cases instead passes
-- every new case without a due date (a backlog of them is the newest),
-- and reading the due range and sorting it reads every overdue case.
-- Only cases with a due date are in them: a new case seldom has one.
CREATE INDEX cases_open_dated_updated ON cases(updated_at, id,
    project_id, status, handling_team, channel, topic_id, assignee_id, due_at)
    WHERE status NOT IN ('solved', 'closed') AND due_at IS NOT NULL;
CREATE INDEX cases_open_dated_created ON cases(created_at, id,
    project_id, status, handling_team, channel, topic_id, assignee_id, due_at)
    WHERE status NOT IN ('solved', 'closed') AND due_at IS NOT NULL;
