use crate::ids::{ClientId, TeamId, UserId};
use rusqlite::Connection;
use serde_json::json;

use super::error::UserError;
use super::model::{Locale, NewUser, Tariff, User, UserPatch};
use super::store::{self, NewUserRow};
use crate::audit::{self, Actor};
use crate::auth::service::RevokeReason;
use crate::auth::{self, Principal, Role, password, policy, strength};
use crate::teams::{self, TeamKind};
use crate::validation::{self, Invalid, required_text};

/// A new user whose fields are checked and whose password is hashed.
/// Hashing is deliberately slow, so it happens before the write
/// transaction, not inside it.
pub struct PreparedUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub client_id: Option<ClientId>,
    pub team_id: Option<TeamId>,
    pub tariff: Option<Tariff>,
    pub locale: Option<Locale>,
    pub password_hash: String,
}

pub fn prepare(who: &Principal, input: NewUser) -> Result<PreparedUser, UserError> {
    // Refuse before the deliberately slow hashing, so that nobody without
    // the right can make the server do it.
    authorize_create(who, input.role, input.client_id)?;
    let email = validation::email("email", &input.email)?;
    let name = required_text("name", &input.name, 120)?;
    // Without a password the stored hash is of a random secret nobody
    // knows: the user signs in only after setting one through a link.
    let password = match input.password {
        Some(password) => {
            strength::check_new("password", &password, &[&email, &name])?;
            password
        }
        None => auth::tokens::random_token(),
    };
    Ok(PreparedUser {
        email,
        name,
        role: input.role,
        client_id: input.client_id,
        team_id: input.team_id,
        tariff: input.tariff,
        locale: input.locale,
        password_hash: password::hash(&password),
    })
}

/// A client the caller may not see is answered like a missing one.
fn authorize_create(
    who: &Principal,
    role: Role,
    client_id: Option<ClientId>,
) -> Result<(), UserError> {
    policy::create_user(who, role, client_id).map_err(|denied| match denied {
        policy::Denied::NotFound => Invalid::new("client_id", "no such client").into(),
        other => UserError::Denied(other),
    })
}

/// A patch whose new password, if any, is hashed already.
pub struct PreparedPatch {
    pub patch: UserPatch,
    pub password_hash: Option<String>,
}

pub fn prepare_patch(who: &Principal, mut patch: UserPatch) -> Result<PreparedPatch, UserError> {
    if !who.permissions().manage_users {
        return Err(policy::Denied::Forbidden.into());
    }
    let password_hash = match patch.password.take() {
        Some(new) => {
            strength::check_new("password", &new, &[])?;
            Some(password::hash(&new))
        }
        None => None,
    };
    Ok(PreparedPatch {
        patch,
        password_hash,
    })
}

pub fn list(
    conn: &Connection,
    who: &Principal,
    client_id: Option<ClientId>,
) -> Result<Vec<User>, UserError> {
    Ok(store::list(conn, &policy::user_visibility(who), client_id)?
        .into_iter()
        .map(|user| with_actions(who, user))
        .collect())
}

pub fn get(conn: &Connection, who: &Principal, id: UserId) -> Result<User, UserError> {
    store::get_visible(conn, &policy::user_visibility(who), id)?
        .map(|user| with_actions(who, user))
        .ok_or(UserError::NotFound)
}

/// The user with what `who` may do with them (the UI offers only that).
fn with_actions(who: &Principal, mut user: User) -> User {
    user.can = Some(policy::user_actions(who, user.as_ref()));
    user
}

pub fn create(conn: &Connection, who: &Principal, new: PreparedUser) -> Result<User, UserError> {
    authorize_create(who, new.role, new.client_id)?;
    if let Some(client_id) = new.client_id
        && crate::clients::store::get(conn, client_id)?.is_none()
    {
        return Err(Invalid::new("client_id", "no such client").into());
    }
    let tariff = team_tariff(conn, new.role, new.client_id, new.team_id, new.tariff)?;
    check_shape(conn, who, new.role, new.client_id, new.team_id, tariff)?;
    if store::email_taken(conn, &new.email)? {
        return Err(UserError::EmailTaken);
    }
    let id = store::insert(
        conn,
        &NewUserRow {
            email: &new.email,
            name: &new.name,
            role: new.role,
            client_id: new.client_id,
            team_id: new.team_id,
            tariff,
            locale: new.locale,
            password_hash: &new.password_hash,
        },
    )?;
    audit::record(
        conn,
        &Actor::from(who),
        "user.create",
        "user",
        Some(id.get()),
        new.client_id,
        json!({ "email": new.email, "role": new.role.as_str() }),
    )?;
    store::get(conn, id)?.ok_or(UserError::NotFound)
}

