-- Issue 15 (docs/workflows.md): distribution of new cases between the
-- client's own team and the provider's teams.

-- One row per saved version of a project's plan; the highest version is
-- the current plan. A project with a plan restricts what the provider's
-- agents see to the cases their team handles.
CREATE TABLE distribution_plans (
    id              INTEGER PRIMARY KEY,
    project_id      INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    version         INTEGER NOT NULL,
    -- What the save did to the project's open cases.
    open_cases      TEXT NOT NULL CHECK (open_cases IN ('leave', 'move-unassigned', 'move-all')),
    moved           INTEGER NOT NULL DEFAULT 0,
    changed_by_id   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    changed_by_name TEXT NOT NULL,
    changed_at      TEXT NOT NULL,
    UNIQUE (project_id, version)
);

-- Which team takes new cases of a topic and channel (NULL: any), as shares
-- that sum to 100 per topic and channel.
CREATE TABLE distribution_entries (
    plan_id       INTEGER NOT NULL REFERENCES distribution_plans(id) ON DELETE CASCADE,
    topic_id      INTEGER REFERENCES topics(id) ON DELETE CASCADE,
    channel       TEXT,
    team          TEXT NOT NULL CHECK (team IN ('client', 'provider-basic', 'provider-pro')),
    share_percent INTEGER NOT NULL CHECK (share_percent BETWEEN 1 AND 100)
);
CREATE INDEX distribution_entries_plan ON distribution_entries(plan_id);

-- Overflow: a case the plan gives the own team goes to `to_team` when the
-- own team's open queue holds more than `threshold` cases, or when the
-- calendar is closed.
CREATE TABLE distribution_overflow (
    plan_id     INTEGER NOT NULL REFERENCES distribution_plans(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('queue-over', 'outside-hours')),
    threshold   INTEGER CHECK (threshold IS NULL OR threshold >= 0),
    calendar_id INTEGER REFERENCES business_calendars(id) ON DELETE SET NULL,
    to_team     TEXT NOT NULL CHECK (to_team IN ('provider-basic', 'provider-pro')),
    PRIMARY KEY (plan_id, position)
);
CREATE INDEX distribution_overflow_calendar ON distribution_overflow(calendar_id);

-- The deterministic shares: how many cases of a topic and channel group
-- (0 / '' = any) the plan version has distributed.
CREATE TABLE distribution_counters (
    plan_id   INTEGER NOT NULL REFERENCES distribution_plans(id) ON DELETE CASCADE,
    topic_key INTEGER NOT NULL,
    channel   TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    PRIMARY KEY (plan_id, topic_key, channel)
);

-- Which of the provider's teams handles a provider case (NULL: any, as
-- before plans; always NULL for the own team).
ALTER TABLE cases ADD COLUMN handling_tariff TEXT CHECK (handling_tariff IN ('basic', 'pro'));
