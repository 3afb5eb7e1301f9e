//! One search over cases, contacts and organizations, always within the
//! searcher's permissions.

pub mod backlog;
pub mod fold;
pub mod handlers;
pub mod newest;
pub mod pairs;
pub mod query;
pub mod rank;
pub mod snippets;
pub mod stats;

use crate::ids::ProjectId;
use rusqlite::Connection;
use rusqlite::types::Value;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::cases::{self, Case, CaseError};
use crate::contacts::Contact;
use crate::organizations::Organization;
use query::{Field, SearchQuery};
use stats::PhraseCounts;

pub use handlers::configure;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseHit {
    #[serde(flatten)]
    pub case: Case,
    /// The matching text; matches between « and ».
    pub snippet: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResults {
    pub cases: Vec<CaseHit>,
    pub contacts: Vec<Contact>,
    pub organizations: Vec<Organization>,
}

pub fn search(
    conn: &Connection,
    who: &Principal,
    input: &str,
    project_id: Option<ProjectId>,
    limit: u32,
    stats: &PhraseCounts,
) -> Result<SearchResults, CaseError> {
    let query = query::parse(input);
    let filter = case_filter(who, &query, project_id);
    let cases = match &query.text {
        Some(_) => {
            // German spellings folded (fold.rs): each term with those of
            // its other spellings the index holds, OR-ed.
            let groups = fold::expand(conn, cases::store::SEARCH_TABLE, &query.terms)?;
            if query.has_prefix() {
                // A prefix term lists the newest matches (see
                // cases::store::search).
                match expand_prefixes(conn, &groups)? {
                    Some(fts) => cases::store::search(conn, filter, &fts, true, None, limit)?
                        .into_iter()
                        .map(|(case, snippet)| CaseHit { case, snippet })
                        .collect(),
                    None => Vec::new(),
                }
            } else {
                // Ranked: several phrases rarest first, with their counts
                // (one phrase needs none, see search::rank).
                let (fts, counts) = if fold::phrases(&groups).len() > 1 {
                    let (fts, counts) = rarest_first(conn, stats, &groups, COUNT_SAMPLE)?;
                    (fts, Some(counts))
                } else {
                    (fold::fts(&groups), None)
                };
                let mut filter = filter;
                if let Some(bound) = pair_bound(conn, stats, &groups)? {
                    constrain_by_pairs(&mut filter, &bound, &fts);
                }
                cases::store::search(conn, filter, &fts, false, counts.as_ref(), limit)?
                    .into_iter()
                    .map(|(case, snippet)| CaseHit { case, snippet })
                    .collect()
            }
        }
        // Only field filters: the newest matching cases.
        None if !query.filters.is_empty() => {
            cases::store::list(conn, filter, cases::store::Sort::UpdatedDesc, None, limit)?
                .into_iter()
                .map(|case| CaseHit {
                    case,
                    snippet: String::new(),
                })
                .collect()
        }
        None => Vec::new(),
    };
    // The directory is searched by the free text alone.
    let (contacts, organizations) = if query.plain.trim().is_empty() || !query.filters.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        let contacts = crate::contacts::service::list(
            conn,
            who,
            &crate::contacts::model::ContactQuery {
                client_id: None,
                q: Some(query.plain.clone()),
                organization_id: None,
                limit: Some(limit.min(20)),
                before_id: None,
            },
        )
        .map(|page| page.items)
        .unwrap_or_default();
        let organizations = crate::organizations::service::list(
            conn,
            who,
            &crate::organizations::model::OrganizationQuery {
                client_id: None,
                q: Some(query.plain.clone()),
                limit: Some(limit.min(20)),
                before_id: None,
            },
        )
        .map(|page| page.items)
        .unwrap_or_default();
        (contacts, organizations)
    };
    Ok(SearchResults {
        cases,
        contacts,
        organizations,
    })
}

/// How many of the newest matching cases a phrase's count is read from at
/// most (see `PhraseCounts::estimates`): about half a millisecond of walk.
const COUNT_SAMPLE: i64 = 2_000;