pub fn update(
    conn: &Connection,
    who: &Principal,
    id: UserId,
    prepared: PreparedPatch,
) -> Result<User, UserError> {
    let before = get(conn, who, id)?;
    let patch = prepared.patch;
    policy::update_user(who, before.as_ref(), patch.role)?;
    if patch.active == Some(false) && Some(before.id) == who.user_id {
        return Err(policy::Denied::Forbidden.into());
    }
    let mut after = before.clone();
    if let Some(name) = &patch.name {
        after.name = required_text("name", name, 120)?;
    }
    if let Some(role) = patch.role {
        after.role = role;
    }
    if let Some(team_id) = patch.team_id {
        after.team_id = Some(team_id);
    }
    if let Some(active) = patch.active {
        after.active = active;
    }
    if let Some(locale) = patch.locale {
        after.locale = Some(locale);
    }
    // Only provider agents carry a tariff: their team's.
    after.tariff = match team_tariff(
        conn,
        after.role,
        after.client_id,
        after.team_id,
        patch.tariff,
    )? {
        Some(tariff) => Some(tariff),
        None => patch.tariff.or(after.tariff),
    };
    if after.role != Role::Agent || after.client_id.is_some() {
        after.tariff = None;
    }
    check_shape(
        conn,
        who,
        after.role,
        after.client_id,
        after.team_id,
        after.tariff,
    )?;
    check_last_admin(conn, &before, &after)?;
    // Team Pro is the team's: an agent moving into a Pro team brings no
    // other client's projects with them.
    if before.team_id != after.team_id
        && let Some(team_id) = after.team_id
        && !teams::service::pro_rule_holds(conn, team_id, Some(id), None)?
    {
        return Err(UserError::ProAgentExclusive);
    }
    store::update(conn, &after, prepared.password_hash.as_deref())?;
    // A reset password or a deactivation ends every way in: sessions and
    // API tokens (a later reactivation brings none back).
    let revoke = if before.active && !after.active {
        Some(RevokeReason::Deactivated)
    } else if prepared.password_hash.is_some() {
        Some(RevokeReason::PasswordReset)
    } else {
        None
    };
    if let Some(reason) = revoke {
        auth::service::revoke_credentials(
            conn,
            &Actor::from(who),
            id,
            before.client_id,
            reason,
            None,
        )?;
    }
    audit::record(
        conn,
        &Actor::from(who),
        "user.update",
        "user",
        Some(id.get()),
        before.client_id,
        json!({ "changed": changed_fields(&patch, prepared.password_hash.is_some()) }),
    )?;
    store::get(conn, id)?.ok_or(UserError::NotFound)
}

/// Deactivates a user (users are never deleted: the audit trail and later
/// case history refer to them) and ends their sessions.
pub fn deactivate(conn: &Connection, who: &Principal, id: UserId) -> Result<(), UserError> {
    let before = get(conn, who, id)?;
    policy::deactivate_user(who, before.as_ref())?;
    let mut after = before.clone();
    after.active = false;
    check_last_admin(conn, &before, &after)?;
    store::update(conn, &after, None)?;
    audit::record(
        conn,
        &Actor::from(who),
        "user.deactivate",
        "user",
        Some(id.get()),
        before.client_id,
        json!({ "email": before.email }),
    )?;
    auth::service::revoke_credentials(
        conn,
        &Actor::from(who),
        id,
        before.client_id,
        RevokeReason::Deactivated,
        None,
    )?;
    Ok(())
}

/// The signed-in user changes their own preferences.
pub fn set_own_locale(
    conn: &Connection,
    who: &Principal,
    locale: Locale,
) -> Result<User, UserError> {
    let mut user =
        store::get(conn, who.user_id.ok_or(UserError::NotFound)?)?.ok_or(UserError::NotFound)?;
    user.locale = Some(locale);
    store::update(conn, &user, None)?;
    Ok(user)
}

