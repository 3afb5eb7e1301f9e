//! The index of adjacent word pairs (`case_pairs`, migration 0038): why a
//! phrase with no match answers as fast as a word with no match.
//!
//! FTS5 answers a phrase by walking the cases that hold all its words and
//! checking their positions: for common words that never stand together,
//! every case holding them all (docs/perf16.md). `case_pairs` holds, per
//! case (rowid = case id), each pair of adjacent tokens of the indexed text
//! (`case_search`'s subject, people and body, each column on its own) as
//! one token `erste_zweite`, without positions (`detail=none`). A case
//! matching the phrase `"a b c"` holds the pairs `a_b` and `b_c`; so the
//! cases holding them all are a superset of the phrase's matches, found
//! from the pairs' own (short, or empty) lists.
//!
//! The tokens are FTS5's own: made by the `unicode61 remove_diacritics 2`
//! tokenizer that `case_search` uses, through FTS5's C API, so they fold
//! exactly as the index does. The pair table's tokenizer is `ascii` with `_`
//! as a token character: every pair is one token there, unchanged (a
//! unicode61 token is letters and digits only, already lower case).
//!
//! The table is contentless with FTS5 `secure-delete` (as `case_search`):
//! a case's pairs are removed with the `delete` command and the text they
//! were made from, which `case_search` still holds at that moment, so
//! removed text leaves no tokens behind ([`replace`] before `case_search`
//! is written).
//!
//! Existing stores are filled in the background ([`backfill_batch`], the
//! service `search.pairs`), newest cases first; `case_pairs_state.below`
//! says from which case id on every case has its pairs (0: all). Below it
//! the search takes the old path ([`Bound`]).

#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_void};
use std::ptr;

use rusqlite::{Connection, OptionalExtension, ffi, params};

use crate::db::StoreResult;

/// The pair table (rowid = case id).
pub const TABLE: &str = "case_pairs";

/// Between the two tokens of a pair: a token character of `case_pairs`
/// (`tokenchars '_'`), never part of a unicode61 token.
const JOIN: char = '_';

/// A token longer than this (bytes) is cut (document) or makes its phrase
/// go without pairs (query): FTS5 itself cuts tokens at 32 KiB, and a
/// query token at most this long equals any document token it matches.
const MAX_TOKEN: usize = 256;

/// How `case_search` tokenizes (migration 0002): the pairs must fold as
/// the index does.
const TOKENIZER: &std::ffi::CStr = c"unicode61";
const TOKENIZER_ARGS: [&std::ffi::CStr; 2] = [c"remove_diacritics", c"2"];

