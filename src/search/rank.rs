//! `zezaro_rank(table [, weight per column [, rows matching each phrase]])`: the
//! ranking of FTS5's built-in `bm25()` (k1 = 1.2, b = 0.75, column weights
//! as `bm25()` takes them, default 1), without its whole-store count where
//! it can do without one.
//!
//! `bm25()` counts, before it scores the first row, the rows of the whole
//! table that match each phrase of the query (its IDF). For a word that is a
//! walk over the word's document list; for a phrase of several words it is
//! the phrase check (both words' positions) in every document that holds
//! them all — at 1,000,000 cases more than the rest of the search. So:
//!
//! - With one phrase the IDF is a positive constant factor of every row's
//!   score, so it cannot change their order: it is left out.
//! - A caller that knows how many rows match each phrase (statistics it
//!   keeps, see [`super::stats`]) passes the counts after the column
//!   weights, one per phrase in the order of the query: nothing is counted
//!   here, and the IDF is `bm25()`'s formula over them.
//! - Otherwise each phrase's IDF is computed as `bm25()` does, so the order
//!   is `bm25()`'s in every case.
//!
//! FTS5 ranking functions are registered through its C API; rusqlite has no
//! safe wrapper for them. The function is registered once per connection
//! ([`ensure`]), remembered in the connection's client data.

#![allow(unsafe_code)]

use std::ffi::{CStr, c_int, c_void};
use std::ptr;

use rusqlite::{Connection, ffi};

/// The name of the function in SQL.
pub const FUNCTION: &str = "zezaro_rank";
const NAME: &CStr = c"zezaro_rank";
/// The client-data key that marks a connection as having the function.
const REGISTERED: &CStr = c"zezaro.search.rank";

const K1: f64 = 1.2;
const B: f64 = 0.75;

/// Per-query data, kept by FTS5 for the query's lifetime (its auxdata).
struct QueryData {
    /// One weight per phrase (the IDF; 1 for a lone phrase).
    idf: Vec<f64>,
    /// One weight per column (an instance in column c counts `weights[c]`).
    weights: Vec<f64>,
    avgdl: f64,
    /// Scratch space for the current row's phrase frequencies.
    freq: Vec<f64>,
}

/// Registers `zezaro_rank` on `conn` unless it has it already.
pub fn ensure(conn: &Connection) -> rusqlite::Result<()> {
    // SAFETY: the handle stays valid while `conn` is borrowed; client data
    // is read and set on the connection's own thread (connections are not
    // shared between threads while in use).
    unsafe {
        let db = conn.handle();
        if !ffi::sqlite3_get_clientdata(db, REGISTERED.as_ptr()).is_null() {
            return Ok(());
        }
        let api = fts5_api(db)?;
        let create = (*api)
            .xCreateFunction
            .ok_or_else(|| failed(ffi::SQLITE_MISUSE))?;
        let rc = create(api, NAME.as_ptr(), ptr::null_mut(), Some(rank), None);
        if rc != ffi::SQLITE_OK {
            return Err(failed(rc));
        }
        // Any non-null pointer marks it; nothing to free.
        let rc = ffi::sqlite3_set_clientdata(
            db,
            REGISTERED.as_ptr(),
            ptr::NonNull::<c_void>::dangling().as_ptr(),
            None,
        );
        if rc != ffi::SQLITE_OK {
            return Err(failed(rc));
        }
    }
    Ok(())
}

/// The connection's FTS5 API (`SELECT fts5(?1)` with a pointer binding, as
/// the FTS5 documentation describes).
pub(crate) unsafe fn fts5_api(db: *mut ffi::sqlite3) -> rusqlite::Result<*mut ffi::fts5_api> {
    let mut api: *mut ffi::fts5_api = ptr::null_mut();
    let mut stmt: *mut ffi::sqlite3_stmt = ptr::null_mut();
    // SAFETY: `db` is a valid handle; `stmt` is finalized on every path and
    // `api` outlives the statement's step.
    unsafe {
        let rc = ffi::sqlite3_prepare_v2(
            db,
            c"SELECT fts5(?1)".as_ptr(),
            -1,
            &mut stmt,
            ptr::null_mut(),
        );
        if rc != ffi::SQLITE_OK {
            return Err(failed(rc));
        }
        ffi::sqlite3_bind_pointer(
            stmt,
            1,
            (&mut api as *mut *mut ffi::fts5_api).cast::<c_void>(),
            c"fts5_api_ptr".as_ptr(),
            None,
        );
        ffi::sqlite3_step(stmt);
        let rc = ffi::sqlite3_finalize(stmt);
        if rc != ffi::SQLITE_OK {
            return Err(failed(rc));
        }
    }
    if api.is_null() {
        return Err(failed(ffi::SQLITE_ERROR));
    }
    Ok(api)
}

