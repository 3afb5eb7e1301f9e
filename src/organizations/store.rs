use crate::ids::{ClientId, ContactId, OrganizationId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::model::{Organization, OrganizationFields};
use crate::auth::policy::Visibility;
use crate::contacts::store::visibility_param;
use crate::db::{StoreResult, now};

const SELECT: &str = "SELECT o.id, o.client_id, o.name, o.customer_number, o.domain, o.phone,
        o.street, o.postal_code, o.city, o.country, o.notes, o.custom,
        (SELECT COUNT(*) FROM contacts c WHERE c.organization_id = o.id AND c.merged_into_id IS NULL),
        o.merged_into_id, o.created_at, o.updated_at
     FROM organizations o";

fn from_row(row: &Row) -> rusqlite::Result<Organization> {
    let custom: String = row.get(11)?;
    Ok(Organization {
        id: row.get(0)?,
        client_id: row.get(1)?,
        name: row.get(2)?,
        customer_number: row.get(3)?,
        domain: row.get(4)?,
        phone: row.get(5)?,
        street: row.get(6)?,
        postal_code: row.get(7)?,
        city: row.get(8)?,
        country: row.get(9)?,
        notes: row.get(10)?,
        custom: serde_json::from_str(&custom).unwrap_or_else(|_| serde_json::json!({})),
        contact_count: row.get(12)?,
        merged_into_id: row.get(13)?,
        created_at: row.get(14)?,
        updated_at: row.get(15)?,
    })
}

/// The full-text table (rowid = the row's id).
pub const SEARCH_TABLE: &str = "organization_search";

pub fn get(conn: &Connection, id: OrganizationId) -> StoreResult<Option<Organization>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE o.id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// An organization of the client by name (case-insensitive).
pub fn by_name(
    conn: &Connection,
    client_id: ClientId,
    name: &str,
) -> StoreResult<Option<Organization>> {
    Ok(conn
        .prepare_cached(&format!(
            "{SELECT} WHERE o.client_id = ?1 AND o.name = ?2 COLLATE NOCASE
               AND o.merged_into_id IS NULL ORDER BY o.id LIMIT 1"
        ))?
        .query_row(params![client_id, name], from_row)
        .optional()?)
}

/// Newest first; `fts` is a prepared full-text query (see
/// `contacts::model::fts_prefix_query`).
pub fn list(
    conn: &Connection,
    visibility: &Visibility,
    client_id: Option<ClientId>,
    fts: Option<&str>,
    before_id: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<Organization>> {
    let search = if fts.is_some() {
        "AND o.id IN (SELECT rowid FROM organization_search WHERE organization_search MATCH ?5)"
    } else {
        "AND ?5 IS NULL"
    };
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE o.merged_into_id IS NULL
           AND (?1 IS NULL OR o.client_id IN (SELECT value FROM json_each(?1)))
           AND (?2 IS NULL OR o.client_id = ?2)
           AND (?3 IS NULL OR o.id < ?3)
           {search}
         ORDER BY o.id DESC LIMIT ?4"
    ))?;
    let rows = stmt.query_map(
        params![
            visibility_param(visibility),
            client_id,
            before_id,
            limit,
            fts
        ],
        from_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn insert(
    conn: &Connection,
    client_id: ClientId,
    f: &OrganizationFields,
) -> StoreResult<OrganizationId> {
    let at = now();
    conn.prepare_cached(
        "INSERT INTO organizations (client_id, name, customer_number, domain, phone, street,
             postal_code, city, country, notes, custom, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
    )?
    .execute(params![
        client_id,
        f.name,
        f.customer_number,
        f.domain,
        f.phone,
        f.street,
        f.postal_code,
        f.city,
        f.country,
        f.notes,
        f.custom,
        at
    ])?;
    let id = OrganizationId(conn.last_insert_rowid());
    sync_search(conn, id)?;
    Ok(id)
}

pub fn update(conn: &Connection, id: OrganizationId, f: &OrganizationFields) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE organizations SET name = ?2, customer_number = ?3, domain = ?4, phone = ?5,
             street = ?6, postal_code = ?7, city = ?8, country = ?9, notes = ?10, custom = ?11,
             updated_at = ?12
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        f.name,
        f.customer_number,
        f.domain,
        f.phone,
        f.street,
        f.postal_code,
        f.city,
        f.country,
        f.notes,
        f.custom,
        now()
    ])?;
    sync_search(conn, id)
}

/// Ids of the organization's contacts, merged ones included.
pub fn contact_ids(conn: &Connection, id: OrganizationId) -> StoreResult<Vec<ContactId>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM contacts WHERE organization_id = ?1")?;
    let rows = stmt.query_map([id], |row| row.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Moves the source's contacts and cases to the target and marks the source
/// merged (out of lists and search). Returns the ids of the moved contacts.
pub fn merge(
    conn: &Connection,
    source: OrganizationId,
    target: OrganizationId,
) -> StoreResult<Vec<ContactId>> {
    let moved = contact_ids(conn, source)?;
    conn.prepare_cached("UPDATE contacts SET organization_id = ?2 WHERE organization_id = ?1")?
        .execute([source, target])?;
    conn.prepare_cached("UPDATE cases SET organization_id = ?2 WHERE organization_id = ?1")?
        .execute([source, target])?;
    // Organizations merged into the source earlier now point at the target.
    conn.prepare_cached("UPDATE organizations SET merged_into_id = ?2 WHERE merged_into_id = ?1")?
        .execute([source, target])?;
    conn.prepare_cached(
        "UPDATE organizations SET merged_into_id = ?2, updated_at = ?3 WHERE id = ?1",
    )?
    .execute(params![source, target, now()])?;
    sync_search(conn, source)?;
    Ok(moved)
}

/// Deletes the organization; its contacts stay, without organization.
pub fn delete(conn: &Connection, id: OrganizationId) -> StoreResult<usize> {
    let unlinked = conn
        .prepare_cached("UPDATE cases SET organization_id = NULL WHERE organization_id = ?1")?
        .execute([id])?;
    conn.prepare_cached(
        "UPDATE organizations SET merged_into_id = NULL WHERE merged_into_id = ?1",
    )?
    .execute([id])?;
    conn.prepare_cached("DELETE FROM organization_search WHERE rowid = ?1")?
        .execute([id])?;
    conn.prepare_cached("DELETE FROM organizations WHERE id = ?1")?
        .execute([id])?;
    Ok(unlinked)
}

/// Keeps the organization's search row in step with the organization.
pub fn sync_search(conn: &Connection, id: OrganizationId) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM organization_search WHERE rowid = ?1")?
        .execute([id])?;
    conn.prepare_cached(
        "INSERT INTO organization_search (rowid, name, customer_number, domain, city)
         SELECT id, name, COALESCE(customer_number, ''), COALESCE(domain, ''), city
         FROM organizations WHERE id = ?1 AND merged_into_id IS NULL",
    )?
    .execute([id])?;
    Ok(())
}
