-- Inbound mail: what was wrong with a message as stable codes (the UI says
-- them in the reader's language; `problem` keeps the detail), and a hash of
-- its content without its trace headers. A message that reuses a
-- Message-ID already taken is told apart from a second copy of the same
-- message by this hash (indexed: looked up only when the Message-ID is
-- known already). NULL for records from before.
ALTER TABLE mail_inbound ADD COLUMN flags TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_inbound ADD COLUMN content_sha256 TEXT;
CREATE INDEX mail_inbound_content ON mail_inbound(mailbox_id, content_sha256)
    WHERE content_sha256 IS NOT NULL;