unsafe extern "C" fn count_row(
    _api: *const ffi::Fts5ExtensionApi,
    _fts: *mut ffi::Fts5Context,
    user: *mut c_void,
) -> c_int {
    // SAFETY: `user` is the `i64` handed to xQueryPhrase below.
    unsafe { *user.cast::<i64>() += 1 };
    ffi::SQLITE_OK
}

unsafe extern "C" fn drop_data(data: *mut c_void) {
    // SAFETY: set by `rank` from `Box::into_raw` and freed once, by FTS5.
    drop(unsafe { Box::from_raw(data.cast::<QueryData>()) });
}

/// The same formula as FTS5's `fts5Bm25Function`.
unsafe extern "C" fn rank(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    ctx: *mut ffi::sqlite3_context,
    n: c_int,
    values: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: FTS5 calls this with a valid API and context for the row, and
    // `n` arguments (after the table) in `values`.
    unsafe {
        match score(&*api, fts, n, values) {
            Ok(score) => ffi::sqlite3_result_double(ctx, -score),
            Err(rc) => ffi::sqlite3_result_error_code(ctx, rc),
        }
    }
}

unsafe fn score(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    n: c_int,
    values: *mut *mut ffi::sqlite3_value,
) -> Result<f64, c_int> {
    let missing = ffi::SQLITE_MISUSE;
    // SAFETY: the API's functions are called with the context FTS5 gave us;
    // the auxdata pointer is ours (set below) and lives until FTS5 frees it
    // at the query's end.
    unsafe {
        let get_aux = api.xGetAuxdata.ok_or(missing)?;
        let mut data = get_aux(fts, 0).cast::<QueryData>();
        if data.is_null() {
            // The arguments are the same for every row: read once per query.
            let args: Vec<f64> = (0..usize::try_from(n).unwrap_or(0))
                .map(|i| ffi::sqlite3_value_double(*values.add(i)))
                .collect();
            let new = Box::into_raw(Box::new(query_data(api, fts, &args)?));
            let set_aux = api.xSetAuxdata.ok_or(missing)?;
            // On failure FTS5 has already called `drop_data` on it.
            check(set_aux(fts, new.cast(), Some(drop_data)))?;
            data = new;
        }
        let data = &mut *data;
        data.freq.fill(0.0);
        let mut n: c_int = 0;
        check(api.xInstCount.ok_or(missing)?(fts, &mut n))?;
        let inst = api.xInst.ok_or(missing)?;
        for i in 0..n {
            let (mut phrase, mut column, mut offset) = (0, 0, 0);
            check(inst(fts, i, &mut phrase, &mut column, &mut offset))?;
            let weight = usize::try_from(column)
                .ok()
                .and_then(|c| data.weights.get(c))
                .copied()
                .unwrap_or(1.0);
            if let Some(f) = usize::try_from(phrase)
                .ok()
                .and_then(|p| data.freq.get_mut(p))
            {
                *f += weight;
            }
        }
        let mut tokens: c_int = 0;
        check(api.xColumnSize.ok_or(missing)?(fts, -1, &mut tokens))?;
        let d = f64::from(tokens);
        Ok(data
            .idf
            .iter()
            .zip(&data.freq)
            .map(|(idf, f)| idf * ((f * (K1 + 1.0)) / (f + K1 * (1.0 - B + B * d / data.avgdl))))
            .sum())
    }
}

/// The table's average row length, the column weights and each phrase's
/// weight, from the function's arguments where given.
unsafe fn query_data(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    args: &[f64],
) -> Result<QueryData, c_int> {
    let missing = ffi::SQLITE_MISUSE;
    // SAFETY: as in `score`; `hits` outlives the xQueryPhrase call.
    unsafe {
        let phrases = usize::try_from(api.xPhraseCount.ok_or(missing)?(fts)).unwrap_or(0);
        let columns = usize::try_from(api.xColumnCount.ok_or(missing)?(fts)).unwrap_or(0);
        let (mut rows, mut tokens) = (0i64, 0i64);
        check(api.xRowCount.ok_or(missing)?(fts, &mut rows))?;
        check(api.xColumnTotalSize.ok_or(missing)?(fts, -1, &mut tokens))?;
        let avgdl = tokens as f64 / rows.max(1) as f64;
        let mut weights = vec![1.0; columns];
        for (weight, arg) in weights.iter_mut().zip(args) {
            *weight = *arg;
        }
        let given = args.get(columns..).unwrap_or_default();
        let mut idf = Vec::with_capacity(phrases);
        if given.len() == phrases {
            idf.extend(given.iter().map(|hits| idf_of(rows, *hits as i64)));
        } else if phrases == 1 {
            idf.push(1.0);
        } else {
            let query = api.xQueryPhrase.ok_or(missing)?;
            for i in 0..phrases as c_int {
                let mut hits: i64 = 0;
                check(query(
                    fts,
                    i,
                    (&mut hits as *mut i64).cast(),
                    Some(count_row),
                ))?;
                idf.push(idf_of(rows, hits));
            }
        }
        Ok(QueryData {
            freq: vec![0.0; idf.len()],
            idf,
            weights,
            avgdl,
        })
    }
}

