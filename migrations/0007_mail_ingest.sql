-- E-mail ingestion: one row per message taken from a mailbox, committed in
-- the same transaction as its case. The unique keys make a fetch that is
-- repeated after a crash find the row instead of creating a second case:
-- (mailbox, Message-ID, or a hash of the raw bytes without one) and
-- (mailbox, UIDVALIDITY, UID). The raw message is kept as a blob.

-- Certificate checks can be turned off for a server with a self-signed
-- certificate (an admin's explicit choice, shown in the UI).
ALTER TABLE mailboxes ADD COLUMN imap_tls_verify INTEGER NOT NULL DEFAULT 1 CHECK (imap_tls_verify IN (0, 1));

CREATE TABLE mail_inbound (
    id                 INTEGER PRIMARY KEY,
    -- NULL once the mailbox is deleted: the record and raw mail stay with the case.
    mailbox_id         INTEGER REFERENCES mailboxes(id) ON DELETE SET NULL,
    uid_validity       INTEGER,
    uid                INTEGER,
    -- The Message-ID without angle brackets, or `sha256:<hex of raw>`.
    message_key        TEXT NOT NULL,
    -- The Message-ID header as sent; NULL when there was none.
    message_id         TEXT,
    raw_sha256         TEXT NOT NULL REFERENCES blobs(sha256),
    raw_size           INTEGER NOT NULL,
    from_address       TEXT,
    subject            TEXT,
    case_id            INTEGER REFERENCES cases(id) ON DELETE SET NULL,
    thread_message_id  INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    -- How the case was found: 'new', 'references', 'subject', 'bounce'.
    threaded_by        TEXT NOT NULL DEFAULT 'new',
    auto_reply         INTEGER NOT NULL DEFAULT 0 CHECK (auto_reply IN (0, 1)),
    bulk               INTEGER NOT NULL DEFAULT 0 CHECK (bulk IN (0, 1)),
    bounce             INTEGER NOT NULL DEFAULT 0 CHECK (bounce IN (0, 1)),
    -- Something was wrong with the message (see problem); an admin should look.
    flagged            INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
    problem            TEXT,
    received_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX mail_inbound_key ON mail_inbound(mailbox_id, message_key);
CREATE UNIQUE INDEX mail_inbound_uid ON mail_inbound(mailbox_id, uid_validity, uid)
    WHERE uid IS NOT NULL;
CREATE INDEX mail_inbound_case ON mail_inbound(case_id);
CREATE INDEX mail_inbound_message ON mail_inbound(thread_message_id);
CREATE INDEX mail_inbound_flagged ON mail_inbound(mailbox_id, id) WHERE flagged = 1;
