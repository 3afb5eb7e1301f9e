//! The one place that decides who may do what. Every handler asks here;
//! list queries get their visibility from the scopes below.
//!
//! A foreign object is answered with `NotFound`, never `Forbidden`, so that
//! nobody learns what exists at another client.

use super::model::{
    ClientActions, MemberRole, Permissions, Principal, ProjectActions, Role, UserActions,
};
use crate::ids::{ClientId, ProjectId, TeamId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("you may not do this")]
    Forbidden,
    #[error("no such resource")]
    NotFound,
}

/// Which rows of a client-owned table the principal may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    All,
    /// Rows of these clients.
    Clients(Vec<ClientId>),
    /// Rows of these projects only.
    Projects(Vec<ProjectId>),
}

/// Which users the principal may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserVisibility {
    All,
    /// A client admin: the client's users and everybody who works in one of
    /// the client's projects.
    ClientAndItsProjects(ClientId),
    /// A project lead: the provider's staff and the users of the clients
    /// they lead projects for.
    ProviderAndClients(Vec<ClientId>),
    /// Only oneself.
    Oneself(Option<UserId>),
}

/// What a row needs to reveal for a decision about it.
#[derive(Debug, Clone, Copy)]
pub struct ProjectRef {
    pub id: ProjectId,
    pub client_id: ClientId,
}

#[derive(Debug, Clone, Copy)]
pub struct UserRef {
    pub id: UserId,
    pub role: Role,
    pub client_id: Option<ClientId>,
}

#[derive(Debug, Clone, Copy)]
pub struct TeamRef {
    pub id: TeamId,
    pub client_id: Option<ClientId>,
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    fn is_admin_of(&self, client_id: ClientId) -> bool {
        self.role == Role::ClientAdmin && self.client_id == Some(client_id)
    }

    fn member_role(&self, project_id: ProjectId) -> Option<MemberRole> {
        self.memberships
            .iter()
            .find(|m| m.project_id == project_id)
            .map(|m| m.role)
    }

