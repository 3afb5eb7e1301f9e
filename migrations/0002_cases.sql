-- Cases, their threads and history, the customer database (contacts and
-- organizations), topics, data masks (custom fields), time records, saved
-- views and full-text search.

-- Case numbers are per project: ACME-1000, ACME-1001, ...
ALTER TABLE projects ADD COLUMN next_case_number INTEGER NOT NULL DEFAULT 1000;

CREATE TABLE topics (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    UNIQUE (project_id, name)
);

-- The customer database belongs to the client and serves all its projects.
CREATE TABLE organizations (
    id              INTEGER PRIMARY KEY,
    client_id       INTEGER NOT NULL REFERENCES clients(id) ON DELETE RESTRICT,
    name            TEXT NOT NULL,
    customer_number TEXT,
    domain          TEXT,
    phone           TEXT,
    street          TEXT NOT NULL DEFAULT '',
    postal_code     TEXT NOT NULL DEFAULT '',
    city            TEXT NOT NULL DEFAULT '',
    country         TEXT NOT NULL DEFAULT '',
    notes           TEXT NOT NULL DEFAULT '',
    custom          TEXT NOT NULL DEFAULT '{}',
    merged_into_id  INTEGER REFERENCES organizations(id),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX organizations_client ON organizations(client_id, name);
CREATE INDEX organizations_number ON organizations(client_id, customer_number);

CREATE TABLE contacts (
    id              INTEGER PRIMARY KEY,
    client_id       INTEGER NOT NULL REFERENCES clients(id) ON DELETE RESTRICT,
    organization_id INTEGER REFERENCES organizations(id) ON DELETE SET NULL,
    name            TEXT NOT NULL,
    customer_number TEXT,
    language        TEXT,
    street          TEXT NOT NULL DEFAULT '',
    postal_code     TEXT NOT NULL DEFAULT '',
    city            TEXT NOT NULL DEFAULT '',
    country         TEXT NOT NULL DEFAULT '',
    notes           TEXT NOT NULL DEFAULT '',
    custom          TEXT NOT NULL DEFAULT '{}',
    -- Set when the contact was merged into another; kept for references.
    merged_into_id  INTEGER REFERENCES contacts(id),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX contacts_client ON contacts(client_id, name);
CREATE INDEX contacts_organization ON contacts(organization_id);
CREATE INDEX contacts_number ON contacts(client_id, customer_number);

CREATE TABLE contact_emails (
    contact_id  INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    email       TEXT NOT NULL COLLATE NOCASE,
    position    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (contact_id, email)
);
CREATE INDEX contact_emails_email ON contact_emails(email);

-- Phone numbers as typed, plus digits only for look-ups of callers.
CREATE TABLE contact_phones (
    contact_id  INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    phone       TEXT NOT NULL,
    digits      TEXT NOT NULL,
    position    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (contact_id, phone)
);
CREATE INDEX contact_phones_digits ON contact_phones(digits);

-- Data masks: per project, custom fields for cases and for contacts. A field
-- is deactivated, never deleted, so stored values stay readable.
CREATE TABLE custom_fields (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    entity      TEXT NOT NULL CHECK (entity IN ('case', 'contact')),
    key         TEXT NOT NULL,
    label       TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('text', 'number', 'date', 'select', 'multi-select', 'checkbox')),
    options     TEXT NOT NULL DEFAULT '[]',
    required    INTEGER NOT NULL DEFAULT 0 CHECK (required IN (0, 1)),
    position    INTEGER NOT NULL DEFAULT 0,
    help        TEXT NOT NULL DEFAULT '',
    -- Layout hint for the form agents see: 'full' or 'half' width, section.
    width       TEXT NOT NULL DEFAULT 'full' CHECK (width IN ('full', 'half')),
    section     TEXT NOT NULL DEFAULT '',
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (project_id, entity, key)
);

CREATE TABLE cases (
    id              INTEGER PRIMARY KEY,
    project_id      INTEGER NOT NULL REFERENCES projects(id) ON DELETE RESTRICT,
    number          INTEGER NOT NULL,
    subject         TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'call', 'webform', 'chat', 'letter')),
    topic_id        INTEGER REFERENCES topics(id) ON DELETE SET NULL,
    status          TEXT NOT NULL DEFAULT 'new'
                    CHECK (status IN ('new', 'open', 'pending-customer', 'pending-third-party', 'solved', 'closed')),
    priority        TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    -- Which team handles it: the client's own or the provider's.
    handling_team   TEXT NOT NULL DEFAULT 'client' CHECK (handling_team IN ('client', 'provider')),
    assignee_id     INTEGER REFERENCES users(id),
    contact_id      INTEGER REFERENCES contacts(id),
    organization_id INTEGER REFERENCES organizations(id),
    due_at          TEXT,
    custom          TEXT NOT NULL DEFAULT '{}',
    merged_into_id  INTEGER REFERENCES cases(id),
    -- Bumped by every change, so a reply composed on an older state is noticed.
    version         INTEGER NOT NULL DEFAULT 1,
    message_count   INTEGER NOT NULL DEFAULT 0,
    last_message_at TEXT,
    first_response_at TEXT,
    solved_at       TEXT,
    closed_at       TEXT,
    created_by_id   INTEGER REFERENCES users(id),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (project_id, number)
);
-- The views: by project/status/assignee/team/topic/channel, sorted by time.
CREATE INDEX cases_project_status_updated ON cases(project_id, status, updated_at);
CREATE INDEX cases_project_updated ON cases(project_id, updated_at);
CREATE INDEX cases_assignee_status_updated ON cases(assignee_id, status, updated_at);
CREATE INDEX cases_project_team_updated ON cases(project_id, handling_team, updated_at);
CREATE INDEX cases_project_topic_updated ON cases(project_id, topic_id, updated_at);
CREATE INDEX cases_project_channel_updated ON cases(project_id, channel, updated_at);
CREATE INDEX cases_project_due ON cases(project_id, due_at) WHERE due_at IS NOT NULL;
CREATE INDEX cases_contact ON cases(contact_id, created_at);