/// The terms of a query of several phrases, rarest first, as one FTS5
/// query (the same AND of the same terms), and each phrase's count of
/// matching cases in that order, for the ranking's IDF. A term folded into
/// several spellings (`groups`, see [`fold::expand`]) is an OR of phrases:
/// it is placed by the sum of their counts, each counted on its own (as
/// bm25 counts every phrase of the expression).
///
/// Without the counts `zezaro_rank` counts every phrase over the whole
/// store as `bm25()` does: a walk over each word's complete document list,
/// the most common word's the longest (at 1M cases most of a five-word
/// search's 172 ms). Here each count is read from at most `sample` rows
/// (exact below, estimated from the newest matches above; bm25 weighs
/// common words little anyway) and kept for a while, shared by all readers
/// (`PhraseCounts`). FTS5 walks an AND driven by its first phrase, seeking
/// in the others: the rarest first keeps that walk to the rarest phrase's
/// rows.
fn rarest_first(
    conn: &Connection,
    stats: &PhraseCounts,
    groups: &[Vec<String>],
    sample: i64,
) -> Result<(String, cases::store::PhraseCounts), CaseError> {
    let phrases = fold::phrases(groups);
    let counts =
        stats.estimates_keeping_samples(conn, cases::store::SEARCH_TABLE, &phrases, sample)?;
    let per_term: Vec<i64> = term_counts(groups, &counts)
        .iter()
        .map(|own| own.iter().sum())
        .collect();
    let likely = stats
        .and_in_samples(cases::store::SEARCH_TABLE, groups)
        .and_then(|overlap| overlap.estimate(&per_term));
    let (fts, mut counts) = order_by_count(groups, &counts);
    counts.matches_likely = likely;
    Ok((fts, counts))
}

/// The word pairs (`search::pairs`) every match of the query's phrases
/// holds, rarest first, when the rarest is rarer than the count sample: a
/// pair that never occurs leaves nothing to walk, a rare one bounds the
/// walk by its own list. `None`: no phrase of two words or more, or every
/// pair common (the phrase's matches are dense, the newest window fills
/// fast without them).
///
/// A phrase folded into several spellings (`groups`) is bounded by the OR
/// of its spellings' pairs (each spelling the AND of its own), counted as
/// the sum of each spelling's rarest pair; a group with a spelling of no
/// pair (one word, a prefix) bounds nothing and is left out. Each part is
/// a necessary condition of its term, so the bound stays a superset of
/// the matches.
///
/// The counts (kept a while, as the phrases' are) only choose and order:
/// what the search returns is decided by the live tables (see
/// [`constrain_by_pairs`]).
fn pair_bound(
    conn: &Connection,
    stats: &PhraseCounts,
    groups: &[Vec<String>],
) -> Result<Option<pairs::Bound>, CaseError> {
    let of = |term: &String| {
        pairs::of_terms(conn, std::slice::from_ref(term)).map_err(crate::db::StoreError::from)
    };
    // Terms of one spelling: their pairs, each once (as before folding).
    let single: Vec<String> = groups
        .iter()
        .filter(|g| g.len() == 1)
        .flatten()
        .cloned()
        .collect();
    let mut plain = pairs::of_terms(conn, &single).map_err(crate::db::StoreError::from)?;
    // Folded terms: per spelling its pairs; none if a spelling has none.
    let mut folded: Vec<Vec<Vec<String>>> = Vec::new();
    for group in groups.iter().filter(|g| g.len() > 1) {
        let spellings: Vec<Vec<String>> = group.iter().map(of).collect::<Result<_, _>>()?;
        if spellings.iter().all(|p| !p.is_empty()) {
            folded.push(spellings);
        }
    }
    if plain.is_empty() && folded.is_empty() {
        return Ok(None);
    }
    let mut wanted = plain.clone();
    wanted.extend(folded.iter().flatten().flatten().cloned());
    let counts = stats.estimates(conn, pairs::TABLE, &wanted, COUNT_SAMPLE)?;
    let count_of = |pair: &String| {
        wanted
            .iter()
            .position(|w| w == pair)
            .and_then(|i| counts.get(i))
            .copied()
            .unwrap_or(0)
    };
    // Each part of the bound with its count: a pair, or a folded term's OR.
    plain.sort_by_key(|p| count_of(p));
    let mut parts: Vec<(String, i64)> = plain.iter().map(|p| (p.clone(), count_of(p))).collect();
    for spellings in &folded {
        let mut total = 0i64;
        let mut alternatives = Vec::with_capacity(spellings.len());
        for pairs in spellings {
            let mut pairs = pairs.clone();
            pairs.sort_by_key(|p| count_of(p));
            total = total.saturating_add(pairs.first().map_or(0, &count_of));
            alternatives.push(format!("({})", pairs.join(" AND ")));
        }
        parts.push((format!("({})", alternatives.join(" OR ")), total));
    }
    parts.sort_by_key(|(_, count)| *count);
    if parts
        .first()
        .is_none_or(|&(_, rarest)| rarest >= COUNT_SAMPLE)
    {
        return Ok(None);
    }
    let fts = parts
        .iter()
        .map(|(part, _)| part.as_str())
        .collect::<Vec<_>>()
        .join(if folded.is_empty() { " " } else { " AND " });
    Ok(Some(pairs::Bound {
        fts,
        below: pairs::below(conn)?,
    }))
}