    /// Clients whose projects the principal works in.
    fn member_clients(&self) -> Vec<ClientId> {
        let mut ids: Vec<ClientId> = self.memberships.iter().map(|m| m.client_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    pub fn permissions(&self) -> Permissions {
        let admin = self.is_admin();
        let client_admin = self.role == Role::ClientAdmin;
        Permissions {
            manage_clients: admin,
            manage_projects: admin || client_admin,
            manage_members: admin || client_admin || self.role == Role::ProjectLead,
            manage_users: admin || client_admin,
            manage_teams: admin || client_admin,
            manage_provider_teams: manage_team(self, None).is_ok(),
            view_audit: admin || client_admin,
            manage_services: manage_services(self).is_ok(),
            manage_backups: manage_backups(self).is_ok(),
            manage_platform_mail: manage_platform_mail(self).is_ok(),
        }
    }
}

fn allow(ok: bool, otherwise: Denied) -> Result<(), Denied> {
    if ok { Ok(()) } else { Err(otherwise) }
}

// ---- clients ---------------------------------------------------------------

pub fn client_visibility(p: &Principal) -> Visibility {
    match (p.role, p.client_id) {
        (Role::Admin, _) => Visibility::All,
        (Role::ClientAdmin, Some(own)) => Visibility::Clients(vec![own]),
        _ => Visibility::Clients(p.member_clients()),
    }
}

pub fn view_client(p: &Principal, client_id: ClientId) -> Result<(), Denied> {
    allow(
        client_visibility(p).includes_client(client_id),
        Denied::NotFound,
    )
}

pub fn create_client(p: &Principal) -> Result<(), Denied> {
    allow(p.is_admin(), Denied::Forbidden)
}

pub fn rename_client(p: &Principal, client_id: ClientId) -> Result<(), Denied> {
    view_client(p, client_id)?;
    allow(p.is_admin() || p.is_admin_of(client_id), Denied::Forbidden)
}

pub fn delete_client(p: &Principal, client_id: ClientId) -> Result<(), Denied> {
    view_client(p, client_id)?;
    allow(p.is_admin(), Denied::Forbidden)
}

// ---- projects --------------------------------------------------------------

pub fn project_visibility(p: &Principal) -> Visibility {
    match (p.role, p.client_id) {
        (Role::Admin, _) => Visibility::All,
        (Role::ClientAdmin, Some(own)) => Visibility::Clients(vec![own]),
        _ => Visibility::Projects(p.memberships.iter().map(|m| m.project_id).collect()),
    }
}

pub fn view_project(p: &Principal, project: ProjectRef) -> Result<(), Denied> {
    let visible = match project_visibility(p) {
        Visibility::All => true,
        Visibility::Clients(ids) => ids.contains(&project.client_id),
        Visibility::Projects(ids) => ids.contains(&project.id),
    };
    allow(visible, Denied::NotFound)
}

/// Whether `p` works in one of `project_ids` of `client_id` (empty: in any
/// project of the client). For things that apply to several projects, such
/// as a text module or a work instruction.
pub fn sees_projects_of(p: &Principal, client_id: ClientId, project_ids: &[ProjectId]) -> bool {
    match project_visibility(p) {
        Visibility::All => true,
        Visibility::Clients(ids) => ids.contains(&client_id),
        Visibility::Projects(_) => p.memberships.iter().any(|m| {
            m.client_id == client_id
                && (project_ids.is_empty() || project_ids.contains(&m.project_id))
        }),
    }
}

/// Web-form submissions held for review (the form was over its hourly
/// limit): everybody who works in the project sees, releases and discards
/// them.
pub fn review_held_submissions(p: &Principal, project: ProjectRef) -> Result<(), Denied> {
    view_project(p, project)
}

/// Create, change and delete projects of a client.
pub fn manage_projects_of(p: &Principal, client_id: ClientId) -> Result<(), Denied> {
    view_client(p, client_id)?;
    allow(p.is_admin() || p.is_admin_of(client_id), Denied::Forbidden)
}

/// Add and remove project members.
pub fn manage_members(p: &Principal, project: ProjectRef) -> Result<(), Denied> {
    view_project(p, project)?;
    allow(
        p.is_admin()
            || p.is_admin_of(project.client_id)
            || (p.role == Role::ProjectLead && p.member_role(project.id) == Some(MemberRole::Lead)),
        Denied::Forbidden,
    )
}

// ---- users -----------------------------------------------------------------

pub fn user_visibility(p: &Principal) -> UserVisibility {
    match (p.role, p.client_id) {
        (Role::Admin, _) => UserVisibility::All,
        (Role::ClientAdmin, Some(own)) => UserVisibility::ClientAndItsProjects(own),
        (Role::ProjectLead, _) => UserVisibility::ProviderAndClients(p.member_clients()),
        _ => UserVisibility::Oneself(p.user_id),
    }
}

/// Create a user with this role for this client (`None`: provider/platform).
pub fn create_user(p: &Principal, role: Role, client_id: Option<ClientId>) -> Result<(), Denied> {
    if p.is_admin() {
        return Ok(());
    }
    if let Some(client_id) = client_id {
        view_client(p, client_id)?;
    }
    allow(
        matches!(client_id, Some(c) if p.is_admin_of(c))
            && matches!(role, Role::ClientAdmin | Role::Agent),
        Denied::Forbidden,
    )
}

/// Change a visible user, possibly giving them `new_role`.
pub fn update_user(p: &Principal, target: UserRef, new_role: Option<Role>) -> Result<(), Denied> {
    if p.is_admin() {
        return Ok(());
    }
    let own_client_user = matches!(target.client_id, Some(c) if p.is_admin_of(c));
    let role_ok = new_role.is_none_or(|r| matches!(r, Role::ClientAdmin | Role::Agent));
    allow(own_client_user && role_ok, Denied::Forbidden)
}

pub fn deactivate_user(p: &Principal, target: UserRef) -> Result<(), Denied> {
    update_user(p, target, None)?;
    allow(Some(target.id) != p.user_id, Denied::Forbidden)
}

/// Send a user a one-time link to set their password (an invitation):
/// exactly who may edit the user.
pub fn invite_user(p: &Principal, target: UserRef) -> Result<(), Denied> {
    update_user(p, target, None)
}

/// List and revoke another user's API tokens: platform admins for anyone,
/// client admins for the users of their client.
pub fn manage_user_tokens(p: &Principal, target: UserRef) -> Result<(), Denied> {
    allow(
        p.is_admin() || matches!(target.client_id, Some(c) if p.is_admin_of(c)),
        Denied::Forbidden,
    )
}

// ---- teams -----------------------------------------------------------------

/// `Clients(ids)` here also admits the provider's teams where
/// `provider_teams` says so.
pub fn team_visibility(p: &Principal) -> (Visibility, bool) {
    match (p.role, p.client_id) {
        (Role::Admin, _) => (Visibility::All, true),
        (Role::ClientAdmin, Some(own)) => (Visibility::Clients(vec![own]), true),
        (Role::ProjectLead, _) => (Visibility::Clients(p.member_clients()), true),
        (_, Some(own)) => (Visibility::Clients(vec![own]), false),
        // A provider agent sees the provider's teams.
        _ => (Visibility::Clients(vec![]), true),
    }
}

pub fn view_team(p: &Principal, team: TeamRef) -> Result<(), Denied> {
    let (visibility, provider) = team_visibility(p);
    let visible = match team.client_id {
        None => provider,
        Some(c) => visibility.includes_client(c),
    };
    allow(visible, Denied::NotFound)
}

/// Create, rename or delete a team of this client (`None`: the provider's).
pub fn manage_team(p: &Principal, client_id: Option<ClientId>) -> Result<(), Denied> {
    if let Some(c) = client_id {
        view_client(p, c)?;
    }
    allow(
        p.is_admin() || matches!(client_id, Some(c) if p.is_admin_of(c)),
        Denied::Forbidden,
    )
}

// ---- customer database -----------------------------------------------------
//
// The customer database (contacts, organizations) belongs to a client and
// serves all its projects. Everybody who works for a client may view and
// edit it: the client's admin, and project leads and agents in the client's
// projects. Deleting, merging and importing is for the platform admin, the
// client's admin and the provider's project leads of the client's projects.

/// Clients whose customer database the principal may see.
/// Team Pro: the agents of a Pro team work, all together, for one client
/// only. `clients` are the clients of the projects the team's agents work
/// in, with the change being decided counted in (a project to join, an
/// agent moving into the team). Keyed on the team, so that moving an agent
/// between teams cannot sidestep it.
pub fn team_pro_allows(team_tariff: Option<crate::users::Tariff>, clients: &[ClientId]) -> bool {
    team_tariff != Some(crate::users::Tariff::Pro) || clients.iter().all(|&c| c == clients[0])
}

pub fn customer_visibility(p: &Principal) -> Visibility {
    match (p.role, p.client_id) {
        (Role::Admin, _) => Visibility::All,
        (Role::ClientAdmin, Some(own)) => Visibility::Clients(vec![own]),
        (Role::ClientAdmin, None) => Visibility::Clients(vec![]),
        _ => Visibility::Clients(p.member_clients()),
    }
}

/// View a client's contacts and organizations; a foreign client is 404.
pub fn view_customers(p: &Principal, client_id: ClientId) -> Result<(), Denied> {
    allow(
        customer_visibility(p).includes_client(client_id),
        Denied::NotFound,
    )
}

/// Create and change contacts and organizations of a client.
pub fn edit_customers(p: &Principal, client_id: ClientId) -> Result<(), Denied> {
    view_customers(p, client_id)
}

/// Delete, merge and import contacts and organizations of a client.
pub fn manage_customers(p: &Principal, client_id: ClientId) -> Result<(), Denied> {
    view_customers(p, client_id)?;
    let leads_client = p.role == Role::ProjectLead
        && p.memberships
            .iter()
            .any(|m| m.client_id == client_id && m.role == MemberRole::Lead);
    allow(
        p.is_admin() || p.is_admin_of(client_id) || leads_client,
        Denied::Forbidden,
    )
}

// ---- data export and GDPR --------------------------------------------------

/// Export all data of a client: its client admin and platform admins.
pub fn export_client(p: &Principal, client_id: ClientId) -> Result<(), Denied> {
    view_client(p, client_id)?;
    allow(p.is_admin() || p.is_admin_of(client_id), Denied::Forbidden)
}

/// Data subject requests (access export, erasure) for a client's contacts:
/// its client admin and platform admins.
pub fn gdpr_requests(p: &Principal, client_id: ClientId) -> Result<(), Denied> {
    view_customers(p, client_id)?;
    allow(p.is_admin() || p.is_admin_of(client_id), Denied::Forbidden)
}

/// See and set a project's retention rule.
pub fn manage_retention(p: &Principal, project: ProjectRef) -> Result<(), Denied> {
    view_project(p, project)?;
    allow(
        p.is_admin() || p.is_admin_of(project.client_id),
        Denied::Forbidden,
    )
}

// ---- the appliance: background services, backups --------------------------
//
// Running the appliance is the platform admin's alone: a client admin never
// sees services or backups (a backup holds every client's data).

/// See and control the background services.
pub fn manage_services(p: &Principal) -> Result<(), Denied> {
    allow(p.is_admin(), Denied::Forbidden)
}

/// See and set the platform sender (the SMTP account of the platform's
/// own mail: invitations, password resets).
pub fn manage_platform_mail(p: &Principal) -> Result<(), Denied> {
    allow(p.is_admin(), Denied::Forbidden)
}

/// List, make, download and delete backups.
pub fn manage_backups(p: &Principal) -> Result<(), Denied> {
    allow(p.is_admin(), Denied::Forbidden)
}

// ---- knowledge -------------------------------------------------------------
//
// A client's knowledge (docs/knowledge.md) is read by everybody who works in
// one of its projects and edited by its client admin and the provider's
// project leads of its projects. Readers see published versions only, and
// of articles limited to projects only those of their own projects.

/// How the principal may read a client's knowledge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnowledgeReader {
    /// Sees every state and every project; may edit and publish.
    Editor,
    /// Sees published versions of articles that are not limited to
    /// projects, or limited to one of `projects`; and, in every state,
    /// edits the articles limited to projects of `edits` only (editing
    /// granted per project, `knowledge_editors`).
    Reader {
        projects: Vec<ProjectId>,
        edits: Vec<ProjectId>,
    },
}

impl KnowledgeReader {
    /// Whether this reader edits an article limited (or not) to these
    /// projects: editors every article; a granted agent one limited to
    /// projects they were all granted (never one all projects read).
    pub fn edits_article(&self, limited: bool, article_projects: &[ProjectId]) -> bool {
        match self {
            KnowledgeReader::Editor => true,
            KnowledgeReader::Reader { edits, .. } => {
                limited
                    && !article_projects.is_empty()
                    && article_projects.iter().all(|p| edits.contains(p))
            }
        }
    }
}

pub fn knowledge_reader(p: &Principal, client_id: ClientId) -> Result<KnowledgeReader, Denied> {
    if p.is_admin() || p.is_admin_of(client_id) {
        return Ok(KnowledgeReader::Editor);
    }
    let own: Vec<_> = p
        .memberships
        .iter()
        .filter(|m| m.client_id == client_id)
        .collect();
    if own.is_empty() {
        return Err(Denied::NotFound);
    }
    let leads = p.role == Role::ProjectLead && own.iter().any(|m| m.role == MemberRole::Lead);
    Ok(if leads {
        KnowledgeReader::Editor
    } else {
        KnowledgeReader::Reader {
            projects: own.iter().map(|m| m.project_id).collect(),
            edits: own
                .iter()
                .filter(|m| m.edits_knowledge)
                .map(|m| m.project_id)
                .collect(),
        }
    })
}

/// Create, change, publish and delete a client's knowledge.
pub fn edit_knowledge(p: &Principal, client_id: ClientId) -> Result<(), Denied> {
    match knowledge_reader(p, client_id)? {
        KnowledgeReader::Editor => Ok(()),
        KnowledgeReader::Reader { .. } => Err(Denied::Forbidden),
    }
}

/// Change, publish and delete one article (limited or not, to these
/// projects): editors; an agent granted editing in every one of its
/// projects.
pub fn edit_knowledge_article(
    p: &Principal,
    client_id: ClientId,
    limited: bool,
    article_projects: &[ProjectId],
) -> Result<(), Denied> {
    allow(
        knowledge_reader(p, client_id)?.edits_article(limited, article_projects),
        Denied::Forbidden,
    )
}

/// Grant and revoke an agent's editing of a project's knowledge: platform
/// admins, the client's admin, the project's lead (who manage its members).
pub fn grant_knowledge_editing(p: &Principal, project: ProjectRef) -> Result<(), Denied> {
    manage_members(p, project)
}

/// Switch a project's help center on or off (`/help/{key}`: public pages):
/// the client's admin and platform admins; a project lead sees the switch
/// (403), an agent of the project 403, anybody else 404.
pub fn switch_help_center(p: &Principal, project: ProjectRef) -> Result<(), Denied> {
    view_project(p, project)?;
    allow(
        p.is_admin() || p.is_admin_of(project.client_id),
        Denied::Forbidden,
    )
}

/// See and restore a client's deleted knowledge: its client admin and
/// platform admins.
pub fn restore_knowledge(p: &Principal, client_id: ClientId) -> Result<(), Denied> {
    knowledge_reader(p, client_id)?;
    allow(p.is_admin() || p.is_admin_of(client_id), Denied::Forbidden)
}

/// Write, publish, withdraw and delete a work instruction of a client for
/// `project_ids` (empty: every project): the client's admin and platform
/// admins for any projects; a project lead only for projects they lead, and
/// never for the whole client. A foreign client is 404.
pub fn manage_instruction(
    p: &Principal,
    client_id: ClientId,
    project_ids: &[ProjectId],
) -> Result<(), Denied> {
    edit_knowledge(p, client_id)?;
    if p.is_admin() || p.is_admin_of(client_id) {
        return Ok(());
    }
    let leads = |id: &ProjectId| {
        p.memberships
            .iter()
            .any(|m| m.project_id == *id && m.client_id == client_id && m.role == MemberRole::Lead)
    };
    allow(
        !project_ids.is_empty() && project_ids.iter().all(leads),
        Denied::Forbidden,
    )
}

/// Client-wide defaults of knowledge and instructions (the default remind
/// hours): the client's admin and platform admins; the client's other
/// editors and readers 403, anybody else 404.
pub fn set_client_defaults(p: &Principal, client_id: ClientId) -> Result<(), Denied> {
    knowledge_reader(p, client_id)?;
    allow(p.is_admin() || p.is_admin_of(client_id), Denied::Forbidden)
}

// ---- audit log -------------------------------------------------------------

pub fn audit_visibility(p: &Principal) -> Result<Visibility, Denied> {
    match (p.role, p.client_id) {
        (Role::Admin, _) => Ok(Visibility::All),
        (Role::ClientAdmin, Some(own)) => Ok(Visibility::Clients(vec![own])),
        _ => Err(Denied::Forbidden),
    }
}

impl Visibility {
    pub fn includes_client(&self, client_id: ClientId) -> bool {
        match self {
            Visibility::All => true,
            Visibility::Clients(ids) => ids.contains(&client_id),
            Visibility::Projects(_) => false,
        }
    }
}

impl crate::problem::Problem for Denied {
    fn problem(&self) -> crate::problem::Answer {
        match self {
            Denied::Forbidden => crate::problem::Answer::new(403, "forbidden", self),
            Denied::NotFound => crate::problem::Answer::not_found(self),
        }
    }
}

// ---- business calendars and SLAs (issue 15) ----------------------------------

/// See a client's business calendars: its admin, and the project leads of
/// its projects (they read the SLAs of their projects).
pub fn view_calendars(p: &Principal, client_id: ClientId) -> Result<(), Denied> {
    view_client(p, client_id)?;
    let leads = p
        .memberships
        .iter()
        .any(|m| m.client_id == client_id && m.role == MemberRole::Lead);
    allow(
        p.is_admin() || p.is_admin_of(client_id) || leads,
        Denied::Forbidden,
    )
}

/// Create, change and delete a client's calendars and SLA policies.
pub fn manage_sla(p: &Principal, client_id: ClientId) -> Result<(), Denied> {
    view_client(p, client_id)?;
    allow(p.is_admin() || p.is_admin_of(client_id), Denied::Forbidden)
}

/// See a project's SLA policies: the client's admin and the project's lead.
pub fn view_sla_policies(p: &Principal, project: ProjectRef) -> Result<(), Denied> {
    view_project(p, project)?;
    allow(
        p.is_admin()
            || p.is_admin_of(project.client_id)
            || p.member_role(project.id) == Some(MemberRole::Lead),
        Denied::Forbidden,
    )
}

// ---- rules (issue 15) ----------------------------------------------------------

/// Create, change, activate, reorder and delete a client's rules; dry runs.
pub fn manage_rules(p: &Principal, client_id: ClientId) -> Result<(), Denied> {
    view_client(p, client_id)?;
    allow(p.is_admin() || p.is_admin_of(client_id), Denied::Forbidden)
}

/// Read a rule limited to `project_ids` (empty: all of the client's
/// projects): the client's admin, and the leads of those projects.
pub fn view_rule(
    p: &Principal,
    client_id: ClientId,
    project_ids: &[ProjectId],
) -> Result<(), Denied> {
    view_client(p, client_id)?;
    let leads = p.memberships.iter().any(|m| {
        m.client_id == client_id
            && m.role == MemberRole::Lead
            && (project_ids.is_empty() || project_ids.contains(&m.project_id))
    });
    allow(
        p.is_admin() || p.is_admin_of(client_id) || leads,
        Denied::Forbidden,
    )
}

// ---- webhooks (issue 15) -----------------------------------------------------

/// See and manage a client's webhooks and their deliveries: its admin and
/// the platform admin; nobody else (403 where the client is seen, 404
/// elsewhere).
pub fn manage_webhooks(p: &Principal, client_id: ClientId) -> Result<(), Denied> {
    view_client(p, client_id)?;
    allow(p.is_admin() || p.is_admin_of(client_id), Denied::Forbidden)
}

// ---- distribution between own team and provider (issue 15) -----------------

/// See a project's distribution plan: the client's admin and the
/// project's lead.
pub fn view_distribution(p: &Principal, project: ProjectRef) -> Result<(), Denied> {
    view_sla_policies(p, project)
}

/// Change a project's distribution plan: the client's admin.
pub fn manage_distribution(p: &Principal, project: ProjectRef) -> Result<(), Denied> {
    view_project(p, project)?;
    allow(
        p.is_admin() || p.is_admin_of(project.client_id),
        Denied::Forbidden,
    )
}

// ---- forecast and staffing (issue 18) -------------------------------------------

/// See a project's forecast, its profiles, actuals and staffing: the
/// client's admin and the project's lead.
pub fn view_forecast(p: &Principal, project: ProjectRef) -> Result<(), Denied> {
    view_sla_policies(p, project)
}

/// Enter the forecast, change its settings, relearn its profiles: the
/// client's admin (the client plans its volumes).
pub fn manage_forecast(p: &Principal, project: ProjectRef) -> Result<(), Denied> {
    manage_distribution(p, project)
}

// ---- routing to agents (issue 15) -------------------------------------------

/// See and change how a project's new cases reach agents (modes, the
/// agents' routing state, the queue): the client's admin and the project's
/// lead.
pub fn manage_routing(p: &Principal, project: ProjectRef) -> Result<(), Denied> {
    view_sla_policies(p, project)
}

/// What the principal may do with an agent's skills and capacities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentRoutingAccess {
    Read,
    Edit,
}

