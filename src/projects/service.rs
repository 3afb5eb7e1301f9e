use crate::ids::{ProjectId, UserId};
use rusqlite::Connection;
use serde_json::json;

use super::error::ProjectError;
use super::model::{Member, MemberInput, NewProject, Project, ProjectPatch};
use super::store;
use crate::audit::{self, Actor};
use crate::auth::{MemberRole, Principal, Role, policy};
use crate::users;
use crate::validation::{Invalid, required_text};

pub fn list(conn: &Connection, who: &Principal) -> Result<Vec<Project>, ProjectError> {
    Ok(store::list(conn, &policy::project_visibility(who))?)
}

pub fn get(conn: &Connection, who: &Principal, id: ProjectId) -> Result<Project, ProjectError> {
    let project = store::get(conn, id)?.ok_or(ProjectError::NotFound)?;
    policy::view_project(who, project.as_ref()).map_err(|_| ProjectError::NotFound)?;
    Ok(project)
}

/// Case-number prefix: 2–10 letters or digits, starting with a letter.
pub fn normalize_key(key: &str) -> Result<String, Invalid> {
    let key = key.trim().to_ascii_uppercase();
    let valid = (2..=10).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_uppercase())
        && key
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if valid {
        Ok(key)
    } else {
        Err(Invalid::new(
            "key",
            "must be 2–10 letters or digits, starting with a letter",
        ))
    }
}

pub fn create(
    conn: &Connection,
    who: &Principal,
    input: NewProject,
) -> Result<Project, ProjectError> {
    policy::manage_projects_of(who, input.client_id).map_err(|denied| match denied {
        policy::Denied::NotFound => Invalid::new("client_id", "no such client").into(),
        other => ProjectError::Denied(other),
    })?;
    if crate::clients::store::get(conn, input.client_id)?.is_none() {
        return Err(Invalid::new("client_id", "no such client").into());
    }
    let name = required_text("name", &input.name, 120)?;
    let key = normalize_key(&input.key)?;
    let description = input.description.unwrap_or_default().trim().to_string();
    if description.chars().count() > 2000 {
        return Err(Invalid::new("description", "must be at most 2000 characters").into());
    }
    if store::key_taken(conn, &key)? {
        return Err(ProjectError::KeyTaken);
    }
    if store::name_taken(conn, input.client_id, &name, None)? {
        return Err(ProjectError::NameTaken);
    }
    let id = store::insert(conn, input.client_id, &name, &key, &description)?;
    audit::record(
        conn,
        &Actor::from(who),
        "project.create",
        "project",
        Some(id.get()),
        Some(input.client_id),
        json!({ "name": name, "key": key }),
    )?;
    store::get(conn, id)?.ok_or(ProjectError::NotFound)
}

pub fn update(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
    patch: ProjectPatch,
) -> Result<Project, ProjectError> {
    let before = get(conn, who, id)?;
    policy::manage_projects_of(who, before.client_id)?;
    let mut after = before.clone();
    if let Some(name) = &patch.name {
        after.name = required_text("name", name, 120)?;
        if store::name_taken(conn, after.client_id, &after.name, Some(id))? {
            return Err(ProjectError::NameTaken);
        }
    }
    if let Some(description) = &patch.description {
        after.description = description.trim().to_string();
        if after.description.chars().count() > 2000 {
            return Err(Invalid::new("description", "must be at most 2000 characters").into());
        }
    }
    if let Some(active) = patch.active {
        after.active = active;
    }
    store::update(conn, &after)?;
    audit::record(
        conn,
        &Actor::from(who),
        "project.update",
        "project",
        Some(id.get()),
        Some(before.client_id),
        json!({ "name": after.name, "active": after.active }),
    )?;
    store::get(conn, id)?.ok_or(ProjectError::NotFound)
}