/// Restricts the search of `fts` to the cases holding the bound's pairs,
/// and, while the background fill has not reached them, the cases below
/// its mark that match `fts` (the old path). Every match holds its
/// phrases' pairs, so the matches, their order and their ranking stay
/// the same: only the walk is shorter.
fn constrain_by_pairs(filter: &mut cases::store::Filter, bound: &pairs::Bound, fts: &str) {
    if bound.below <= 0 {
        filter.push(
            "case_search.rowid IN (SELECT rowid FROM case_pairs WHERE case_pairs MATCH ?)",
            vec![Value::Text(bound.fts.clone())],
        );
    } else {
        filter.push(
            "case_search.rowid IN (SELECT rowid FROM case_pairs WHERE case_pairs MATCH ?
                 UNION ALL SELECT old.rowid FROM case_search AS old
                     WHERE old.case_search MATCH ? AND old.rowid < ?)",
            vec![
                Value::Text(bound.fts.clone()),
                Value::Text(fts.to_string()),
                Value::from(bound.below),
            ],
        );
    }
}

/// Each term's counts (`counts`: one per phrase, in [`fold::phrases`]'
/// order), in the terms' order: its spellings' slice.
fn term_counts<'a>(groups: &[Vec<String>], counts: &'a [i64]) -> Vec<&'a [i64]> {
    let mut at = 0;
    groups
        .iter()
        .map(|group| {
            let end = (at + group.len()).min(counts.len());
            let own = counts.get(at.min(end)..end).unwrap_or_default();
            at += group.len();
            own
        })
        .collect()
}

/// The terms (`groups`, each a term's spellings) ordered by their counts
/// (`counts`: one per phrase, in [`fold::phrases`]' order; a term's is
/// their sum), ascending, ties in the query's order, as one FTS5
/// expression ([`fold::fts`]); the phrases' counts in its order.
fn order_by_count(groups: &[Vec<String>], counts: &[i64]) -> (String, cases::store::PhraseCounts) {
    let mut keyed: Vec<(i64, &Vec<String>, &[i64])> = groups
        .iter()
        .zip(term_counts(groups, counts))
        .map(|(group, own)| (own.iter().sum(), group, own))
        .collect();
    keyed.sort_by_key(|(sum, _, _)| *sum);
    let ordered: Vec<Vec<String>> = keyed.iter().map(|(_, g, _)| (*g).clone()).collect();
    let each = keyed
        .iter()
        .flat_map(|(_, g, own)| (0..g.len()).map(|i| own.get(i).copied().unwrap_or(0)))
        .collect();
    let counts = cases::store::PhraseCounts {
        each,
        matches_at_most: keyed.first().map_or(i64::MAX, |(sum, _, _)| *sum),
        matches_likely: None,
    };
    (fold::fts(&ordered), counts)
}

/// Most terms with the prefix stands for, at most; beyond, FTS5's own
/// prefix query.
const MAX_PREFIX_TERMS: usize = 16;

