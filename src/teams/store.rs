use crate::ids::{ClientId, TeamId, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::model::{Team, TeamKind};
use crate::auth::policy::{TeamRef, Visibility};
use crate::db::{StoreResult, now};
use crate::users::Tariff;

const SELECT: &str = "SELECT t.id, t.name, t.kind, t.client_id, c.name,
        (SELECT COUNT(*) FROM users u WHERE u.team_id = t.id), t.created_at, t.tariff
     FROM teams t LEFT JOIN clients c ON c.id = t.client_id";

fn from_row(row: &Row) -> rusqlite::Result<Team> {
    let kind: TeamKind = row.get(2)?;
    let tariff: Option<String> = row.get(7)?;
    let tariff = match tariff {
        Some(t) => Some(Tariff::parse(&t).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                7,
                rusqlite::types::Type::Text,
                format!("unknown tariff {t:?}").into(),
            )
        })?),
        None => None,
    };
    Ok(Team {
        id: row.get(0)?,
        name: row.get(1)?,
        kind,
        client_id: row.get(3)?,
        client_name: row.get(4)?,
        tariff,
        member_count: row.get(5)?,
        created_at: row.get(6)?,
    })
}

pub fn get(conn: &Connection, id: TeamId) -> StoreResult<Option<Team>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE t.id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// Teams of the visible clients, plus the provider's when `provider` is set.
pub fn list(conn: &Connection, visibility: &Visibility, provider: bool) -> StoreResult<Vec<Team>> {
    let clients = match visibility {
        Visibility::All => None,
        Visibility::Clients(ids) => Some(serde_json::to_string(ids).unwrap_or_default()),
        Visibility::Projects(_) => Some("[]".to_string()),
    };
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE (t.client_id IS NULL AND ?2)
            OR (t.client_id IS NOT NULL AND (?1 IS NULL OR t.client_id IN (SELECT value FROM json_each(?1))))
         ORDER BY c.name COLLATE NOCASE NULLS FIRST, t.name COLLATE NOCASE"
    ))?;
    let rows = stmt.query_map(params![clients, provider], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn name_taken(
    conn: &Connection,
    client_id: Option<ClientId>,
    name: &str,
    except: Option<TeamId>,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM teams WHERE client_id IS ?1 AND name = ?2 COLLATE NOCASE AND id IS NOT ?3",
        )?
        .query_row(params![client_id, name, except], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn insert(
    conn: &Connection,
    name: &str,
    kind: TeamKind,
    client_id: Option<ClientId>,
    tariff: Option<Tariff>,
) -> StoreResult<TeamId> {
    conn.prepare_cached(
        "INSERT INTO teams (name, kind, client_id, created_at, tariff) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        name,
        kind.as_str(),
        client_id,
        now(),
        tariff.map(Tariff::as_str)
    ])?;
    Ok(TeamId(conn.last_insert_rowid()))
}

/// Sets a provider team's tariff, and with it its agents'.
pub fn set_tariff(conn: &Connection, id: TeamId, tariff: Tariff) -> StoreResult<()> {
    conn.prepare_cached("UPDATE teams SET tariff = ?2 WHERE id = ?1")?
        .execute(params![id, tariff.as_str()])?;
    conn.prepare_cached(
        "UPDATE users SET tariff = ?2 WHERE team_id = ?1 AND role = 'agent' AND client_id IS NULL",
    )?
    .execute(params![id, tariff.as_str()])?;
    Ok(())
}

/// The clients in whose projects the team's agents work, with `user_id`'s
/// counted as if they were in the team (an agent about to move in).
pub fn member_clients(
    conn: &Connection,
    team_id: TeamId,
    user_id: Option<UserId>,
) -> StoreResult<Vec<ClientId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT p.client_id FROM project_members pm JOIN projects p ON p.id = pm.project_id
         WHERE pm.user_id IN (SELECT u.id FROM users u WHERE u.team_id = ?1) OR pm.user_id IS ?2",
    )?;
    let rows = stmt.query_map(params![team_id, user_id], |row| row.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn rename(conn: &Connection, id: TeamId, name: &str) -> StoreResult<()> {
    conn.prepare_cached("UPDATE teams SET name = ?2 WHERE id = ?1")?
        .execute(params![id, name])?;
    Ok(())
}

pub fn delete(conn: &Connection, id: TeamId) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM teams WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

impl Team {
    pub fn as_ref(&self) -> TeamRef {
        TeamRef {
            id: self.id,
            client_id: self.client_id,
        }
    }
}
