use crate::ids::{ClientId, TeamId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Role;

/// The provider's two agent tariffs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Tariff {
    /// Team Basic: may work in several clients' projects.
    Basic,
    /// Team Pro: exclusive to one client.
    Pro,
}

impl Tariff {
    pub fn as_str(self) -> &'static str {
        match self {
            Tariff::Basic => "basic",
            Tariff::Pro => "pro",
        }
    }

    pub fn parse(s: &str) -> Option<Tariff> {
        match s {
            "basic" => Some(Tariff::Basic),
            "pro" => Some(Tariff::Pro),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    De,
    En,
}

impl Locale {
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::De => "de",
            Locale::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Locale> {
        match s {
            "de" => Some(Locale::De),
            "en" => Some(Locale::En),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub client_id: Option<ClientId>,
    pub client_name: Option<String>,
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    pub tariff: Option<Tariff>,
    pub locale: Option<Locale>,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
    /// What the reader may do with this user, from the policy (lists and
    /// reads of users; `null` where the user is not the object, as in `/me`).
    pub can: Option<crate::auth::model::UserActions>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(max_length = 254)]
    pub email: String,
    #[schema(max_length = 120)]
    pub name: String,
    pub role: Role,
    /// The client the user belongs to; omit for the provider's staff and
    /// platform admins.
    pub client_id: Option<ClientId>,
    /// Required for agents.
    pub team_id: Option<TeamId>,
    /// Provider agents: their team's tariff (Team Pro is the team's);
    /// may be omitted, and a different one is refused.
    pub tariff: Option<Tariff>,
    /// At least 10 characters. Omitted: the user has no usable password
    /// until they set one through an invitation
    /// (`POST /users/{id}/invitation`).
    #[schema(max_length = 256)]
    pub password: Option<String>,
    pub locale: Option<Locale>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[schema(max_length = 120)]
    pub name: Option<String>,
    pub role: Option<Role>,
    pub team_id: Option<TeamId>,
    pub tariff: Option<Tariff>,
    pub active: Option<bool>,
    pub locale: Option<Locale>,
    #[schema(max_length = 256)]
    pub password: Option<String>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    pub client_id: Option<ClientId>,
}

crate::db::text_enum!(Tariff, Locale);
