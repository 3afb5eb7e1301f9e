-- API tokens may expire (NULL: never). Tokens and sessions of deactivated
-- users are revoked at deactivation from now on; this clears those left
-- over from before, so that a later reactivation brings none back.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
DELETE FROM api_tokens WHERE user_id IN (SELECT id FROM users WHERE active = 0);
DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE active = 0);
