-- Foundation: clients, projects, teams, users, memberships, sessions, API tokens, audit log.
-- Times are UTC RFC 3339 text ('2026-11-27T08:35:36.123Z').

CREATE TABLE clients (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE projects (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients(id) ON DELETE RESTRICT,
    name        TEXT NOT NULL,
    -- Prefix of the people-readable case numbers (ACME-10423); never changes.
    key         TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (client_id, name)
);
CREATE INDEX projects_client ON projects(client_id);

-- A team is either one client's own team or a team of the service provider.
CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('client', 'provider')),
    client_id   INTEGER REFERENCES clients(id) ON DELETE RESTRICT,
    created_at  TEXT NOT NULL,
    CHECK ((kind = 'client') = (client_id IS NOT NULL)),
    UNIQUE (client_id, name)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'client-admin', 'project-lead', 'agent')),
    -- NULL for platform admins and the provider's staff.
    client_id     INTEGER REFERENCES clients(id) ON DELETE RESTRICT,
    team_id       INTEGER REFERENCES teams(id) ON DELETE RESTRICT,
    -- Only provider agents have a tariff.
    tariff        TEXT CHECK (tariff IN ('basic', 'pro')),
    locale        TEXT CHECK (locale IN ('de', 'en')),
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX users_client ON users(client_id);
CREATE INDEX users_team ON users(team_id);

CREATE TABLE project_members (
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('agent', 'lead')),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user ON project_members(user_id);

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    ip          TEXT,
    user_agent  TEXT,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- Who did what to which object, when, from where. Append-only: the triggers
-- below refuse every UPDATE and DELETE.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    INTEGER,
    actor_email TEXT,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   INTEGER,
    -- The client the object belongs to, so client admins see their own trail.
    client_id   INTEGER,
    ip          TEXT,
    details     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_client ON audit_log(client_id, id);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
