//! Cases that belong together: merging a duplicate into another case of the
//! same customer, and links between related cases.

use crate::ids::CaseId;
use rusqlite::{Connection, params};

use super::error::CaseError;
use super::model::{Case, Status};
use super::service::{client_of, visible_case};
use super::store;
use crate::auth::Principal;
use crate::db::now;
use crate::validation::Invalid;

/// Moves the thread, attachments and time of `source` into `target` and
/// closes `source` as merged. Both must be of the same customer and client.
/// Returns (source, target) after the merge.
pub fn merge(
    conn: &Connection,
    who: &Principal,
    source_id: CaseId,
    target_id: CaseId,
) -> Result<(Case, Case), CaseError> {
    if source_id == target_id {
        return Err(Invalid::new("into_id", "a case cannot be merged into itself").into());
    }
    let source = visible_case(conn, who, source_id)?;
    let target =
        visible_case(conn, who, target_id).map_err(|_| Invalid::new("into_id", "no such case"))?;
    if source.merged_into_id.is_some() || target.merged_into_id.is_some() {
        return Err(Invalid::new("into_id", "a merged case cannot be merged again").into());
    }
    if client_of(conn, source.project_id)? != client_of(conn, target.project_id)? {
        return Err(Invalid::new("into_id", "cases of different clients cannot be merged").into());
    }
    if source.contact_id.is_none() || source.contact_id != target.contact_id {
        return Err(
            Invalid::new("into_id", "only cases of the same customer can be merged").into(),
        );
    }
    let moved: usize = conn
        .prepare_cached("UPDATE messages SET case_id = ?2 WHERE case_id = ?1")?
        .execute([source_id, target_id])?;
    conn.prepare_cached("UPDATE attachments SET case_id = ?2 WHERE case_id = ?1")?
        .execute([source_id, target_id])?;
    conn.prepare_cached(
        "UPDATE time_entries SET case_id = ?2, project_id = ?3 WHERE case_id = ?1",
    )?
    .execute(params![source_id, target_id, target.project_id])?;
    conn.prepare_cached(
        "UPDATE cases SET message_count = (SELECT COUNT(*) FROM messages WHERE case_id = cases.id),
             last_message_at = (SELECT MAX(created_at) FROM messages WHERE case_id = cases.id)
         WHERE id IN (?1, ?2)",
    )?
    .execute([source_id, target_id])?;
    let user = who.user_id;
    let mut closed = store::get(conn, source_id)?.ok_or(CaseError::NotFound)?;
    closed.merged_into_id = Some(target_id);
    if closed.status != Status::Closed {
        store::insert_history(
            conn,
            source_id,
            user,
            "status",
            Some(closed.status.as_str()),
            Some("closed"),
        )?;
        closed.status = Status::Closed;
        closed.closed_at = Some(now());
    }
    store::insert_history(
        conn,
        source_id,
        user,
        "merged_into",
        None,
        Some(&target.reference),
    )?;
    store::update(conn, &closed)?;
    // The merged case is done: its SLA clocks stop (achieved or cancelled).
    crate::sla::clock::after_case_write(
        conn,
        Some(&source),
        &closed,
        crate::sla::clock::Write::Changed,
        chrono::Utc::now(),
    )?;
    store::insert_history(
        conn,
        target_id,
        user,
        "merged_from",
        None,
        Some(&source.reference),
    )?;
    let mut target = store::get(conn, target_id)?.ok_or(CaseError::NotFound)?;
    // Reopen the target if the merged thread brought new work.
    if moved > 0 && !target.status.is_open() {
        store::insert_history(
            conn,
            target_id,
            user,
            "status",
            Some(target.status.as_str()),
            Some("open"),
        )?;
        target.status = Status::Open;
        target.solved_at = None;
        target.closed_at = None;
    }
    store::update(conn, &target)?;
    // The thread now lives in the target: one search row for it.
    crate::search::pairs::replace(conn, source_id.get(), None)?;
    conn.prepare_cached("DELETE FROM case_search WHERE rowid = ?1")?
        .execute([source_id])?;
    store::index_case(conn, target_id)?;
    Ok((
        store::get(conn, source_id)?.ok_or(CaseError::NotFound)?,
        store::get(conn, target_id)?.ok_or(CaseError::NotFound)?,
    ))
}

pub fn link(
    conn: &Connection,
    who: &Principal,
    case_id: CaseId,
    other_id: CaseId,
) -> Result<(), CaseError> {
    if case_id == other_id {
        return Err(Invalid::new("case_id", "a case cannot be linked to itself").into());
    }
    let case = visible_case(conn, who, case_id)?;
    let other =
        visible_case(conn, who, other_id).map_err(|_| Invalid::new("case_id", "no such case"))?;
    if client_of(conn, case.project_id)? != client_of(conn, other.project_id)? {
        return Err(Invalid::new("case_id", "cases of different clients cannot be linked").into());
    }
    let (a, b) = (case_id.min(other_id), case_id.max(other_id));
    let added = conn
        .prepare_cached("INSERT OR IGNORE INTO case_links (case_id, other_case_id, created_at) VALUES (?1, ?2, ?3)")?
        .execute(params![a, b, now()])?;
    if added > 0 {
        let user = who.user_id;
        store::insert_history(conn, case_id, user, "link", None, Some(&other.reference))?;
        store::insert_history(conn, other_id, user, "link", None, Some(&case.reference))?;
    }
    Ok(())
}

pub fn unlink(
    conn: &Connection,
    who: &Principal,
    case_id: CaseId,
    other_id: CaseId,
) -> Result<(), CaseError> {
    let case = visible_case(conn, who, case_id)?;
    let (a, b) = (case_id.min(other_id), case_id.max(other_id));
    let removed = conn
        .prepare_cached("DELETE FROM case_links WHERE case_id = ?1 AND other_case_id = ?2")?
        .execute([a, b])?;
    if removed == 0 {
        return Err(CaseError::NotFound);
    }
    let user = who.user_id;
    store::insert_history(
        conn,
        case.id,
        user,
        "link",
        Some(&other_id.to_string()),
        None,
    )?;
    Ok(())
}

/// The linked cases the caller may see.
pub fn links(conn: &Connection, who: &Principal, case_id: CaseId) -> Result<Vec<Case>, CaseError> {
    let mut stmt = conn.prepare_cached(
        "SELECT other_case_id FROM case_links WHERE case_id = ?1
         UNION SELECT case_id FROM case_links WHERE other_case_id = ?1",
    )?;
    let ids: Vec<CaseId> = stmt
        .query_map([case_id], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids
        .into_iter()
        .filter_map(|id| visible_case(conn, who, id).ok())
        .collect())
}
