-- Outbound e-mail: every reply, automatic acknowledgment and web-form
-- confirmation is queued here in the transaction that creates it, and a
-- background worker sends it through the mailbox's SMTP. Nothing is dropped:
-- a row ends as `sent`, `failed` (after retries, visible on the case, and
-- retryable by hand), or never leaves (`no-mailbox`, `no-recipient`).

CREATE TABLE mail_outbox (
    id                INTEGER PRIMARY KEY,
    case_id           INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    -- The outbound message of the thread this mail carries.
    message_id        INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    -- The mailbox whose SMTP sends it (NULL: none, or deleted meanwhile).
    mailbox_id        INTEGER REFERENCES mailboxes(id) ON DELETE SET NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('reply', 'auto-ack', 'webform-confirmation')),
    state             TEXT NOT NULL CHECK (state IN ('queued', 'retrying', 'sent', 'failed', 'no-mailbox', 'no-recipient')),
    -- Our Message-ID, without angle brackets (also in mail_message_ids).
    mail_message_id   TEXT,
    from_address      TEXT NOT NULL DEFAULT '',
    from_name         TEXT NOT NULL DEFAULT '',
    to_address        TEXT NOT NULL DEFAULT '',
    subject           TEXT NOT NULL,
    body_text         TEXT NOT NULL,
    body_html         TEXT,
    -- Threading headers, without angle brackets; references space-separated.
    in_reply_to       TEXT,
    references_ids    TEXT NOT NULL DEFAULT '',
    -- Auto-Submitted: auto-replied (acknowledgments, confirmations).
    auto_submitted    INTEGER NOT NULL DEFAULT 0 CHECK (auto_submitted IN (0, 1)),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   TEXT,
    last_error        TEXT,
    sent_at           TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX mail_outbox_case ON mail_outbox(case_id);
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at)
    WHERE state IN ('queued', 'retrying');
