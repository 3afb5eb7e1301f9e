//! German spellings folded at query time: "Müller", "Mueller" and "Muller"
//! find each other, as do "Straße" and "Strasse", "Göthe" and "Goethe".
//!
//! Equivalent is what Lucene's `GermanNormalizationFilter` (Elasticsearch's
//! `german_normalization`) makes equal: ä/ae → a, ö/oe → o, ü/ue → u (not
//! "ue" after a vowel or q: "Quelle", "Bauer", "neue" stay), ß → ss
//! ([`normalize`]). Our FTS5 tables index with `unicode61
//! remove_diacritics 2`, which already makes "Müller" `muller` but keeps
//! `mueller` and `straße` as they are. Re-tokenizing would mean rebuilding
//! every index (a million cases); instead each query token is expanded
//! into the index tokens with its normal form ([`expand`]): the spellings
//! of its normal form (an `e` after a, o or u, `ß` for `ss`) that the
//! table's vocabulary holds, OR-ed. A token with no other spelling in the
//! index leaves its term as typed, so most queries are unchanged (same
//! FTS5 text, same kept counts, same plan).
//!
//! Bounded against hostile input: at most [`MAX_CANDIDATES`] spellings per
//! token are looked up, [`MAX_VARIANTS`] kept per term, [`MAX_LOOKUPS`]
//! vocabulary seeks and [`MAX_PHRASES`] phrases per query; past a bound a
//! term goes as typed (what it found before).
//!
//! One piece of code for every full-text search: cases (`search::search`),
//! knowledge (`knowledge::service::search`, the help center), contacts
//! and organizations (`customers::Search`). The text-module picker, which
//! filters in the browser, folds by the same rule (`web/src/components/
//! fuzzy.ts`'s `fold`).

use rusqlite::{Connection, OptionalExtension, ffi};

use crate::db::StoreResult;

/// Spellings of one token looked up in the vocabulary, at most.
pub const MAX_CANDIDATES: usize = 16;
/// Alternatives of one term (a phrase's: the product of its tokens'), at most.
pub const MAX_VARIANTS: usize = 8;
/// Vocabulary seeks per query, at most.
pub const MAX_LOOKUPS: usize = 64;
/// FTS5 phrases per expanded query, at most (each term counts one as typed).
pub const MAX_PHRASES: usize = 32;
/// Sites (an a/o/u, an `ss`) of a token varied, at most: a longer word's
/// later sites keep their spelling.
const MAX_SITES: usize = 12;
/// Words of a phrase varied, at most, and the longest word varied (bytes):
/// past them words go as typed.
const MAX_WORDS: usize = 8;
const MAX_WORD_BYTES: usize = 64;
/// Sites changed together in one spelling, at most.
const MAX_CHANGES: usize = 3;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Ordinary.
    N,
    /// After a vowel that lets no `u` start an umlaut ("au", "qu").
    V,
    /// After a, o or a `u` that may be an umlaut: an `e` here is dropped.
    U,
}

/// Lucene's German normalization of an index token (lower case, diacritics
/// already removed by unicode61): the form all its German spellings share.
pub fn normalize(token: &str) -> String {
    let mut out = String::with_capacity(token.len() + 2);
    let mut state = State::N;
    for c in token.chars() {
        state = match c {
            'a' | 'o' => {
                out.push(c);
                State::U
            }
            'u' => {
                out.push(c);
                if state == State::N {
                    State::U
                } else {
                    State::V
                }
            }
            'e' => {
                if state != State::U {
                    out.push('e');
                }
                State::V
            }
            'i' | 'q' | 'y' => {
                out.push(c);
                State::V
            }
            'ä' | 'ö' | 'ü' => {
                out.push(match c {
                    'ä' => 'a',
                    'ö' => 'o',
                    _ => 'u',
                });
                State::V
            }
            'ß' => {
                out.push_str("ss");
                State::N
            }
            _ => {
                out.push(c);
                State::N
            }
        };
    }
    out
}

/// Whether `token`'s last letter is an `e` the normalization drops ("mue"):
/// such a prefix would fold to a shorter one ("mu": "Muster" too), so its
/// `e` is kept as typed and only the letters before it are varied.
fn drops_last_e(token: &str) -> bool {
    token
        .strip_suffix('e')
        .is_some_and(|stem| normalize(stem) == normalize(token))
}

