//! Editing granted to agents per project (`knowledge_editors`): a granted
//! agent edits and publishes the articles limited to that project
//! (`policy::edit_knowledge_article`). Granted and revoked by whoever
//! manages the project's members (platform admin, client admin, the
//! project's lead); audited. A change is announced (live event
//! `knowledge`, type `editor`, id = the project) to whoever works in the
//! project, so an open screen of the agent follows at once.

use crate::ids::{ProjectId, UserId};
use rusqlite::Connection;
use serde_json::json;

use super::error::KnowledgeError;
use super::model::Editor;
use super::store;
use crate::audit::{self, Actor};
use crate::auth::policy::{self, Denied};
use crate::auth::{MemberRole, Principal};
use crate::cases::events::{Announcements, Event, KnowledgeEvent};
use crate::projects::Project;
use crate::validation::Invalid;

/// The project if `who` grants editing there: 404 if unseen, 403 if seen
/// but not managed.
fn managed_project(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
) -> Result<Project, KnowledgeError> {
    let project =
        crate::projects::store::get(conn, project_id)?.ok_or(KnowledgeError::ProjectNotFound)?;
    policy::grant_knowledge_editing(who, project.as_ref()).map_err(|denied| match denied {
        Denied::NotFound => KnowledgeError::ProjectNotFound,
        Denied::Forbidden => KnowledgeError::Denied(Denied::Forbidden),
    })?;
    Ok(project)
}

pub fn list(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
) -> Result<Vec<Editor>, KnowledgeError> {
    managed_project(conn, who, project_id)?;
    Ok(store::editors(conn, project_id)?)
}

/// Grants an agent of the project editing (leads and admins edit anyway).
pub fn grant(
    conn: &Connection,
    events: &mut Announcements,
    who: &Principal,
    project_id: ProjectId,
    user_id: UserId,
) -> Result<Editor, KnowledgeError> {
    let project = managed_project(conn, who, project_id)?;
    match crate::projects::store::member(conn, project_id, user_id)? {
        Some(member) if member.member_role == MemberRole::Agent => {}
        _ => {
            return Err(Invalid::new("user_id", "not an agent of this project").into());
        }
    }
    if store::grant(conn, project_id, user_id, who.user_id)? {
        audit::record(
            conn,
            &Actor::from(who),
            "knowledge.editor.grant",
            "project",
            Some(project_id.get()),
            Some(project.client_id),
            json!({ "user_id": user_id }),
        )?;
        announce(events, &project);
    }
    store::editors(conn, project_id)?
        .into_iter()
        .find(|e| e.user_id == user_id)
        .ok_or(KnowledgeError::ProjectNotFound)
}

pub fn revoke(
    conn: &Connection,
    events: &mut Announcements,
    who: &Principal,
    project_id: ProjectId,
    user_id: UserId,
) -> Result<(), KnowledgeError> {
    let project = managed_project(conn, who, project_id)?;
    if !store::revoke(conn, project_id, user_id)? {
        return Err(Invalid::new("user_id", "no editing granted to this user here").into());
    }
    audit::record(
        conn,
        &Actor::from(who),
        "knowledge.editor.revoke",
        "project",
        Some(project_id.get()),
        Some(project.client_id),
        json!({ "user_id": user_id }),
    )?;
    announce(events, &project);
    Ok(())
}

/// Who edits the project's knowledge changed: for the project's people.
fn announce(events: &mut Announcements, project: &Project) {
    events.push(Event::Knowledge(KnowledgeEvent {
        kind: "editor",
        id: project.id.get(),
        action: "changed",
        client_id: project.client_id,
        project_ids: vec![project.id],
    }));
}
