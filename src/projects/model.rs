use crate::ids::{ClientId, ProjectId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{MemberRole, Role};
use crate::teams::TeamKind;
use crate::users::Tariff;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Project {
    pub id: ProjectId,
    pub client_id: ClientId,
    pub client_name: String,
    pub name: String,
    /// Prefix of the project's case numbers, e.g. `ACME`.
    pub key: String,
    pub description: String,
    pub active: bool,
    pub member_count: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    pub client_id: ClientId,
    #[schema(max_length = 120)]
    pub name: String,
    /// 2–10 upper-case letters or digits, starting with a letter; unique.
    pub key: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectPatch {
    #[schema(max_length = 120)]
    pub name: Option<String>,
    pub description: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Member {
    pub project_id: ProjectId,
    pub user_id: UserId,
    pub user_name: String,
    pub user_email: String,
    pub user_role: Role,
    pub team_kind: Option<TeamKind>,
    pub tariff: Option<Tariff>,
    pub member_role: MemberRole,
    pub created_at: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    pub role: MemberRole,
}