/// The index spellings of `token` (an index token): `token` itself first,
/// then the other spellings of its normal form, fewest changes first, at
/// most [`MAX_CANDIDATES`] in all. `prefix`: the token is a prefix (a
/// last `e` the normalization would drop is then kept as typed).
pub fn spellings(token: &str, prefix: bool) -> Vec<String> {
    if prefix
        && drops_last_e(token)
        && let Some(stem) = token.strip_suffix('e')
    {
        // The stem's spellings, the `e` kept as typed.
        return spellings(stem, false)
            .into_iter()
            .map(|s| format!("{s}e"))
            .collect();
    }
    let mut out = vec![token.to_string()];
    let normal = normalize(token);
    let chars: Vec<char> = normal.chars().collect();
    // Where a spelling may differ: an `e` after a/o/u, `ß` for `ss`.
    let mut sites: Vec<(usize, bool)> = Vec::new();
    let mut i = 0;
    while i < chars.len() && sites.len() < MAX_SITES {
        match chars[i] {
            'a' | 'o' | 'u' => sites.push((i, false)),
            's' if chars.get(i + 1) == Some(&'s') => {
                sites.push((i, true));
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    let spell = |chosen: &[usize]| -> String {
        let mut s = String::with_capacity(normal.len() + chosen.len());
        let mut i = 0;
        while i < chars.len() {
            match chosen.iter().find(|&&k| sites[k].0 == i) {
                Some(&k) if sites[k].1 => {
                    s.push('ß');
                    i += 2;
                    continue;
                }
                Some(_) => {
                    s.push(chars[i]);
                    s.push('e');
                }
                None => s.push(chars[i]),
            }
            i += 1;
        }
        s
    };
    // Subsets of the sites by size, each in order (k-combinations).
    'sizes: for size in 0..=MAX_CHANGES.min(sites.len()) {
        let mut chosen: Vec<usize> = (0..size).collect();
        loop {
            let candidate = spell(&chosen);
            if !out.contains(&candidate) && normalize(&candidate) == normal {
                out.push(candidate);
                if out.len() == MAX_CANDIDATES {
                    break 'sizes;
                }
            }
            // The next combination of `size` out of the sites.
            let n = sites.len();
            let Some(at) = (0..size).rev().find(|&j| chosen[j] < n - size + j) else {
                break;
            };
            chosen[at] += 1;
            for j in at + 1..size {
                chosen[j] = chosen[j - 1] + 1;
            }
        }
    }
    out
}

/// Looks spellings up in one FTS5 table's vocabulary, within the query's
/// budget of seeks.
struct Vocabulary<'a> {
    conn: &'a Connection,
    table: &'static str,
    lookups: usize,
    ready: bool,
}

impl Vocabulary<'_> {
    /// Whether the query's budget of seeks is spent.
    fn spent(&self) -> bool {
        self.lookups >= MAX_LOOKUPS
    }

    /// Whether the index holds `token` (a prefix: a token starting with
    /// it); `None` once the query's budget is spent.
    fn holds(&mut self, token: &str, prefix: bool) -> StoreResult<Option<bool>> {
        if self.spent() {
            return Ok(None);
        }
        self.lookups += 1;
        if !self.ready {
            words_table(self.conn, self.table)?;
            self.ready = true;
        }
        let found = if prefix {
            let Some(end) = successor(token) else {
                return Ok(Some(true));
            };
            self.conn
                .prepare_cached(&format!(
                    "SELECT 1 FROM temp.{}_words WHERE term >= ?1 AND term < ?2 LIMIT 1",
                    self.table
                ))?
                .query_row([token, end.as_str()], |_| Ok(()))
                .optional()?
        } else {
            self.conn
                .prepare_cached(&format!(
                    "SELECT 1 FROM temp.{}_words WHERE term = ?1 LIMIT 1",
                    self.table
                ))?
                .query_row([token], |_| Ok(()))
                .optional()?
        };
        Ok(Some(found.is_some()))
    }
}

/// The words of FTS5 table `table`'s index, as a vocabulary table: per
/// connection, in temp (not a table of the store). Its 'instance' rows
/// start at a word without reading its documents (a 'row' vocabulary would
/// count them all), so a look-up is one seek. Returns the table's name.
pub(crate) fn words_table(conn: &Connection, table: &str) -> rusqlite::Result<String> {
    let name = format!("temp.{table}_words");
    conn.execute_batch(&format!(
        "CREATE VIRTUAL TABLE IF NOT EXISTS {name} USING fts5vocab(main, {table}, 'instance')"
    ))?;
    Ok(name)
}

