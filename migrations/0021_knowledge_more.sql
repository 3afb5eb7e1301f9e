-- Knowledge base, second slice (docs/knowledge.md): files of articles,
-- agents granted editing per project, and which articles were used in
-- which case.

-- Files of an article (inline images, downloads). The content is a blob
-- (`blobs`, stored once by SHA-256), like case attachments.
CREATE TABLE kb_attachments (
    id           INTEGER PRIMARY KEY,
    client_id    INTEGER NOT NULL REFERENCES clients(id) ON DELETE RESTRICT,
    article_id   INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    sha256       TEXT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    created_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX kb_attachments_article ON kb_attachments(article_id);
CREATE INDEX kb_attachments_sha ON kb_attachments(sha256);

-- An agent of a project who edits and publishes the articles limited to
-- that project. Goes with the membership: leaving the project ends it.
-- A rowid table: the principal cache learns of its changes through the
-- update hook, which WITHOUT ROWID tables do not call.
CREATE TABLE knowledge_editors (
    project_id  INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    granted_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    granted_at  TEXT NOT NULL,
    PRIMARY KEY (project_id, user_id),
    FOREIGN KEY (project_id, user_id) REFERENCES project_members(project_id, user_id) ON DELETE CASCADE
);
CREATE INDEX knowledge_editors_user ON knowledge_editors(user_id);

-- An article used in a case (a link or its text put into a reply), for
-- reports.
CREATE TABLE kb_article_uses (
    id          INTEGER PRIMARY KEY,
    article_id  INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    version_id  INTEGER REFERENCES kb_article_versions(id) ON DELETE SET NULL,
    case_id     INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    user_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    at          TEXT NOT NULL,
    how         TEXT NOT NULL CHECK (how IN ('link', 'text'))
);
CREATE INDEX kb_article_uses_article ON kb_article_uses(article_id, at);
CREATE INDEX kb_article_uses_case ON kb_article_uses(case_id);
