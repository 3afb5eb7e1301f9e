-- GDPR (src/gdpr/): erasure records, retention rules per project, and the
-- marks that keep retention from anonymizing a case twice.

-- That an erasure happened (Art. 17): who, when, which contact, how — never
-- what the erased data was.
CREATE TABLE gdpr_erasures (
    id                  INTEGER PRIMARY KEY,
    at                  TEXT NOT NULL,
    actor_id            INTEGER,
    actor_email         TEXT,
    client_id           INTEGER NOT NULL REFERENCES clients(id) ON DELETE RESTRICT,
    -- The erased contact's former id (the row itself is gone).
    contact_id          INTEGER NOT NULL,
    -- 'anonymize': cases stay, without personal data; 'delete': cases gone.
    mode                TEXT NOT NULL CHECK (mode IN ('anonymize', 'delete')),
    contacts_erased     INTEGER NOT NULL DEFAULT 0,
    cases_affected      INTEGER NOT NULL DEFAULT 0,
    messages_affected   INTEGER NOT NULL DEFAULT 0,
    attachments_removed INTEGER NOT NULL DEFAULT 0,
    blobs_removed       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX gdpr_erasures_client ON gdpr_erasures(client_id, id);

-- Retention per project: closed cases older than `months` are anonymized or
-- deleted by the daily job (gdpr::retention::run_due).
CREATE TABLE retention_rules (
    project_id  INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    months      INTEGER NOT NULL CHECK (months BETWEEN 1 AND 1200),
    action      TEXT NOT NULL CHECK (action IN ('anonymize', 'delete')),
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    updated_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at  TEXT NOT NULL,
    last_run_at TEXT
);

-- Set when a case's personal data was removed (erasure or retention).
ALTER TABLE cases ADD COLUMN anonymized_at TEXT;
-- Retention looks for closed cases by closing time.
CREATE INDEX cases_project_closed ON cases(project_id, closed_at) WHERE status = 'closed';
-- Records of processing: "did this user view this contact lately?"
CREATE INDEX audit_log_views ON audit_log(object_id, actor_id, id) WHERE action = 'contact.viewed';

-- Deleted search rows must leave no tokens behind in the index.
INSERT INTO case_search(case_search, rank) VALUES ('secure-delete', 1);
INSERT INTO contact_search(contact_search, rank) VALUES ('secure-delete', 1);
INSERT INTO organization_search(organization_search, rank) VALUES ('secure-delete', 1);
