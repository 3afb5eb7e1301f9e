-- Issue 18 (docs/architecture.md, "Workforce"): the full agent state model.
--
-- The state lives on routing's availability row (one row per agent), so that
-- routing and the workforce read one truth: `work_state` is the detailed
-- state, `state` stays routing's view of it (available and on-case:
-- `available`; offline: `offline`; anything else: `away`). Both are written
-- together by `workforce::states::transition`, which also appends to the log.
-- Break reasons, per client (lunch, short break, …).
CREATE TABLE break_reasons (
    id        INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    active    INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    position  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (client_id, name)
);

ALTER TABLE agent_availability ADD COLUMN work_state TEXT NOT NULL DEFAULT 'offline'
    CHECK (work_state IN ('available', 'on-case', 'after-work', 'break', 'training',
                          'meeting', 'back-office', 'away', 'offline'));
-- Routing's three states carry the same names.
UPDATE agent_availability SET work_state = state;
ALTER TABLE agent_availability ADD COLUMN reason_id INTEGER
    REFERENCES break_reasons(id) ON DELETE SET NULL;
-- The project the agent works for now (a provider agent works for several
-- clients: the project says whose monitor and productive time it is).
ALTER TABLE agent_availability ADD COLUMN project_id INTEGER
    REFERENCES projects(id) ON DELETE SET NULL;
ALTER TABLE agent_availability ADD COLUMN case_id INTEGER
    REFERENCES cases(id) ON DELETE SET NULL;
-- The open workspace's last sign of life; past the platform's
-- `offline_after_seconds` the state job ends the agent in `offline`.
ALTER TABLE agent_availability ADD COLUMN heartbeat_at TEXT;
-- After-work past the client's maximum, left standing (setting `flag`).
ALTER TABLE agent_availability ADD COLUMN overrun INTEGER NOT NULL DEFAULT 0
    CHECK (overrun IN (0, 1));
CREATE INDEX agent_availability_present ON agent_availability(work_state)
    WHERE work_state <> 'offline';

ALTER TABLE routing_settings ADD COLUMN offline_after_seconds INTEGER NOT NULL DEFAULT 120
    CHECK (offline_after_seconds BETWEEN 30 AND 86400);

-- A client's state settings; no row: the defaults (workforce::model).
CREATE TABLE workforce_settings (
    client_id              INTEGER PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
    -- The longest after-work; then `after_work_expiry`: back to `available`,
    -- or `flag` (stays, marked as overrun in the monitor).
    after_work_max_seconds INTEGER NOT NULL CHECK (after_work_max_seconds BETWEEN 0 AND 7200),
    after_work_expiry      TEXT NOT NULL CHECK (after_work_expiry IN ('available', 'flag')),
    -- JSON array of the states that count as productive time.
    productive_states      TEXT NOT NULL,
    -- The zone whose calendar days cut productive time.
    time_zone              TEXT NOT NULL,
    changed_by_id          INTEGER REFERENCES users(id) ON DELETE SET NULL,
    changed_at             TEXT NOT NULL
);

-- Append-only: one row per state change (who, from, to, reason, project,
-- case, what wrote it). An interval runs from a row's `at` to the next row
-- of the same agent. Never updated (the trigger); rows go only with their
-- agent, client or project. Case and reason are kept as plain values (the
-- reason's name copied), so deleting either changes no row.
CREATE TABLE agent_state_log (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL CHECK (to_state IN ('available', 'on-case', 'after-work', 'break',
                    'training', 'meeting', 'back-office', 'away', 'offline')),
    reason_id   INTEGER,
    reason      TEXT,
    -- The project worked for, and its client (for a client's own agent
    -- without project: the agent's client; else NULL).
    project_id  INTEGER REFERENCES projects(id) ON DELETE CASCADE,
    client_id   INTEGER REFERENCES clients(id) ON DELETE CASCADE,
    case_id     INTEGER,
    source      TEXT NOT NULL CHECK (source IN ('agent', 'workspace', 'sign-out', 'idle',
                    'activity', 'heartbeat', 'after-work', 'lead', 'routing-api')),
    by_user_id  INTEGER
);
CREATE INDEX agent_state_log_user ON agent_state_log(user_id, at);
CREATE INDEX agent_state_log_client ON agent_state_log(client_id, at);
CREATE TRIGGER agent_state_log_append_only BEFORE UPDATE ON agent_state_log
BEGIN
    SELECT RAISE(ABORT, 'agent_state_log is append-only');
END;

-- The project lead's corrections of an agent's productive time on one day
-- (a signed number of seconds, with the reason). Append-only too: a wrong
-- correction is corrected by another.
CREATE TABLE productive_time_corrections (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    project_id    INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    day           TEXT NOT NULL,
    seconds       INTEGER NOT NULL CHECK (seconds BETWEEN -86400 AND 86400 AND seconds <> 0),
    reason        TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    created_by_id INTEGER,
    created_at    TEXT NOT NULL
);
CREATE INDEX productive_time_corrections_project ON productive_time_corrections(project_id, day);
CREATE TRIGGER productive_time_corrections_append_only BEFORE UPDATE ON productive_time_corrections
BEGIN
    SELECT RAISE(ABORT, 'productive_time_corrections is append-only');
END;
