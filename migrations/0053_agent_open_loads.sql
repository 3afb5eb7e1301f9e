-- Each assignee's open cases per channel, kept by triggers (as case_counts
-- keeps the lists' counts, migration 0037), so that routing reads a
-- candidate's load instead of counting it for every case it routes
-- (routing::store::candidates). Counting walked an agent's open cases in
-- the index of 0039: at 1,000,000 cases a third of the server's CPU per
-- created case (issue 16).
CREATE TABLE agent_open_loads (
    assignee_id INTEGER NOT NULL,
    channel     TEXT NOT NULL,
    open        INTEGER NOT NULL,
    PRIMARY KEY (assignee_id, channel)
) WITHOUT ROWID;

INSERT INTO agent_open_loads (assignee_id, channel, open)
SELECT assignee_id, channel, count(*) FROM cases INDEXED BY cases_open_assignee_channel
WHERE assignee_id IS NOT NULL AND status NOT IN ('solved', 'closed')
GROUP BY assignee_id, channel;

CREATE TRIGGER agent_open_loads_insert AFTER INSERT ON cases
    WHEN NEW.assignee_id IS NOT NULL AND NEW.status NOT IN ('solved', 'closed')
BEGIN
    INSERT INTO agent_open_loads (assignee_id, channel, open) VALUES (NEW.assignee_id, NEW.channel, 1)
    ON CONFLICT DO UPDATE SET open = open + excluded.open;
END;

CREATE TRIGGER agent_open_loads_delete AFTER DELETE ON cases
    WHEN OLD.assignee_id IS NOT NULL AND OLD.status NOT IN ('solved', 'closed')
BEGIN
    INSERT INTO agent_open_loads (assignee_id, channel, open) VALUES (OLD.assignee_id, OLD.channel, -1)
    ON CONFLICT DO UPDATE SET open = open + excluded.open;
END;

-- Only when the case leaves or enters an agent's open load, or moves
-- between agents or channels (a reply, a status among the open ones, the
-- SLA change none of it).
CREATE TRIGGER agent_open_loads_update AFTER UPDATE OF assignee_id, channel, status ON cases
    WHEN OLD.assignee_id IS NOT NEW.assignee_id OR OLD.channel IS NOT NEW.channel
      OR (OLD.status NOT IN ('solved', 'closed')) IS NOT (NEW.status NOT IN ('solved', 'closed'))
BEGIN
    INSERT INTO agent_open_loads (assignee_id, channel, open)
    SELECT OLD.assignee_id, OLD.channel, -1
    WHERE OLD.assignee_id IS NOT NULL AND OLD.status NOT IN ('solved', 'closed')
    ON CONFLICT DO UPDATE SET open = open + excluded.open;
    INSERT INTO agent_open_loads (assignee_id, channel, open)
    SELECT NEW.assignee_id, NEW.channel, 1
    WHERE NEW.assignee_id IS NOT NULL AND NEW.status NOT IN ('solved', 'closed')
    ON CONFLICT DO UPDATE SET open = open + excluded.open;
END;
