use crate::ids::{CaseId, ClientId, ContactId, OrganizationId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::model::{Contact, ContactFields, phone_digits};
use crate::auth::policy::Visibility;
use crate::db::{StoreResult, now};

const SELECT: &str = "SELECT c.id, c.client_id, c.name,
        (SELECT json_group_array(email) FROM
            (SELECT email FROM contact_emails WHERE contact_id = c.id ORDER BY position, email)),
        (SELECT json_group_array(phone) FROM
            (SELECT phone FROM contact_phones WHERE contact_id = c.id ORDER BY position, phone)),
        c.organization_id, o.name, c.customer_number, c.language, c.street, c.postal_code,
        c.city, c.country, c.notes, c.custom,
        (SELECT COUNT(*) FROM cases k WHERE k.contact_id = c.id),
        c.merged_into_id, c.created_at, c.updated_at
     FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id";

fn json_list(text: Option<String>) -> Vec<String> {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

fn from_row(row: &Row) -> rusqlite::Result<Contact> {
    let custom: String = row.get(14)?;
    Ok(Contact {
        id: row.get(0)?,
        client_id: row.get(1)?,
        name: row.get(2)?,
        emails: json_list(row.get(3)?),
        phones: json_list(row.get(4)?),
        organization_id: row.get(5)?,
        organization_name: row.get(6)?,
        customer_number: row.get(7)?,
        language: row.get(8)?,
        street: row.get(9)?,
        postal_code: row.get(10)?,
        city: row.get(11)?,
        country: row.get(12)?,
        notes: row.get(13)?,
        custom: serde_json::from_str(&custom).unwrap_or_else(|_| serde_json::json!({})),
        case_count: row.get(15)?,
        merged_into_id: row.get(16)?,
        created_at: row.get(17)?,
        updated_at: row.get(18)?,
    })
}

/// The full-text table (rowid = the row's id); also the name of
/// [`sync_search`]'s task.
pub const SEARCH_TABLE: &str = "contact_search";

/// The visibility as a bindable JSON array of client ids (`None`: all).
pub fn visibility_param(visibility: &Visibility) -> Option<String> {
    match visibility {
        Visibility::All => None,
        Visibility::Clients(ids) => {
            Some(serde_json::to_string(ids).unwrap_or_else(|_| "[]".into()))
        }
        Visibility::Projects(_) => Some("[]".into()),
    }
}

pub fn get(conn: &Connection, id: ContactId) -> StoreResult<Option<Contact>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE c.id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter<'a> {
    pub client_id: Option<ClientId>,
    pub organization_id: Option<OrganizationId>,
    /// A prepared FTS5 query (see `model::fts_prefix_query`).
    pub fts: Option<&'a str>,
    pub before_id: Option<i64>,
}

/// Contacts not merged away, newest first.
pub fn list(
    conn: &Connection,
    visibility: &Visibility,
    filter: &ListFilter,
    limit: u32,
) -> StoreResult<Vec<Contact>> {
    let search = if filter.fts.is_some() {
        "AND c.id IN (SELECT rowid FROM contact_search WHERE contact_search MATCH ?5)"
    } else {
        "AND ?5 IS NULL"
    };
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE c.merged_into_id IS NULL
           AND (?1 IS NULL OR c.client_id IN (SELECT value FROM json_each(?1)))
           AND (?2 IS NULL OR c.client_id = ?2)
           AND (?3 IS NULL OR c.organization_id = ?3)
           AND (?4 IS NULL OR c.id < ?4)
           {search}
         ORDER BY c.id DESC LIMIT ?6"
    ))?;
    let rows = stmt.query_map(
        params![
            visibility_param(visibility),
            filter.client_id,
            filter.organization_id,
            filter.before_id,
            filter.fts,
            limit
        ],
        from_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many trailing digits a phone look-up falls back to.
pub const TAIL_DIGITS: usize = 8;

/// The indexed expression of a number's last [`TAIL_DIGITS`] digits: it
/// must be spelled exactly as in `contact_phones_tail` (migration 0035) for
/// SQLite to read that index.
const TAIL_SQL: &str = "substr(digits, -8)";

/// How [`lookup`] matches.
pub enum Match<'a> {
    Email(&'a str),
    /// Exactly these digits.
    Digits(&'a str),
    /// Numbers ending in these [`TAIL_DIGITS`] digits.
    Suffix(&'a str),
}

/// Contacts (not merged away) with this address or number. Each way is one
/// seek in its index (`contact_emails_email`, `contact_phones_digits`,
/// `contact_phones_tail`); `+c.client_id` keeps SQLite from walking the
/// client's contacts by `contacts_client` instead, and the ids from the
/// subquery come sorted, so `ORDER BY c.id` needs no sort.
pub fn lookup(
    conn: &Connection,
    visibility: &Visibility,
    client_id: Option<ClientId>,
    by: Match,
) -> StoreResult<Vec<Contact>> {
    let Some((clause, value)) = match_clause(by) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(&lookup_sql(SELECT, &clause, 100))?;
    let rows = stmt.query_map(
        params![visibility_param(visibility), client_id, value],
        from_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The first contact [`lookup`] finds, by id alone: a case's inline
/// contact needs nothing else, and a whole contact reads its addresses,
/// organization and case count.
pub fn lookup_first(
    conn: &Connection,
    visibility: &Visibility,
    client_id: Option<ClientId>,
    by: Match,
) -> StoreResult<Option<ContactId>> {
    let Some((clause, value)) = match_clause(by) else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached(&lookup_sql("SELECT c.id FROM contacts c", &clause, 1))?
        .query_row(
            params![visibility_param(visibility), client_id, value],
            |row| row.get(0),
        )
        .optional()?)
}

/// The clause of a look-up and its value (`?3`); `None` when nothing can
/// match.
fn match_clause(by: Match<'_>) -> Option<(String, &str)> {
    Some(match by {
        Match::Email(email) => (
            "c.id IN (SELECT contact_id FROM contact_emails WHERE email = ?3)".to_string(),
            email,
        ),
        Match::Digits(digits) => (
            "c.id IN (SELECT contact_id FROM contact_phones WHERE digits = ?3)".to_string(),
            digits,
        ),
        Match::Suffix(suffix) => {
            // Only a whole tail can equal the indexed expression; a number
            // shorter than the tail has no tail to match.
            if suffix.len() != TAIL_DIGITS {
                return None;
            }
            (
                format!("c.id IN (SELECT contact_id FROM contact_phones WHERE {TAIL_SQL} = ?3)"),
                suffix,
            )
        }
    })
}

fn lookup_sql(select: &str, clause: &str, limit: u32) -> String {
    format!(
        "{select} WHERE c.merged_into_id IS NULL
           AND (?1 IS NULL OR +c.client_id IN (SELECT value FROM json_each(?1)))
           AND (?2 IS NULL OR +c.client_id = ?2)
           AND {clause}
         ORDER BY c.id LIMIT {limit}"
    )
}

/// The client's contact (not merged away) with one of these addresses.
/// (`+c.client_id`: the address index must lead; through the client
/// index SQLite walked all of the client's contacts, 23 ms at 1M cases.)
pub fn by_any_email(
    conn: &Connection,
    client_id: ClientId,
    emails: &[String],
) -> StoreResult<Option<Contact>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE +c.client_id = ?1 AND c.merged_into_id IS NULL
           AND c.id IN (SELECT contact_id FROM contact_emails WHERE email = ?2)
         ORDER BY c.id LIMIT 1"
    ))?;
    for email in emails {
        if let Some(contact) = stmt
            .query_row(params![client_id, email], from_row)
            .optional()?
        {
            return Ok(Some(contact));
        }
    }
    Ok(None)
}

pub fn insert(conn: &Connection, client_id: ClientId, f: &ContactFields) -> StoreResult<ContactId> {
    let at = now();
    conn.prepare_cached(
        "INSERT INTO contacts (client_id, organization_id, name, customer_number, language,
             street, postal_code, city, country, notes, custom, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
    )?
    .execute(params![
        client_id,
        f.organization_id,
        f.name,
        f.customer_number,
        f.language,
        f.street,
        f.postal_code,
        f.city,
        f.country,
        f.notes,
        f.custom,
        at
    ])?;
    let id = ContactId(conn.last_insert_rowid());
    put_addresses(conn, id, &f.emails, &f.phones)?;
    sync_search(conn, id)?;
    Ok(id)
}

pub fn update(conn: &Connection, id: ContactId, f: &ContactFields) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE contacts SET organization_id = ?2, name = ?3, customer_number = ?4,
             language = ?5, street = ?6, postal_code = ?7, city = ?8, country = ?9,
             notes = ?10, custom = ?11, updated_at = ?12
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        f.organization_id,
        f.name,
        f.customer_number,
        f.language,
        f.street,
        f.postal_code,
        f.city,
        f.country,
        f.notes,
        f.custom,
        now()
    ])?;
    put_addresses(conn, id, &f.emails, &f.phones)?;
    sync_search(conn, id)
}

