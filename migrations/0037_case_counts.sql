-- Issue 16 (docs/perf16.md, "`/cases/counts` across projects"): counts of
-- cases kept by triggers, so `/cases/counts` without a project sums a few
-- rows per visible project instead of reading every open case
-- (`cases::counts`), and the list's plan choice can ask how many cases one
-- filter value selects (`cases::counts::estimate`).
--
-- One row per project, dimension and value, split by the handling team and
-- tariff (what the provider-share restriction filters on: a provider
-- agent in a project with a distribution plan counts only the rows of
-- `handling_team = 'provider'` and tariff theirs or none). `value` is the
-- status or channel name, or the topic or assignee id, 0 for none (no
-- topic, unassigned); `handling_tariff` is '' for none. `open` counts the
-- cases whose status is neither solved nor closed, `total` all of them.
-- Rows that reach 0 stay (they come back with the next case).
--
-- Derived data: every writer of `cases` (service, imports, merges, moves,
-- the generator, erasure) keeps it through the triggers without knowing;
-- `zezaro check` recounts and compares (`cases::counts::verify`). It is not
-- exported (a recount of the exported cases).
CREATE TABLE case_counts (
    dimension       TEXT NOT NULL CHECK (dimension IN ('status', 'channel', 'topic', 'assignee')),
    project_id      INTEGER NOT NULL,
    value           NOT NULL,
    handling_team   TEXT NOT NULL,
    handling_tariff TEXT NOT NULL,
    open            INTEGER NOT NULL,
    total           INTEGER NOT NULL,
    PRIMARY KEY (dimension, project_id, value, handling_team, handling_tariff)
) WITHOUT ROWID;

INSERT INTO case_counts
SELECT 'status', project_id, status, handling_team, coalesce(handling_tariff, ''),
       sum(status NOT IN ('solved', 'closed')), count(*)
FROM cases GROUP BY 2, 3, 4, 5;
INSERT INTO case_counts
SELECT 'channel', project_id, channel, handling_team, coalesce(handling_tariff, ''),
       sum(status NOT IN ('solved', 'closed')), count(*)
FROM cases GROUP BY 2, 3, 4, 5;
INSERT INTO case_counts
SELECT 'topic', project_id, coalesce(topic_id, 0), handling_team, coalesce(handling_tariff, ''),
       sum(status NOT IN ('solved', 'closed')), count(*)
FROM cases GROUP BY 2, 3, 4, 5;
INSERT INTO case_counts
SELECT 'assignee', project_id, coalesce(assignee_id, 0), handling_team, coalesce(handling_tariff, ''),
       sum(status NOT IN ('solved', 'closed')), count(*)
FROM cases GROUP BY 2, 3, 4, 5;

CREATE TRIGGER case_counts_insert AFTER INSERT ON cases
BEGIN
    INSERT INTO case_counts (dimension, project_id, value, handling_team, handling_tariff, open, total)
    VALUES
        ('status', NEW.project_id, NEW.status, NEW.handling_team, coalesce(NEW.handling_tariff, ''),
         NEW.status NOT IN ('solved', 'closed'), 1),
        ('channel', NEW.project_id, NEW.channel, NEW.handling_team, coalesce(NEW.handling_tariff, ''),
         NEW.status NOT IN ('solved', 'closed'), 1),
        ('topic', NEW.project_id, coalesce(NEW.topic_id, 0), NEW.handling_team, coalesce(NEW.handling_tariff, ''),
         NEW.status NOT IN ('solved', 'closed'), 1),
        ('assignee', NEW.project_id, coalesce(NEW.assignee_id, 0), NEW.handling_team, coalesce(NEW.handling_tariff, ''),
         NEW.status NOT IN ('solved', 'closed'), 1)
    ON CONFLICT DO UPDATE SET open = open + excluded.open, total = total + excluded.total;
END;

CREATE TRIGGER case_counts_delete AFTER DELETE ON cases
BEGIN
    INSERT INTO case_counts (dimension, project_id, value, handling_team, handling_tariff, open, total)
    VALUES
        ('status', OLD.project_id, OLD.status, OLD.handling_team, coalesce(OLD.handling_tariff, ''),
         -(OLD.status NOT IN ('solved', 'closed')), -1),
        ('channel', OLD.project_id, OLD.channel, OLD.handling_team, coalesce(OLD.handling_tariff, ''),
         -(OLD.status NOT IN ('solved', 'closed')), -1),
        ('topic', OLD.project_id, coalesce(OLD.topic_id, 0), OLD.handling_team, coalesce(OLD.handling_tariff, ''),
         -(OLD.status NOT IN ('solved', 'closed')), -1),
        ('assignee', OLD.project_id, coalesce(OLD.assignee_id, 0), OLD.handling_team, coalesce(OLD.handling_tariff, ''),
         -(OLD.status NOT IN ('solved', 'closed')), -1)
    ON CONFLICT DO UPDATE SET open = open + excluded.open, total = total + excluded.total;
END;

-- An update moves the case out of its old rows and into its new ones; only
-- when a counted column changed (most updates change none: a reply, the
-- subject, the SLA). A topic deleted sets its cases' topic_id to NULL
-- through the foreign key, which runs this trigger too.
CREATE TRIGGER case_counts_update AFTER UPDATE OF
        project_id, status, handling_team, handling_tariff, channel, topic_id, assignee_id ON cases
    WHEN OLD.project_id IS NOT NEW.project_id OR OLD.status IS NOT NEW.status
      OR OLD.handling_team IS NOT NEW.handling_team OR OLD.handling_tariff IS NOT NEW.handling_tariff
      OR OLD.channel IS NOT NEW.channel OR OLD.topic_id IS NOT NEW.topic_id
      OR OLD.assignee_id IS NOT NEW.assignee_id
BEGIN
    INSERT INTO case_counts (dimension, project_id, value, handling_team, handling_tariff, open, total)
    VALUES
        ('status', OLD.project_id, OLD.status, OLD.handling_team, coalesce(OLD.handling_tariff, ''),
         -(OLD.status NOT IN ('solved', 'closed')), -1),
        ('channel', OLD.project_id, OLD.channel, OLD.handling_team, coalesce(OLD.handling_tariff, ''),
         -(OLD.status NOT IN ('solved', 'closed')), -1),
        ('topic', OLD.project_id, coalesce(OLD.topic_id, 0), OLD.handling_team, coalesce(OLD.handling_tariff, ''),
         -(OLD.status NOT IN ('solved', 'closed')), -1),
        ('assignee', OLD.project_id, coalesce(OLD.assignee_id, 0), OLD.handling_team, coalesce(OLD.handling_tariff, ''),
         -(OLD.status NOT IN ('solved', 'closed')), -1),
        ('status', NEW.project_id, NEW.status, NEW.handling_team, coalesce(NEW.handling_tariff, ''),
         NEW.status NOT IN ('solved', 'closed'), 1),
        ('channel', NEW.project_id, NEW.channel, NEW.handling_team, coalesce(NEW.handling_tariff, ''),
         NEW.status NOT IN ('solved', 'closed'), 1),
        ('topic', NEW.project_id, coalesce(NEW.topic_id, 0), NEW.handling_team, coalesce(NEW.handling_tariff, ''),
         NEW.status NOT IN ('solved', 'closed'), 1),
        ('assignee', NEW.project_id, coalesce(NEW.assignee_id, 0), NEW.handling_team, coalesce(NEW.handling_tariff, ''),
         NEW.status NOT IN ('solved', 'closed'), 1)
    ON CONFLICT DO UPDATE SET open = open + excluded.open, total = total + excluded.total;
END;
