//! The newest matches of a full-text query, found walking up the rowids.
//!
//! Why not `ORDER BY rowid DESC LIMIT n`: the search tables have FTS5's
//! `secure-delete` on (erased text leaves no tokens behind, migration
//! 0010), and in that format FTS5 starts a descending walk of a term by
//! reading *every* page of the term's document list in each segment, from
//! the first, to find its last entry (`fts5SegIterReverse` uses the
//! doclist index only for format version 4). For a common word at
//! 1,000,000 cases that is thousands of pages per search, most of a
//! search's time: 2,671 page reads for two common words' newest 2,000
//! matches, against 84 for the same matches walked up from a lower bound,
//! which FTS5 seeks through the doclist index.
//!
//! Walking up has its own cost: FTS5 begins every walk of an AND of several
//! words by finding their oldest common row, walking from the first row
//! whatever the lower bound. That is nothing for words that occur together
//! often, and a whole walk for words that never do. So only the newest
//! [`FIRST_WINDOW`] rows are tried, once; the caller reads a window they
//! do not fill newest-first, as before.

use crate::db::StoreResult;

/// The newest rows tried.
pub const FIRST_WINDOW: i64 = 8_192;

/// Where the newest `want` matches begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// The `want`-th newest match's rowid: exactly `want` rows match in
    /// `rowid BETWEEN it AND last`.
    Rowid(i64),
    /// The table holds no more than [`FIRST_WINDOW`] rows and fewer than
    /// `want` of them match; this many.
    All(usize),
}

/// The newest `want` matches when the newest [`FIRST_WINDOW`] rows up to
/// `last` hold them; `None` when they hold fewer. `walk(from, below,
/// limit)` gives at most `limit` matching rowids in `[from, below)`, the
/// oldest first (as FTS5 walks).
///
/// A window holding more than twice `want` is walked again smaller, sized
/// by how densely its oldest matches lie, so a word in every case walks a
/// few times `want` matches, not the window's.
pub fn in_first_window(
    last: i64,
    want: usize,
    mut walk: impl FnMut(i64, i64, usize) -> StoreResult<Vec<i64>>,
) -> StoreResult<Option<Since>> {
    if want == 0 {
        return Ok(Some(Since::All(0)));
    }
    let below = last.saturating_add(1);
    let cap = want.saturating_mul(2);
    let mut size = FIRST_WINDOW;
    // Window sizes known to hold fewer than `want`, and `cap` or more.
    let (mut fewer, mut more): (i64, Option<i64>) = (0, None);
    // Each walk narrows (fewer, more); a few suffice, this bounds them.
    for _ in 0..32 {
        // Rowids start at 1: a window reaching it takes whatever lies below.
        let from = match below.saturating_sub(size) {
            from if from <= 1 => i64::MIN,
            from => from,
        };
        let mut found = walk(from, below, cap)?;
        if found.len() >= cap {
            // Too many: smaller, to hold about 1.5 × want at the density
            // of the window's oldest matches.
            more = Some(size);
            let reached = found.iter().copied().max().unwrap_or(below);
            let density = cap as f64 / (reached.saturating_sub(from.max(0)) as f64 + 1.0);
            let fits = (1.5 * want as f64 / density) as i64;
            size = fits.min(size - 1).max(fewer + 1);
            continue;
        }
        if found.len() >= want {
            found.sort_unstable();
            return Ok(Some(Since::Rowid(found[found.len() - want])));
        }
        match more {
            // Fewer than wanted in a window shrunk too far: between the two.
            Some(more) => {
                fewer = size;
                size = size + (more - size) / 2;
            }
            None => return Ok((from == i64::MIN).then_some(Since::All(found.len()))),
        }
    }
    Ok(None)
}

/// The table's newest rowid (0 when it is empty).
pub fn last_rowid(conn: &rusqlite::Connection, table: &str) -> StoreResult<i64> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .prepare_cached(&format!(
            "SELECT rowid FROM {table} ORDER BY rowid DESC LIMIT 1"
        ))?
        .query_row([], |row| row.get(0))
        .optional()?
        .unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `in_first_window` over a set of matching rowids: its answer, the
    /// windows walked and the matches walked.
    fn run(matches: &[i64], last: i64, want: usize) -> (Option<Since>, Vec<(i64, i64)>, usize) {
        let mut windows = Vec::new();
        let mut walked = 0;
        let found = in_first_window(last, want, |from, below, limit| {
            windows.push((from, below));
            let rows: Vec<i64> = matches
                .iter()
                .copied()
                .filter(|r| (from..below).contains(r))
                .take(limit) // the oldest, as FTS5 walks up
                .collect();
            walked += rows.len();
            Ok(rows)
        })
        .unwrap();
        (found, windows, walked)
    }

    #[test]
    fn a_word_in_every_case_walks_a_few_times_the_window_wanted() {
        let matches: Vec<i64> = (1..=1_000_000).collect();
        let (found, windows, walked) = run(&matches, 1_000_000, 2_000);
        assert_eq!(found, Some(Since::Rowid(998_001)));
        assert_eq!(windows[0], (1_000_001 - FIRST_WINDOW, 1_000_001));
        assert!(walked < 2_000 * 4, "{walked} matches walked");
    }

    #[test]
    fn a_word_in_some_cases_is_found_in_one_walk() {
        // Every third case: 2,730 in the newest 8,192.
        let matches: Vec<i64> = (1..=300_000).map(|i| i * 3).collect();
        let (found, windows, _) = run(&matches, 900_000, 2_000);
        assert_eq!(found, Some(Since::Rowid(900_000 - 1_999 * 3)));
        assert_eq!(windows.len(), 1);
    }

    #[test]
    fn a_window_shrunk_too_far_is_grown_again() {
        // The oldest half of the newest 8,192 rows all match, the newest
        // half every 8th: the density of the oldest matches overstates the
        // newest rows'.
        let top = 1_000_000;
        let mut matches: Vec<i64> = (top - 8_191..=top - 4_096).collect();
        matches.extend((top - 4_095..=top).filter(|r| r % 8 == 0));
        let (found, windows, walked) = run(&matches, top, 2_000);
        let Some(Since::Rowid(first)) = found else {
            panic!("{found:?}");
        };
        let held = matches.iter().filter(|r| (first..=top).contains(r)).count();
        assert_eq!(held, 2_000);
        assert!(windows.len() <= 8, "{windows:?}");
        assert!(walked < 2_000 * 12, "{walked}");
    }

    #[test]
    fn a_window_without_enough_is_left_to_the_caller() {
        // Every 10th case: 819 in the newest 8,192.
        let matches: Vec<i64> = (1..=100_000).map(|i| i * 10).collect();
        let (found, windows, _) = run(&matches, 1_000_000, 2_000);
        assert_eq!(found, None);
        assert_eq!(windows.len(), 1, "one walk");
    }

    #[test]
    fn a_small_table_is_answered_whole() {
        assert_eq!(run(&[3, 5, 900], 1_000, 2_000).0, Some(Since::All(3)));
        assert_eq!(run(&[], 0, 10).0, Some(Since::All(0)), "an empty table");
        assert_eq!(run(&[7], 7, 1).0, Some(Since::Rowid(7)));
        assert_eq!(run(&[7], 7, 0).0, Some(Since::All(0)));
        assert_eq!(run(&[1, 2, 3], 3, 3).0, Some(Since::Rowid(1)));
        // Every row matches and the window is exactly twice the wanted.
        let all: Vec<i64> = (1..=4_000).collect();
        assert_eq!(run(&all, 4_000, 2_000).0, Some(Since::Rowid(2_001)));
    }
}
