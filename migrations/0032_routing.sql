-- Issue 15 (docs/workflows.md, "Routing to agents"): push routing of new
-- cases to available agents with matching skills and free capacity.

-- Per project and channel how new cases reach agents: `pull` (agents take
-- them from views; the default without a row), `round-robin` or
-- `least-loaded`. `cursor_user_id` is round-robin's durable cursor: the
-- agent who got the last case.
CREATE TABLE routing_modes (
    project_id     INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    channel        TEXT NOT NULL CHECK (channel IN ('email', 'call', 'webform', 'chat', 'letter')),
    mode           TEXT NOT NULL CHECK (mode IN ('pull', 'round-robin', 'least-loaded')),
    cursor_user_id INTEGER,
    changed_by_id  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    changed_at     TEXT NOT NULL,
    PRIMARY KEY (project_id, channel)
);

-- An agent's availability; no row: offline. `auto_away` marks an away set
-- by the idle job (activity brings such an agent back).
CREATE TABLE agent_availability (
    user_id          INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    state            TEXT NOT NULL CHECK (state IN ('available', 'away', 'offline')),
    since            TEXT NOT NULL,
    auto_away        INTEGER NOT NULL DEFAULT 0 CHECK (auto_away IN (0, 1)),
    last_activity_at TEXT NOT NULL,
    -- The last case routing gave the agent (least-loaded's tie-break).
    last_assigned_at TEXT
);
CREATE INDEX agent_availability_idle ON agent_availability(last_activity_at)
    WHERE state = 'available';

-- Skills: a language (ISO code, as contacts.language) or a topic, with a
-- level 1 (basic) to 3 (expert).
CREATE TABLE agent_skills (
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('language', 'topic')),
    language TEXT,
    topic_id INTEGER REFERENCES topics(id) ON DELETE CASCADE,
    level    INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
    CHECK ((kind = 'language' AND language IS NOT NULL AND topic_id IS NULL)
        OR (kind = 'topic' AND topic_id IS NOT NULL AND language IS NULL))
);
CREATE UNIQUE INDEX agent_skills_language ON agent_skills(user_id, language) WHERE kind = 'language';
CREATE UNIQUE INDEX agent_skills_topic ON agent_skills(user_id, topic_id) WHERE kind = 'topic';
CREATE INDEX agent_skills_topic_id ON agent_skills(topic_id);

-- At most this many open cases of a channel assigned to the agent; no row:
-- the channel's default (service::default_capacity).
CREATE TABLE agent_capacity (
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    channel  TEXT NOT NULL CHECK (channel IN ('email', 'call', 'webform', 'chat', 'letter')),
    max_open INTEGER NOT NULL CHECK (max_open BETWEEN 0 AND 100),
    PRIMARY KEY (user_id, channel)
);

-- Cases of a push project that no agent could take yet, with the reason.
CREATE TABLE routing_queue (
    case_id    INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    channel    TEXT NOT NULL,
    queued_at  TEXT NOT NULL,
    reason     TEXT NOT NULL CHECK (reason IN ('no-agent', 'nobody-available', 'no-skill-match', 'at-capacity'))
);
CREATE INDEX routing_queue_project ON routing_queue(project_id, channel, queued_at);

-- Platform settings of routing (one row).
CREATE TABLE routing_settings (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    away_after_minutes INTEGER NOT NULL CHECK (away_after_minutes BETWEEN 1 AND 1440)
);
INSERT INTO routing_settings (id, away_after_minutes) VALUES (1, 10);

-- Cases routing assigned in a write whose live event is not sent yet:
-- `CaseHub::write` takes them in the same transaction and announces them
-- after the commit (a write outside the hub leaves them for the next).
CREATE TABLE routing_announcements (
    case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE
);
