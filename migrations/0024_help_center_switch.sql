-- The help center of a project switched on or off by the client admin
-- (docs/knowledge.md, "Help center"). No row: off. A project shows its help
-- center at /help/{key} only when it is on, the project is active and it
-- has a public published article.
--
-- Default: the projects that had a help center before this switch (a public
-- published article of the client not limited to other projects) keep it
-- (a row switched on, by nobody); every other project, and every project
-- made later, starts off, so that nothing of a client becomes public
-- without its admin deciding it.
CREATE TABLE kb_help_centers (
    project_id  INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    changed_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    changed_at  TEXT NOT NULL
);

INSERT INTO kb_help_centers (project_id, enabled, changed_by, changed_at)
SELECT p.id, 1, NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM projects p
WHERE EXISTS (
    SELECT 1 FROM kb_articles a
    JOIN kb_article_versions v ON v.article_id = a.id AND v.state = 'published'
    WHERE a.client_id = p.client_id AND a.deleted_at IS NULL AND a.visibility = 'public'
      AND (a.limited = 0 OR EXISTS (SELECT 1 FROM kb_article_projects ap
                                    WHERE ap.article_id = a.id AND ap.project_id = p.id)));
