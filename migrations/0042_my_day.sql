-- Issue 17: the start page's figures of a user's day (GET /api/v1/me/figures)
-- read the cases they set to solved and the replies they sent in a time
-- range by user and time, without walking every history row or message.
-- Partial: only the rows these figures count are indexed.
CREATE INDEX case_history_solved_by ON case_history(user_id, at)
    WHERE field = 'status' AND new_value = 'solved';
CREATE INDEX messages_outbound_author ON messages(author_user_id, created_at)
    WHERE kind = 'outbound';