/// An agent's skills and capacities: the platform admin for everyone; the
/// client's admin edits the client's own agents and reads the provider's
/// agents working in the client's projects; a project lead edits the agents
/// of the projects they lead; an agent reads their own. Anyone else: 404.
/// `target_projects`: the projects the target works in as an agent.
pub fn agent_routing(
    p: &Principal,
    target: UserRef,
    target_projects: &[ProjectRef],
) -> Result<AgentRoutingAccess, Denied> {
    if p.is_admin() {
        return Ok(AgentRoutingAccess::Edit);
    }
    if matches!(target.client_id, Some(c) if p.is_admin_of(c)) {
        return Ok(AgentRoutingAccess::Edit);
    }
    if p.role == Role::ProjectLead
        && target_projects
            .iter()
            .any(|t| p.member_role(t.id) == Some(MemberRole::Lead))
        && target
            .client_id
            .is_none_or(|c| target_projects.iter().any(|t| t.client_id == c))
    {
        return Ok(AgentRoutingAccess::Edit);
    }
    if p.role == Role::ClientAdmin
        && target.client_id.is_none()
        && target_projects
            .iter()
            .any(|t| p.client_id == Some(t.client_id))
    {
        return Ok(AgentRoutingAccess::Read);
    }
    if Some(target.id) == p.user_id {
        return Ok(AgentRoutingAccess::Read);
    }
    Err(Denied::NotFound)
}

