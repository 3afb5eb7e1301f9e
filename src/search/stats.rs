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
//!
//! An estimated count is read from a phrase's newest matches; for the
//! case search's words those rowids are kept too ([`Sample`]), for a while
//! and for a bounded number of phrases: where the samples of an AND's terms overlap, they hold every
//! match of each term, so their intersection counts the AND's own matches
//! there ([`PhraseCounts::and_in_samples`]), which the words' counts alone
//! cannot tell (two common words that never occur together).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::db::StoreResult;

/// Entries kept at most; past it the expired ones go, then all.
const MAX_ENTRIES: usize = 50_000;

/// Samples kept at most (each up to the count sample's rowids, 16 KB at
/// 2,000): past it the expired ones go, then all.
const MAX_SAMPLES: usize = 1_024;

/// (table, phrase) → (matching rows, when counted).
type Entries = HashMap<(&'static str, String), (i64, Instant)>;

/// (table, phrase) → (its newest matches, when read).
type Samples = HashMap<(&'static str, String), (Arc<Sample>, Instant)>;

/// The newest matches of a phrase an estimate was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// The matching rowids, ascending.
    pub rowids: Vec<i64>,
    /// Every match from this rowid up to `last` is in `rowids`
    /// (`i64::MIN`: every match of the table).
    pub from: i64,
    /// The table's newest rowid when read.
    pub last: i64,
}

/// What the samples of an AND's terms say about the AND.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    /// The rowids every term's sample covers whole, `from..=to`.
    pub from: i64,
    pub to: i64,
    /// Rows matching every term there: exact as of the samples.
    pub common: usize,
    /// Rows matching each term there, in the terms' order.
    pub each: Vec<usize>,
}

impl Overlap {
    /// The AND's matches in the whole table, given each term's count
    /// there (in the terms' order): the share of the rarest term's rows
    /// in the overlap that hold the others too, times its count. Counted
    /// one more than seen, so that a term seldom in the overlap says
    /// little: a term absent from it leaves the estimate at its count.
    pub fn estimate(&self, counts: &[i64]) -> Option<i64> {
        let (at, &rarest) = counts.iter().enumerate().min_by_key(|(_, c)| **c)?;
        let within = *self.each.get(at)? as f64 + 1.0;
        let common = self.common as f64 + 1.0;
        Some((common / within * rarest.max(0) as f64).ceil() as i64)
    }
}

/// Matching-row counts per (table, phrase), each kept for `ttl`.
pub struct PhraseCounts {
    ttl: Duration,
    entries: Mutex<Entries>,
    samples: Mutex<Samples>,
}