CREATE TABLE case_tags (
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    tag     TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (case_id, tag)
);
CREATE INDEX case_tags_tag ON case_tags(tag, case_id);

CREATE TABLE case_links (
    case_id       INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    other_case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (case_id, other_case_id),
    CHECK (case_id < other_case_id)
);
CREATE INDEX case_links_other ON case_links(other_case_id);

-- The thread: messages from and to the customer, and internal notes.
CREATE TABLE messages (
    id                INTEGER PRIMARY KEY,
    case_id           INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('inbound', 'outbound', 'note')),
    channel           TEXT NOT NULL CHECK (channel IN ('email', 'call', 'webform', 'chat', 'letter')),
    author_user_id    INTEGER REFERENCES users(id),
    author_contact_id INTEGER REFERENCES contacts(id),
    from_address      TEXT,
    to_address        TEXT,
    subject           TEXT,
    body_text         TEXT NOT NULL DEFAULT '',
    body_html         TEXT,
    created_at        TEXT NOT NULL
);
CREATE INDEX messages_case ON messages(case_id, id);

-- Attachment contents are stored once per SHA-256 under attachments/ in the
-- data directory; rows here name them.
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    message_id   INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    sha256       TEXT NOT NULL REFERENCES blobs(sha256),
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    uploaded_by  INTEGER REFERENCES users(id),
    created_at   TEXT NOT NULL
);
CREATE INDEX attachments_case ON attachments(case_id);
CREATE INDEX attachments_message ON attachments(message_id);

-- Every change to a case: who, what, old -> new, when.
CREATE TABLE case_history (
    id        INTEGER PRIMARY KEY,
    case_id   INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    user_id   INTEGER REFERENCES users(id),
    at        TEXT NOT NULL,
    field     TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT
);
CREATE INDEX case_history_case ON case_history(case_id, id);

-- Handling effort, exactly, per case, agent, channel and topic (billing and
-- reports read this). 'handling' and 'after-work' come from the workspace,
-- 'call-wait'/'call-talk' from logged calls, 'manual' from agents.
CREATE TABLE time_entries (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    channel     TEXT NOT NULL,
    topic_id    INTEGER REFERENCES topics(id) ON DELETE SET NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('handling', 'after-work', 'call-wait', 'call-talk', 'manual')),
    started_at  TEXT NOT NULL,
    seconds     INTEGER NOT NULL CHECK (seconds >= 0),
    note        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE INDEX time_entries_case ON time_entries(case_id);
CREATE INDEX time_entries_project_started ON time_entries(project_id, started_at);
CREATE INDEX time_entries_user_started ON time_entries(user_id, started_at);

-- An agent's own views: filters and sort as JSON.
CREATE TABLE saved_views (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    query       TEXT NOT NULL,
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    UNIQUE (user_id, name)
);

-- Full-text search. One row per case (rowid = case id): subject, the
-- contact, and the text of all its messages; one per contact and per
-- organization. unicode61 with diacritics folded serves German and English.
CREATE VIRTUAL TABLE case_search USING fts5(
    subject, people, body,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE contact_search USING fts5(
    name, emails, phones, organization, customer_number, city,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE organization_search USING fts5(
    name, customer_number, domain, city,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Public web forms: rate limiting per address is kept in memory; the form's
-- settings live here.
CREATE TABLE web_forms (
    project_id   INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    -- Unguessable id used in the public URL /f/{public_id}.
    public_id    TEXT NOT NULL UNIQUE,
    enabled      INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    title        TEXT NOT NULL DEFAULT '',
    intro        TEXT NOT NULL DEFAULT '',
    confirmation TEXT NOT NULL DEFAULT '',
    topic_id     INTEGER REFERENCES topics(id) ON DELETE SET NULL,
    updated_at   TEXT NOT NULL
);