/// Each prefix term `"stem"*` (each spelling of a folded term) as the
/// words of the index it stands for, `("word1" OR "word2")`: FTS5 reads a
/// prefix by merging the complete document lists of all those words, at
/// every search, while an OR of words is read lazily, newest first, only
/// as far as the page needs. The same cases match. `None`: a prefix term
/// no word of the index starts with (in any spelling), so nothing
/// matches.
fn expand_prefixes(conn: &Connection, groups: &[Vec<String>]) -> Result<Option<String>, CaseError> {
    let mut parts = Vec::with_capacity(groups.len());
    for group in groups {
        let mut alternatives: Vec<String> = Vec::new();
        let mut prefix_only = true;
        for term in group {
            let stem = term.strip_prefix('"').and_then(|t| t.strip_suffix("\"*"));
            let words = match stem {
                Some(stem) => cases::store::prefix_words(conn, stem, MAX_PREFIX_TERMS)?,
                None => {
                    prefix_only = false;
                    None
                }
            };
            let found = match words {
                Some(words) => words
                    .iter()
                    .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
                    .collect(),
                None => vec![term.clone()],
            };
            for alternative in found {
                if !alternatives.contains(&alternative) {
                    alternatives.push(alternative);
                }
            }
        }
        if alternatives.is_empty() && prefix_only {
            return Ok(None);
        }
        parts.push(alternatives);
    }
    Ok(Some(fold::fts(&parts)))
}

