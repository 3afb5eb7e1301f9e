-- Issue 18 (forecast and staffing, docs/architecture.md): the client's
-- planned volumes per project, channel and month, every save a version;
-- the profiles learned from the project's own cases; the deviations past
-- the agreed limit that billing will use.

-- Per project; a project without a row uses the defaults below.
CREATE TABLE forecast_settings (
    project_id            INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    -- Staffing intervals.
    interval_minutes      INTEGER NOT NULL DEFAULT 30 CHECK (interval_minutes IN (15, 30)),
    -- A month's volumes may be changed until the end of this day (local)
    -- of the month before.
    deadline_day          INTEGER NOT NULL DEFAULT 20 CHECK (deadline_day BETWEEN 1 AND 28),
    -- How many months ahead the client plans.
    horizon_months        INTEGER NOT NULL DEFAULT 6 CHECK (horizon_months BETWEEN 1 AND 24),
    -- Deviation corridors, percent of the forecast either way.
    normal_percent        INTEGER NOT NULL DEFAULT 10 CHECK (normal_percent BETWEEN 1 AND 100),
    limit_percent         INTEGER NOT NULL DEFAULT 20 CHECK (limit_percent BETWEEN 1 AND 200),
    -- Calls: share answered within answer_seconds; patience (Erlang A)
    -- NULL: callers wait (Erlang C).
    service_level_percent INTEGER NOT NULL DEFAULT 80 CHECK (service_level_percent BETWEEN 1 AND 99),
    answer_seconds        INTEGER NOT NULL DEFAULT 20 CHECK (answer_seconds BETWEEN 1 AND 3600),
    patience_seconds      INTEGER CHECK (patience_seconds IS NULL OR patience_seconds BETWEEN 1 AND 3600),
    max_occupancy_percent INTEGER NOT NULL DEFAULT 90 CHECK (max_occupancy_percent BETWEEN 50 AND 100),
    -- Paid time not on cases (breaks, meetings, training).
    shrinkage_percent     INTEGER NOT NULL DEFAULT 30 CHECK (shrinkage_percent BETWEEN 0 AND 80),
    -- Written channels: every message answered within this time.
    response_minutes      INTEGER NOT NULL DEFAULT 240 CHECK (response_minutes BETWEEN 15 AND 10080),
    -- Paid minutes of one full-time equivalent per day.
    fte_minutes           INTEGER NOT NULL DEFAULT 480 CHECK (fte_minutes BETWEEN 60 AND 720),
    version               INTEGER NOT NULL DEFAULT 1,
    updated_at            TEXT NOT NULL,
    CHECK (limit_percent >= normal_percent)
);

-- Handling time per channel set by hand (incl. after-work), over the
-- learned one.
CREATE TABLE forecast_aht (
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'call', 'webform', 'chat', 'letter')),
    seconds    INTEGER NOT NULL CHECK (seconds BETWEEN 1 AND 86400),
    PRIMARY KEY (project_id, channel)
) WITHOUT ROWID;

-- Every save of a project's forecast is a version; its volumes are the
-- whole forecast as saved (months carried over from the version before).
CREATE TABLE forecast_versions (
    id              INTEGER PRIMARY KEY,
    project_id      INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    version         INTEGER NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    created_by_id   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_by_name TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (project_id, version)
);

CREATE TABLE forecast_volumes (
    version_id INTEGER NOT NULL REFERENCES forecast_versions(id) ON DELETE CASCADE,
    -- The local calendar month, YYYY-MM.
    month      TEXT NOT NULL,
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'call', 'webform', 'chat', 'letter')),
    volume     INTEGER NOT NULL CHECK (volume BETWEEN 0 AND 10000000),
    PRIMARY KEY (version_id, month, channel)
) WITHOUT ROWID;

-- What the project's own history says, per channel: shares of the week
-- per weekday and of the day per quarter hour (JSON; NULL: too few cases,
-- the documented default applies), and the handling time per case.
-- Rewritten whole by each learning run.
CREATE TABLE forecast_profiles (
    project_id      INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'call', 'webform', 'chat', 'letter')),
    cases           INTEGER NOT NULL,
    weekday_shares  TEXT,
    intraday_shares TEXT,
    aht_seconds     INTEGER,
    aht_cases       INTEGER NOT NULL DEFAULT 0,
    from_day        TEXT NOT NULL,
    to_day          TEXT NOT NULL,
    learned_at      TEXT NOT NULL,
    PRIMARY KEY (project_id, channel)
) WITHOUT ROWID;

-- A month and channel whose actual volume left the agreed corridor
-- (limit_percent) of the binding forecast. Kept by the daily job for the
-- last complete months, idempotently: a recount updates the row, a month
-- back inside the limit loses it.
CREATE TABLE forecast_deviations (
    project_id        INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    month             TEXT NOT NULL,
    channel           TEXT NOT NULL CHECK (channel IN ('email', 'call', 'webform', 'chat', 'letter')),
    forecast_volume   INTEGER NOT NULL,
    actual_volume     INTEGER NOT NULL,
    -- (actual − forecast) / forecast · 100; NULL for a forecast of 0.
    deviation_percent REAL,
    limit_percent     INTEGER NOT NULL,
    forecast_version  INTEGER NOT NULL,
    recorded_at       TEXT NOT NULL,
    PRIMARY KEY (project_id, month, channel)
) WITHOUT ROWID;