fn changed_fields(patch: &UserPatch, password: bool) -> Vec<&'static str> {
    let mut fields = Vec::new();
    for (set, name) in [
        (patch.name.is_some(), "name"),
        (patch.role.is_some(), "role"),
        (patch.team_id.is_some(), "team_id"),
        (patch.tariff.is_some(), "tariff"),
        (patch.active.is_some(), "active"),
        (patch.locale.is_some(), "locale"),
        (password, "password"),
    ] {
        if set {
            fields.push(name);
        }
    }
    fields
}

fn check_last_admin(conn: &Connection, before: &User, after: &User) -> Result<(), UserError> {
    let was_admin = before.role == Role::Admin && before.active;
    let is_admin = after.role == Role::Admin && after.active;
    if was_admin && !is_admin && store::count_active_admins(conn)? <= 1 {
        return Err(UserError::LastAdmin);
    }
    // A client keeps at least one client admin: nobody else of the client
    // could name a new one.
    let was_client_admin = before.role == Role::ClientAdmin && before.active;
    let is_client_admin = after.role == Role::ClientAdmin && after.active;
    if was_client_admin
        && !is_client_admin
        && let Some(client_id) = before.client_id
        && store::count_active_client_admins(conn, client_id)? <= 1
    {
        return Err(UserError::LastClientAdmin);
    }
    Ok(())
}

/// A provider agent's tariff is their team's (Team Pro is keyed on the
/// team, see `policy::team_pro_allows`): taken from the team, and a
/// different one given is refused. `None` when the team has none.
fn team_tariff(
    conn: &Connection,
    role: Role,
    client_id: Option<ClientId>,
    team_id: Option<TeamId>,
    given: Option<Tariff>,
) -> Result<Option<Tariff>, UserError> {
    if role != Role::Agent || client_id.is_some() {
        return Ok(given);
    }
    let team = match team_id {
        Some(id) => teams::store::get(conn, id)?,
        None => None,
    };
    match (team.and_then(|t| t.tariff), given) {
        (Some(team), Some(given)) if team != given => Err(Invalid::new(
            "tariff",
            "an agent's tariff is their team's: move the agent to a team of that tariff",
        )
        .into()),
        (Some(team), _) => Ok(Some(team)),
        (None, given) => Ok(given),
    }
}

/// The rules tying role, client, team and tariff together.
pub fn check_shape(
    conn: &Connection,
    who: &Principal,
    role: Role,
    client_id: Option<ClientId>,
    team_id: Option<TeamId>,
    tariff: Option<Tariff>,
) -> Result<(), UserError> {
    let team = match team_id {
        // A team the caller may not see is answered like a missing one.
        Some(id) => Some(
            teams::store::get(conn, id)?
                .filter(|team| policy::view_team(who, team.as_ref()).is_ok())
                .ok_or(Invalid::new("team_id", "no such team"))?,
        ),
        None => None,
    };
    let team_fits = |team: &teams::Team| match client_id {
        Some(c) => team.kind == TeamKind::Client && team.client_id == Some(c),
        None => team.kind == TeamKind::Provider,
    };
    if let Some(team) = &team
        && !team_fits(team)
    {
        return Err(Invalid::new(
            "team_id",
            match client_id {
                Some(_) => "the team must be one of the user's client's own teams",
                None => "the team must be one of the provider's teams",
            },
        )
        .into());
    }
    match role {
        Role::Admin | Role::ProjectLead if client_id.is_some() => Err(Invalid::new(
            "client_id",
            "platform admins and project leads belong to no client",
        )
        .into()),
        Role::Admin if team.is_some() => {
            Err(Invalid::new("team_id", "platform admins have no team").into())
        }
        Role::ClientAdmin if client_id.is_none() => {
            Err(Invalid::new("client_id", "a client admin needs their client").into())
        }
        Role::Agent if team.is_none() => {
            Err(Invalid::new("team_id", "every agent belongs to a team").into())
        }
        Role::Agent if client_id.is_none() && tariff.is_none() => {
            Err(Invalid::new("tariff", "a provider agent needs a tariff (basic or pro)").into())
        }
        _ if tariff.is_some() && !(role == Role::Agent && client_id.is_none()) => {
            Err(Invalid::new("tariff", "only provider agents have a tariff").into())
        }
        _ => Ok(()),
    }
}