/// The handling team of a case, as far as visibility goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseHandling {
    pub provider: bool,
    /// Which provider team (`None`: any, a provider case from before plans).
    pub tariff: Option<crate::users::Tariff>,
}

impl CaseHandling {
    /// A case whose team is not known: seen only where no share limits.
    pub const UNKNOWN: CaseHandling = CaseHandling {
        provider: false,
        tariff: None,
    };
}

/// Whether the principal sees a case of this project with this handling
/// team: who sees the project, except that a provider agent in a project
/// with a distribution plan sees only the cases of their team's share.
pub fn view_case(p: &Principal, project: ProjectRef, handling: CaseHandling) -> Result<(), Denied> {
    view_project(p, project)?;
    allow(sees_handling(p, project.id, handling), Denied::NotFound)
}

/// The handling part of [`view_case`], for a project the principal sees.
pub fn sees_handling(p: &Principal, project_id: ProjectId, handling: CaseHandling) -> bool {
    match p
        .memberships
        .iter()
        .find(|m| m.project_id == project_id)
        .and_then(|m| m.provider_share)
    {
        None => true,
        Some(own) => handling.provider && handling.tariff.is_none_or(|t| t == own),
    }
}

/// Whether the principal may give a case of this project (which they see)
/// the handling `after`: anyone who may edit the case, except that a
/// provider agent limited to one team's share (a plan in the project) may
/// only keep a case in that share or give it back to the client's own
/// team; handing it to the other provider team (or to "any" provider
/// team, which the other team sees too) is the client's decision (its
/// agents, leads, admins) or the platform admin's.
pub fn change_handling(p: &Principal, project_id: ProjectId, after: CaseHandling) -> bool {
    match p
        .memberships
        .iter()
        .find(|m| m.project_id == project_id)
        .and_then(|m| m.provider_share)
    {
        None => true,
        Some(own) => !after.provider || after.tariff == Some(own),
    }
}

