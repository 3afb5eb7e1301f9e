-- The tag view at scale (issue 3): "cases with tag T, newest first" walked
-- the project's cases newest-first and checked each for the tag, so its cost
-- grew with every newer case without the tag. Each tag row now carries its
-- case's project and last change, and the view reads one range of an index
-- below in order, whatever else the store holds.
-- The copies are kept equal to the case's columns by the triggers below
-- (every writer of cases or case_tags, the generator and imports included);
-- cases::store::list relies on that.
ALTER TABLE case_tags ADD COLUMN case_project_id INTEGER;
ALTER TABLE case_tags ADD COLUMN case_updated_at TEXT;

UPDATE case_tags SET (case_project_id, case_updated_at) =
    (SELECT project_id, updated_at FROM cases WHERE cases.id = case_tags.case_id);

-- A project's tag view (project_id = ?), and the tag across projects (the
-- visibility checked per row from the index).
CREATE INDEX case_tags_project_updated
    ON case_tags(tag, case_project_id, case_updated_at, case_id);
CREATE INDEX case_tags_updated
    ON case_tags(tag, case_updated_at, case_id, case_project_id);

CREATE TRIGGER case_tags_sort_key_insert AFTER INSERT ON case_tags
BEGIN
    UPDATE case_tags SET (case_project_id, case_updated_at) =
        (SELECT project_id, updated_at FROM cases WHERE cases.id = NEW.case_id)
    WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER case_tags_sort_key_update AFTER UPDATE OF project_id, updated_at ON cases
WHEN NEW.project_id IS NOT OLD.project_id OR NEW.updated_at IS NOT OLD.updated_at
BEGIN
    UPDATE case_tags SET case_project_id = NEW.project_id, case_updated_at = NEW.updated_at
    WHERE case_id = NEW.id;
END;
