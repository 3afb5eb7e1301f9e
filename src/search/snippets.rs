//! The snippets of a ranked search's page (issue 16, docs/perf16.md
//! "Session 21").
//!
//! FTS5's `snippet()` needs a cursor of the query positioned on the row, so
//! the page was read by matching the query again over the page's rowid
//! range. Where the page's cases lie close together (a common word's newest
//! matches) that walk is short. Where they spread over the ranking window,
//! the walk passes as many of the words' entries as the ranking's did (a
//! five-word query at 1.1M cases: 15 of its 50 ms). A snippet depends only
//! on the row's text and the query, so the same `snippet()` over a
//! temporary index of just the page's rows gives the same text
//! (`snippets_equal_the_stores`), for the cost of tokenizing those rows
//! (about 2 ms for 50 cases of 3 KB).

use std::collections::HashMap;

use rusqlite::{Connection, params};

/// The case index's columns and tokenizer (migration 0002's `case_search`):
/// a snippet is the same only under the same tokenizer.
const PAGE_INDEX: &str = "
    CREATE TEMP TABLE IF NOT EXISTS snippet_page (id INTEGER PRIMARY KEY, subject, people, body);
    CREATE VIRTUAL TABLE IF NOT EXISTS temp.snippet_page_index USING fts5(
        subject, people, body,
        content = 'snippet_page', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    );";

/// A page whose ids span at most this share of the table's rowids is
/// walked in the store's index: its matches lie together, the walk passes
/// little more than them (two common words' page at 1.3M cases, spanning
/// 4,537 rows: 0.7 ms besides the snippets, against 2 ms for the page's
/// own index).
const NARROW: i64 = 50;

/// The snippets of `ids` (cases of `crate::cases::store::SEARCH_TABLE`,
/// whose newest rowid is `last`) for the FTS5 query `fts`, as
/// `snippet(…, -1, '«', '»', '…', 12)` gives them; an id the query no
/// longer matches has none.
pub fn of_cases(
    conn: &Connection,
    fts: &str,
    ids: &[i64],
    last: i64,
) -> rusqlite::Result<HashMap<i64, String>> {
    let (Some(&low), Some(&high)) = (ids.iter().min(), ids.iter().max()) else {
        return Ok(HashMap::new());
    };
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    if high - low <= last / NARROW {
        // `+` keeps the id list from being handed to FTS5 as look-ups.
        return conn
            .prepare_cached(
                "SELECT rowid, snippet(case_search, -1, '«', '»', '…', 12) FROM case_search
                 WHERE case_search MATCH ?1 AND rowid BETWEEN ?2 AND ?3
                   AND +rowid IN (SELECT value FROM json_each(?4))",
            )?
            .query_map(params![fts, low, high, list], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?
            .collect();
    }
    of_page_index(conn, fts, &list)
}

/// The snippets of the cases in `list` (a JSON array of ids) from an index
/// of their own rows.
fn of_page_index(
    conn: &Connection,
    fts: &str,
    list: &str,
) -> rusqlite::Result<HashMap<i64, String>> {
    conn.execute_batch(PAGE_INDEX)?;
    let snippets = index_and_match(conn, fts, list);
    // The page's text is not kept past the request, whatever happened.
    clear(conn)?;
    snippets
}

/// Fills the (empty) page tables with the cases in `list` and matches them.
fn index_and_match(
    conn: &Connection,
    fts: &str,
    list: &str,
) -> rusqlite::Result<HashMap<i64, String>> {
    conn.prepare_cached(
        "INSERT INTO snippet_page (id, subject, people, body)
         SELECT rowid, subject, people, body FROM case_search
         WHERE rowid IN (SELECT value FROM json_each(?1))",
    )?
    .execute(params![list])?;
    conn.prepare_cached(
        "INSERT INTO snippet_page_index (rowid, subject, people, body)
         SELECT id, subject, people, body FROM snippet_page",
    )?
    .execute([])?;
    conn.prepare_cached(
        "SELECT rowid, snippet(snippet_page_index, -1, '«', '»', '…', 12)
         FROM snippet_page_index WHERE snippet_page_index MATCH ?1",
    )?
    .query_map(params![fts], |row| Ok((row.get(0)?, row.get(1)?)))?
    .collect()
}

/// Empties the page's tables (an external-content index as a whole).
fn clear(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "INSERT INTO snippet_page_index (snippet_page_index) VALUES ('delete-all');
         DELETE FROM snippet_page;",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page index's snippets are the store index's, for words,
    /// phrases, prefixes, folded umlauts and an OR; a case the query does
    /// not match has none; nothing of the page stays behind.
    #[test]
    fn snippets_equal_the_stores() {
        let dir = tempfile::tempdir().unwrap();
        let options = crate::demo::generate::Options {
            cases: 400,
            messages: 3,
            seed: 21,
        };
        crate::demo::generate::generate(dir.path(), &options, &mut |_| {}).unwrap();
        let conn = Connection::open(dir.path().join(crate::db::STORE_FILE)).unwrap();
        let rows: i64 = conn
            .query_row("SELECT max(rowid) FROM case_search", [], |r| r.get(0))
            .unwrap();
        let unmatched: i64 = conn
            .query_row(
                "SELECT rowid FROM case_search WHERE rowid NOT IN
                     (SELECT rowid FROM case_search WHERE case_search MATCH 'rechnung') LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let mut compared = 0;
        for fts in [
            "rechnung",
            "rechnung zahler",
            "\"vertrag kundigen\"",
            "gutschr*",
            "\"guten tag\" rechnung",
            "router OR zahler",
            "subject : rechnung",
        ] {
            let store: HashMap<i64, String> = conn
                .prepare(
                    "SELECT rowid, snippet(case_search, -1, '«', '»', '…', 12) FROM case_search
                     WHERE case_search MATCH ?1 ORDER BY rowid DESC LIMIT 60",
                )
                .unwrap()
                .query_map([fts], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(!store.is_empty(), "{fts} matches");
            let mut ids: Vec<i64> = store.keys().copied().collect();
            ids.push(unmatched);
            // A last rowid far above the page: walked in the store's index;
            // the table's own: the page's index (the page spans the table).
            for last in [i64::MAX / 2, rows] {
                let page = of_cases(&conn, fts, &ids, last).unwrap();
                if fts == "rechnung" {
                    assert!(!page.contains_key(&unmatched));
                }
                assert_eq!(page, store, "{fts}");
            }
            let list = serde_json::to_string(&ids).unwrap();
            let page = of_page_index(&conn, fts, &list).unwrap();
            assert_eq!(page, store, "{fts}");
            assert!(page.values().all(|s| s.contains('«')), "{fts}");
            compared += page.len();
        }
        assert!(compared > 150, "{compared} snippets compared");
        let left: i64 = conn
            .query_row("SELECT count(*) FROM snippet_page", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
    }
}
