-- Issue 15, first slice (docs/workflows.md): business calendars and SLAs.

-- A client's business calendar: opening hours per weekday in a time zone,
-- the public holidays of one German state, and the client's own closures.
CREATE TABLE business_calendars (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    -- IANA name, checked against the time zone database on write.
    time_zone   TEXT NOT NULL DEFAULT 'Europe/Berlin',
    -- Whose public holidays count; NULL: none.
    state       TEXT CHECK (state IS NULL OR state IN ('BW', 'BY', 'BE', 'BB', 'HB', 'HH', 'HE',
                    'MV', 'NI', 'NW', 'RP', 'SL', 'SN', 'ST', 'SH', 'TH')),
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (client_id, name)
);

-- Open intervals in minutes after local midnight; several per weekday.
CREATE TABLE business_calendar_hours (
    calendar_id  INTEGER NOT NULL REFERENCES business_calendars(id) ON DELETE CASCADE,
    -- 0 = Monday … 6 = Sunday.
    weekday      INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute   INTEGER NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
    CHECK (start_minute < end_minute),
    PRIMARY KEY (calendar_id, weekday, start_minute)
);

-- The client's own closed days (company holiday, inventory): local dates,
-- both inclusive.
CREATE TABLE business_calendar_closures (
    id          INTEGER PRIMARY KEY,
    calendar_id INTEGER NOT NULL REFERENCES business_calendars(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    from_date   TEXT NOT NULL,
    to_date     TEXT NOT NULL,
    CHECK (from_date <= to_date)
);
CREATE INDEX business_calendar_closures_calendar ON business_calendar_closures(calendar_id, from_date);

-- SLA policies per project, first matching in `position` order wins. The
-- conditions are JSON arrays; an empty one matches anything.
CREATE TABLE sla_policies (
    id                     INTEGER PRIMARY KEY,
    project_id             INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name                   TEXT NOT NULL,
    position               INTEGER NOT NULL DEFAULT 0,
    active                 INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    calendar_id            INTEGER NOT NULL REFERENCES business_calendars(id) ON DELETE RESTRICT,
    priorities             TEXT NOT NULL DEFAULT '[]',
    channels               TEXT NOT NULL DEFAULT '[]',
    topic_ids              TEXT NOT NULL DEFAULT '[]',
    organization_ids       TEXT NOT NULL DEFAULT '[]',
    -- Targets in business minutes; NULL: no such target.
    first_response_minutes INTEGER CHECK (first_response_minutes > 0),
    next_response_minutes  INTEGER CHECK (next_response_minutes > 0),
    resolution_minutes     INTEGER CHECK (resolution_minutes > 0),
    warn_percent           INTEGER NOT NULL DEFAULT 80 CHECK (warn_percent BETWEEN 1 AND 99),
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    UNIQUE (project_id, name)
);
CREATE INDEX sla_policies_project ON sla_policies(project_id, position);
CREATE INDEX sla_policies_calendar ON sla_policies(calendar_id);

-- The SLA clocks of a case: one row per target and cycle (next response
-- starts a new cycle with every customer message after a reply). Kept after
-- the case is solved: the results are what reports and billing read.
CREATE TABLE case_sla (
    id             INTEGER PRIMARY KEY,
    case_id        INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    target         TEXT NOT NULL CHECK (target IN ('first-response', 'next-response', 'resolution')),
    cycle          INTEGER NOT NULL DEFAULT 1,
    policy_id      INTEGER REFERENCES sla_policies(id) ON DELETE SET NULL,
    calendar_id    INTEGER REFERENCES business_calendars(id) ON DELETE SET NULL,
    target_minutes INTEGER NOT NULL,
    warn_minutes   INTEGER NOT NULL,
    started_at     TEXT NOT NULL,
    -- Business minutes spent pending on the customer, added to the target.
    paused_minutes INTEGER NOT NULL DEFAULT 0,
    paused_since   TEXT,
    state          TEXT NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'paused', 'done')),
    -- NULL while paused, or when the calendar is never open.
    due_at         TEXT,
    warn_at        TEXT,
    warned_at      TEXT,
    breached_at    TEXT,
    achieved_at    TEXT,
    -- Set at the breach (stays when achieved later), at the achievement in
    -- time, or `cancelled` when the case was solved before a reply was due.
    result         TEXT CHECK (result IN ('achieved', 'breached', 'cancelled')),
    UNIQUE (case_id, target, cycle)
);
-- The job's two look-ups: what is due for a warning or a breach now.
CREATE INDEX case_sla_due ON case_sla(due_at) WHERE state = 'running' AND breached_at IS NULL;
CREATE INDEX case_sla_warn ON case_sla(warn_at) WHERE state = 'running' AND warned_at IS NULL;
-- Recompute after a calendar change.
CREATE INDEX case_sla_calendar ON case_sla(calendar_id, id) WHERE state <> 'done';

-- The case's next running deadline (the earliest due_at of its running
-- clocks) and which target it is, for the case list and its sort.
ALTER TABLE cases ADD COLUMN sla_due_at TEXT;
ALTER TABLE cases ADD COLUMN sla_target TEXT;
-- Matches cases::store::Sort::SlaAsc's expression exactly.
CREATE INDEX cases_open_project_sla ON cases(project_id, COALESCE(sla_due_at, '9999'))
    WHERE status NOT IN ('solved', 'closed');