impl PhraseCounts {
    pub fn new(ttl: Duration) -> Self {
        PhraseCounts {
            ttl,
            entries: Mutex::new(HashMap::new()),
            samples: Mutex::new(HashMap::new()),
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
        self.estimate(conn, table, phrases, sample, false)
    }

    /// As [`Self::estimates`], keeping the rows each count was read from
    /// for [`Self::and_in_samples`] (only for the tables whose ANDs are
    /// asked: the samples kept are bounded).
    pub fn estimates_keeping_samples(
        &self,
        conn: &Connection,
        table: &'static str,
        phrases: &[String],
        sample: i64,
    ) -> StoreResult<Vec<i64>> {
        self.estimate(conn, table, phrases, sample, true)
    }

    fn estimate(
        &self,
        conn: &Connection,
        table: &'static str,
        phrases: &[String],
        sample: i64,
        keep_samples: bool,
    ) -> StoreResult<Vec<i64>> {
        let last = super::newest::last_rowid(conn, table)?;
        let want = usize::try_from(sample).unwrap_or(0);
        let read: RefCell<Vec<(String, Sample)>> = RefCell::new(Vec::new());
        let counts = self.kept(table, phrases, |phrase| {
            // The newest `sample` matches: walked up the newest rows when
            // they hold them (a common word, search::newest), else
            // newest-first.
            let mut walked: Vec<i64> = Vec::new();
            let first = super::newest::in_first_window(last, want, |from, below, most| {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT rowid FROM {table} WHERE {table} MATCH ?1 AND rowid >= ?2 AND rowid < ?3
                     LIMIT ?4"
                ))?;
                let most = i64::try_from(most).unwrap_or(i64::MAX);
                let rows = stmt.query_map(rusqlite::params![phrase, from, below, most], |row| {
                    row.get(0)
                })?;
                walked = rows.collect::<Result<_, _>>()?;
                Ok(walked.clone())
            })?;
            // The matches read, and from where they are all of them.
            let (mut rowids, from) = match first {
                Some(super::newest::Since::Rowid(first)) => {
                    walked.retain(|&r| r >= first);
                    (walked, first)
                }
                Some(super::newest::Since::All(_)) => (walked, i64::MIN),
                None => {
                    let rows: Vec<i64> = conn
                        .prepare_cached(&format!(
                            "SELECT rowid FROM {table} WHERE {table} MATCH ?1
                             ORDER BY rowid DESC LIMIT ?2"
                        ))?
                        .query_map(rusqlite::params![phrase, sample], |row| row.get(0))?
                        .collect::<Result<_, _>>()?;
                    let from = match rows.last() {
                        Some(&oldest) if rows.len() >= want => oldest,
                        _ => i64::MIN,
                    };
                    (rows, from)
                }
            };
            let seen = rowids.len() as i64;
            let count = if from != i64::MIN && seen >= sample && from <= last {
                let span = (last - from + 1) as f64;
                ((seen as f64) * (last as f64) / span).round() as i64
            } else {
                seen
            };
            if keep_samples {
                rowids.sort_unstable();
                read.borrow_mut()
                    .push((phrase.clone(), Sample { rowids, from, last }));
            }
            Ok(count)
        })?;
        self.keep_samples(table, read.into_inner());
        Ok(counts)
    }

    /// What the kept samples of an AND's terms say of it: `groups` are its
    /// terms, each an OR of phrases (spellings) as [`Self::estimates`] was
    /// asked them. `None` when a phrase has no sample kept or the samples
    /// do not overlap.
    pub fn and_in_samples(&self, table: &'static str, groups: &[Vec<String>]) -> Option<Overlap> {
        let now = Instant::now();
        let kept: Vec<Vec<Arc<Sample>>> = {
            let samples = self.lock_samples();
            groups
                .iter()
                .map(|group| {
                    group
                        .iter()
                        .map(|phrase| {
                            samples
                                .get(&(table, phrase.clone()))
                                .filter(|(_, at)| now.duration_since(*at) < self.ttl)
                                .map(|(sample, _)| sample.clone())
                        })
                        .collect::<Option<Vec<_>>>()
                })
                .collect::<Option<Vec<_>>>()?
        };
        and_of_samples(&kept)
    }

    fn keep_samples(&self, table: &'static str, read: Vec<(String, Sample)>) {
        if read.is_empty() {
            return;
        }
        let read = read.into_iter().map(|(p, s)| (p, Arc::new(s))).collect();
        let now = Instant::now();
        keep(
            &mut self.lock_samples(),
            table,
            read,
            now,
            self.ttl,
            MAX_SAMPLES,
        );
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
            keep(&mut self.lock(), table, counted, now, self.ttl, MAX_ENTRIES);
        }
        Ok(out.into_iter().map(|c| c.unwrap_or(0)).collect())
    }

    /// Forgets every count (the next queries count again).
    pub fn clear(&self) {
        self.lock().clear();
        self.lock_samples().clear();
    }

    fn lock_samples(&self) -> std::sync::MutexGuard<'_, Samples> {
        self.samples
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding it leaves only counts behind: still usable.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Keeps `new` (per phrase of `table`) as of `now`; past `most` entries
/// the expired ones go first, then all.
fn keep<V>(
    map: &mut HashMap<(&'static str, String), (V, Instant)>,
    table: &'static str,
    new: Vec<(String, V)>,
    now: Instant,
    ttl: Duration,
    most: usize,
) {
    if map.len() + new.len() > most {
        map.retain(|_, (_, at)| now.duration_since(*at) < ttl);
        if map.len() + new.len() > most {
            map.clear();
        }
    }
    for (phrase, value) in new {
        map.insert((table, phrase), (value, now));
    }
}

/// The AND of terms (each the OR of its phrases' samples) within the rows
/// every sample covers whole: from the highest `from` of the terms (a
/// term's is its phrases' highest) up to the lowest `last` (a row newer
/// than a sample's reading is not in it).
fn and_of_samples(terms: &[Vec<Arc<Sample>>]) -> Option<Overlap> {
    let from = terms.iter().flatten().map(|s| s.from).max()?;
    let to = terms.iter().flatten().map(|s| s.last).min()?;
    if from > to {
        return None;
    }
    let mut each = Vec::with_capacity(terms.len());
    let mut common: Option<Vec<i64>> = None;
    for term in terms {
        // The term's rows within from..=to.
        let mut rows: Vec<i64> = term
            .iter()
            .flat_map(|s| {
                let lo = s.rowids.partition_point(|&r| r < from);
                let hi = s.rowids.partition_point(|&r| r <= to);
                s.rowids[lo..hi].iter().copied()
            })
            .collect();
        rows.sort_unstable();
        rows.dedup();
        each.push(rows.len());
        common = Some(match common {
            None => rows,
            Some(before) => before
                .into_iter()
                .filter(|r| rows.binary_search(r).is_ok())
                .collect(),
        });
    }
    Some(Overlap {
        from,
        to,
        common: common.map_or(0, |c| c.len()),
        each,
    })
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

    /// An FTS5 table `t` of 3,000 rows: row `i` holds `first(i)`, every
    /// third 'dritte' and every 600th 'selten' (5 rows).
    fn three_thousand_rows(first: fn(i64) -> &'static str) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');",
        )
        .unwrap();
        for i in 1..=3000 {
            let mut body = String::from(first(i));
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
        conn
    }

    /// The samples an estimate was read from count an AND where they
    /// overlap: words never together none, words together by their share.
    #[test]
    fn samples_count_an_and_where_they_overlap() {
        // 'gerade' in even rows, 'ungerade' in odd ones (never together).
        let conn = three_thousand_rows(|i| if i % 2 == 0 { "gerade" } else { "ungerade" });
        let term = |t: &str| vec![format!("\"{t}\"")];
        let kept = PhraseCounts::default();
        let phrases: Vec<String> = ["gerade", "ungerade", "dritte", "selten"]
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect();
        assert_eq!(
            kept.and_in_samples("t", &[term("gerade")]),
            None,
            "nothing read yet"
        );
        let counts = kept
            .estimates_keeping_samples(&conn, "t", &phrases, 100)
            .unwrap();

        let never = kept
            .and_in_samples("t", &[term("gerade"), term("ungerade")])
            .unwrap();
        assert_eq!((never.common, never.to), (0, 3000));
        assert!(never.each.iter().all(|&n| n >= 90), "{never:?}");
        let likely = never.estimate(&counts[..2]).unwrap();
        assert!(likely <= 20, "{likely}: 1,500 each, none together");

        // Every sixth row holds both: 500 in all.
        let often = kept
            .and_in_samples("t", &[term("gerade"), term("dritte")])
            .unwrap();
        assert!(often.common > 0);
        let likely = often.estimate(&[counts[0], counts[2]]).unwrap();
        assert!((400..=700).contains(&likely), "{likely} ({often:?})");

        // A term read whole (five rows, all of them) covers every row: the
        // overlap is the newest 'dritte' rows, of 'selten' there row 3000.
        let rare = kept
            .and_in_samples("t", &[term("selten"), term("dritte")])
            .unwrap();
        assert_eq!((rare.each[0], rare.common), (1, 1), "{rare:?}");
        // A term of two spellings is the OR of both.
        let either = kept
            .and_in_samples(
                "t",
                &[vec![phrases[0].clone(), phrases[1].clone()], term("dritte")],
            )
            .unwrap();
        assert_eq!(either.common, either.each[1]);
        // Forgotten with the counts.
        kept.clear();
        assert_eq!(kept.and_in_samples("t", &[term("gerade")]), None);
    }

    /// Below the sample, exact; above it, from the newest rows' density.
    #[test]
    fn estimates_are_exact_below_the_sample_and_close_above() {
        // 'jeder' in every row.
        let conn = three_thousand_rows(|_| "jeder");
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
