-- More of the workspace's list orders read in index order at scale:
-- open cases across several projects (the visibility filter gives many
-- project ranges, so order by time first), and newest-created first.
CREATE INDEX cases_open_updated ON cases(updated_at, project_id)
    WHERE status NOT IN ('solved', 'closed');
CREATE INDEX cases_project_created ON cases(project_id, created_at);
-- The view counts read only this (a covering index over open cases), never
-- the cases themselves; `status` is in it so that SQLite sees it covers.
CREATE INDEX cases_open_counts ON cases(project_id, status, handling_team, channel, topic_id, assignee_id, due_at)
    WHERE status NOT IN ('solved', 'closed');