/// What the UI may offer `p` in `project` (a project they see): each
/// answer from the policy function its handler asks.
pub fn project_actions(p: &Principal, project: ProjectRef) -> ProjectActions {
    use crate::users::Tariff;
    let handling = [
        ("client", false, None),
        ("provider-basic", true, Some(Tariff::Basic)),
        ("provider-pro", true, Some(Tariff::Pro)),
        ("provider", true, None),
    ]
    .into_iter()
    .filter(|&(_, provider, tariff)| {
        change_handling(p, project.id, CaseHandling { provider, tariff })
    })
    .map(|(name, _, _)| name.to_string())
    .collect();
    ProjectActions {
        manage_settings: manage_projects_of(p, project.client_id).is_ok(),
        manage_members: manage_members(p, project).is_ok(),
        manage_customers: manage_customers(p, project.client_id).is_ok(),
        manage_routing: manage_routing(p, project).is_ok(),
        manage_distribution: manage_distribution(p, project).is_ok(),
        view_distribution: view_distribution(p, project).is_ok(),
        view_sla: view_sla_policies(p, project).is_ok(),
        manage_instructions: manage_instruction(p, project.client_id, &[project.id]).is_ok(),
        view_forecast: view_forecast(p, project).is_ok(),
        manage_forecast: manage_forecast(p, project).is_ok(),
        handling,
    }
}

/// What the UI may offer `p` at client `client_id` (one they see): each
/// answer from the policy function its handler asks.
pub fn client_actions(p: &Principal, client_id: ClientId) -> ClientActions {
    ClientActions {
        view_calendars: view_calendars(p, client_id).is_ok(),
        manage_sla: manage_sla(p, client_id).is_ok(),
        view_rules: view_rule(p, client_id, &[]).is_ok(),
        manage_rules: manage_rules(p, client_id).is_ok(),
        manage_webhooks: manage_webhooks(p, client_id).is_ok(),
        export: export_client(p, client_id).is_ok(),
        edit_knowledge: edit_knowledge(p, client_id).is_ok(),
        restore_knowledge: restore_knowledge(p, client_id).is_ok(),
        manage_instructions: manage_instruction(p, client_id, &[]).is_ok(),
        set_defaults: set_client_defaults(p, client_id).is_ok(),
        manage_teams: manage_team(p, Some(client_id)).is_ok(),
        gdpr_requests: gdpr_requests(p, client_id).is_ok(),
    }
}

/// What the UI may offer `p` on user `target` (one they see).
pub fn user_actions(p: &Principal, target: UserRef) -> UserActions {
    UserActions {
        edit: update_user(p, target, None).is_ok(),
        deactivate: deactivate_user(p, target).is_ok(),
        tokens: manage_user_tokens(p, target).is_ok(),
        invite: invite_user(p, target).is_ok(),
    }
}

