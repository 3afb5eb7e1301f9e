-- Background services (src/services/): the state an admin chose for each
-- service. Kept across restarts; a service without a row runs.
CREATE TABLE service_states (
    key        TEXT PRIMARY KEY,
    desired    TEXT NOT NULL CHECK (desired IN ('running', 'paused', 'stopped')),
    updated_at TEXT NOT NULL
);

-- Backups the server wrote (src/backup/), with what verification found.
-- The archive files in the backup directory are the truth; a file without
-- a row (written by `zezaro backup`) is listed as not verified here.
CREATE TABLE backups (
    id           INTEGER PRIMARY KEY,
    file_name    TEXT NOT NULL UNIQUE,
    trigger      TEXT NOT NULL CHECK (trigger IN ('scheduled', 'manual')),
    started_at   TEXT NOT NULL,
    finished_at  TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    encrypted    INTEGER NOT NULL,
    verified     INTEGER NOT NULL,
    -- The manifest's snapshot point (JSON: max case id, counts).
    snapshot     TEXT NOT NULL DEFAULT '{}'
);
