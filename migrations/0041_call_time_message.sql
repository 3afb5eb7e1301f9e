-- Issue 17: a logged call's wait, talk and after-work times belong to the
-- message that records the call, so the thread shows them beside it (read
-- from these rows, never parsed from the message's text). NULL: time not
-- tied to a message (handling, manual entries, calls logged before).
ALTER TABLE time_entries ADD COLUMN message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL;
CREATE INDEX time_entries_message ON time_entries(message_id) WHERE message_id IS NOT NULL;
