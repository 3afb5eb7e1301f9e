-- Tag lists in every sort order at scale (issue 16, docs/perf16.md "Tag
-- lists after growth"). Migration 0012 gave the tag rows their case's
-- project and last change, so a tag list by update time reads the tag's own
-- index in order. Every other sort walked the cases in its order and looked
-- each up for the tag: after 100,000 new cases without the tag (a tag no
-- longer given, a flood of untagged mail) the walk passed all of them before
-- its first match (70-200 ms at 1M cases). The tag rows now carry each sort
-- key of their case, exactly as `cases::store::Sort::expr` spells it, and
-- one index per sort reads the tag's cases in that order; `cases::store`
-- chooses it from the tag's first entries in that order.
ALTER TABLE case_tags ADD COLUMN case_created_at TEXT;
ALTER TABLE case_tags ADD COLUMN case_due_key TEXT;
ALTER TABLE case_tags ADD COLUMN case_sla_key TEXT;
ALTER TABLE case_tags ADD COLUMN case_priority_key TEXT;

UPDATE case_tags SET (case_created_at, case_due_key, case_sla_key, case_priority_key) =
    (SELECT created_at, COALESCE(due_at, '9999'), COALESCE(sla_due_at, '9999'),
            CASE priority WHEN 'urgent' THEN '3' WHEN 'high' THEN '2' WHEN 'normal' THEN '1' ELSE '0' END || updated_at
     FROM cases WHERE cases.id = case_tags.case_id);

-- (tag, sort key, case) and the project after them, tested in the entry.
CREATE INDEX case_tags_created ON case_tags(tag, case_created_at, case_id, case_project_id);
CREATE INDEX case_tags_due ON case_tags(tag, case_due_key, case_id, case_project_id);
CREATE INDEX case_tags_sla ON case_tags(tag, case_sla_key, case_id, case_project_id);
CREATE INDEX case_tags_priority ON case_tags(tag, case_priority_key, case_id, case_project_id);

DROP TRIGGER case_tags_sort_key_insert;
CREATE TRIGGER case_tags_sort_key_insert AFTER INSERT ON case_tags
BEGIN
    UPDATE case_tags SET (case_project_id, case_updated_at, case_created_at, case_due_key,
                          case_sla_key, case_priority_key) =
        (SELECT project_id, updated_at, created_at, COALESCE(due_at, '9999'),
                COALESCE(sla_due_at, '9999'),
                CASE priority WHEN 'urgent' THEN '3' WHEN 'high' THEN '2' WHEN 'normal' THEN '1' ELSE '0' END || updated_at
         FROM cases WHERE cases.id = NEW.case_id)
    WHERE rowid = NEW.rowid;
END;

-- A case's change touches its tag rows only where a copied key changed, and
-- only the indexes of that key (SQLite rewrites the indexes of the columns
-- an UPDATE sets): the update time and priority change together often, the
-- project and deadlines seldom, the creation time only by a correction.
DROP TRIGGER case_tags_sort_key_update;
CREATE TRIGGER case_tags_sort_key_update AFTER UPDATE OF updated_at, priority ON cases
WHEN NEW.updated_at IS NOT OLD.updated_at OR NEW.priority IS NOT OLD.priority
BEGIN
    UPDATE case_tags SET case_updated_at = NEW.updated_at,
        case_priority_key = CASE NEW.priority WHEN 'urgent' THEN '3' WHEN 'high' THEN '2'
                                 WHEN 'normal' THEN '1' ELSE '0' END || NEW.updated_at
    WHERE case_id = NEW.id;
END;

CREATE TRIGGER case_tags_project_update AFTER UPDATE OF project_id ON cases
WHEN NEW.project_id IS NOT OLD.project_id
BEGIN
    UPDATE case_tags SET case_project_id = NEW.project_id WHERE case_id = NEW.id;
END;

CREATE TRIGGER case_tags_deadline_update AFTER UPDATE OF due_at, sla_due_at ON cases
WHEN NEW.due_at IS NOT OLD.due_at OR NEW.sla_due_at IS NOT OLD.sla_due_at
BEGIN
    UPDATE case_tags SET case_due_key = COALESCE(NEW.due_at, '9999'),
                         case_sla_key = COALESCE(NEW.sla_due_at, '9999')
    WHERE case_id = NEW.id;
END;

CREATE TRIGGER case_tags_created_update AFTER UPDATE OF created_at ON cases
WHEN NEW.created_at IS NOT OLD.created_at
BEGIN
    UPDATE case_tags SET case_created_at = NEW.created_at WHERE case_id = NEW.id;
END;
