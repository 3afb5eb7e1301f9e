//! How many rows of an FTS5 table match a phrase: the statistic by which
//! `zezaro_rank` weighs the phrases of a query against each other (a rare
//! word counts more than a common one).
//!
//! Counting is a walk over the phrase's document list, a few milliseconds
//! for a word in tens of thousands of articles, and a suggestion query has
//! ten phrases. The counts change only when articles are published or
//! withdrawn, and a ranking needs them roughly, not to the row: so they are
//! kept for a while ([`PhraseCounts::new`]'s `ttl`) and shared by all
//! reader connections. Only the common words, whose walks are long, are
//! asked again and again; a rare word's walk is short when it is missed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::db::StoreResult;

/// Entries kept at most; past it the expired ones go, then all.
const MAX_ENTRIES: usize = 50_000;

/// (table, phrase) → (matching rows, when counted).
type Entries = HashMap<(&'static str, String), (i64, Instant)>;

/// Matching-row counts per (table, phrase), each kept for `ttl`.
pub struct PhraseCounts {
    ttl: Duration,
    entries: Mutex<Entries>,
}

impl PhraseCounts {
    pub fn new(ttl: Duration) -> Self {
        PhraseCounts {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The number of rows of `table` matching each phrase (an FTS5
    /// expression of one phrase, as the query parser quotes them), in order.
    /// `table` is one of the store's FTS5 tables, never user input.
    pub fn counts(
        &self,
        conn: &Connection,
        table: &'static str,
        phrases: &[String],
    ) -> StoreResult<Vec<i64>> {
        self.kept(table, phrases, |phrase| {
            Ok(conn
                .prepare_cached(&format!(
                    "SELECT count(*) FROM {table} WHERE {table} MATCH ?1"
                ))?
                .query_row([phrase], |row| row.get(0))?)
        })
    }

    /// As [`Self::counts`], each count read from at most `sample` rows: a
    /// phrase in fewer rows is counted exactly; for one in more, the count
    /// is estimated from how densely it matches the newest rows (rowid
    /// order): `sample` matches since rowid `r` of `last` rows give
    /// `sample × last / (last − r + 1)`. The walk is bounded whatever the
    /// store's size: a common word costs as much as one in `sample` rows.
    /// `table`'s rowids must grow with time (the cases' search table).
    /// A table's counts must always be asked the same way: the kept counts
    /// do not say whether they were estimated.
    pub fn estimates(
        &self,
        conn: &Connection,
        table: &'static str,
        phrases: &[String],
        sample: i64,
    ) -> StoreResult<Vec<i64>> {
        let last = super::newest::last_rowid(conn, table)?;
        let want = usize::try_from(sample).unwrap_or(0);
        self.kept(table, phrases, |phrase| {
            // The newest `sample` matches: walked up the newest rows when
            // they hold them (a common word, search::newest), else
            // newest-first.
            let first = super::newest::in_first_window(last, want, |from, below, most| {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT rowid FROM {table} WHERE {table} MATCH ?1 AND rowid >= ?2 AND rowid < ?3
                     LIMIT ?4"
                ))?;
                let most = i64::try_from(most).unwrap_or(i64::MAX);
                let rows = stmt.query_map(rusqlite::params![phrase, from, below, most], |row| {
                    row.get(0)
                })?;
                Ok(rows.collect::<Result<_, _>>()?)
            })?;
            let (seen, oldest): (i64, Option<i64>) = match first {
                Some(super::newest::Since::Rowid(first)) => (sample, Some(first)),
                Some(super::newest::Since::All(seen)) => (seen as i64, None),
                None => conn
                    .prepare_cached(&format!(
                        "SELECT count(*), min(id) FROM (SELECT rowid AS id FROM {table}
                           WHERE {table} MATCH ?1 ORDER BY rowid DESC LIMIT ?2)"
                    ))?
                    .query_row(rusqlite::params![phrase, sample], |row| {
                        Ok((row.get(0)?, row.get(1)?))
                    })?,
            };
            Ok(match oldest {
                Some(oldest) if seen >= sample && oldest <= last => {
                    let span = (last - oldest + 1) as f64;
                    ((seen as f64) * (last as f64) / span).round() as i64
                }
                _ => seen,
            })
        })
    }

    /// The kept count of each phrase, `count` for those missing or expired.
    fn kept(
        &self,
        table: &'static str,
        phrases: &[String],
        count: impl Fn(&String) -> StoreResult<i64>,
    ) -> StoreResult<Vec<i64>> {
        let now = Instant::now();
        let mut out: Vec<Option<i64>> = {
            let entries = self.lock();
            phrases
                .iter()
                .map(|phrase| {
                    entries
                        .get(&(table, phrase.clone()))
                        .filter(|(_, at)| now.duration_since(*at) < self.ttl)
                        .map(|(count, _)| *count)
                })
                .collect()
        };
        // Counted without the lock: other readers go on meanwhile.
        let mut counted = Vec::new();
        for (phrase, slot) in phrases.iter().zip(out.iter_mut()) {
            if slot.is_none() {
                let count = count(phrase)?;
                *slot = Some(count);
                counted.push((phrase.clone(), count));
            }
        }
        if !counted.is_empty() {
            let mut entries = self.lock();
            if entries.len() + counted.len() > MAX_ENTRIES {
                entries.retain(|_, (_, at)| now.duration_since(*at) < self.ttl);
                if entries.len() + counted.len() > MAX_ENTRIES {
                    entries.clear();
                }
            }
            for (phrase, count) in counted {
                entries.insert((table, phrase), (count, now));
            }
        }
        Ok(out.into_iter().map(|c| c.unwrap_or(0)).collect())
    }

    /// Forgets every count (the next queries count again).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding it leaves only counts behind: still usable.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Default for PhraseCounts {
    /// Counts kept for ten minutes.
    fn default() -> Self {
        PhraseCounts::new(Duration::from_secs(600))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');
             INSERT INTO t (body) VALUES ('Zählerstand melden'), ('Zahlerstand und Umzug'), ('Umzug');",
        )
        .unwrap();
        conn
    }

    #[test]
    fn counts_as_the_index_matches_and_keeps_them_a_while() {
        let conn = store();
        let kept = PhraseCounts::default();
        let phrases = vec![
            "\"zählerstand\"".to_string(),
            "\"umzug\"".to_string(),
            "\"nichts\"".to_string(),
            "\"zähl\"*".to_string(),
        ];
        // Folded as the index folds: "Zählerstand" and "Zahlerstand" alike.
        assert_eq!(kept.counts(&conn, "t", &phrases).unwrap(), vec![2, 2, 0, 2]);
        conn.execute("INSERT INTO t (body) VALUES ('Umzug')", [])
            .unwrap();
        // Kept: the old count until it expires or is cleared.
        assert_eq!(kept.counts(&conn, "t", &phrases[1..2]).unwrap(), vec![2]);
        kept.clear();
        assert_eq!(kept.counts(&conn, "t", &phrases[1..2]).unwrap(), vec![3]);
        let fresh = PhraseCounts::new(Duration::ZERO);
        assert_eq!(fresh.counts(&conn, "t", &phrases[1..2]).unwrap(), vec![3]);
        conn.execute("INSERT INTO t (body) VALUES ('Umzug')", [])
            .unwrap();
        assert_eq!(fresh.counts(&conn, "t", &phrases[1..2]).unwrap(), vec![4]);
    }

    /// Below the sample, exact; above it, from the newest rows' density.
    #[test]
    fn estimates_are_exact_below_the_sample_and_close_above() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');",
        )
        .unwrap();
        // 'jeder' in every row, 'dritte' in every third, 'selten' in 5.
        for i in 1..=3000 {
            let mut body = String::from("jeder");
            if i % 3 == 0 {
                body.push_str(" dritte");
            }
            if i % 600 == 0 {
                body.push_str(" selten");
            }
            conn.execute(
                "INSERT INTO t (rowid, body) VALUES (?1, ?2)",
                rusqlite::params![i, body],
            )
            .unwrap();
        }
        let phrases: Vec<String> = ["\"jeder\"", "\"dritte\"", "\"selten\"", "\"nie\""]
            .iter()
            .map(|p| p.to_string())
            .collect();
        let kept = PhraseCounts::new(Duration::ZERO);
        assert_eq!(
            kept.estimates(&conn, "t", &phrases, 10_000).unwrap(),
            vec![3000, 1000, 5, 0]
        );
        let estimated = kept.estimates(&conn, "t", &phrases, 100).unwrap();
        assert_eq!(estimated[0], 3000);
        assert!((990..=1010).contains(&estimated[1]), "{estimated:?}");
        assert_eq!(estimated[2..], [5, 0]);
    }
}