/// The tokens of each text, as `case_search`'s tokenizer makes them.
pub(crate) fn tokenize(
    conn: &Connection,
    texts: &[&str],
    flags: c_int,
) -> rusqlite::Result<Vec<Vec<String>>> {
    unsafe extern "C" fn push(
        ctx: *mut c_void,
        tflags: c_int,
        token: *const c_char,
        len: c_int,
        _start: c_int,
        _end: c_int,
    ) -> c_int {
        // unicode61 makes no colocated tokens; one would not move the
        // position, so it is no neighbour of its own.
        if tflags & ffi::FTS5_TOKEN_COLOCATED != 0 {
            return ffi::SQLITE_OK;
        }
        // SAFETY: `ctx` is the Vec handed to xTokenize below; `token` is
        // `len` bytes valid for this call.
        unsafe {
            let out = &mut *ctx.cast::<Vec<String>>();
            let bytes =
                std::slice::from_raw_parts(token.cast::<u8>(), usize::try_from(len).unwrap_or(0));
            out.push(String::from_utf8_lossy(bytes).into_owned());
        }
        ffi::SQLITE_OK
    }
    let mut all = Vec::with_capacity(texts.len());
    // SAFETY: the FTS5 API belongs to `conn`'s handle, valid while `conn`
    // is borrowed; the tokenizer instance is deleted on every path.
    unsafe {
        let api = cached_api(conn)?;
        let find = (*api)
            .xFindTokenizer
            .ok_or_else(|| failed(ffi::SQLITE_MISUSE))?;
        let mut user: *mut c_void = ptr::null_mut();
        let mut module = ffi::fts5_tokenizer {
            xCreate: None,
            xDelete: None,
            xTokenize: None,
        };
        check(find(api, TOKENIZER.as_ptr(), &mut user, &mut module))?;
        let (Some(create), Some(delete), Some(run)) =
            (module.xCreate, module.xDelete, module.xTokenize)
        else {
            return Err(failed(ffi::SQLITE_MISUSE));
        };
        let mut args: Vec<*const c_char> = TOKENIZER_ARGS.iter().map(|a| a.as_ptr()).collect();
        let mut tokenizer: *mut ffi::Fts5Tokenizer = ptr::null_mut();
        check(create(
            user,
            args.as_mut_ptr(),
            args.len() as c_int,
            &mut tokenizer,
        ))?;
        let mut rc = ffi::SQLITE_OK;
        for text in texts {
            let mut tokens: Vec<String> = Vec::new();
            let Ok(len) = c_int::try_from(text.len()) else {
                rc = ffi::SQLITE_TOOBIG;
                break;
            };
            rc = run(
                tokenizer,
                (&mut tokens as *mut Vec<String>).cast(),
                flags,
                text.as_ptr().cast(),
                len,
                Some(push),
            );
            if rc != ffi::SQLITE_OK {
                break;
            }
            all.push(tokens);
        }
        delete(tokenizer);
        check(rc)?;
    }
    Ok(all)
}

/// The client-data key under which a connection keeps its FTS5 API.
const API: &std::ffi::CStr = c"zezaro.search.pairs.fts5_api";

/// The connection's FTS5 API, looked up once per connection (a statement
/// prepared and run) and kept in its client data: the pointer is FTS5's
/// own, valid as long as the connection, and nothing to free.
fn cached_api(conn: &Connection) -> rusqlite::Result<*mut ffi::fts5_api> {
    // SAFETY: the handle is valid while `conn` is borrowed; client data is
    // read and set on the connection's own thread.
    unsafe {
        let db = conn.handle();
        let kept = ffi::sqlite3_get_clientdata(db, API.as_ptr());
        if !kept.is_null() {
            return Ok(kept.cast());
        }
        let api = super::rank::fts5_api(db)?;
        check(ffi::sqlite3_set_clientdata(
            db,
            API.as_ptr(),
            api.cast(),
            None,
        ))?;
        Ok(api)
    }
}

/// `token` cut to at most [`MAX_TOKEN`] bytes, at a character boundary.
fn cut(token: &str) -> &str {
    if token.len() <= MAX_TOKEN {
        return token;
    }
    let mut end = MAX_TOKEN;
    while !token.is_char_boundary(end) {
        end -= 1;
    }
    &token[..end]
}

/// The pair tokens of a case's indexed columns, each once (sorted), space
/// separated: the text `case_pairs` indexes for the case.
pub fn document(conn: &Connection, columns: &[&str]) -> rusqlite::Result<String> {
    let tokens = tokenize(conn, columns, ffi::FTS5_TOKENIZE_DOCUMENT)?;
    let mut pairs: Vec<(&str, &str)> = tokens
        .iter()
        .flat_map(|column| column.windows(2).map(|p| (cut(&p[0]), cut(&p[1]))))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut out = String::with_capacity(pairs.iter().map(|(a, b)| a.len() + b.len() + 2).sum());
    for (a, b) in pairs {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(a);
        out.push(JOIN);
        out.push_str(b);
    }
    Ok(out)
}

