-- Issue 16 (docs/perf16.md, search): an index of adjacent word pairs, so
-- that a phrase with no match answers as fast as a word with no match.
-- Per case (rowid = case id) each pair of adjacent tokens of case_search's
-- columns, as case_search's tokenizer makes them, joined by '_' into one
-- token (search::pairs). Contentless, without positions; a case's pairs
-- are removed with the 'delete' command and the text they were made from
-- (case_search's row), and secure-delete leaves no tokens behind.
CREATE VIRTUAL TABLE case_pairs USING fts5(
    pairs,
    content = '',
    detail = none,
    tokenize = "ascii tokenchars '_'"
);
INSERT INTO case_pairs(case_pairs, rank) VALUES ('secure-delete', 1);

-- Every case with an id from `below` on has its pairs; the cases below
-- are filled in the background (service search.pairs), newest first, and
-- until then searched without the pairs. 0: every case has them.
CREATE TABLE case_pairs_state (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    below INTEGER NOT NULL
);
INSERT INTO case_pairs_state (id, below)
    SELECT 1, CASE WHEN max(id) IS NULL THEN 0 ELSE max(id) + 1 END FROM cases;