/// Replaces the contact's e-mail addresses and phone numbers.
fn put_addresses(
    conn: &Connection,
    id: ContactId,
    emails: &[String],
    phones: &[String],
) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM contact_emails WHERE contact_id = ?1")?
        .execute([id])?;
    conn.prepare_cached("DELETE FROM contact_phones WHERE contact_id = ?1")?
        .execute([id])?;
    let mut email_stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO contact_emails (contact_id, email, position) VALUES (?1, ?2, ?3)",
    )?;
    for (position, email) in emails.iter().enumerate() {
        email_stmt.execute(params![id, email, position as i64])?;
    }
    let mut phone_stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO contact_phones (contact_id, phone, digits, position)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (position, phone) in phones.iter().enumerate() {
        phone_stmt.execute(params![id, phone, phone_digits(phone), position as i64])?;
    }
    Ok(())
}

/// Moves cases and message authorship from `from` to `into` and marks `from`
/// merged. Addresses are moved by the caller through [`update`]. Returns the
/// number of cases moved.
pub fn merge(conn: &Connection, from: ContactId, into: ContactId) -> StoreResult<usize> {
    // The cases' search rows name the contact: rebuild them.
    let moved: Vec<CaseId> = conn
        .prepare_cached("UPDATE cases SET contact_id = ?2, version = version + 1 WHERE contact_id = ?1 RETURNING id")?
        .query_map([from, into], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    for &case_id in &moved {
        crate::cases::store::index_case(conn, case_id)?;
    }
    let cases = moved.len();
    conn.prepare_cached("UPDATE messages SET author_contact_id = ?2 WHERE author_contact_id = ?1")?
        .execute([from, into])?;
    // Contacts merged into `from` earlier now point at the survivor.
    conn.prepare_cached("UPDATE contacts SET merged_into_id = ?2 WHERE merged_into_id = ?1")?
        .execute([from, into])?;
    conn.prepare_cached("DELETE FROM contact_emails WHERE contact_id = ?1")?
        .execute([from])?;
    conn.prepare_cached("DELETE FROM contact_phones WHERE contact_id = ?1")?
        .execute([from])?;
    conn.prepare_cached("UPDATE contacts SET merged_into_id = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![from, into, now()])?;
    sync_search(conn, from)?;
    sync_search(conn, into)?;
    Ok(cases)
}

/// Deletes the contact and the contacts merged into it. Their cases and
/// messages stay, without contact. Returns (contacts deleted, cases
/// unlinked).
pub fn delete(conn: &Connection, id: ContactId) -> StoreResult<(usize, usize)> {
    let ids: Vec<i64> = {
        let mut stmt = conn.prepare_cached(
            "WITH RECURSIVE gone(id) AS (
                 SELECT ?1 UNION SELECT c.id FROM contacts c JOIN gone g ON c.merged_into_id = g.id)
             SELECT id FROM gone",
        )?;
        let rows = stmt.query_map([id], |row| row.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let ids_json = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
    let unlinked: Vec<CaseId> = conn
        .prepare_cached(
            "UPDATE cases SET contact_id = NULL, organization_id = NULL, version = version + 1
             WHERE contact_id IN (SELECT value FROM json_each(?1)) RETURNING id",
        )?
        .query_map([&ids_json], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    for &case_id in &unlinked {
        crate::cases::store::index_case(conn, case_id)?;
    }
    let cases = unlinked.len();
    conn.prepare_cached(
        "UPDATE messages SET author_contact_id = NULL
         WHERE author_contact_id IN (SELECT value FROM json_each(?1))",
    )?
    .execute([&ids_json])?;
    conn.prepare_cached(
        "DELETE FROM contact_search WHERE rowid IN (SELECT value FROM json_each(?1))",
    )?
    .execute([&ids_json])?;
    let deleted = conn
        .prepare_cached("DELETE FROM contacts WHERE id IN (SELECT value FROM json_each(?1))")?
        .execute([&ids_json])?;
    Ok((deleted, cases))
}

/// Keeps the contact's search row in step: name, addresses, numbers (as
/// entered and as digits), organization, customer number, city. Merged
/// contacts have none. Written at the end of the write's group commit
/// (`db::batch_end`), from the contact as it is then.
pub fn sync_search(conn: &Connection, id: ContactId) -> StoreResult<()> {
    crate::db::at_batch_end(conn, SEARCH_TABLE, id.get(), |conn, id| {
        write_search(conn, ContactId::new(id))
    })
}

/// [`sync_search`] now.
fn write_search(conn: &Connection, id: ContactId) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM contact_search WHERE rowid = ?1")?
        .execute([id])?;
    // Read first, then one `INSERT … VALUES`: an `INSERT … SELECT` opens a
    // statement journal, at which FTS5 writes out the terms it holds for
    // every full-text table as segments of their own, one per contact of a
    // batch instead of one for the batch (db::batch_end).
    let row: Option<[String; 6]> = conn
        .prepare_cached(
            "SELECT c.name,
                 COALESCE((SELECT group_concat(email, ' ') FROM contact_emails WHERE contact_id = c.id), ''),
                 COALESCE((SELECT group_concat(phone || ' ' || digits, ' ') FROM contact_phones
                           WHERE contact_id = c.id), ''),
                 COALESCE(o.name, ''), COALESCE(c.customer_number, ''), c.city
             FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id
             WHERE c.id = ?1 AND c.merged_into_id IS NULL",
        )?
        .query_row([id], |r| {
            Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?])
        })
        .optional()?;
    if let Some([name, emails, phones, organization, customer_number, city]) = row {
        conn.prepare_cached(
            "INSERT INTO contact_search (rowid, name, emails, phones, organization, customer_number, city)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![id, name, emails, phones, organization, customer_number, city])?;
    }
    Ok(())
}

/// Groups of contacts (not merged away) of the client sharing an address:
/// (address, contact ids as JSON).
pub fn shared_emails(conn: &Connection, client_id: ClientId) -> StoreResult<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.email, json_group_array(c.id) FROM contact_emails e
         JOIN contacts c ON c.id = e.contact_id
         WHERE c.client_id = ?1 AND c.merged_into_id IS NULL
         GROUP BY e.email HAVING COUNT(DISTINCT c.id) > 1 ORDER BY e.email",
    )?;
    let rows = stmt.query_map([client_id], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// As [`shared_emails`], for phone digits (at least 5 of them).
pub fn shared_phones(conn: &Connection, client_id: ClientId) -> StoreResult<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.digits, json_group_array(DISTINCT c.id) FROM contact_phones p
         JOIN contacts c ON c.id = p.contact_id
         WHERE c.client_id = ?1 AND c.merged_into_id IS NULL AND length(p.digits) >= 5
         GROUP BY p.digits HAVING COUNT(DISTINCT c.id) > 1 ORDER BY p.digits",
    )?;
    let rows = stmt.query_map([client_id], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What name-based duplicate detection needs of a contact.
pub struct NameRow {
    pub id: ContactId,
    pub name: String,
    pub city: String,
    pub organization_id: Option<OrganizationId>,
}

/// The client's contacts (not merged away), for name-based duplicate
/// detection.
pub fn names(conn: &Connection, client_id: ClientId) -> StoreResult<Vec<NameRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, city, organization_id FROM contacts
         WHERE client_id = ?1 AND merged_into_id IS NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([client_id], |row| {
        Ok(NameRow {
            id: row.get(0)?,
            name: row.get(1)?,
            city: row.get(2)?,
            organization_id: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    fn plan(conn: &Connection, sql: &str) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt
            .query_map(params![Some("[1,2]"), Some(1), "12345678"], |row| {
                row.get::<_, String>(3)
            })
            .unwrap();
        rows.collect::<Result<Vec<_>, _>>().unwrap().join("\n")
    }

    /// Every look-up is a seek in its own index, never a walk over all
    /// numbers or over a client's contacts (the tail's expression must be
    /// spelled as migration 0035 indexed it).
    #[test]
    fn lookups_seek_their_index() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        db.read_blocking(|conn| {
            for (clause, index) in [
                (
                    "c.id IN (SELECT contact_id FROM contact_emails WHERE email = ?3)".to_string(),
                    "contact_emails_email",
                ),
                (
                    "c.id IN (SELECT contact_id FROM contact_phones WHERE digits = ?3)".to_string(),
                    "contact_phones_digits",
                ),
                (
                    format!(
                        "c.id IN (SELECT contact_id FROM contact_phones WHERE {TAIL_SQL} = ?3)"
                    ),
                    "contact_phones_tail",
                ),
            ] {
                // The whole contacts and the first one's id alike.
                for (select, limit) in [(SELECT, 100), ("SELECT c.id FROM contacts c", 1)] {
                    let plan = plan(conn, &lookup_sql(select, &clause, limit));
                    assert!(plan.contains(index), "{clause}:\n{plan}");
                    assert!(!plan.contains("contacts_client"), "{clause}:\n{plan}");
                    assert!(!plan.contains("SCAN contact_phones"), "{clause}:\n{plan}");
                    assert!(!plan.contains("SCAN c"), "{clause}:\n{plan}");
                    if limit == 1 {
                        // The first id without sorting all found.
                        assert!(!plan.contains("TEMP B-TREE"), "{clause}:\n{plan}");
                    }
                }
            }
            Ok::<_, crate::db::StoreError>(())
        })
        .unwrap();
    }

    /// The tail matches numbers whose last 8 digits are these, and nothing
    /// shorter than 8 digits.
    #[test]
    fn the_tail_matches_the_last_eight_digits() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        crate::demo::seed(&db).unwrap();
        db.write_blocking(|tx| {
            let client_id: ClientId =
                tx.query_row("SELECT id FROM clients ORDER BY id LIMIT 1", [], |r| {
                    r.get(0)
                })?;
            let fields = |name: &str, phones: &[&str]| ContactFields {
                name: name.into(),
                emails: Vec::new(),
                phones: phones.iter().map(|p| p.to_string()).collect(),
                organization_id: None,
                customer_number: None,
                language: None,
                street: String::new(),
                postal_code: String::new(),
                city: String::new(),
                country: String::new(),
                notes: String::new(),
                custom: "{}".into(),
            };
            let long = insert(tx, client_id, &fields("Lang", &["+49 30 8765-4321"]))?;
            let local = insert(tx, client_id, &fields("Ortsnetz", &["030 87654321"]))?;
            insert(tx, client_id, &fields("Kurz", &["7654321"]))?;
            insert(tx, client_id, &fields("Anders", &["+49 30 8765 4320"]))?;
            let found: Vec<ContactId> =
                lookup(tx, &Visibility::All, None, Match::Suffix("87654321"))?
                    .into_iter()
                    .map(|c| c.id)
                    .collect();
            assert_eq!(found, vec![long, local]);
            assert!(lookup(tx, &Visibility::All, None, Match::Suffix("654321"))?.is_empty());
            // The first of them by id alone, as a case's inline contact.
            let first = |by| lookup_first(tx, &Visibility::All, None, by);
            assert_eq!(first(Match::Suffix("87654321"))?, Some(long));
            assert_eq!(first(Match::Digits("03087654321"))?, Some(local));
            assert_eq!(first(Match::Suffix("654321"))?, None);
            assert_eq!(
                lookup_first(
                    tx,
                    &Visibility::Clients(vec![]),
                    None,
                    Match::Suffix("87654321")
                )?,
                None,
                "a client not visible"
            );
            Ok::<_, crate::db::StoreError>(())
        })
        .unwrap();
    }
}
