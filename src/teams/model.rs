use crate::ids::{ClientId, TeamId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::users::Tariff;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TeamKind {
    /// The client's own employees.
    Client,
    /// The service provider's agents.
    Provider,
}

impl TeamKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TeamKind::Client => "client",
            TeamKind::Provider => "provider",
        }
    }

    pub fn parse(s: &str) -> Option<TeamKind> {
        match s {
            "client" => Some(TeamKind::Client),
            "provider" => Some(TeamKind::Provider),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub kind: TeamKind,
    pub client_id: Option<ClientId>,
    pub client_name: Option<String>,
    /// Provider teams: `pro` (Team Pro: the team's agents work for one
    /// client only) or `basic`; `null` for client teams. An agent's tariff
    /// is their team's.
    pub tariff: Option<Tariff>,
    pub member_count: i64,
    pub created_at: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    #[schema(max_length = 100)]
    pub name: String,
    pub kind: TeamKind,
    /// Required for `client` teams, absent for `provider` teams.
    pub client_id: Option<ClientId>,
    /// Provider teams only; `basic` when absent.
    #[serde(default)]
    pub tariff: Option<Tariff>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamPatch {
    #[serde(default)]
    #[schema(max_length = 100)]
    pub name: Option<String>,
    /// Provider teams only. `pro` is refused while the team's agents work
    /// for more than one client (409 `pro-agent-exclusive`).
    #[serde(default)]
    pub tariff: Option<Tariff>,
}

crate::db::text_enum!(TeamKind);