/// bm25's inverse document frequency of a phrase in `hits` of `rows` rows
/// (a phrase in more than half of them weighs almost nothing).
fn idf_of(rows: i64, hits: i64) -> f64 {
    // A count kept from before articles were withdrawn may exceed the rows.
    let hits = hits.clamp(0, rows.max(0));
    let value = (((rows - hits) as f64 + 0.5) / (hits as f64 + 0.5)).ln();
    if value <= 0.0 { 1e-6 } else { value }
}

/// A registration failure as the SQLite error it is.
fn failed(rc: c_int) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        ffi::Error::new(rc),
        Some(format!("cannot register {FUNCTION}")),
    )
}

fn check(rc: c_int) -> Result<(), c_int> {
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(rc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let options = crate::demo::generate::Options {
            cases: 1_500,
            messages: 2,
            seed: 5,
        };
        crate::demo::generate::generate(dir.path(), &options, &mut |_| {}).unwrap();
        let conn = Connection::open(dir.path().join(crate::db::STORE_FILE)).unwrap();
        ensure(&conn).unwrap();
        ensure(&conn).unwrap(); // once per connection; a second call is a no-op
        (dir, conn)
    }

    fn ranked(conn: &Connection, function: &str, fts: &str) -> Vec<(i64, f64)> {
        called(conn, &format!("{function}(case_search)"), fts)
    }

    /// Rows and scores of `call` (e.g. `bm25(case_search, 2.0)`), best first.
    fn called(conn: &Connection, call: &str, fts: &str) -> Vec<(i64, f64)> {
        conn.prepare(&format!(
            "SELECT rowid, {call} AS score FROM case_search
             WHERE case_search MATCH ?1 ORDER BY score, rowid DESC"
        ))
        .unwrap()
        .query_map([fts], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    #[test]
    fn ranks_as_bm25_does() {
        let (_dir, conn) = generated();
        // Several phrases: bm25's scores exactly.
        for fts in [
            r#""Router" "Neustart""#,
            r#""Vertrag kündigen" "Zählerstand""#,
            r#""Abschlag" "erhöht" "bitte""#,
        ] {
            let ours = ranked(&conn, FUNCTION, fts);
            assert!(ours.len() > 1, "{fts} matches: {}", ours.len());
            assert_eq!(ours, ranked(&conn, "bm25", fts), "{fts}");
        }
        // Column weights as bm25 takes them.
        for fts in [r#""Router" "Neustart""#, r#""Zählerstand""#] {
            let ours = called(
                &conn,
                &format!("{FUNCTION}(case_search, 5.0, 1.0, 2.0)"),
                fts,
            );
            let bm25 = called(&conn, "bm25(case_search, 5.0, 1.0, 2.0)", fts);
            let ids = |rows: &[(i64, f64)]| rows.iter().map(|r| r.0).collect::<Vec<_>>();
            assert_eq!(ids(&ours), ids(&bm25), "{fts}");
            assert_ne!(
                ids(&ours),
                ids(&ranked(&conn, "bm25", fts)),
                "{fts}: the weights change the order"
            );
        }
        // Counts given by the caller are used as they are: the true ones
        // give bm25's scores; a changed one changes them.
        let fts = r#""Router" "Neustart""#;
        let count = |word: &str| -> i64 {
            conn.query_row(
                "SELECT count(*) FROM case_search WHERE case_search MATCH ?1",
                [word],
                |r| r.get(0),
            )
            .unwrap()
        };
        let (router, neustart) = (count("Router"), count("Neustart"));
        assert!(router > 0 && neustart > 0);
        let given = called(
            &conn,
            &format!("{FUNCTION}(case_search, 1.0, 1.0, 1.0, {router}, {neustart})"),
            fts,
        );
        let bm25 = ranked(&conn, "bm25", fts);
        assert_eq!(given.len(), bm25.len());
        for (a, b) in given.iter().zip(&bm25) {
            assert_eq!(a.0, b.0);
            assert!((a.1 - b.1).abs() < 1e-9, "{a:?} {b:?}");
        }
        let other = called(
            &conn,
            &format!(
                "{FUNCTION}(case_search, 1.0, 1.0, 1.0, {router}, {})",
                neustart * 50
            ),
            fts,
        );
        assert_ne!(other, given);
        // One phrase (or word): bm25's order, the scores without the IDF.
        for fts in [r#""Vertrag kündigen""#, r#""Zählerstand""#, r#""Rechnung""#] {
            let ours = ranked(&conn, FUNCTION, fts);
            let bm25 = ranked(&conn, "bm25", fts);
            assert!(ours.len() > 10, "{fts} matches: {}", ours.len());
            let ids = |rows: &[(i64, f64)]| rows.iter().map(|r| r.0).collect::<Vec<_>>();
            assert_eq!(ids(&ours), ids(&bm25), "{fts}");
        }
    }
}
