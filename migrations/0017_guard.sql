-- Hardening (issue 11): Team Pro on the team, web form abuse guards.

-- Team Pro is the team's property: a provider team flagged `pro` works,
-- all its agents together, for one client only; an agent's tariff is their
-- team's, so moving an agent between teams cannot sidestep it. A provider
-- team holding a Pro agent becomes a Pro team.
ALTER TABLE teams ADD COLUMN tariff TEXT CHECK (tariff IN ('basic', 'pro'));
UPDATE teams SET tariff = CASE
        WHEN EXISTS (SELECT 1 FROM users u WHERE u.team_id = teams.id AND u.tariff = 'pro')
        THEN 'pro' ELSE 'basic' END
    WHERE kind = 'provider';
UPDATE users SET tariff = (SELECT t.tariff FROM teams t WHERE t.id = users.team_id)
    WHERE role = 'agent' AND client_id IS NULL AND team_id IS NOT NULL;

-- The sender's confirmation mail only when the project asks for it (forms
-- that sent it so far keep doing so; new forms start without), and an
-- optional proof-of-work: leading zero bits of SHA-256 (0 = off).
ALTER TABLE web_forms ADD COLUMN send_confirmation INTEGER NOT NULL DEFAULT 0
    CHECK (send_confirmation IN (0, 1));
UPDATE web_forms SET send_confirmation = 1;
ALTER TABLE web_forms ADD COLUMN pow_bits INTEGER NOT NULL DEFAULT 0
    CHECK (pow_bits BETWEEN 0 AND 24);

-- Render tokens are single-use: the id of each used token until it would
-- have expired anyway (pruned then).
CREATE TABLE web_form_used_tokens (
    token_id    TEXT PRIMARY KEY,
    expires_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX web_form_used_tokens_expiry ON web_form_used_tokens(expires_at);

-- Submissions past a form's hourly limit wait here for a person: released
-- (the case is created then) or discarded.
CREATE TABLE web_form_held (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    email        TEXT NOT NULL,
    subject      TEXT NOT NULL,
    message      TEXT NOT NULL,
    ip           TEXT,
    received_at  TEXT NOT NULL
);
CREATE INDEX web_form_held_project ON web_form_held(project_id, id);
