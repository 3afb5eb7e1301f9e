-- Webhooks (issue 15, docs/workflows.md "Webhooks"): per client, a target
-- URL and a signing secret sealed with the key in the data directory
-- (mail/secrets.rs, context "webhook-secret"); the database never holds it
-- in clear text.

CREATE TABLE webhooks (
    id             INTEGER PRIMARY KEY,
    client_id      INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    url            TEXT NOT NULL,
    secret_sealed  BLOB NOT NULL,
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (client_id, name)
);

-- The durable queue: one row per delivery (a re-send is a new row). The
-- body is the exact JSON that is signed and posted; of the answer only the
-- status and the time are kept, never its body.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    webhook_id       INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    -- The rule run that fired it (the rule engine's table lands later;
    -- NULL for test events and re-sends of them).
    rule_run_id      INTEGER,
    event            TEXT NOT NULL,
    body             TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    last_status      INTEGER,
    last_millis      INTEGER,
    -- Our own words for a failure (timeout, refused host, HTTP 500), never
    -- what the remote side sent.
    last_error       TEXT,
    -- The delivery this one re-sends, if any.
    resend_of        INTEGER REFERENCES webhook_deliveries(id) ON DELETE SET NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    delivered_at     TEXT
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at)
    WHERE state IN ('queued', 'sending');
