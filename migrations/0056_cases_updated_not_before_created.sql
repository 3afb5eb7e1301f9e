-- A case is never updated before it was created: the lists newest created
-- first read a seek in update order in windows of the newest updates and
-- rely on it (cases::store::UpdateWindows). The server's one write of
-- updated_at (cases::store::update) keeps it so since this migration;
-- rows a clock set back wrote before are set right here.
UPDATE cases SET updated_at = created_at WHERE updated_at < created_at;