pub fn delete(conn: &Connection, who: &Principal, id: ProjectId) -> Result<(), ProjectError> {
    let project = get(conn, who, id)?;
    policy::manage_projects_of(who, project.client_id)?;
    if store::has_dependents(conn, id)? {
        return Err(ProjectError::NotEmpty);
    }
    store::delete(conn, id)?;
    audit::record(
        conn,
        &Actor::from(who),
        "project.delete",
        "project",
        Some(id.get()),
        Some(project.client_id),
        json!({ "name": project.name, "key": project.key }),
    )?;
    Ok(())
}

pub fn members(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
) -> Result<Vec<Member>, ProjectError> {
    get(conn, who, project_id)?;
    Ok(store::members(conn, project_id)?)
}

/// Adds a user to a project or changes their role in it.
pub fn put_member(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
    user_id: UserId,
    input: MemberInput,
) -> Result<Member, ProjectError> {
    let project = get(conn, who, project_id)?;
    policy::manage_members(who, project.as_ref())?;
    // Only users the actor may see can be added.
    let user = users::store::get_visible(conn, &policy::user_visibility(who), user_id)?
        .ok_or(ProjectError::UserNotFound)?;
    check_membership(conn, &project, &user, input.role)?;
    let existed = store::member(conn, project_id, user_id)?.is_some();
    store::upsert_member(conn, project_id, user_id, input.role)?;
    audit::record(
        conn,
        &Actor::from(who),
        if existed {
            "project.member-role"
        } else {
            "project.member-add"
        },
        "project",
        Some(project_id.get()),
        Some(project.client_id),
        json!({ "user_id": user_id, "email": user.email, "role": input.role.as_str() }),
    )?;
    store::member(conn, project_id, user_id)?.ok_or(ProjectError::UserNotFound)
}

pub fn remove_member(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
    user_id: UserId,
) -> Result<(), ProjectError> {
    let project = get(conn, who, project_id)?;
    policy::manage_members(who, project.as_ref())?;
    if !store::remove_member(conn, project_id, user_id)? {
        return Err(ProjectError::UserNotFound);
    }
    audit::record(
        conn,
        &Actor::from(who),
        "project.member-remove",
        "project",
        Some(project_id.get()),
        Some(project.client_id),
        json!({ "user_id": user_id }),
    )?;
    Ok(())
}

/// Who may work in which project: the client's own people only in that
/// client's projects; Team Pro agents exclusively for one client.
fn check_membership(
    conn: &Connection,
    project: &Project,
    user: &users::User,
    role: MemberRole,
) -> Result<(), ProjectError> {
    if !user.active {
        return Err(ProjectError::MembershipInvalid("the user is deactivated"));
    }
    match (user.role, role) {
        (Role::Agent | Role::ProjectLead, MemberRole::Agent)
        | (Role::ProjectLead, MemberRole::Lead) => {}
        (_, MemberRole::Lead) => {
            return Err(ProjectError::MembershipInvalid(
                "only project leads can lead a project",
            ));
        }
        _ => {
            return Err(ProjectError::MembershipInvalid(
                "only agents and project leads are project members",
            ));
        }
    }
    if let Some(client_id) = user.client_id
        && client_id != project.client_id
    {
        return Err(ProjectError::MembershipInvalid(
            "a client's own agents work only in that client's projects",
        ));
    }
    // Team Pro is the team's: its agents together work for one client.
    if let Some(team_id) = user.team_id
        && !crate::teams::service::pro_rule_holds(conn, team_id, None, Some(project.client_id))?
    {
        return Err(ProjectError::ProAgentExclusive);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_keys() {
        assert_eq!(normalize_key(" acme ").unwrap(), "ACME");
        assert_eq!(normalize_key("A1").unwrap(), "A1");
        for bad in ["A", "1ABC", "AB-C", "ABCDEFGHIJK", "ÄBC"] {
            assert!(normalize_key(bad).is_err(), "{bad}");
        }
    }
}
