use crate::ids::ClientId;
use rusqlite::Connection;
use serde_json::json;

use super::error::ClientError;
use super::model::{Client, ClientInput};
use super::store;
use crate::audit::{self, Actor};
use crate::auth::{Principal, policy};
use crate::teams::{self, TeamKind};
use crate::validation::required_text;

pub fn list(conn: &Connection, who: &Principal) -> Result<Vec<Client>, ClientError> {
    Ok(store::list(conn, &policy::client_visibility(who))?)
}

pub fn get(conn: &Connection, who: &Principal, id: ClientId) -> Result<Client, ClientError> {
    policy::view_client(who, id).map_err(|_| ClientError::NotFound)?;
    store::get(conn, id)?.ok_or(ClientError::NotFound)
}

/// Creates a client together with its own team, so that its agents have a
/// team to belong to from the start.
pub fn create(
    conn: &Connection,
    who: &Principal,
    input: ClientInput,
) -> Result<Client, ClientError> {
    policy::create_client(who)?;
    let name = required_text("name", &input.name, 120)?;
    if store::name_taken(conn, &name, None)? {
        return Err(ClientError::NameTaken);
    }
    let id = store::insert(conn, &name)?;
    teams::store::insert(conn, &name, TeamKind::Client, Some(id), None)?;
    audit::record(
        conn,
        &Actor::from(who),
        "client.create",
        "client",
        Some(id.get()),
        Some(id),
        json!({ "name": name }),
    )?;
    store::get(conn, id)?.ok_or(ClientError::NotFound)
}

pub fn rename(
    conn: &Connection,
    who: &Principal,
    id: ClientId,
    input: ClientInput,
) -> Result<Client, ClientError> {
    let before = get(conn, who, id)?;
    policy::rename_client(who, id)?;
    let name = required_text("name", &input.name, 120)?;
    if store::name_taken(conn, &name, Some(id))? {
        return Err(ClientError::NameTaken);
    }
    store::rename(conn, id, &name)?;
    audit::record(
        conn,
        &Actor::from(who),
        "client.rename",
        "client",
        Some(id.get()),
        Some(id),
        json!({ "from": before.name, "to": name }),
    )?;
    store::get(conn, id)?.ok_or(ClientError::NotFound)
}

pub fn delete(conn: &Connection, who: &Principal, id: ClientId) -> Result<(), ClientError> {
    let client = get(conn, who, id)?;
    policy::delete_client(who, id)?;
    if store::has_dependents(conn, id)? {
        return Err(ClientError::NotEmpty);
    }
    store::delete(conn, id)?;
    audit::record(
        conn,
        &Actor::from(who),
        "client.delete",
        "client",
        Some(id.get()),
        Some(id),
        json!({ "name": client.name }),
    )?;
    Ok(())
}