/// The projects where the principal sees only one provider team's share,
/// with that team's tariff: for the list queries.
pub fn provider_shares(p: &Principal) -> Vec<(ProjectId, crate::users::Tariff)> {
    p.memberships
        .iter()
        .filter_map(|m| m.provider_share.map(|t| (m.project_id, t)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::model::Membership;

    fn who(
        role: Role,
        client_id: Option<ClientId>,
        memberships: &[(i64, ClientId, MemberRole)],
    ) -> Principal {
        Principal {
            user_id: Some(UserId(100)),
            email: "x@example.com".into(),
            name: "X".into(),
            role,
            client_id,
            memberships: memberships
                .iter()
                .map(|&(project_id, client_id, role)| Membership {
                    project_id: ProjectId(project_id),
                    client_id,
                    role,
                    edits_knowledge: false,
                    provider_share: None,
                })
                .collect(),
            session: None,
            ip: None,
        }
    }

    const OWN: ClientId = ClientId(1);
    const FOREIGN: ClientId = ClientId(2);

    #[test]
    fn the_ui_is_offered_what_the_policy_allows() {
        use crate::users::Tariff;
        let project = ProjectRef {
            id: ProjectId(10),
            client_id: OWN,
        };
        let all = ["client", "provider-basic", "provider-pro", "provider"];
        let admin = who(Role::ClientAdmin, Some(OWN), &[]);
        let can = project_actions(&admin, project);
        assert!(
            can.manage_settings
                && can.manage_members
                && can.manage_customers
                && can.manage_distribution
        );
        assert_eq!(can.handling, all);
        let agent = who(Role::Agent, Some(OWN), &[(10, OWN, MemberRole::Agent)]);
        let can = project_actions(&agent, project);
        assert!(
            !can.manage_settings
                && !can.manage_members
                && !can.manage_customers
                && !can.manage_distribution
        );
        assert_eq!(can.handling, all);
        // A Team Basic agent in a planned project keeps cases in their share
        // or gives them back, nothing else.
        let mut basic = who(Role::Agent, None, &[(10, OWN, MemberRole::Agent)]);
        basic.memberships[0].provider_share = Some(Tariff::Basic);
        assert_eq!(
            project_actions(&basic, project).handling,
            ["client", "provider-basic"]
        );

        // A client admin may not edit or deactivate the provider's agents
        // (no client), only their own client's users; never themselves.
        let provider_agent = UserRef {
            id: UserId(7),
            role: Role::Agent,
            client_id: None,
        };
        let own_agent = UserRef {
            id: UserId(8),
            role: Role::Agent,
            client_id: Some(OWN),
        };
        let none = UserActions {
            edit: false,
            deactivate: false,
            tokens: false,
            invite: false,
        };
        assert_eq!(user_actions(&admin, provider_agent), none);
        assert_eq!(
            user_actions(&admin, own_agent),
            UserActions {
                edit: true,
                deactivate: true,
                tokens: true,
                invite: true,
            }
        );
        let itself = UserRef {
            id: UserId(100),
            role: Role::ClientAdmin,
            client_id: Some(OWN),
        };
        assert!(!user_actions(&admin, itself).deactivate);
        // Inviting is editing: a client admin invites their own client's
        // users (themselves too: a new link), never a provider agent.
        assert!(user_actions(&admin, itself).invite);
        assert_eq!(user_actions(&agent, own_agent), none);
    }

    #[test]
    fn a_provider_agent_in_a_planned_project_sees_only_their_teams_share() {
        use crate::users::Tariff;
        let mut basic = who(
            Role::Agent,
            None,
            &[(10, OWN, MemberRole::Agent), (11, OWN, MemberRole::Agent)],
        );
        // Project 10 has a plan, project 11 none.
        basic.memberships[0].provider_share = Some(Tariff::Basic);
        let planned = ProjectRef {
            id: ProjectId(10),
            client_id: OWN,
        };
        let open = ProjectRef {
            id: ProjectId(11),
            client_id: OWN,
        };
        let case = |provider, tariff| CaseHandling { provider, tariff };
        assert!(view_case(&basic, planned, case(true, Some(Tariff::Basic))).is_ok());
        assert!(view_case(&basic, planned, case(true, None)).is_ok());
        assert_eq!(
            view_case(&basic, planned, case(true, Some(Tariff::Pro))),
            Err(Denied::NotFound)
        );
        assert_eq!(
            view_case(&basic, planned, case(false, None)),
            Err(Denied::NotFound)
        );
        assert!(!sees_handling(&basic, planned.id, CaseHandling::UNKNOWN));
        // Without a plan: every case of the project, as before.
        assert!(view_case(&basic, open, case(false, None)).is_ok());
        assert_eq!(
            provider_shares(&basic),
            vec![(ProjectId(10), Tariff::Basic)]
        );
        // The client's own agent, the lead and the admin see every case.
        let anna = who(Role::Agent, Some(OWN), &[(10, OWN, MemberRole::Agent)]);
        let lead = who(Role::ProjectLead, None, &[(10, OWN, MemberRole::Lead)]);
        for p in [&anna, &lead] {
            assert!(view_case(p, planned, case(true, Some(Tariff::Pro))).is_ok());
            assert!(view_case(p, planned, case(false, None)).is_ok());
            // … and may give a case to any team.
            assert!(change_handling(
                p,
                planned.id,
                case(true, Some(Tariff::Pro))
            ));
            assert!(change_handling(p, planned.id, case(true, None)));
        }
        // The limited Basic agent: their share or back to the own team only.
        assert!(change_handling(
            &basic,
            planned.id,
            case(true, Some(Tariff::Basic))
        ));
        assert!(change_handling(&basic, planned.id, case(false, None)));
        assert!(!change_handling(
            &basic,
            planned.id,
            case(true, Some(Tariff::Pro))
        ));
        assert!(!change_handling(&basic, planned.id, case(true, None)));
        // Without a plan the tariff limits nobody.
        assert!(change_handling(
            &basic,
            open.id,
            case(true, Some(Tariff::Pro))
        ));
        // Another client's project stays 404.
        let foreign = ProjectRef {
            id: ProjectId(20),
            client_id: FOREIGN,
        };
        assert_eq!(
            view_case(&basic, foreign, case(true, Some(Tariff::Basic))),
            Err(Denied::NotFound)
        );
        // Reading and changing a plan.
        let admin = who(Role::ClientAdmin, Some(OWN), &[]);
        assert!(manage_distribution(&admin, planned).is_ok());
        assert_eq!(manage_distribution(&lead, planned), Err(Denied::Forbidden));
        assert!(view_distribution(&lead, planned).is_ok());
        assert_eq!(view_distribution(&anna, planned), Err(Denied::Forbidden));
        let nord_admin = who(Role::ClientAdmin, Some(FOREIGN), &[]);
        assert_eq!(
            view_distribution(&nord_admin, planned),
            Err(Denied::NotFound)
        );
    }

    #[test]
    fn client_actions_answer_as_the_handlers_policy_does() {
        let admin = who(Role::ClientAdmin, Some(OWN), &[]);
        let lead = who(
            Role::ProjectLead,
            None,
            &[(10, OWN, MemberRole::Lead), (11, OWN, MemberRole::Agent)],
        );
        let agent = who(Role::Agent, None, &[(10, OWN, MemberRole::Agent)]);
        let everything = client_actions(&who(Role::Admin, None, &[]), FOREIGN);
        assert!(everything.manage_sla && everything.export && everything.manage_rules);
        let own = client_actions(&admin, OWN);
        assert!(own.manage_sla && own.manage_webhooks && own.export && own.gdpr_requests);
        assert!(own.manage_instructions && own.set_defaults && own.manage_teams);
        // A lead reads SLA calendars and rules, edits knowledge, writes
        // instructions only for the project they lead, and changes none
        // of the client-wide set-up.
        let led = client_actions(&lead, OWN);
        assert!(led.view_calendars && led.view_rules && led.edit_knowledge);
        assert!(!led.manage_sla && !led.manage_rules && !led.manage_webhooks && !led.export);
        assert!(!led.manage_instructions && !led.set_defaults && !led.restore_knowledge);
        let project = |id| ProjectRef {
            id: ProjectId(id),
            client_id: OWN,
        };
        assert!(project_actions(&lead, project(10)).manage_instructions);
        assert!(project_actions(&lead, project(10)).view_sla);
        assert!(!project_actions(&lead, project(11)).manage_instructions);
        assert!(!project_actions(&lead, project(11)).view_sla);
        // An agent: nothing of the set-up.
        let a = client_actions(&agent, OWN);
        assert!(!a.view_calendars && !a.view_rules && !a.edit_knowledge && !a.export);
        let p = project_actions(&agent, project(10));
        assert!(!p.view_sla && !p.view_distribution && !p.manage_instructions);
        // The provider's teams are the platform admin's.
        assert!(!admin.permissions().manage_provider_teams);
        assert!(!admin.permissions().manage_services);
        assert!(
            who(Role::Admin, None, &[])
                .permissions()
                .manage_provider_teams
        );
    }

    #[test]
    fn client_admin_never_sees_another_client() {
        let p = who(Role::ClientAdmin, Some(OWN), &[]);
        assert!(view_client(&p, OWN).is_ok());
        assert_eq!(view_client(&p, FOREIGN), Err(Denied::NotFound));
        assert!(
            view_project(
                &p,
                ProjectRef {
                    id: ProjectId(10),
                    client_id: OWN
                }
            )
            .is_ok()
        );
        assert_eq!(
            view_project(
                &p,
                ProjectRef {
                    id: ProjectId(20),
                    client_id: FOREIGN
                }
            ),
            Err(Denied::NotFound)
        );
        assert_eq!(manage_projects_of(&p, FOREIGN), Err(Denied::NotFound));
        assert_eq!(create_client(&p), Err(Denied::Forbidden));
        assert_eq!(
            create_user(&p, Role::Agent, Some(FOREIGN)),
            Err(Denied::NotFound)
        );
        assert_eq!(
            create_user(&p, Role::Admin, Some(OWN)),
            Err(Denied::Forbidden)
        );
        assert!(create_user(&p, Role::Agent, Some(OWN)).is_ok());
        assert_eq!(audit_visibility(&p), Ok(Visibility::Clients(vec![OWN])));
    }

    #[test]
    fn agent_sees_only_member_projects() {
        let p = who(Role::Agent, None, &[(10, OWN, MemberRole::Agent)]);
        assert!(
            view_project(
                &p,
                ProjectRef {
                    id: ProjectId(10),
                    client_id: OWN
                }
            )
            .is_ok()
        );
        assert_eq!(
            view_project(
                &p,
                ProjectRef {
                    id: ProjectId(11),
                    client_id: OWN
                }
            ),
            Err(Denied::NotFound)
        );
        assert_eq!(
            manage_members(
                &p,
                ProjectRef {
                    id: ProjectId(10),
                    client_id: OWN
                }
            ),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            user_visibility(&p),
            UserVisibility::Oneself(Some(UserId(100)))
        );
        assert_eq!(audit_visibility(&p), Err(Denied::Forbidden));
    }

    #[test]
    fn project_lead_manages_members_only_where_lead() {
        let p = who(
            Role::ProjectLead,
            None,
            &[(10, OWN, MemberRole::Lead), (11, OWN, MemberRole::Agent)],
        );
        assert!(
            manage_members(
                &p,
                ProjectRef {
                    id: ProjectId(10),
                    client_id: OWN
                }
            )
            .is_ok()
        );
        assert_eq!(
            manage_members(
                &p,
                ProjectRef {
                    id: ProjectId(11),
                    client_id: OWN
                }
            ),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            manage_members(
                &p,
                ProjectRef {
                    id: ProjectId(20),
                    client_id: FOREIGN
                }
            ),
            Err(Denied::NotFound)
        );
    }

    #[test]
    fn customer_database_belongs_to_the_client() {
        let admin = who(Role::Admin, None, &[]);
        assert_eq!(customer_visibility(&admin), Visibility::All);
        assert!(manage_customers(&admin, FOREIGN).is_ok());

        let ca = who(Role::ClientAdmin, Some(OWN), &[]);
        assert!(view_customers(&ca, OWN).is_ok());
        assert!(edit_customers(&ca, OWN).is_ok());
        assert!(manage_customers(&ca, OWN).is_ok());
        assert_eq!(view_customers(&ca, FOREIGN), Err(Denied::NotFound));
        assert_eq!(edit_customers(&ca, FOREIGN), Err(Denied::NotFound));
        assert_eq!(manage_customers(&ca, FOREIGN), Err(Denied::NotFound));

        // A lead leads at OWN and is only an agent at FOREIGN.
        let lead = who(
            Role::ProjectLead,
            None,
            &[
                (10, OWN, MemberRole::Lead),
                (20, FOREIGN, MemberRole::Agent),
            ],
        );
        assert_eq!(
            customer_visibility(&lead),
            Visibility::Clients(vec![OWN, FOREIGN])
        );
        assert!(manage_customers(&lead, OWN).is_ok());
        assert!(edit_customers(&lead, FOREIGN).is_ok());
        assert_eq!(manage_customers(&lead, FOREIGN), Err(Denied::Forbidden));
        assert_eq!(view_customers(&lead, ClientId(3)), Err(Denied::NotFound));

        let agent = who(Role::Agent, None, &[(10, OWN, MemberRole::Agent)]);
        assert!(view_customers(&agent, OWN).is_ok());
        assert!(edit_customers(&agent, OWN).is_ok());
        assert_eq!(manage_customers(&agent, OWN), Err(Denied::Forbidden));
        assert_eq!(view_customers(&agent, FOREIGN), Err(Denied::NotFound));
        assert_eq!(manage_customers(&agent, FOREIGN), Err(Denied::NotFound));

        // A client's own agent without project memberships sees nothing.
        let idle = who(Role::Agent, Some(OWN), &[]);
        assert_eq!(view_customers(&idle, OWN), Err(Denied::NotFound));
    }

    #[test]
    fn knowledge_is_edited_by_client_admins_and_leads_and_read_by_members() {
        let ca = who(Role::ClientAdmin, Some(OWN), &[]);
        assert_eq!(knowledge_reader(&ca, OWN), Ok(KnowledgeReader::Editor));
        assert_eq!(knowledge_reader(&ca, FOREIGN), Err(Denied::NotFound));
        let lead = who(
            Role::ProjectLead,
            None,
            &[
                (10, OWN, MemberRole::Lead),
                (20, FOREIGN, MemberRole::Agent),
            ],
        );
        assert!(edit_knowledge(&lead, OWN).is_ok());
        assert_eq!(edit_knowledge(&lead, FOREIGN), Err(Denied::Forbidden));
        let agent = who(Role::Agent, None, &[(10, OWN, MemberRole::Agent)]);
        assert_eq!(
            knowledge_reader(&agent, OWN),
            Ok(KnowledgeReader::Reader {
                projects: vec![ProjectId(10)],
                edits: vec![]
            })
        );
        assert_eq!(edit_knowledge(&agent, OWN), Err(Denied::Forbidden));
        assert_eq!(edit_knowledge(&agent, FOREIGN), Err(Denied::NotFound));
        let idle = who(Role::Agent, Some(OWN), &[]);
        assert_eq!(knowledge_reader(&idle, OWN), Err(Denied::NotFound));
        assert!(restore_knowledge(&ca, OWN).is_ok());
        assert_eq!(restore_knowledge(&lead, OWN), Err(Denied::Forbidden));
        assert_eq!(restore_knowledge(&ca, FOREIGN), Err(Denied::NotFound));
        assert!(manage_instruction(&ca, OWN, &[]).is_ok());
        assert!(manage_instruction(&lead, OWN, &[ProjectId(10)]).is_ok());
        assert_eq!(manage_instruction(&lead, OWN, &[]), Err(Denied::Forbidden));
        assert_eq!(
            manage_instruction(&lead, OWN, &[ProjectId(10), ProjectId(11)]),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            manage_instruction(&agent, OWN, &[ProjectId(10)]),
            Err(Denied::Forbidden)
        );
        assert_eq!(manage_instruction(&ca, FOREIGN, &[]), Err(Denied::NotFound));
        assert!(set_client_defaults(&ca, OWN).is_ok());
        assert_eq!(set_client_defaults(&lead, OWN), Err(Denied::Forbidden));
        assert_eq!(set_client_defaults(&agent, OWN), Err(Denied::Forbidden));
        assert_eq!(set_client_defaults(&ca, FOREIGN), Err(Denied::NotFound));
    }

    #[test]
    fn a_granted_agent_edits_only_articles_limited_to_granted_projects() {
        let mut agent = who(
            Role::Agent,
            None,
            &[(10, OWN, MemberRole::Agent), (11, OWN, MemberRole::Agent)],
        );
        agent.memberships[0].edits_knowledge = true;
        let reader = knowledge_reader(&agent, OWN).unwrap();
        assert!(reader.edits_article(true, &[ProjectId(10)]));
        assert!(
            !reader.edits_article(true, &[ProjectId(10), ProjectId(11)]),
            "11 not granted"
        );
        assert!(!reader.edits_article(false, &[]), "all projects' article");
        assert!(!reader.edits_article(true, &[]), "limited to no project");
        assert!(edit_knowledge_article(&agent, OWN, true, &[ProjectId(10)]).is_ok());
        assert_eq!(
            edit_knowledge_article(&agent, OWN, true, &[ProjectId(11)]),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            edit_knowledge_article(&agent, FOREIGN, true, &[ProjectId(10)]),
            Err(Denied::NotFound)
        );
        // Still no editor of the client's knowledge as a whole.
        assert_eq!(edit_knowledge(&agent, OWN), Err(Denied::Forbidden));
        let lead = who(Role::ProjectLead, None, &[(10, OWN, MemberRole::Lead)]);
        let project = ProjectRef {
            id: ProjectId(10),
            client_id: OWN,
        };
        assert!(grant_knowledge_editing(&lead, project).is_ok());
        assert_eq!(
            grant_knowledge_editing(&agent, project),
            Err(Denied::Forbidden)
        );
        let other = ProjectRef {
            id: ProjectId(30),
            client_id: FOREIGN,
        };
        assert_eq!(grant_knowledge_editing(&lead, other), Err(Denied::NotFound));
    }

    #[test]
    fn only_the_client_admin_switches_a_help_center() {
        let project = ProjectRef {
            id: ProjectId(10),
            client_id: OWN,
        };
        let ca = who(Role::ClientAdmin, Some(OWN), &[]);
        let foreign_ca = who(Role::ClientAdmin, Some(FOREIGN), &[]);
        let lead = who(Role::ProjectLead, None, &[(10, OWN, MemberRole::Lead)]);
        let agent = who(Role::Agent, None, &[(10, OWN, MemberRole::Agent)]);
        let stranger = who(Role::Agent, None, &[(11, OWN, MemberRole::Agent)]);
        assert!(switch_help_center(&who(Role::Admin, None, &[]), project).is_ok());
        assert!(switch_help_center(&ca, project).is_ok());
        assert_eq!(
            switch_help_center(&foreign_ca, project),
            Err(Denied::NotFound)
        );
        assert_eq!(switch_help_center(&lead, project), Err(Denied::Forbidden));
        assert_eq!(switch_help_center(&agent, project), Err(Denied::Forbidden));
        assert_eq!(
            switch_help_center(&stranger, project),
            Err(Denied::NotFound)
        );
    }

    #[test]
    fn admin_may_everything() {
        let p = who(Role::Admin, None, &[]);
        assert!(create_client(&p).is_ok());
        assert!(
            manage_members(
                &p,
                ProjectRef {
                    id: ProjectId(20),
                    client_id: FOREIGN
                }
            )
            .is_ok()
        );
        assert!(manage_team(&p, None).is_ok());
        assert!(manage_services(&p).is_ok());
        assert!(manage_backups(&p).is_ok());
        let ca = who(Role::ClientAdmin, Some(OWN), &[]);
        assert_eq!(manage_services(&ca), Err(Denied::Forbidden));
        assert_eq!(manage_backups(&ca), Err(Denied::Forbidden));
    }
}
