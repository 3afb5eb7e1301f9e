use crate::ids::{ClientId, TeamId, UserId};
use rusqlite::Connection;
use serde_json::json;

use super::error::TeamError;
use super::model::{NewTeam, Team, TeamKind, TeamPatch};
use super::store;
use crate::audit::{self, Actor};
use crate::auth::{Principal, policy};
use crate::db::StoreResult;
use crate::users::Tariff;
use crate::validation::{Invalid, required_text};

pub fn list(conn: &Connection, who: &Principal) -> Result<Vec<Team>, TeamError> {
    let (visibility, provider) = policy::team_visibility(who);
    Ok(store::list(conn, &visibility, provider)?)
}

pub fn get(conn: &Connection, who: &Principal, id: TeamId) -> Result<Team, TeamError> {
    let team = store::get(conn, id)?.ok_or(TeamError::NotFound)?;
    policy::view_team(who, team.as_ref()).map_err(|_| TeamError::NotFound)?;
    Ok(team)
}

pub fn create(conn: &Connection, who: &Principal, input: NewTeam) -> Result<Team, TeamError> {
    let name = required_text("name", &input.name, 100)?;
    match (input.kind, input.client_id) {
        (TeamKind::Client, None) => {
            return Err(Invalid::new("client_id", "a client team needs its client").into());
        }
        (TeamKind::Provider, Some(_)) => {
            return Err(Invalid::new("client_id", "a provider team belongs to no client").into());
        }
        _ => {}
    }
    let tariff = match (input.kind, input.tariff) {
        (TeamKind::Client, Some(_)) => {
            return Err(Invalid::new("tariff", "only provider teams have a tariff").into());
        }
        (TeamKind::Client, None) => None,
        (TeamKind::Provider, tariff) => Some(tariff.unwrap_or(Tariff::Basic)),
    };
    policy::manage_team(who, input.client_id).map_err(|denied| match denied {
        policy::Denied::NotFound => Invalid::new("client_id", "no such client").into(),
        other => TeamError::Denied(other),
    })?;
    if let Some(client_id) = input.client_id
        && crate::clients::store::get(conn, client_id)?.is_none()
    {
        return Err(Invalid::new("client_id", "no such client").into());
    }
    if store::name_taken(conn, input.client_id, &name, None)? {
        return Err(TeamError::NameTaken);
    }
    let id = store::insert(conn, &name, input.kind, input.client_id, tariff)?;
    audit::record(
        conn,
        &Actor::from(who),
        "team.create",
        "team",
        Some(id.get()),
        input.client_id,
        json!({ "name": name, "kind": input.kind.as_str(), "tariff": tariff.map(Tariff::as_str) }),
    )?;
    store::get(conn, id)?.ok_or(TeamError::NotFound)
}

/// Renames a team and/or sets a provider team's tariff.
pub fn rename(
    conn: &Connection,
    who: &Principal,
    id: TeamId,
    patch: TeamPatch,
) -> Result<Team, TeamError> {
    let team = get(conn, who, id)?;
    policy::manage_team(who, team.client_id)?;
    if let Some(name) = &patch.name {
        let name = required_text("name", name, 100)?;
        if store::name_taken(conn, team.client_id, &name, Some(id))? {
            return Err(TeamError::NameTaken);
        }
        store::rename(conn, id, &name)?;
        audit::record(
            conn,
            &Actor::from(who),
            "team.rename",
            "team",
            Some(id.get()),
            team.client_id,
            json!({ "from": team.name, "to": name }),
        )?;
    }
    if let Some(tariff) = patch.tariff
        && team.tariff != Some(tariff)
    {
        if team.kind != TeamKind::Provider {
            return Err(Invalid::new("tariff", "only provider teams have a tariff").into());
        }
        let clients = store::member_clients(conn, id, None)?;
        if !policy::team_pro_allows(Some(tariff), &clients) {
            return Err(TeamError::ProExclusive);
        }
        store::set_tariff(conn, id, tariff)?;
        audit::record(
            conn,
            &Actor::from(who),
            "team.tariff",
            "team",
            Some(id.get()),
            team.client_id,
            json!({ "from": team.tariff.map(Tariff::as_str), "to": tariff.as_str() }),
        )?;
    }
    store::get(conn, id)?.ok_or(TeamError::NotFound)
}

/// Whether the team's Team Pro rule still holds with `user_id` counted in
/// the team and its agents also working for `joining`.
pub fn pro_rule_holds(
    conn: &Connection,
    team_id: TeamId,
    user_id: Option<UserId>,
    joining: Option<ClientId>,
) -> StoreResult<bool> {
    let Some(team) = store::get(conn, team_id)? else {
        return Ok(true);
    };
    if team.tariff != Some(Tariff::Pro) {
        return Ok(true);
    }
    let mut clients = store::member_clients(conn, team_id, user_id)?;
    clients.extend(joining);
    Ok(policy::team_pro_allows(team.tariff, &clients))
}

pub fn delete(conn: &Connection, who: &Principal, id: TeamId) -> Result<(), TeamError> {
    let team = get(conn, who, id)?;
    policy::manage_team(who, team.client_id)?;
    if team.member_count > 0 {
        return Err(TeamError::NotEmpty);
    }
    store::delete(conn, id)?;
    audit::record(
        conn,
        &Actor::from(who),
        "team.delete",
        "team",
        Some(id.get()),
        team.client_id,
        json!({ "name": team.name }),
    )?;
    Ok(())
}
