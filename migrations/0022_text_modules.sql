-- Text modules (Textbausteine, issue 14, docs/knowledge.md): short answers
-- per client with placeholders, limited to projects and a language,
-- attachments from the blob store, and how often each agent used them.

CREATE TABLE text_modules (
    id           INTEGER PRIMARY KEY,
    client_id    INTEGER NOT NULL REFERENCES clients(id) ON DELETE RESTRICT,
    -- Typed after `::` in the composer; lower case, unique per client and
    -- language among the modules not deleted.
    shortcut     TEXT NOT NULL,
    language     TEXT NOT NULL CHECK (language IN ('de', 'en')),
    title        TEXT NOT NULL,
    -- Plain text with {{placeholders}} (replies are plain-text e-mails).
    body         TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published')),
    -- 1: only the projects in text_module_projects (none left after their
    -- deletion: no project), 0: all projects of the client.
    limited      INTEGER NOT NULL DEFAULT 0 CHECK (limited IN (0, 1)),
    created_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    updated_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at   TEXT NOT NULL,
    published_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    published_at TEXT,
    -- Soft delete, restorable by the client admin.
    deleted_at   TEXT,
    deleted_by   INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX text_modules_shortcut
    ON text_modules(client_id, language, shortcut) WHERE deleted_at IS NULL;
CREATE INDEX text_modules_client ON text_modules(client_id, state);

CREATE TABLE text_module_projects (
    module_id   INTEGER NOT NULL REFERENCES text_modules(id) ON DELETE CASCADE,
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    PRIMARY KEY (module_id, project_id)
) WITHOUT ROWID;
CREATE INDEX text_module_projects_project ON text_module_projects(project_id);

-- Files attached to the reply when the module is inserted; the content is
-- the blob store's (blobs.sha256).
CREATE TABLE text_module_attachments (
    id           INTEGER PRIMARY KEY,
    module_id    INTEGER NOT NULL REFERENCES text_modules(id) ON DELETE CASCADE,
    sha256       TEXT NOT NULL REFERENCES blobs(sha256),
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    created_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX text_module_attachments_module ON text_module_attachments(module_id);
CREATE INDEX text_module_attachments_sha ON text_module_attachments(sha256);

-- Insertions per module, agent and day (UTC date), counted on render.
CREATE TABLE text_module_usage (
    module_id  INTEGER NOT NULL REFERENCES text_modules(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day        TEXT NOT NULL,
    count      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (module_id, user_id, day)
) WITHOUT ROWID;
