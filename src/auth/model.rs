use crate::ids::{ClientId, ProjectId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A user's role on the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Admin,
    ClientAdmin,
    ProjectLead,
    Agent,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::ClientAdmin => "client-admin",
            Role::ProjectLead => "project-lead",
            Role::Agent => "agent",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "client-admin" => Some(Role::ClientAdmin),
            "project-lead" => Some(Role::ProjectLead),
            "agent" => Some(Role::Agent),
            _ => None,
        }
    }
}

/// A user's role inside one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MemberRole {
    Agent,
    Lead,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Agent => "agent",
            MemberRole::Lead => "lead",
        }
    }

    pub fn parse(s: &str) -> Option<MemberRole> {
        match s {
            "agent" => Some(MemberRole::Agent),
            "lead" => Some(MemberRole::Lead),
            _ => None,
        }
    }
}

/// One project the principal is a member of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub project_id: ProjectId,
    pub client_id: ClientId,
    pub role: MemberRole,
    /// Granted editing of the knowledge limited to this project
    /// (`knowledge_editors`; docs/knowledge.md).
    pub edits_knowledge: bool,
    /// A provider agent in a project with a distribution plan (issue 15):
    /// their team's tariff; they see only the cases that team handles.
    pub provider_share: Option<crate::users::Tariff>,
}

/// The authenticated caller of one request, everything the authorization
/// policy needs to decide without further look-ups.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The signed-in user; `None` for the system (the command line, mail
    /// ingestion, web forms, background services), which is no user.
    pub user_id: Option<UserId>,
    pub email: String,
    /// Display name, for live events ("updated by …").
    pub name: String,
    pub role: Role,
    /// The client the user belongs to; `None` for platform admins and the
    /// provider's staff.
    pub client_id: Option<ClientId>,
    pub memberships: Vec<Membership>,
    /// Set when the request was authenticated by a session cookie.
    pub session: Option<SessionAuth>,
    pub ip: Option<String>,
}

impl Principal {
    /// The id of the signed-in user, for what only a user does (tokens,
    /// presence, a password change): the system has none and is answered
    /// as not signed in.
    pub fn user(&self) -> Result<UserId, super::AuthError> {
        self.user_id.ok_or(super::AuthError::Unauthenticated)
    }

    /// The operator on the server's own command line: acts as a platform
    /// admin; the audit log names it `cli`.
    pub fn operator() -> Principal {
        Principal {
            user_id: None,
            email: "cli".into(),
            name: "Command line".into(),
            role: Role::Admin,
            client_id: None,
            memberships: Vec::new(),
            session: None,
            ip: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SessionAuth {
    pub session_id: i64,
    pub csrf_token: String,
}

/// What the UI may offer the user; derived from the policy, never stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Permissions {
    pub manage_clients: bool,
    pub manage_projects: bool,
    pub manage_members: bool,
    pub manage_users: bool,
    pub manage_teams: bool,
    /// Create, change and delete the provider's teams.
    pub manage_provider_teams: bool,
    pub view_audit: bool,
    /// The appliance: background services and backups.
    pub manage_services: bool,
    pub manage_backups: bool,
    /// The platform's own sender (invitations, password links).
    pub manage_platform_mail: bool,
}

/// What the UI may offer the user in one project (issue 17): asked of the
/// same policy functions the handlers ask, never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProjectActions {
    /// The project's set-up: its settings, topics, data masks, web form,
    /// mailboxes and retention.
    pub manage_settings: bool,
    /// Add and remove the project's members.
    pub manage_members: bool,
    /// Delete, merge and import the client's contacts and organizations.
    pub manage_customers: bool,
    /// The project's routing of new cases to agents.
    pub manage_routing: bool,
    /// The project's distribution plan (own team / provider teams).
    pub manage_distribution: bool,
    /// Read the project's distribution plan.
    pub view_distribution: bool,
    /// Read the project's SLA policies.
    pub view_sla: bool,
    /// Write, publish, withdraw and delete work instructions limited to
    /// this project.
    pub manage_instructions: bool,
    /// Read the project's forecast, actuals and staffing.
    pub view_forecast: bool,
    /// Enter the project's forecast, change its settings, relearn its
    /// profiles.
    pub manage_forecast: bool,
    /// The handling a case of the project may be given, of `client`,
    /// `provider-basic`, `provider-pro` and `provider` (any provider team).
    pub handling: Vec<String>,
}

/// What the UI may offer the user at one client (issue 17): asked of the
/// same policy functions the handlers ask, never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ClientActions {
    /// Read the client's business calendars.
    pub view_calendars: bool,
    /// Create, change and delete the client's calendars and SLA policies.
    pub manage_sla: bool,
    /// Read the client's rules (those for all its projects at least).
    pub view_rules: bool,
    /// Create, change, activate, reorder and delete the client's rules.
    pub manage_rules: bool,
    /// See and manage the client's webhooks.
    pub manage_webhooks: bool,
    /// Export all of the client's data.
    pub export: bool,
    /// Write and publish the client's knowledge and text modules.
    pub edit_knowledge: bool,
    /// See and restore the client's deleted knowledge and text modules.
    pub restore_knowledge: bool,
    /// Work instructions for every project of the client.
    pub manage_instructions: bool,
    /// The client-wide defaults of knowledge and instructions.
    pub set_defaults: bool,
    /// Create, rename and delete the client's teams.
    pub manage_teams: bool,
    /// Data subject requests (access export, erasure) for its contacts.
    pub gdpr_requests: bool,
}

