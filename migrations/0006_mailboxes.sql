-- E-mail channel: mailboxes per project (IMAP in, SMTP out). Passwords are
-- sealed with the key in the data directory (mail/secrets.rs); the database
-- never holds them in clear text.

CREATE TABLE mailboxes (
    id                    INTEGER PRIMARY KEY,
    project_id            INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name                  TEXT NOT NULL,
    -- The address customers write to and our replies come from.
    address               TEXT NOT NULL,
    sender_name           TEXT NOT NULL DEFAULT '',
    signature             TEXT NOT NULL DEFAULT '',
    imap_host             TEXT NOT NULL,
    imap_port             INTEGER NOT NULL CHECK (imap_port BETWEEN 1 AND 65535),
    imap_security         TEXT NOT NULL CHECK (imap_security IN ('tls', 'starttls', 'plain')),
    imap_username         TEXT NOT NULL,
    imap_password_sealed  BLOB NOT NULL,
    imap_folder           TEXT NOT NULL DEFAULT 'INBOX',
    -- What happens on the server after a message is committed as a case.
    after_fetch           TEXT NOT NULL DEFAULT 'seen' CHECK (after_fetch IN ('seen', 'move', 'delete')),
    move_to_folder        TEXT,
    smtp_host             TEXT NOT NULL,
    smtp_port             INTEGER NOT NULL CHECK (smtp_port BETWEEN 1 AND 65535),
    smtp_security         TEXT NOT NULL CHECK (smtp_security IN ('tls', 'starttls', 'plain')),
    smtp_username         TEXT NOT NULL DEFAULT '',
    smtp_password_sealed  BLOB,
    -- Six-field cron expression (seconds first), tokio-cron-scheduler syntax.
    fetch_schedule        TEXT NOT NULL DEFAULT '0 * * * * *',
    auto_ack_enabled      INTEGER NOT NULL DEFAULT 0 CHECK (auto_ack_enabled IN (0, 1)),
    auto_ack_subject      TEXT NOT NULL DEFAULT '',
    auto_ack_body         TEXT NOT NULL DEFAULT '',
    paused                INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    -- Fetcher state, visible to admins.
    last_run_at           TEXT,
    last_success_at       TEXT,
    messages_taken        INTEGER NOT NULL DEFAULT 0,
    last_error            TEXT,
    imap_uid_validity     INTEGER,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    UNIQUE (project_id, address)
);
CREATE INDEX mailboxes_project ON mailboxes(project_id);

-- The Message-ID of every mail taken in or sent out, so that a reply
-- (In-Reply-To / References) finds its case. Stored without angle brackets.
-- Lookups must stay within the mailbox's client: a Message-ID seen in one
-- client's mail never threads into another client's case.
CREATE TABLE mail_message_ids (
    message_id         TEXT NOT NULL,
    case_id            INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    thread_message_id  INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    mailbox_id         INTEGER REFERENCES mailboxes(id) ON DELETE SET NULL,
    direction          TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    created_at         TEXT NOT NULL,
    PRIMARY KEY (message_id, case_id)
);
CREATE INDEX mail_message_ids_case ON mail_message_ids(case_id);
