-- One outbox for every channel: the cases service queues a row for each
-- outbound message, keyed by the case's channel, in the transaction that
-- writes the message. Each channel's consumer takes its rows (the mail
-- channel turns `email` and `webform` rows into `mail_outbox` deliveries);
-- rows of a channel that nobody sends on are dropped when the outbox is
-- dispatched. Ids only: no personal data is kept here.

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'call', 'webform', 'chat', 'letter')),
    case_id     INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL
);
CREATE INDEX outbox_channel ON outbox(channel, id);
