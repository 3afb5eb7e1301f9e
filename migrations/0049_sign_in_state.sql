-- Issue 18 (docs/architecture.md, "Workforce"): sign-in writes the state
-- log too. A client chooses the state its agents start in after signing in:
-- `away` (not ready until they choose, the default) or `available`.
ALTER TABLE workforce_settings ADD COLUMN sign_in_state TEXT NOT NULL DEFAULT 'away'
    CHECK (sign_in_state IN ('available', 'away'));

-- The log's `source` gains `sign-in`. SQLite changes a CHECK only by
-- rebuilding the table: same columns, rows and ids, then the indexes and the
-- append-only trigger again.
CREATE TABLE agent_state_log_new (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL CHECK (to_state IN ('available', 'on-case', 'after-work', 'break',
                    'training', 'meeting', 'back-office', 'away', 'offline')),
    reason_id   INTEGER,
    reason      TEXT,
    project_id  INTEGER REFERENCES projects(id) ON DELETE CASCADE,
    client_id   INTEGER REFERENCES clients(id) ON DELETE CASCADE,
    case_id     INTEGER,
    source      TEXT NOT NULL CHECK (source IN ('agent', 'workspace', 'sign-in', 'sign-out',
                    'idle', 'activity', 'heartbeat', 'after-work', 'lead', 'routing-api')),
    by_user_id  INTEGER
);
INSERT INTO agent_state_log_new (id, user_id, at, from_state, to_state, reason_id, reason,
                                 project_id, client_id, case_id, source, by_user_id)
    SELECT id, user_id, at, from_state, to_state, reason_id, reason,
           project_id, client_id, case_id, source, by_user_id
    FROM agent_state_log;
DROP TABLE agent_state_log;
ALTER TABLE agent_state_log_new RENAME TO agent_state_log;
CREATE INDEX agent_state_log_user ON agent_state_log(user_id, at);
CREATE INDEX agent_state_log_client ON agent_state_log(client_id, at);
CREATE TRIGGER agent_state_log_append_only BEFORE UPDATE ON agent_state_log
BEGIN
    SELECT RAISE(ABORT, 'agent_state_log is append-only');
END;