/// The first string after every string starting with `token` (its last
/// character + 1; UTF-8 orders as code points). `None`: no such character.
pub(crate) fn successor(token: &str) -> Option<String> {
    let mut chars: Vec<char> = token.chars().collect();
    let last = chars.pop()?;
    let next = (u32::from(last) + 1..=0x10FFFF).find_map(char::from_u32)?;
    chars.push(next);
    Some(chars.into_iter().collect())
}

/// Each query term (as `query::parse` quotes them: `"word"`, `"a phrase"`,
/// `"stem"*`) with its German spellings in `table`'s index: the term as
/// typed first, then the other spellings its tokens have in the index,
/// each as an FTS5 phrase. A term without others is alone in its group.
pub fn expand(
    conn: &Connection,
    table: &'static str,
    terms: &[String],
) -> StoreResult<Vec<Vec<String>>> {
    let mut vocabulary = Vocabulary {
        conn,
        table,
        lookups: 0,
        ready: false,
    };
    let mut phrases = terms.len();
    let mut out = Vec::with_capacity(terms.len());
    for term in terms {
        let mut group = vec![term.clone()];
        if phrases < MAX_PHRASES {
            let others = variants(conn, &mut vocabulary, term, MAX_PHRASES - phrases)?;
            phrases += others.len();
            group.extend(others);
        }
        out.push(group);
    }
    Ok(out)
}

/// The other spellings of one term that the index holds, at most
/// `room` (and [`MAX_VARIANTS`] − 1).
fn variants(
    conn: &Connection,
    vocabulary: &mut Vocabulary,
    term: &str,
    room: usize,
) -> StoreResult<Vec<String>> {
    let (inner, prefix) = match term.strip_suffix('*') {
        Some(stem) => (stem, true),
        None => (term, false),
    };
    let Some(inner) = inner.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
        return Ok(Vec::new());
    };
    let text = inner.replace("\"\"", "\"");
    let tokens = super::pairs::tokenize(conn, &[&text], ffi::FTS5_TOKENIZE_QUERY)?
        .pop()
        .unwrap_or_default();
    if tokens.is_empty() {
        return Ok(Vec::new());
    }
    // Per token: as typed, then the spellings the index holds.
    let last = tokens.len() - 1;
    let mut choices: Vec<Vec<String>> = Vec::with_capacity(tokens.len());
    for (i, token) in tokens.iter().enumerate() {
        let as_prefix = prefix && i == last;
        if i >= MAX_WORDS || token.len() > MAX_WORD_BYTES || vocabulary.spent() {
            choices.push(vec![token.clone()]);
            continue;
        }
        let mut kept = Vec::new();
        let mut spellings = spellings(token, as_prefix).into_iter();
        if let Some(typed) = spellings.next() {
            kept.push(typed);
        }
        for spelling in spellings {
            if kept.len() == MAX_VARIANTS {
                break;
            }
            // A prefix another one covers adds nothing ("kue" beside "ku").
            if as_prefix && kept.iter().any(|k| spelling.starts_with(k.as_str())) {
                continue;
            }
            match vocabulary.holds(&spelling, as_prefix)? {
                Some(true) => kept.push(spelling),
                Some(false) => {}
                None => break,
            }
        }
        choices.push(kept);
    }
    // The product of the tokens' spellings, as typed first (skipped: the
    // term itself), at most MAX_VARIANTS in all.
    let limit = MAX_VARIANTS.min(room + 1);
    let mut out = Vec::new();
    let mut at = vec![0usize; choices.len()];
    'product: loop {
        // The next combination (odometer, the last token fastest).
        let mut j = choices.len();
        loop {
            if j == 0 {
                break 'product;
            }
            j -= 1;
            at[j] += 1;
            if at[j] < choices[j].len() {
                break;
            }
            at[j] = 0;
        }
        if out.len() + 1 == limit {
            break;
        }
        let words: Vec<&str> = at
            .iter()
            .zip(&choices)
            .map(|(&k, c)| c[k].as_str())
            .collect();
        out.push(format!(
            "\"{}\"{}",
            words.join(" "),
            if prefix { "*" } else { "" }
        ));
    }
    Ok(out)
}

