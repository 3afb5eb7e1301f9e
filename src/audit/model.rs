use crate::ids::{ClientId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::paging::{Keyed, Page};

/// Who acts: a signed-in user or the command line.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub email: Option<String>,
    pub ip: Option<String>,
}

impl Actor {
    /// An operator on the server's command line.
    pub fn cli() -> Actor {
        Actor {
            user_id: None,
            email: Some("cli".into()),
            ip: None,
        }
    }
}

impl From<&Principal> for Actor {
    fn from(p: &Principal) -> Self {
        Actor {
            // The command-line operator has no user row.
            user_id: p.user_id,
            email: Some(p.email.clone()),
            ip: p.ip.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor_id: Option<UserId>,
    pub actor_email: Option<String>,
    /// The actor's name now; `null` for the command line, a deleted user or
    /// one the caller may not see.
    pub actor_name: Option<String>,
    /// e.g. `project.create`, `auth.login-failed`
    pub action: String,
    pub object_type: String,
    pub object_id: Option<i64>,
    /// The object's name (a contact's, a project's, a user's …) now, read
    /// only inside the entry's client; `null` when it is gone, has no name
    /// or belongs to a client the caller does not see.
    pub object_name: Option<String>,
    pub client_id: Option<ClientId>,
    pub ip: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// Audit entries, newest first.
pub type AuditPage = Page<AuditEntry>;
crate::page_schema!(
    AuditEntry,
    "AuditPage",
    next = "Pass as `before_id` for the next (older) page; `null` at the end."
);

impl Keyed for AuditEntry {
    type Id = i64;
    fn key(&self) -> i64 {
        self.id
    }
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    pub before_id: Option<i64>,
    pub object_type: Option<String>,
    pub object_id: Option<i64>,
    pub actor_id: Option<UserId>,
    /// One action, e.g. `contact.update`.
    pub action: Option<String>,
    /// Entries at or after this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<DateTime<Utc>>,
    /// Entries before this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<DateTime<Utc>>,
    /// Only for platform admins: one client's entries.
    pub client_id: Option<ClientId>,
}