/// The pairs every match of the query's terms must hold, as FTS5 phrases
/// of `case_pairs` (each once): from each phrase term of two tokens or
/// more. Prefix terms and phrases with a token longer than [`MAX_TOKEN`]
/// give none.
pub fn of_terms(conn: &Connection, terms: &[String]) -> rusqlite::Result<Vec<String>> {
    let mut texts: Vec<String> = Vec::new();
    for term in terms {
        if term.ends_with('*') {
            continue;
        }
        let Some(inner) = term.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
            continue;
        };
        texts.push(inner.replace("\"\"", "\""));
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut out: Vec<String> = Vec::new();
    for tokens in tokenize(conn, &refs, ffi::FTS5_TOKENIZE_QUERY)? {
        if tokens.iter().any(|t| t.len() > MAX_TOKEN) {
            continue;
        }
        for pair in tokens.windows(2) {
            let phrase = format!("\"{}{JOIN}{}\"", pair[0], pair[1]);
            if !out.contains(&phrase) {
                out.push(phrase);
            }
        }
    }
    Ok(out)
}

/// Whether case `case_id` has a row of pairs.
fn has_pairs(conn: &Connection, case_id: i64) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM case_pairs_docsize WHERE id = ?1")?
        .query_row([case_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Replaces case `case_id`'s pairs by those of `columns` (subject, people,
/// body as `case_search` gets them; `None`: the case leaves the index).
/// Call it before `case_search`'s row changes: the pairs held are removed
/// with the text they were made from, `case_search`'s current row.
pub fn replace(conn: &Connection, case_id: i64, columns: Option<[&str; 3]>) -> StoreResult<()> {
    if has_pairs(conn, case_id)? {
        let old: Option<(String, String, String)> = conn
            .prepare_cached("SELECT subject, people, body FROM case_search WHERE rowid = ?1")?
            .query_row([case_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        if let Some((subject, people, body)) = old {
            let text = document(conn, &[&subject, &people, &body])?;
            conn.prepare_cached(
                "INSERT INTO case_pairs (case_pairs, rowid, pairs) VALUES ('delete', ?1, ?2)",
            )?
            .execute(params![case_id, text])?;
        }
    }
    if let Some(columns) = columns {
        let text = document(conn, &columns)?;
        conn.prepare_cached("INSERT INTO case_pairs (rowid, pairs) VALUES (?1, ?2)")?
            .execute(params![case_id, text])?;
    }
    Ok(())
}

/// From which case id on every case has its pairs (0: every case).
pub fn below(conn: &Connection) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached("SELECT below FROM case_pairs_state WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// Cases given their pairs per batch of the background fill.
pub const BATCH: i64 = 200;

/// One batch of the background fill, in the caller's write transaction:
/// the newest [`BATCH`] cases below the mark get their pairs, read from
/// `case_search` itself, and the mark moves down past them. Returns how
/// many cases were looked at, `None` when the fill is complete.
pub fn backfill_batch(conn: &Connection) -> StoreResult<Option<i64>> {
    let mark = below(conn)?;
    if mark <= 0 {
        return Ok(None);
    }
    let rows: Vec<(i64, String, String, String)> = conn
        .prepare_cached(
            "SELECT rowid, subject, people, body FROM case_search
             WHERE rowid < ?1 ORDER BY rowid DESC LIMIT ?2",
        )?
        .query_map(params![mark, BATCH], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    for (id, subject, people, body) in &rows {
        // Indexed again since the fill began (a message, an edit): it has
        // its pairs already.
        if !has_pairs(conn, *id)? {
            let text = document(conn, &[subject, people, body])?;
            conn.prepare_cached("INSERT INTO case_pairs (rowid, pairs) VALUES (?1, ?2)")?
                .execute(params![id, text])?;
        }
    }
    let next = match rows.last() {
        Some((id, ..)) if rows.len() as i64 == BATCH => *id,
        _ => 0,
    };
    conn.prepare_cached("UPDATE case_pairs_state SET below = ?1 WHERE id = 1")?
        .execute([next])?;
    Ok(Some(rows.len() as i64))
}

/// Registry key of the background fill.
pub const SERVICE: &str = "search.pairs";

/// The pause between two batches, in which waiting writers get the lock.
const BATCH_PAUSE: std::time::Duration = std::time::Duration::from_millis(2);

/// The fill, batch by batch, to the end; returns how many cases were done.
/// Each batch is its own short write transaction (not synced at commit:
/// the mark is written with the batch, so a batch lost in a crash is done
/// again at the next start).
pub async fn backfill(db: &crate::db::Db) -> StoreResult<i64> {
    let started = std::time::Instant::now();
    let mut total = 0;
    while let Some(done) = db.write_unsynced(|tx| backfill_batch(tx)).await? {
        total += done;
        tokio::time::sleep(BATCH_PAUSE).await;
    }
    if total > 0 {
        tracing::info!(
            cases = total,
            seconds = started.elapsed().as_secs_f64(),
            "word pairs of the cases filled in"
        );
    }
    Ok(total)
}

/// How the case search uses the pairs for one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    /// The pairs as one `case_pairs` query (their AND, rarest first).
    pub fts: String,
    /// Cases below this id may lack pairs: the old path for them.
    pub below: i64,
}

fn failed(rc: c_int) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        ffi::Error::new(rc),
        Some("cannot tokenize for the word pairs".to_string()),
    )
}

fn check(rc: c_int) -> rusqlite::Result<()> {
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(failed(rc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = crate::db::Db::open(dir.path()).unwrap();
        drop(db);
        let conn = Connection::open(dir.path().join(crate::db::STORE_FILE)).unwrap();
        (dir, conn)
    }

    /// The tokens are case_search's own: for texts with umlauts, accents,
    /// hyphens, digits, quotes and e-mail addresses, the pairs are those of
    /// the index's tokens (fts5vocab, in position order) in each column.
    #[test]
    fn pairs_are_made_of_the_index_tokens() {
        let (_dir, conn) = store();
        let columns = [
            "Zählerstand: Übergabe am 3.5. — „Vertrag“ KÜNDIGEN!",
            "Anna Müller-Lüdenscheidt anna.mueller@example.de",
            "Grüße aus Köln\nCafé crème, naïve Straße; e-mail \"bitte\" prüfen 12345\u{300}x",
        ];
        conn.execute(
            "INSERT INTO case_search (rowid, subject, people, body) VALUES (1, ?1, ?2, ?3)",
            params![columns[0], columns[1], columns[2]],
        )
        .unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE temp.words USING fts5vocab(main, case_search, 'instance')",
        )
        .unwrap();
        let mut expected: Vec<String> = Vec::new();
        for col in ["subject", "people", "body"] {
            let tokens: Vec<String> = conn
                .prepare("SELECT term FROM temp.words WHERE doc = 1 AND col = ?1 ORDER BY offset")
                .unwrap()
                .query_map([col], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            for pair in tokens.windows(2) {
                let token = format!("{}_{}", pair[0], pair[1]);
                if !expected.contains(&token) {
                    expected.push(token);
                }
            }
        }
        let made = document(&conn, &columns).unwrap();
        expected.sort();
        assert_eq!(made.split(' ').collect::<Vec<_>>(), expected);
        assert!(made.contains("vertrag_kundigen"), "{made}");
        // A phrase folds the same way: its pairs are among the document's.
        let query =
            crate::search::query::parse("\"VERTRAG kündigen\" \"grusse aus koln\" einzeln x*");
        assert_eq!(
            of_terms(&conn, &query.terms).unwrap(),
            vec!["\"vertrag_kundigen\"", "\"grusse_aus\"", "\"aus_koln\""]
        );
    }

    /// Re-indexing replaces a case's pairs (the old ones leave no match,
    /// the index stays consistent); leaving the index removes them.
    #[test]
    fn replace_removes_the_old_pairs() {
        let (_dir, conn) = store();
        let hits = |pair: &str| -> Vec<i64> {
            conn.prepare("SELECT rowid FROM case_pairs WHERE case_pairs MATCH ?1")
                .unwrap()
                .query_map([pair], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        let write = |id: i64, body: &str| {
            replace(&conn, id, Some(["Betreff", "", body])).unwrap();
            conn.execute("DELETE FROM case_search WHERE rowid = ?1", [id])
                .unwrap();
            conn.execute(
                "INSERT INTO case_search (rowid, subject, people, body) VALUES (?1, 'Betreff', '', ?2)",
                params![id, body],
            )
            .unwrap();
        };
        write(7, "Zähler defekt seit gestern");
        write(8, "Zähler defekt");
        assert_eq!(hits("\"zahler_defekt\""), vec![7, 8]);
        write(7, "neuer Text ohne das Paar");
        assert_eq!(hits("\"zahler_defekt\""), vec![8]);
        assert_eq!(hits("\"seit_gestern\""), Vec::<i64>::new());
        assert_eq!(hits("\"neuer_text\""), vec![7]);
        replace(&conn, 8, None).unwrap();
        conn.execute("DELETE FROM case_search WHERE rowid = 8", [])
            .unwrap();
        assert_eq!(hits("\"zahler_defekt\""), Vec::<i64>::new());
        conn.execute(
            "INSERT INTO case_pairs (case_pairs, rank) VALUES ('integrity-check', 0)",
            [],
        )
        .unwrap();
    }
}

/// The cost of the pairs per indexed case against case_search's own row
/// (docs/perf16.md): `cargo test --lib search::pairs::cost -- --ignored
/// --nocapture`.
#[cfg(test)]
mod cost {
    use super::*;
    use std::time::Instant;

    #[test]
    #[ignore = "a measurement, not a check"]
    fn cost_per_indexed_case() {
        let dir = tempfile::tempdir().unwrap();
        let options = crate::demo::generate::Options {
            cases: 2_000,
            messages: 2,
            seed: 2,
        };
        crate::demo::generate::generate(dir.path(), &options, &mut |_| {}).unwrap();
        let conn = Connection::open(dir.path().join(crate::db::STORE_FILE)).unwrap();
        let rows: Vec<(i64, String, String, String)> = conn
            .prepare("SELECT rowid, subject, people, body FROM case_search ORDER BY rowid")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let bytes: usize = rows.iter().map(|r| r.1.len() + r.2.len() + r.3.len()).sum();
        let n = rows.len() as f64;
        let tx = conn.unchecked_transaction().unwrap();
        let started = Instant::now();
        for (_, s, p, b) in &rows {
            std::hint::black_box(document(&tx, &[s, p, b]).unwrap());
        }
        let making = started.elapsed().as_secs_f64() * 1e3 / n;
        let started = Instant::now();
        for (id, s, p, b) in &rows {
            replace(&tx, *id, Some([s, p, b])).unwrap();
        }
        let replacing = started.elapsed().as_secs_f64() * 1e3 / n;
        let started = Instant::now();
        for (id, s, p, b) in &rows {
            tx.prepare_cached("DELETE FROM case_search WHERE rowid = ?1")
                .unwrap()
                .execute([id])
                .unwrap();
            tx.prepare_cached(
                "INSERT INTO case_search (rowid, subject, people, body) VALUES (?1, ?2, ?3, ?4)",
            )
            .unwrap()
            .execute(params![id, s, p, b])
            .unwrap();
        }
        let search_row = started.elapsed().as_secs_f64() * 1e3 / n;
        for (id, ..) in &rows {
            replace(&tx, *id, None).unwrap();
        }
        let started = Instant::now();
        for (id, s, p, b) in &rows {
            replace(&tx, *id, Some([s, p, b])).unwrap();
        }
        let inserting = started.elapsed().as_secs_f64() * 1e3 / n;
        tx.commit().unwrap();
        println!(
            "{} cases, {} bytes of text each: pairs made {making:.3} ms, new case's pairs written {inserting:.3} ms, \
             pairs replaced (re-index) {replacing:.3} ms, case_search row replaced {search_row:.3} ms per case",
            rows.len(),
            bytes / rows.len()
        );
    }
}
