-- Full-text rows put off under a sustained write load (db::batch_end): the
-- index task and the id each still waits for. Empty while the writer is at
-- rest; what a crash leaves here is indexed at the next start
-- (search::backlog::resume).
CREATE TABLE search_backlog (
    task TEXT NOT NULL,
    id   INTEGER NOT NULL,
    PRIMARY KEY (task, id)
) WITHOUT ROWID;
