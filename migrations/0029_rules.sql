-- Issue 15, rules engine (docs/workflows.md "Rules"): triggers and
-- automations per client, limited to projects, ordered and versioned.

CREATE TABLE rules (
    id                 INTEGER PRIMARY KEY,
    client_id          INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    -- Evaluation order within the client, ascending.
    position           INTEGER NOT NULL DEFAULT 0,
    active             INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
    -- The version that runs; set right after the first version is written.
    current_version_id INTEGER,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX rules_client ON rules(client_id, position, id);

-- Bumped by every change to a client's rules: the engine keeps the
-- compiled active rules in memory under (client, token, generation). The
-- token is random per store, so two stores never share an entry.
CREATE TABLE rules_state (
    client_id  INTEGER PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
    token      TEXT NOT NULL,
    generation INTEGER NOT NULL
);

-- Every save is a new version; a rule's `current_version_id` names the one
-- that runs.
CREATE TABLE rule_versions (
    id             INTEGER PRIMARY KEY,
    rule_id        INTEGER NOT NULL REFERENCES rules(id) ON DELETE CASCADE,
    version        INTEGER NOT NULL,
    name           TEXT NOT NULL,
    -- JSON array of project ids; empty: every project of the client.
    project_ids    TEXT NOT NULL DEFAULT '[]',
    event          TEXT NOT NULL CHECK (event IN ('case-created', 'case-updated', 'message-received',
                       'reply-sent', 'time-based', 'sla-warning', 'sla-breached')),
    -- JSON condition tree (all/any groups of {field, op, value}).
    conditions     TEXT NOT NULL DEFAULT '{"all":[]}',
    -- JSON list of actions.
    actions        TEXT NOT NULL DEFAULT '[]',
    created_by     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at     TEXT NOT NULL,
    UNIQUE (rule_id, version)
);

-- One row per rule that fired on a case: what it changed (JSON list of
-- {action, field, old, new} or {action, skipped}), at which chain depth.
CREATE TABLE rule_runs (
    id              INTEGER PRIMARY KEY,
    rule_id         INTEGER REFERENCES rules(id) ON DELETE SET NULL,
    rule_version_id INTEGER REFERENCES rule_versions(id) ON DELETE SET NULL,
    case_id         INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    event           TEXT NOT NULL,
    at              TEXT NOT NULL,
    changes         TEXT NOT NULL DEFAULT '[]',
    depth           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rule_runs_case ON rule_runs(case_id, id);
CREATE INDEX rule_runs_rule ON rule_runs(rule_id, id);

-- UI notifications a rule sends to users ("notify users"), read by the
-- user they name.
CREATE TABLE rule_notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    case_id    INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    rule_id    INTEGER REFERENCES rules(id) ON DELETE SET NULL,
    text       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at    TEXT
);
CREATE INDEX rule_notifications_user ON rule_notifications(user_id, id);

-- A history row written by a rule names it ("set by rule 'NAME'").
ALTER TABLE case_history ADD COLUMN rule_name TEXT;
