-- Contents that come in by mail are written in packs: one file per
-- ingested batch under attachments/packs/, synced once, instead of one
-- file (and two directory syncs) per content. A packed blob names its pack
-- file and where in it its bytes start; `size` says how many. Loose blobs
-- (uploads) keep both NULL and live under attachments/ab/cd/<sha256>.
ALTER TABLE blobs ADD COLUMN pack TEXT;
ALTER TABLE blobs ADD COLUMN pack_offset INTEGER;
CREATE INDEX blobs_pack ON blobs(pack) WHERE pack IS NOT NULL;
