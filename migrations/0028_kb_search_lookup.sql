-- The knowledge search joins every match (up to its window of 2,000) to
-- its version to find the article and check it is published. `state`
-- comes after the Markdown and HTML bodies in a version's row, so each of
-- those checks read the row's overflow pages: 5 ms and more per search at
-- 100,000 versions, most of the search. This narrow index answers the
-- join alone (knowledge/store.rs, `search`).
CREATE INDEX kb_article_versions_searched
    ON kb_article_versions(id, article_id) WHERE state = 'published';
