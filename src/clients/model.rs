use crate::ids::ClientId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Client {
    pub id: ClientId,
    pub name: String,
    pub project_count: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of create and rename.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    #[schema(max_length = 120)]
    pub name: String,
}
