-- Issue 14: a client-wide default for how long a put-off must-acknowledge
-- instruction stays away (docs/knowledge.md, "Client defaults").

-- One row per client that set its default; no row: the built-in 4 hours.
CREATE TABLE instruction_settings (
    client_id    INTEGER PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
    remind_hours INTEGER NOT NULL CHECK (remind_hours BETWEEN 1 AND 168),
    updated_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at   TEXT NOT NULL
);

-- 1: the instruction has its own `remind_hours`; 0: it follows the client's
-- default (instruction_settings, else 4) and its `remind_hours` column is
-- not read. Instructions written before this migration keep their own hours
-- (they cannot tell a chosen 4 from the old built-in one).
ALTER TABLE instructions ADD COLUMN remind_own INTEGER NOT NULL DEFAULT 1 CHECK (remind_own IN (0, 1));
