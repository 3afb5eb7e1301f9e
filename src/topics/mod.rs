//! Topics (Themen): each project's list of what cases are about; billing
//! may price per topic, reports count per topic.

pub mod handlers;
pub mod store;

use crate::ids::ProjectId;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::audit::{self, Actor};
use crate::auth::{Principal, policy};
use crate::projects::ProjectError;
use crate::validation::required_text;

pub use handlers::configure;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Topic {
    pub id: i64,
    pub project_id: ProjectId,
    pub name: String,
    pub active: bool,
    pub position: i64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTopic {
    #[schema(max_length = 100)]
    pub name: String,
    pub position: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicPatch {
    #[schema(max_length = 100)]
    pub name: Option<String>,
    pub active: Option<bool>,
    pub position: Option<i64>,
}

pub fn list(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
) -> Result<Vec<Topic>, ProjectError> {
    crate::projects::service::get(conn, who, project_id)?;
    Ok(store::list(conn, project_id)?)
}

/// Topics are part of a project's set-up: whoever manages the project's
/// settings manages them.
pub fn create(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
    input: NewTopic,
) -> Result<Topic, ProjectError> {
    let project = crate::projects::service::get(conn, who, project_id)?;
    policy::manage_projects_of(who, project.client_id)?;
    let name = required_text("name", &input.name, 100)?;
    if store::name_taken(conn, project_id, &name, None)? {
        return Err(ProjectError::NameTaken);
    }
    let id = store::insert(conn, project_id, &name, input.position.unwrap_or(0))?;
    audit::record(
        conn,
        &Actor::from(who),
        "topic.create",
        "topic",
        Some(id),
        Some(project.client_id),
        json!({ "project_id": project_id, "name": name }),
    )?;
    store::get(conn, id)?.ok_or(ProjectError::NotFound)
}

pub fn update(
    conn: &Connection,
    who: &Principal,
    id: i64,
    patch: TopicPatch,
) -> Result<Topic, ProjectError> {
    let mut topic = store::get(conn, id)?.ok_or(ProjectError::NotFound)?;
    let project = crate::projects::service::get(conn, who, topic.project_id)?;
    policy::manage_projects_of(who, project.client_id)?;
    if let Some(name) = &patch.name {
        topic.name = required_text("name", name, 100)?;
        if store::name_taken(conn, topic.project_id, &topic.name, Some(id))? {
            return Err(ProjectError::NameTaken);
        }
    }
    if let Some(active) = patch.active {
        topic.active = active;
    }
    if let Some(position) = patch.position {
        topic.position = position;
    }
    store::update(conn, &topic)?;
    audit::record(
        conn,
        &Actor::from(who),
        "topic.update",
        "topic",
        Some(id),
        Some(project.client_id),
        json!({ "name": topic.name, "active": topic.active }),
    )?;
    Ok(topic)
}
