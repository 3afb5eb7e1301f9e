//! The knowledge settings of a client's projects: which agents edit its
//! articles (`knowledge_editors`, granted in `editors.rs`) and whether its
//! public help center is switched on (`kb_help_centers`). Listed for
//! whoever grants editing there (platform admin, client admin, the
//! project's lead); the help center is switched by the client admin and
//! platform admins only, audited.

use crate::ids::{ClientId, ProjectId};
use rusqlite::Connection;
use serde_json::json;

use super::error::KnowledgeError;
use super::model::{HelpCenterState, KnowledgeProject, KnowledgeProjectDetail, ProjectAgent};
use super::store;
use crate::audit::{self, Actor};
use crate::auth::Principal;
use crate::auth::policy::{self, Denied};
use crate::projects::Project;

/// The state of the project's help center.
pub fn help_center_state(
    conn: &Connection,
    project: &Project,
) -> Result<HelpCenterState, KnowledgeError> {
    let switch = store::help_center_switch(conn, project.id)?;
    let enabled = switch.as_ref().is_some_and(|(on, _, _)| *on);
    let public_articles = store::public_article_count(conn, project.client_id, project.id)?;
    let reachable = enabled && project.active && public_articles > 0;
    let (changed_by_name, changed_at) = match switch {
        Some((_, by, at)) => (by, Some(at)),
        None => (None, None),
    };
    Ok(HelpCenterState {
        enabled,
        public_articles,
        reachable,
        url: reachable.then(|| format!("/help/{}", project.key)),
        changed_by_name,
        changed_at,
    })
}

fn summary(
    conn: &Connection,
    who: &Principal,
    project: &Project,
) -> Result<KnowledgeProject, KnowledgeError> {
    let (agents, editors) = store::agent_counts(conn, project.id)?;
    Ok(KnowledgeProject {
        id: project.id,
        client_id: project.client_id,
        key: project.key.clone(),
        name: project.name.clone(),
        active: project.active,
        agents,
        editors,
        help_center: help_center_state(conn, project)?,
        can_switch_help_center: policy::switch_help_center(who, project.as_ref()).is_ok(),
    })
}

/// The client's projects whose knowledge settings the caller manages (all
/// for its admin, the led ones for a lead). A foreign client is 404, an
/// agent 403.
pub fn list(
    conn: &Connection,
    who: &Principal,
    client_id: ClientId,
) -> Result<Vec<KnowledgeProject>, KnowledgeError> {
    policy::edit_knowledge(who, client_id)?;
    let visibility = crate::auth::policy::Visibility::Clients(vec![client_id]);
    let mut out = Vec::new();
    for project in crate::projects::store::list(conn, &visibility)? {
        if policy::grant_knowledge_editing(who, project.as_ref()).is_ok() {
            out.push(summary(conn, who, &project)?);
        }
    }
    Ok(out)
}

/// The project if `who` grants editing there: 404 if unseen, 403 if seen
/// but not managed.
fn managed(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
) -> Result<Project, KnowledgeError> {
    let project =
        crate::projects::store::get(conn, project_id)?.ok_or(KnowledgeError::ProjectNotFound)?;
    policy::grant_knowledge_editing(who, project.as_ref()).map_err(not_found_or)?;
    Ok(project)
}

fn not_found_or(denied: Denied) -> KnowledgeError {
    match denied {
        Denied::NotFound => KnowledgeError::ProjectNotFound,
        Denied::Forbidden => KnowledgeError::Denied(Denied::Forbidden),
    }
}

/// One project's settings and its agents, by name.
pub fn detail(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
) -> Result<KnowledgeProjectDetail, KnowledgeError> {
    let project = managed(conn, who, project_id)?;
    let agents = store::project_agents(conn, project_id)?
        .into_iter()
        .map(
            |(user_id, name, email, granted_at, granted_by_name)| ProjectAgent {
                user_id,
                name,
                email,
                edits_knowledge: granted_at.is_some(),
                granted_at,
                granted_by_name,
            },
        )
        .collect();
    Ok(KnowledgeProjectDetail {
        project: summary(conn, who, &project)?,
        agents,
    })
}

/// Switches the project's help center on or off (audited when it changes).
pub fn switch_help_center(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
    enabled: bool,
) -> Result<KnowledgeProject, KnowledgeError> {
    let project =
        crate::projects::store::get(conn, project_id)?.ok_or(KnowledgeError::ProjectNotFound)?;
    policy::switch_help_center(who, project.as_ref()).map_err(not_found_or)?;
    if store::set_help_center(conn, project_id, enabled, who.user_id)? {
        audit::record(
            conn,
            &Actor::from(who),
            if enabled {
                "knowledge.help_center.on"
            } else {
                "knowledge.help_center.off"
            },
            "project",
            Some(project_id.get()),
            Some(project.client_id),
            json!({ "key": project.key }),
        )?;
    }
    summary(conn, who, &project)
}
