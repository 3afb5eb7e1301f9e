-- Version history of text modules (issue 14, docs/knowledge.md): every
-- save of a module keeps what it then was, with who and when; an editor
-- compares two versions and restores an old one as a new version.

CREATE TABLE text_module_versions (
    id            INTEGER PRIMARY KEY,
    module_id     INTEGER NOT NULL REFERENCES text_modules(id) ON DELETE CASCADE,
    -- 1, 2, 3 … per module; the highest is what the module is now.
    number        INTEGER NOT NULL,
    shortcut      TEXT NOT NULL,
    language      TEXT NOT NULL CHECK (language IN ('de', 'en')),
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    limited       INTEGER NOT NULL CHECK (limited IN (0, 1)),
    -- JSON array of project ids as they were then (a project deleted later
    -- stays named here; a restore leaves it out).
    project_ids   TEXT NOT NULL DEFAULT '[]',
    saved_by      INTEGER REFERENCES users(id) ON DELETE SET NULL,
    saved_at      TEXT NOT NULL,
    -- The number of the version this one restored, if it is a restore.
    restored_from INTEGER,
    UNIQUE (module_id, number)
);

-- The files a version had; the content stays in the blob store as long as
-- a version names it, so that a restore brings the file back.
CREATE TABLE text_module_version_files (
    version_id   INTEGER NOT NULL REFERENCES text_module_versions(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    sha256       TEXT NOT NULL REFERENCES blobs(sha256),
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    PRIMARY KEY (version_id, position)
) WITHOUT ROWID;
CREATE INDEX text_module_version_files_sha ON text_module_version_files(sha256);

-- The modules written before this migration start with their present
-- content as version 1.
INSERT INTO text_module_versions (module_id, number, shortcut, language, title, body, limited,
        project_ids, saved_by, saved_at)
SELECT m.id, 1, m.shortcut, m.language, m.title, m.body, m.limited,
       COALESCE((SELECT json_group_array(p.project_id)
                 FROM (SELECT project_id FROM text_module_projects
                       WHERE module_id = m.id ORDER BY project_id) p), '[]'),
       m.updated_by, m.updated_at
FROM text_modules m;

INSERT INTO text_module_version_files (version_id, position, sha256, filename, content_type, size)
SELECT v.id, a.id, a.sha256, a.filename, a.content_type, a.size
FROM text_module_versions v JOIN text_module_attachments a ON a.module_id = v.module_id;
