-- Issue 15 (docs/workflows.md): the recompute of SLA deadlines after a
-- calendar change and the move of open cases after a distribution plan
-- save run in the background, batch by batch, each batch its own short
-- write transaction. The marks below are written with the change itself,
-- so a stop in the middle is resumed at the next start.

-- Running clocks with an id above this still wait for their recompute on
-- the calendar's current version; NULL: nothing pending.
ALTER TABLE business_calendars ADD COLUMN recompute_after INTEGER;

-- The plan version's move of open cases (`open_cases` not `leave`): open
-- cases of the project with an id above this are still to be moved; NULL:
-- done (or nothing to move).
ALTER TABLE distribution_plans ADD COLUMN move_after INTEGER;
