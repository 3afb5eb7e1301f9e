-- Issue 18 (workforce): the seats (Plätze) the provider staffs in a client
-- project, and which agents fill them when. Forecast staffing compares its
-- required seats against these; billing later rests on them.
--
-- Team Basic: shared agents, a service window (one of the client's business
-- calendars) and a daily productive time per seat (e.g. 180 minutes).
-- Team Pro: exclusive agents; service time equals productive time, so
-- neither window nor daily minutes apply.
CREATE TABLE seats (
    id                 INTEGER PRIMARY KEY,
    project_id         INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    tariff             TEXT NOT NULL CHECK (tariff IN ('team-basic', 'team-pro')),
    -- The channel the seat serves; NULL: every channel of the project.
    channel            TEXT CHECK (channel IS NULL
                           OR channel IN ('email', 'call', 'webform', 'chat', 'letter')),
    calendar_id        INTEGER REFERENCES business_calendars(id) ON DELETE RESTRICT,
    productive_minutes INTEGER CHECK (productive_minutes IS NULL
                           OR productive_minutes BETWEEN 1 AND 1440),
    -- Local calendar days (YYYY-MM-DD), both inclusive; valid_to NULL: open.
    valid_from         TEXT NOT NULL,
    valid_to           TEXT,
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    CHECK (tariff = 'team-pro' OR (calendar_id IS NOT NULL AND productive_minutes IS NOT NULL)),
    CHECK (tariff = 'team-basic' OR (calendar_id IS NULL AND productive_minutes IS NULL)),
    CHECK (valid_to IS NULL OR valid_to >= valid_from),
    UNIQUE (project_id, name)
);
CREATE INDEX seats_project ON seats(project_id, valid_from);

-- Which agent fills a seat in which period (days, inclusive). Periods of
-- one seat do not overlap, and a Team Pro agent holds no seat of another
-- client at the same time: both are checked by the workforce service.
CREATE TABLE seat_assignments (
    id            INTEGER PRIMARY KEY,
    seat_id       INTEGER NOT NULL REFERENCES seats(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    valid_from    TEXT NOT NULL,
    valid_to      TEXT,
    created_by_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX seat_assignments_seat ON seat_assignments(seat_id, valid_from);
CREATE INDEX seat_assignments_user ON seat_assignments(user_id, valid_from);