/// The FTS5 expression of expanded terms: their AND, a term of several
/// spellings as `(a OR b)` (FTS5 has no implicit AND after a group).
pub fn fts(groups: &[Vec<String>]) -> String {
    let grouped = groups.iter().any(|g| g.len() > 1);
    groups
        .iter()
        .map(|g| match g.as_slice() {
            [one] => one.clone(),
            many => format!("({})", many.join(" OR ")),
        })
        .collect::<Vec<_>>()
        .join(if grouped { " AND " } else { " " })
}

/// The phrases of expanded terms in the expression's order (one count
/// each for `zezaro_rank`).
pub fn phrases(groups: &[Vec<String>]) -> Vec<String> {
    groups.iter().flatten().cloned().collect()
}

/// [`expand`] and [`fts`] in one: the folded FTS5 expression of `terms`
/// and its phrases, `None` without terms.
pub fn expression(
    conn: &Connection,
    table: &'static str,
    terms: &[String],
) -> StoreResult<Option<(String, Vec<String>)>> {
    if terms.is_empty() {
        return Ok(None);
    }
    let groups = expand(conn, table, terms)?;
    Ok(Some((fts(&groups), phrases(&groups))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_as_lucene() {
        for (token, normal) in [
            ("muller", "muller"),
            ("mueller", "muller"),
            ("müller", "muller"),
            ("goethe", "gothe"),
            ("gothe", "gothe"),
            ("strasse", "strasse"),
            ("straße", "strasse"),
            ("maerchen", "marchen"),
            // Not an umlaut: "ue" after q or after a vowel, "eu".
            ("quelle", "quelle"),
            ("bauer", "bauer"),
            ("neue", "neue"),
            ("feuer", "feuer"),
            ("steuer", "steuer"),
            ("2024", "2024"),
        ] {
            assert_eq!(normalize(token), normal, "{token}");
        }
    }

    #[test]
    fn spellings_of_the_normal_form() {
        let of = |t: &str| spellings(t, false);
        assert_eq!(of("muller"), vec!["muller", "mueller"]);
        assert_eq!(of("mueller"), vec!["mueller", "muller"]);
        assert_eq!(of("gothe"), vec!["gothe", "goethe"]);
        assert_eq!(of("goethe"), vec!["goethe", "gothe"]);
        assert!(of("strasse").contains(&"straße".to_string()));
        assert!(of("straße").contains(&"strasse".to_string()));
        assert_eq!(of("straße")[0], "straße");
        // "Quelle" has no other spelling: its "ue" is no umlaut.
        assert_eq!(of("quelle"), vec!["quelle"]);
        assert!(!of("bauer").contains(&"baur".to_string()));
        assert_eq!(of("xyz"), vec!["xyz"]);
        // Every spelling has the same normal form.
        for t in ["goethestrasse", "muellerstraße", "aeoeue", "grossstadt"] {
            let all = of(t);
            assert!(all.iter().all(|s| normalize(s) == normalize(t)), "{all:?}");
        }
        assert!(of("goethestrasse").contains(&"gothestraße".to_string()));
        // Bounded: a word of many sites.
        let long = "aouaouaouaouaouaouaouaouaouss".repeat(4);
        let all = of(&long);
        assert!(all.len() <= MAX_CANDIDATES, "{}", all.len());
        assert_eq!(all[0], long);
        // A prefix: "mue" may start "muesli"; "mul" stands for "muel" too.
        assert_eq!(spellings("mue", true)[0], "mue");
        assert!(spellings("mue", true).iter().all(|s| s.starts_with("mue")));
        assert!(spellings("zwoelfmue", true).contains(&"zwolfmue".to_string()));
        assert_eq!(spellings("mul", true), vec!["mul", "muel"]);
        assert_eq!(spellings("muel", true), vec!["muel", "mul"]);
    }

    fn table(rows: &[&str]) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');",
        )
        .unwrap();
        for row in rows {
            conn.execute("INSERT INTO t (body) VALUES (?1)", [row])
                .unwrap();
        }
        conn
    }

    fn found(conn: &Connection, input: &str) -> Vec<i64> {
        let query = crate::search::query::parse(input);
        let (fts, _) = expression(conn, "t", &query.terms).unwrap().unwrap();
        conn.prepare("SELECT rowid FROM t WHERE t MATCH ?1 ORDER BY rowid")
            .unwrap()
            .query_map([fts], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn expands_to_what_the_index_holds() {
        let conn = table(&[
            "Frau Müller ruft an",   // 1
            "Herr Mueller schreibt", // 2
            "Hauptstraße 5",         // 3
            "Hauptstrasse 7",        // 4
            "Göthe und Goethe",      // 5
            "Quelle der Daten",      // 6
            "Qulle ist kein Wort",   // 7
            "Hans Müller kündigt",   // 8
            "Hans Mueller kuendigt", // 9
            "Muller ohne Punkte",    // 10
            "Der Bauer",             // 11
        ]);
        for input in ["Müller", "Mueller", "Muller", "MÜLLER", "mueller"] {
            assert_eq!(found(&conn, input), vec![1, 2, 8, 9, 10], "{input}");
        }
        for input in ["Hauptstraße", "Hauptstrasse", "HAUPTSTRASSE"] {
            assert_eq!(found(&conn, input), vec![3, 4], "{input}");
        }
        assert_eq!(found(&conn, "Goethe"), vec![5]);
        assert_eq!(found(&conn, "Quelle"), vec![6]);
        assert_eq!(found(&conn, "Bauer"), vec![11]);
        // Phrases: each spelling of each word.
        assert_eq!(found(&conn, "\"Hans Mueller\""), vec![8, 9]);
        assert_eq!(found(&conn, "\"hans müller kündigt\""), vec![8, 9]);
        assert_eq!(found(&conn, "\"Müller ruft\""), vec![1]);
        // Prefixes.
        assert_eq!(found(&conn, "kün*"), vec![8, 9]);
        assert_eq!(found(&conn, "Muel*"), vec![1, 2, 8, 9, 10]);
        assert_eq!(found(&conn, "Haupt* Straß*"), Vec::<i64>::new());
        assert_eq!(found(&conn, "Hauptstraß*"), vec![3, 4]);
        // With other words: AND of the groups.
        assert_eq!(found(&conn, "Mueller Hans kuendigt"), vec![8, 9]);
        assert_eq!(found(&conn, "Mueller Frau"), vec![1]);
    }

    #[test]
    fn terms_without_other_spellings_stay_as_typed() {
        let conn = table(&["Rechnung Vertrag kündigen", "Müller Mueller"]);
        let query = crate::search::query::parse("Rechnung \"Vertrag kündigen\" Zähl*");
        let groups = expand(&conn, "t", &query.terms).unwrap();
        assert!(groups.iter().all(|g| g.len() == 1), "{groups:?}");
        assert_eq!(fts(&groups), query.text.unwrap());
        let groups = expand(&conn, "t", &["\"Müller\"".to_string()]).unwrap();
        assert_eq!(groups, vec![vec!["\"Müller\"", "\"mueller\""]]);
        assert_eq!(fts(&groups), "(\"Müller\" OR \"mueller\")");
    }

    /// A hostile query cannot make many look-ups or a huge expression.
    #[test]
    fn expansion_is_bounded() {
        // Every spelling of "aouaouao…" is in the index.
        let word = "aoua";
        let mut rows = Vec::new();
        for s in spellings(word, false) {
            rows.push(s);
        }
        let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
        let conn = table(&refs);
        let one = expand(&conn, "t", &[format!("\"{word}\"")]).unwrap();
        assert_eq!(one[0].len(), MAX_VARIANTS, "{one:?}");
        // A phrase of such words: the product is bounded too.
        let phrase = format!("\"{word} {word} {word}\"");
        let groups = expand(&conn, "t", &[phrase]).unwrap();
        assert_eq!(groups[0].len(), MAX_VARIANTS);
        // Many terms: the phrases and look-ups per query are bounded.
        let terms: Vec<String> = (0..40).map(|_| format!("\"{word}\"")).collect();
        let groups = expand(&conn, "t", &terms).unwrap();
        assert!(phrases(&groups).len() <= MAX_PHRASES + terms.len());
        assert!(phrases(&groups).len() <= 40 + MAX_PHRASES);
        let mut vocabulary = Vocabulary {
            conn: &conn,
            table: "t",
            lookups: 0,
            ready: false,
        };
        for _ in 0..MAX_LOOKUPS {
            assert!(vocabulary.holds("aoua", false).unwrap().is_some());
        }
        assert_eq!(vocabulary.holds("aoua", false).unwrap(), None);
        // A phrase of thousands of long words: only its first words are
        // varied, and it takes no time.
        let long = format!("\"{}\"", "aouaouaouaouaouaouaouss ".repeat(5_000));
        let started = std::time::Instant::now();
        let groups = expand(&conn, "t", &[long]).unwrap();
        assert!(groups[0].len() <= MAX_VARIANTS);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}