/// A client as listed in `/me`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyClient {
    pub id: ClientId,
    pub name: String,
    /// What the user may do at the client (the UI shows only that).
    pub can: ClientActions,
}

/// What the UI may offer on one work instruction (issue 17), from the
/// policy: change, publish, withdraw and delete it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct InstructionActions {
    pub manage: bool,
}

/// What the UI may offer on one user (issue 17), from the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct UserActions {
    pub edit: bool,
    pub deactivate: bool,
    /// List and revoke the user's API tokens.
    pub tokens: bool,
    /// Send an invitation (a one-time link to set the password).
    pub invite: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    #[schema(max_length = 254)]
    pub email: String,
    #[schema(max_length = 256)]
    pub password: String,
}

/// A project as listed in `/me`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyProject {
    pub id: ProjectId,
    pub name: String,
    pub key: String,
    pub client_id: ClientId,
    pub client_name: String,
    /// The user's role in the project; `null` where they see it as an admin.
    pub member_role: Option<MemberRole>,
    /// An agent granted editing of the project's knowledge articles
    /// (`knowledge_editors`).
    pub edits_knowledge: bool,
    /// Set for a provider agent in a project with a distribution plan
    /// (issue 15): their team's tariff; they see only the cases that team
    /// handles there (`policy::view_case`).
    pub provider_share: Option<crate::users::Tariff>,
    /// What the user may do in the project (the UI shows only that).
    pub can: ProjectActions,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClientRef {
    pub id: ClientId,
    pub name: String,
}

/// `GET /api/v1/me`: who the caller is and what they may do.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Me {
    pub user: crate::users::User,
    pub client: Option<ClientRef>,
    pub projects: Vec<MyProject>,
    /// The clients the user sees, with what they may do at each.
    pub clients: Vec<MyClient>,
    /// Send as `X-CSRF-Token` with every state-changing request made with the
    /// session cookie; `null` for bearer tokens.
    pub csrf_token: Option<String>,
    pub permissions: Permissions,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    #[schema(max_length = 100)]
    pub name: String,
    /// Days until the token expires; omitted: 365; `0`: never.
    #[schema(maximum = 3650)]
    pub expires_in_days: Option<u32>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    /// `null`: never expires.
    pub expires_at: Option<String>,
}

/// A new API token; `token` is shown this once and stored only as a hash.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenCreated {
    pub id: i64,
    pub name: String,
    pub token: String,
    pub created_at: String,
    /// `null`: never expires.
    pub expires_at: Option<String>,
}

/// `POST /api/v1/me/password`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 10 characters, and not easy to guess (a strength estimate
    /// refuses common passwords, patterns and the user's own name or
    /// e-mail address).
    pub new_password: String,
}

crate::db::text_enum!(Role, MemberRole);