fn case_filter(
    who: &Principal,
    query: &SearchQuery,
    project_id: Option<ProjectId>,
) -> cases::store::Filter {
    let mut filter = cases::store::Filter::default();
    filter.visible_to(who);
    if let Some(project_id) = project_id {
        filter.project(project_id);
    }
    for (field, text) in &query.filters {
        let value = Value::Text(text.clone());
        match field {
            Field::Status => filter.push("c.status = ?", vec![value]),
            Field::Channel => filter.push("c.channel = ?", vec![value]),
            Field::Topic => filter.push(
                "c.topic_id IN (SELECT id FROM topics WHERE name = ? COLLATE NOCASE)",
                vec![value],
            ),
            Field::From => filter.push(
                "c.contact_id IN (SELECT contact_id FROM contact_emails WHERE email = ?)",
                vec![value],
            ),
            Field::Tag => filter.tag(text.clone()),
            Field::Project => filter.push(
                "c.project_id IN (SELECT id FROM projects WHERE key = upper(?))",
                vec![value],
            ),
            Field::Assignee if matches!(&value, Value::Text(v) if v == "me") => {
                filter.push("c.assignee_id = ?", vec![Value::from(who.user_id)])
            }
            Field::Assignee => filter.push(
                "c.assignee_id IN (SELECT id FROM users WHERE email = ?)",
                vec![value],
            ),
        }
    }
    filter
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(conn: &Connection, fts: &str) -> Vec<i64> {
        conn.prepare("SELECT rowid FROM case_search WHERE case_search MATCH ?1 ORDER BY rowid DESC")
            .unwrap()
            .query_map([fts], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// A demo store of `cases` cases (two messages each on average).
    pub(super) fn demo_store(cases: u64, seed: u64) -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let options = crate::demo::generate::Options {
            cases,
            messages: 2,
            seed,
        };
        crate::demo::generate::generate(dir.path(), &options, &mut |_| {}).unwrap();
        let conn = Connection::open(dir.path().join(crate::db::STORE_FILE)).unwrap();
        (dir, conn)
    }

    /// Terms unfolded: each its own group.
    fn single(terms: &[String]) -> Vec<Vec<String>> {
        terms.iter().map(|t| vec![t.clone()]).collect()
    }

    fn ids(hits: Vec<(Case, String)>) -> Vec<(i64, String)> {
        hits.into_iter().map(|(c, s)| (c.id.get(), s)).collect()
    }

    /// Several phrases, rarest first with their kept counts, find the same
    /// cases in the same order with the same snippets as `zezaro_rank`
    /// counting them itself (bm25's order), also after the counts were kept
    /// and for phrases in more than half of the rows (capped counts).
    #[test]
    fn rarest_first_ranks_as_before() {
        let (_dir, conn) = demo_store(600, 4);
        let stats = PhraseCounts::default();
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM case_search", [], |r| r.get(0))
            .unwrap();
        let mut common = false;
        for input in [
            "Rechnung Zähler",
            "Vertrag kündigen bitte",
            "guten Tag Rechnung bitte prüfen",
            "Router \"blinkt rot\" Internet",
            "Abschlag Umzug Zählerstand Vertrag kündigen",
            "Rechnung qqqzz",
        ] {
            let query = query::parse(input);
            let before = cases::store::search(
                &conn,
                cases::store::Filter::default(),
                query.text.as_deref().unwrap(),
                false,
                None,
                25,
            )
            .unwrap();
            for _ in 0..2 {
                let (fts, counts) =
                    rarest_first(&conn, &stats, &single(&query.terms), COUNT_SAMPLE).unwrap();
                assert!(counts.each.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
                // Below the sample: the exact counts.
                let exact = PhraseCounts::default()
                    .counts(&conn, "case_search", &query.terms)
                    .unwrap();
                assert_eq!(
                    cases::store::PhraseCounts {
                        matches_likely: None,
                        ..counts.clone()
                    },
                    order_by_count(&single(&query.terms), &exact).1,
                    "{input}"
                );
                // The AND's samples: every row, all of them read (below the
                // sample), so its own count.
                let likely = counts.matches_likely.expect("samples kept");
                let own = self::rows(&conn, &fts).len() as i64;
                assert!(likely >= own, "{input}: {likely} for {own}");
                common |= counts.each.iter().any(|&c| c * 2 >= rows);
                let after = cases::store::search(
                    &conn,
                    cases::store::Filter::default(),
                    &fts,
                    false,
                    Some(&counts),
                    25,
                )
                .unwrap();
                assert_eq!(ids(after), ids(before.clone()), "{input}: {fts}");
            }
            if input != "Rechnung qqqzz" {
                assert!(!before.is_empty(), "{input} matches");
            }
        }
        assert!(common, "a phrase in half of the rows or more");
    }

    /// An AND its samples call rare is walked up first (its matches
    /// likely no more than the window): the same cases in the same order
    /// with the same snippets as read newest-first, and nothing at once
    /// when nothing matches. (With the demo's few hundred cases the walk up
    /// always finds the window whole; that it gives way to newest-first
    /// when it does not is measured at 1.45M, docs/perf16.md session 24.)
    #[test]
    fn rare_ands_walked_up_find_what_newest_first_finds() {
        let (_dir, conn) = demo_store(500, 24);
        let stats = PhraseCounts::default();
        // Words of the subjects, German and English: pairs of them that
        // share cases and pairs that share none.
        let subjects: Vec<String> = conn
            .prepare("SELECT subject FROM cases ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut words: Vec<String> = subjects
            .iter()
            .flat_map(|s| s.split(|c: char| !c.is_alphabetic()))
            .filter(|w| w.chars().count() >= 5)
            .map(str::to_lowercase)
            .collect();
        words.sort();
        words.dedup();
        let mut rng = fastrand::Rng::with_seed(24);
        let (mut empty, mut found) = (0, 0);
        for _ in 0..60 {
            let input = format!(
                "{} {}",
                words[rng.usize(0..words.len())],
                words[rng.usize(0..words.len())]
            );
            let query = query::parse(&input);
            let groups = fold::expand(&conn, cases::store::SEARCH_TABLE, &query.terms).unwrap();
            if fold::phrases(&groups).len() < 2 {
                continue;
            }
            let (fts, counts) = rarest_first(&conn, &stats, &groups, COUNT_SAMPLE).unwrap();
            // Neither bounded by the rarest term nor known to be rare: read
            // newest-first; called rare: walked up.
            let newest_first = cases::store::PhraseCounts {
                matches_at_most: i64::MAX,
                matches_likely: None,
                ..counts.clone()
            };
            let walked_up = cases::store::PhraseCounts {
                matches_likely: Some(0),
                ..newest_first.clone()
            };
            let search = |counts: &cases::store::PhraseCounts| {
                ids(cases::store::search(
                    &conn,
                    cases::store::Filter::default(),
                    &fts,
                    false,
                    Some(counts),
                    25,
                )
                .unwrap())
            };
            let expected = search(&newest_first);
            assert_eq!(search(&walked_up), expected, "{input}: {fts}");
            if expected.is_empty() {
                empty += 1;
            } else {
                found += 1;
            }
        }
        assert!(
            empty >= 5 && found >= 5,
            "{empty} without a match, {found} with"
        );
    }

    /// Phrases drawn from the store's own text (two to five adjacent
    /// words, from subjects, names and bodies), absent ones, umlauts,
    /// hyphens, quotes, one-word phrases and mixed queries: the same cases
    /// in the same order with the same snippets with the word-pair
    /// constraint as without, with every case's pairs and while the
    /// background fill is only half way (old path below its mark).
    #[test]
    fn pairs_find_what_the_phrases_find() {
        let (_dir, conn) = demo_store(700, 11);
        assert_eq!(
            pairs::below(&conn).unwrap(),
            0,
            "a new store has every pair"
        );
        let mut inputs: Vec<String> = [
            "\"Vertrag kündigen\"",
            "\"vertrag KUENDIGEN\"",
            "\"Zähler defekt\"",
            "\"zahler defekt\"",
            "\"E-Mail Adresse\"",
            "E-Mail",
            "\"qqq zzz\"",
            "\"Rechnung qqqzz\"",
            "\"Rechnung\"",
            "Rechnung Zähler",
            "\"Rechnung bitte\" Zähler",
            "\"guten Tag\" \"vielen Dank\"",
            "\"Tag guten\"",
            "\"\"",
            "\"bitte \"\"prüfen\"\" Sie\"",
            "\"Router* blinkt\"",
            "Gutschr* \"guten Tag\"",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Adjacent words of the store's text, and the same words in a row
        // that never stand together.
        let mut rng = fastrand::Rng::with_seed(3);
        let texts: Vec<String> = conn
            .prepare("SELECT subject || char(10) || people || char(10) || body FROM case_search ORDER BY rowid LIMIT 200")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut words_seen: Vec<String> = Vec::new();
        for text in texts.iter().step_by(3) {
            let words: Vec<&str> = text.split_whitespace().collect();
            if words.len() < 6 {
                continue;
            }
            let n = rng.usize(2..=5);
            let start = rng.usize(0..words.len() - n);
            let phrase = words[start..start + n].join(" ").replace('"', "");
            inputs.push(format!("\"{phrase}\""));
            words_seen.extend(words.iter().take(8).map(|w| w.replace('"', "")));
        }
        for _ in 0..30 {
            let n = rng.usize(2..=4);
            let phrase: Vec<&str> = (0..n)
                .map(|_| words_seen[rng.usize(0..words_seen.len())].as_str())
                .collect();
            inputs.push(format!("\"{}\"", phrase.join(" ")));
        }
        // The same phrases in the other German spelling ("Zähler" typed
        // "Zaehler", "Straße" typed "Strasse"): folded, they find the
        // spelling the store holds (search::fold).
        let respelled: Vec<String> = inputs
            .iter()
            .filter(|i| i.contains(['ä', 'ö', 'ü', 'ß', 'Ä', 'Ö', 'Ü']))
            .map(|i| {
                i.replace('ä', "ae")
                    .replace('ö', "oe")
                    .replace('ü', "ue")
                    .replace('Ä', "Ae")
                    .replace('Ö', "Oe")
                    .replace('Ü', "Ue")
                    .replace('ß', "ss")
            })
            .collect();
        inputs.extend(respelled);
        // Per run: (pairs used, found, folded terms, pairs used with a
        // folded phrase).
        let compare = |label: &str, stats: &PhraseCounts| -> (usize, usize, usize, usize) {
            let (mut bounded, mut found, mut folded, mut folded_bounded) = (0, 0, 0, 0);
            for input in &inputs {
                let query = query::parse(input);
                let Some(text) = query.text.clone() else {
                    continue;
                };
                if query.has_prefix() {
                    continue;
                }
                let groups = fold::expand(&conn, cases::store::SEARCH_TABLE, &query.terms).unwrap();
                let is_folded = groups.iter().any(|g| g.len() > 1);
                folded += usize::from(is_folded);
                let (fts, counts) = if fold::phrases(&groups).len() > 1 {
                    let (fts, counts) = rarest_first(&conn, stats, &groups, COUNT_SAMPLE).unwrap();
                    (fts, Some(counts))
                } else {
                    (fold::fts(&groups), None)
                };
                // Folding never loses a case the spelling as typed finds.
                let typed = rows(&conn, &text);
                let all = rows(&conn, &fts);
                assert!(
                    typed.iter().all(|id| all.contains(id)),
                    "{label}: {input}: {fts}"
                );
                let plain = cases::store::search(
                    &conn,
                    cases::store::Filter::default(),
                    &fts,
                    false,
                    counts.as_ref(),
                    25,
                )
                .unwrap();
                let bound = pair_bound(&conn, stats, &groups).unwrap();
                let mut filter = cases::store::Filter::default();
                if let Some(bound) = &bound {
                    constrain_by_pairs(&mut filter, bound, &fts);
                    bounded += 1;
                    folded_bounded += usize::from(bound.fts.contains(" OR "));
                }
                let paired =
                    cases::store::search(&conn, filter, &fts, false, counts.as_ref(), 25).unwrap();
                found += usize::from(!plain.is_empty());
                assert_eq!(ids(paired), ids(plain), "{label}: {input} ({bound:?})");
            }
            (bounded, found, folded, folded_bounded)
        };
        let (bounded, found, folded, folded_bounded) =
            compare("every pair", &PhraseCounts::default());
        assert!(bounded >= 40, "the pairs were used: {bounded}");
        assert!(found >= 20, "phrases of the store's text match: {found}");
        assert!(folded >= 5, "phrases were folded: {folded}");
        assert!(
            folded_bounded >= 3,
            "folded phrases bounded: {folded_bounded}"
        );

        // Half way through the fill: the pairs of the older half are gone
        // and the mark says so.
        let ids_all: Vec<i64> = conn
            .prepare("SELECT rowid FROM case_search ORDER BY rowid")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mark = ids_all[ids_all.len() / 2];
        for &id in ids_all.iter().filter(|&&id| id < mark) {
            pairs::replace(&conn, id, None).unwrap();
        }
        conn.execute("UPDATE case_pairs_state SET below = ?1", [mark])
            .unwrap();
        let (bounded, ..) = compare("half filled", &PhraseCounts::default());
        assert!(bounded >= 20, "the pairs were used: {bounded}");

        // The fill completes it: every case has its pairs again, and a
        // search of the index is consistent.
        let mut batches = 0;
        while pairs::backfill_batch(&conn).unwrap().is_some() {
            batches += 1;
            // Between two batches, as a search during the fill sees it.
            compare(&format!("after batch {batches}"), &PhraseCounts::default());
        }
        assert!(batches >= 2, "{batches}");
        assert_eq!(pairs::below(&conn).unwrap(), 0);
        let with_pairs: i64 = conn
            .query_row("SELECT count(*) FROM case_pairs_docsize", [], |r| r.get(0))
            .unwrap();
        assert_eq!(with_pairs as usize, ids_all.len());
        conn.execute(
            "INSERT INTO case_pairs (case_pairs, rank) VALUES ('integrity-check', 0)",
            [],
        )
        .unwrap();
        compare("filled again", &PhraseCounts::default());
    }

    #[test]
    fn terms_are_ordered_by_count() {
        let terms: Vec<String> = ["\"a\"", "\"b\"", "\"c d\"", "\"e\""]
            .iter()
            .map(|t| t.to_string())
            .collect();
        assert_eq!(
            order_by_count(&single(&terms), &[30, 2, 7, 2]),
            (
                "\"b\" \"e\" \"c d\" \"a\"".to_string(),
                cases::store::PhraseCounts {
                    each: vec![2, 2, 7, 30],
                    matches_at_most: 2,
                    matches_likely: None,
                }
            )
        );
        // A folded term by the sum of its spellings' counts, each kept.
        let groups = vec![
            vec!["\"a\"".to_string()],
            vec!["\"b\"".to_string(), "\"bb\"".to_string()],
            vec!["\"c\"".to_string()],
        ];
        assert_eq!(
            order_by_count(&groups, &[10, 4, 5, 12]),
            (
                "(\"b\" OR \"bb\") AND \"a\" AND \"c\"".to_string(),
                // A term's spellings are an OR: it matches at most their sum.
                cases::store::PhraseCounts {
                    each: vec![4, 5, 10, 12],
                    matches_at_most: 9,
                    matches_likely: None,
                }
            )
        );
    }

    #[test]
    fn prefixes_as_words_match_the_same_cases() {
        let (_dir, conn) = demo_store(800, 9);
        for input in [
            "Gutschr*",
            "Zahl* Rechnung",
            "rech* zahl*",
            "Router Neu*",
            "k*",
        ] {
            let query = query::parse(input);
            let fts = query.text.clone().unwrap();
            let expanded = expand_prefixes(&conn, &single(&query.terms))
                .unwrap()
                .unwrap();
            assert_eq!(
                rows(&conn, &expanded),
                rows(&conn, &fts),
                "{input}: {expanded}"
            );
            assert!(!rows(&conn, &fts).is_empty(), "{input} matches");
            if input == "k*" {
                assert_eq!(expanded, fts, "too many words: FTS5's prefix query");
            } else {
                assert!(!expanded.contains('*'), "{expanded}");
            }
        }
        // Not plain ASCII: the stem folded by the index's tokenizer (as
        // FTS5 folds its prefix query), then its words.
        for input in ["Zähl*", "KÜN*", "Rück*"] {
            let query = query::parse(input);
            let fts = query.text.clone().unwrap();
            let expanded = expand_prefixes(&conn, &single(&query.terms))
                .unwrap()
                .unwrap_or_else(|| panic!("{input}: no words"));
            assert!(!expanded.contains('*'), "{input}: {expanded}");
            assert_eq!(rows(&conn, &expanded), rows(&conn, &fts), "{input}");
            assert!(!rows(&conn, &fts).is_empty(), "{input} matches");
        }
        // No word with the prefix: nothing can match.
        let query = query::parse("Rechnung qqqzz*");
        let fts = query.text.clone().unwrap();
        assert_eq!(expand_prefixes(&conn, &single(&query.terms)).unwrap(), None);
        assert!(rows(&conn, &fts).is_empty());
    }
}

#[cfg(test)]
mod cost {
    use super::*;
    use std::time::Instant;

    /// What folding costs per query (`cargo test --lib search::cost --
    /// --ignored --nocapture`; figures in docs/perf16.md): the expansion
    /// alone, and the ranked case search with and without it, counts kept.
    #[test]
    #[ignore = "a measurement, not a check"]
    fn folding_per_query() {
        let (_dir, conn) = super::tests::demo_store(10_000, 7);
        let stats = PhraseCounts::default();
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        for input in [
            "Rechnung Zähler Vertrag kündigen bitte",
            "Abschlag Umzug Zählerstand",
            "Müller",
            "Mueller Rechnung",
            "\"Frau Müller\"",
            "\"Hauptstrasse 5\" Zähler",
            "Zwoelfmueller",
        ] {
            let query = query::parse(input);
            let plain: Vec<Vec<String>> = query.terms.iter().map(|t| vec![t.clone()]).collect();
            let (mut expand, mut with, mut without) = (Vec::new(), Vec::new(), Vec::new());
            let mut folded = plain.clone();
            let mut found = (0, 0);
            for round in 0..21 {
                let started = Instant::now();
                folded = fold::expand(&conn, cases::store::SEARCH_TABLE, &query.terms).unwrap();
                let expanding = started.elapsed().as_secs_f64() * 1e3;
                for (groups, times, plain_run) in
                    [(&folded, &mut with, false), (&plain, &mut without, true)]
                {
                    let started = Instant::now();
                    let (fts, counts) = if fold::phrases(groups).len() > 1 {
                        let (fts, counts) =
                            rarest_first(&conn, &stats, groups, COUNT_SAMPLE).unwrap();
                        (fts, Some(counts))
                    } else {
                        (fold::fts(groups), None)
                    };
                    let mut filter = cases::store::Filter::default();
                    if let Some(bound) = pair_bound(&conn, &stats, groups).unwrap() {
                        constrain_by_pairs(&mut filter, &bound, &fts);
                    }
                    let hits =
                        cases::store::search(&conn, filter, &fts, false, counts.as_ref(), 25)
                            .unwrap();
                    let mut took = started.elapsed().as_secs_f64() * 1e3;
                    if !plain_run {
                        took += expanding;
                        found.0 = hits.len();
                    } else {
                        found.1 = hits.len();
                    }
                    // The first round reads the counts: not kept yet.
                    if round > 0 {
                        times.push(took);
                    }
                }
                if round > 0 {
                    expand.push(expanding);
                }
            }
            println!(
                "{input}: {} phrases ({}); expansion {:.3} ms, search folded {:.3} ms ({} hits), as typed {:.3} ms ({} hits)",
                fold::phrases(&folded).len(),
                fold::fts(&folded),
                median(expand),
                median(with),
                found.0,
                median(without),
                found.1,
            );
        }
    }
}
