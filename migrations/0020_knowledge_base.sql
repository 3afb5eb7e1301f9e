-- Knowledge base (issue 14, docs/knowledge.md): categories, articles with
-- language versions (every save a version), tags, project limits, and the
-- search index over published versions.

CREATE TABLE kb_categories (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients(id) ON DELETE RESTRICT,
    parent_id   INTEGER REFERENCES kb_categories(id) ON DELETE RESTRICT,
    name        TEXT NOT NULL,
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX kb_categories_client ON kb_categories(client_id, parent_id, position);

CREATE TABLE kb_articles (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients(id) ON DELETE RESTRICT,
    category_id INTEGER REFERENCES kb_categories(id) ON DELETE RESTRICT,
    visibility  TEXT NOT NULL DEFAULT 'internal' CHECK (visibility IN ('internal', 'public')),
    -- 1: only the projects in kb_article_projects (none left after their
    -- deletion: no project), 0: all projects of the client.
    limited     INTEGER NOT NULL DEFAULT 0 CHECK (limited IN (0, 1)),
    created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    -- Soft delete: the versions stay; restorable by the client admin.
    deleted_at  TEXT,
    deleted_by  INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX kb_articles_client ON kb_articles(client_id, category_id);

CREATE TABLE kb_article_versions (
    id            INTEGER PRIMARY KEY,
    article_id    INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    language      TEXT NOT NULL CHECK (language IN ('de', 'en')),
    -- 1, 2, … per article and language.
    number        INTEGER NOT NULL,
    title         TEXT NOT NULL,
    body_md       TEXT NOT NULL,
    -- Rendered and sanitised when saved.
    body_html     TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('draft', 'review', 'published', 'archived')),
    created_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL,
    submitted_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    submitted_at  TEXT,
    published_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    published_at  TEXT,
    restored_from INTEGER REFERENCES kb_article_versions(id) ON DELETE SET NULL,
    UNIQUE (article_id, language, number)
);
-- At most one published version per article and language.
CREATE UNIQUE INDEX kb_article_versions_published
    ON kb_article_versions(article_id, language) WHERE state = 'published';

CREATE TABLE kb_article_tags (
    article_id  INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    PRIMARY KEY (article_id, tag)
) WITHOUT ROWID;
CREATE INDEX kb_article_tags_tag ON kb_article_tags(tag);

-- The projects of a limited article (kb_articles.limited).
CREATE TABLE kb_article_projects (
    article_id  INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, project_id)
) WITHOUT ROWID;
CREATE INDEX kb_article_projects_project ON kb_article_projects(project_id);

-- Published versions only; rowid = kb_article_versions.id. Folding as in
-- case_search (umlauts and accents), no tokens left behind on delete.
CREATE VIRTUAL TABLE kb_search USING fts5(
    title, body, tags,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO kb_search(kb_search, rank) VALUES ('secure-delete', 1);
