-- Issue 17: the audit log is filtered by person, action and date range;
-- each filter walks its own index newest first (the client's entries have
-- audit_log_client already).
CREATE INDEX audit_log_actor ON audit_log(actor_id, id);
CREATE INDEX audit_log_action ON audit_log(action, id);
CREATE INDEX audit_log_at ON audit_log(at);
