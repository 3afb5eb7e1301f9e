-- Erasures leave nothing behind (issue 12). Each erasure gets a stable
-- id (`uuid`, shared with the erasure ledger file outside the store, which
-- survives a restore), the ids of every contact it removed, and salted
-- SHA-256 hashes of the person's identifiers (e-mail addresses, phone
-- digits): enough to find the person again in a restored backup, never
-- the data itself. `replayed` marks an erasure re-applied by a restore.
ALTER TABLE gdpr_erasures ADD COLUMN uuid TEXT;
ALTER TABLE gdpr_erasures ADD COLUMN contact_ids TEXT NOT NULL DEFAULT '[]';
ALTER TABLE gdpr_erasures ADD COLUMN salt TEXT NOT NULL DEFAULT '';
ALTER TABLE gdpr_erasures ADD COLUMN identifiers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE gdpr_erasures ADD COLUMN replayed INTEGER NOT NULL DEFAULT 0 CHECK (replayed IN (0, 1));
UPDATE gdpr_erasures SET uuid = 'legacy-' || id, contact_ids = json_array(contact_id) WHERE uuid IS NULL;
CREATE UNIQUE INDEX gdpr_erasures_uuid ON gdpr_erasures(uuid);
