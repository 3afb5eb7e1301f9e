-- Issue 14: work instructions with acknowledgments, and training courses
-- (docs/knowledge.md). Everything hangs off one client.

-- A work instruction: draft → published → withdrawn; soft delete.
CREATE TABLE instructions (
    id            INTEGER PRIMARY KEY,
    client_id     INTEGER NOT NULL REFERENCES clients(id) ON DELETE RESTRICT,
    title         TEXT NOT NULL,
    body_md       TEXT NOT NULL,
    -- Rendered and sanitised at save (knowledge::render).
    body_html     TEXT NOT NULL,
    urgency       TEXT NOT NULL CHECK (urgency IN ('info', 'acknowledge')),
    state         TEXT NOT NULL CHECK (state IN ('draft', 'published', 'withdrawn')),
    valid_from    TEXT,
    valid_to      TEXT,
    -- A must-acknowledge instruction put off ("later") comes back after
    -- this many hours, or at the agent's next sign-in, whichever is first.
    remind_hours  INTEGER NOT NULL DEFAULT 4 CHECK (remind_hours BETWEEN 1 AND 168),
    created_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    published_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    published_at  TEXT,
    withdrawn_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    withdrawn_at  TEXT,
    deleted_at    TEXT,
    deleted_by    INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX instructions_client ON instructions(client_id, state);

-- Whom it applies to: no project row = every project of the client; no
-- team row = every team. Team rows: the client's own teams or provider
-- teams (Team Basic / Team Pro).
CREATE TABLE instruction_targets (
    instruction_id INTEGER NOT NULL REFERENCES instructions(id) ON DELETE CASCADE,
    project_id     INTEGER REFERENCES projects(id) ON DELETE CASCADE,
    team_id        INTEGER REFERENCES teams(id) ON DELETE CASCADE,
    CHECK ((project_id IS NULL) != (team_id IS NULL))
);
CREATE UNIQUE INDEX instruction_targets_project ON instruction_targets(instruction_id, project_id) WHERE project_id IS NOT NULL;
CREATE UNIQUE INDEX instruction_targets_team ON instruction_targets(instruction_id, team_id) WHERE team_id IS NOT NULL;

CREATE TABLE instruction_acks (
    instruction_id INTEGER NOT NULL REFERENCES instructions(id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    at             TEXT NOT NULL,
    PRIMARY KEY (instruction_id, user_id)
) WITHOUT ROWID;

-- An agent's banner state: an info instruction dismissed, a must-acknowledge
-- one put off (until remind_hours have passed or another session).
CREATE TABLE instruction_dismissals (
    instruction_id INTEGER NOT NULL REFERENCES instructions(id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    at             TEXT NOT NULL,
    session_id     INTEGER,
    PRIMARY KEY (instruction_id, user_id)
) WITHOUT ROWID;

-- A training course: ordered knowledge articles and an optional check.
CREATE TABLE courses (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients(id) ON DELETE RESTRICT,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    pass_mark   INTEGER NOT NULL CHECK (pass_mark BETWEEN 0 AND 100),
    created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT,
    deleted_by  INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX courses_client ON courses(client_id);

CREATE TABLE course_articles (
    course_id  INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (course_id, article_id)
) WITHOUT ROWID;

-- choices: JSON array of {"text": …, "correct": true|false}; never sent to
-- an agent with "correct".
CREATE TABLE course_questions (
    id        INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    text      TEXT NOT NULL,
    choices   TEXT NOT NULL
);
CREATE INDEX course_questions_course ON course_questions(course_id, position);

-- To one agent or to a team (its agents who work for the client).
CREATE TABLE course_assignments (
    id          INTEGER PRIMARY KEY,
    course_id   INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    user_id     INTEGER REFERENCES users(id) ON DELETE CASCADE,
    team_id     INTEGER REFERENCES teams(id) ON DELETE CASCADE,
    due_on      TEXT,
    assigned_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    assigned_at TEXT NOT NULL,
    CHECK ((user_id IS NULL) != (team_id IS NULL))
);
CREATE INDEX course_assignments_course ON course_assignments(course_id);
CREATE INDEX course_assignments_user ON course_assignments(user_id);

-- Per agent: which articles were read.
CREATE TABLE course_reads (
    course_id  INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (course_id, user_id, article_id)
) WITHOUT ROWID;

-- Per agent: started, all read, last check (score in %), passed.
CREATE TABLE course_results (
    course_id       INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    started_at      TEXT NOT NULL,
    read_at         TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    score           INTEGER,
    last_attempt_at TEXT,
    passed_at       TEXT,
    PRIMARY KEY (course_id, user_id)
) WITHOUT ROWID;
