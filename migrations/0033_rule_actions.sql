-- Issue 15, the rule engine's further actions, time-based rules and rule
-- notifications (docs/workflows.md "Rules").

-- A time-based rule's schedule (JSON `{"since": ..., "minutes": N,
-- "calendar_id": N|null}`); NULL for every other event.
ALTER TABLE rule_versions ADD COLUMN schedule TEXT;

-- When the case's status last changed (a time-based rule's
-- `since: status-changed`; NULL: never since the case was created, the
-- moment is `created_at`). Kept by a trigger, so every writer of cases
-- (the service, bulk moves, merges) keeps it without knowing; inserts
-- cost nothing extra.
ALTER TABLE cases ADD COLUMN status_changed_at TEXT;
UPDATE cases SET status_changed_at =
    (SELECT max(h.at) FROM case_history h WHERE h.case_id = cases.id AND h.field = 'status')
    WHERE status <> 'new';
CREATE TRIGGER cases_status_changed AFTER UPDATE OF status ON cases
    WHEN NEW.status IS NOT OLD.status
BEGIN
    UPDATE cases SET status_changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

-- The time-based pass walks open cases by the moment a rule counts from;
-- the WHERE clause is the open filter of the pass's query, the
-- expressions are `rules::model::Since::expr`.
CREATE INDEX cases_open_status_changed ON cases(coalesce(status_changed_at, created_at))
    WHERE status NOT IN ('solved', 'closed');
CREATE INDEX cases_open_created ON cases(created_at)
    WHERE status NOT IN ('solved', 'closed');
CREATE INDEX cases_open_last_message ON cases(last_message_at)
    WHERE status NOT IN ('solved', 'closed');
-- (`updated`: cases_open_updated of migration 0004 serves.)

-- A time-based rule fired on a case for one "since" moment: it fires
-- again only when that moment moves (a new status change, a new message).
CREATE TABLE rule_time_marks (
    rule_id  INTEGER NOT NULL REFERENCES rules(id) ON DELETE CASCADE,
    case_id  INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    since_at TEXT NOT NULL,
    fired_at TEXT NOT NULL,
    PRIMARY KEY (rule_id, case_id, since_at)
);
CREATE INDEX rule_time_marks_case ON rule_time_marks(case_id);

-- E-mail copies of rule notifications ("email": true), one per user,
-- sent by `rules.mail` through the mailbox of the case's project (the
-- platform has no mail server of its own). Not in `mail_outbox`: these
-- are internal mails, not part of the customer's thread.
CREATE TABLE rule_notification_mails (
    id              INTEGER PRIMARY KEY,
    notification_id INTEGER NOT NULL REFERENCES rule_notifications(id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    case_id         INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    mailbox_id      INTEGER REFERENCES mailboxes(id) ON DELETE SET NULL,
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('queued', 'retrying', 'sent', 'failed', 'no-mailbox', 'dropped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error      TEXT,
    sent_at         TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX rule_notification_mails_due ON rule_notification_mails(next_attempt_at)
    WHERE state IN ('queued', 'retrying');
CREATE INDEX rule_notification_mails_case ON rule_notification_mails(case_id);

-- Unread notifications of a user, counted for the bell.
CREATE INDEX rule_notifications_unread ON rule_notifications(user_id) WHERE read_at IS NULL;
CREATE INDEX rule_notifications_case ON rule_notifications(case_id);
