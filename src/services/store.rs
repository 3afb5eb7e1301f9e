use rusqlite::{Connection, OptionalExtension, params};

use super::model::DesiredState;
use crate::db::{StoreResult, now};

/// The stored choice for a service key.
pub fn desired(conn: &Connection, key: &str) -> StoreResult<Option<DesiredState>> {
    Ok(conn
        .prepare_cached("SELECT desired FROM service_states WHERE key = ?1")?
        .query_row([key], |row| row.get(0))
        .optional()?)
}

pub fn set_desired(conn: &Connection, key: &str, desired: DesiredState) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO service_states (key, desired, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET desired = excluded.desired, updated_at = excluded.updated_at",
    )?
    .execute(params![key, desired.as_str(), now()])?;
    Ok(())
}
