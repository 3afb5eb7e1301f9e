-- The platform's own mail (issue 17): invitations and password resets go
-- out through one SMTP account of the platform, not through a client
-- project's mailbox. The platform admin sets it in the UI; no row: no
-- sender, and the UI says so.
CREATE TABLE platform_sender (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    smtp_host            TEXT NOT NULL,
    smtp_port            INTEGER NOT NULL CHECK (smtp_port BETWEEN 1 AND 65535),
    smtp_security        TEXT NOT NULL CHECK (smtp_security IN ('tls', 'starttls', 'plain')),
    smtp_tls_verify      INTEGER NOT NULL DEFAULT 1 CHECK (smtp_tls_verify IN (0, 1)),
    smtp_username        TEXT NOT NULL DEFAULT '',
    -- Sealed like mailbox passwords (mail/secrets.rs, context
    -- "platform-smtp"); never answered by the API.
    smtp_password_sealed BLOB,
    from_address         TEXT NOT NULL,
    from_name            TEXT NOT NULL DEFAULT '',
    updated_at           TEXT NOT NULL,
    updated_by           INTEGER REFERENCES users(id) ON DELETE SET NULL
);

-- One-time links to set a password: only the SHA-256 of the token is kept.
-- A link is open while used_at and voided_at are NULL and expires_at lies
-- ahead; a new link of the user voids the open ones, and setting the
-- password uses one and voids the rest.
CREATE TABLE password_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('invitation', 'reset')),
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    voided_at  TEXT,
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX password_tokens_open ON password_tokens(user_id)
    WHERE used_at IS NULL AND voided_at IS NULL;

-- The platform's outbox, sent by the `platform.mail` service with retries.
-- The link's token is kept sealed only until the mail is sent or given up
-- (then NULL), so the store never holds a usable link for long.
CREATE TABLE platform_mail (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('invitation', 'password-reset')),
    user_id         INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_id        INTEGER NOT NULL REFERENCES password_tokens(id) ON DELETE CASCADE,
    link_sealed     BLOB,
    to_address      TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('queued', 'retrying', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error      TEXT,
    sent_at         TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX platform_mail_due ON platform_mail(next_attempt_at)
    WHERE state IN ('queued', 'retrying');
CREATE INDEX platform_mail_user ON platform_mail(user_id, kind);
