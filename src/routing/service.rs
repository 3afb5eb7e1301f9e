//! Routing's rules (docs/workflows.md, "Routing to agents").
//!
//! Who may take a case: an agent member of the case's project, on its
//! handling team (the client's own agents for `client` — and the
//! provider's agents too in a project without a distribution plan, where
//! they work every case; for `provider` the provider's agents, of the team
//! of `handling_tariff` where set), active,
//! `available`, under their capacity for the case's channel, with the
//! skills the case needs. A case needs a language (its contact's) or a
//! topic only where some agent of the project has that skill: without
//! skills configured everyone matches, and a case never waits for a skill
//! nobody has. Among the matching agents those with the highest level sum
//! of the needed skills go first; the mode picks among them: round-robin
//! the next agent after the durable cursor (by user id), least-loaded the
//! fewest open cases of the channel, then the longest without a routed case.
//!
//! Everything runs in the caller's write transaction (the single writer,
//! `BEGIN IMMEDIATE`): reading the loads and assigning are one atomic step,
//! so no case is given twice and no agent goes over capacity.

use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;
use serde_json::json;

use super::error::RoutingError;
use super::model::{
    AgentRouting, AgentRoutingInput, Availability, AvailabilityInput, Capacity, ChannelCount,
    ChannelMode, Mode, ModeInput, MyAvailability, ProjectRouting, QueueReason, QueuedCase,
    RoutingSettings, Skill,
};
use super::store::{self, Candidate, Pool};
use crate::audit::{Actor, record};
use crate::auth::Principal;
use crate::auth::policy::{self, AgentRoutingAccess, ProjectRef, UserRef};
use crate::cases::{Case, CaseError, Channel, HandlingTeam, Status};
use crate::db::now;
use crate::ids::{CaseId, ProjectId, UserId};
use crate::projects::Project;
use crate::validation::Invalid;

/// The most queued cases one drain looks at.
const DRAIN_LIMIT: i64 = 1000;
/// The most open cases a switch to a push mode routes at once.
const SWITCH_LIMIT: i64 = 1000;
const MAX_SKILLS: usize = 200;

/// What routing did with a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteOutcome {
    /// The project's channel is pulled, or the case is done: nothing to do.
    NotPushed,
    /// The case has an assignee already.
    AlreadyAssigned,
    /// Given to this agent.
    Assigned(UserId),
    /// Waits in the queue for this reason.
    Queued(QueueReason),
}

/// Open cases of a channel an agent takes when no capacity is set.
pub fn default_capacity(channel: Channel) -> i64 {
    match channel {
        Channel::Email => 5,
        Channel::Call => 1,
        Channel::Webform => 5,
        Channel::Chat => 3,
        Channel::Letter => 10,
    }
}

/// What a case needs of an agent.
#[derive(Debug, Clone, Default)]
pub struct Needs {
    pub language: Option<String>,
    pub topic_id: Option<i64>,
}

/// The agents who may take the case, best first by skill level, or why
/// nobody may. Pure.
pub fn eligible(
    candidates: &[Candidate],
    skills: &[store::SkillRow],
    needs: &Needs,
    channel: Channel,
) -> Result<Vec<Candidate>, QueueReason> {
    if candidates.is_empty() {
        return Err(QueueReason::NoAgent);
    }
    let available: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.state == Availability::Available)
        .collect();
    if available.is_empty() {
        return Err(QueueReason::NobodyAvailable);
    }
    let in_pool = |u: UserId| candidates.iter().any(|c| c.user_id == u);
    let language_level = |u: UserId, lang: &str| {
        skills
            .iter()
            .find(|s| s.0 == u && s.1.as_deref().is_some_and(|l| l.eq_ignore_ascii_case(lang)))
            .map(|s| s.3)
    };
    let topic_level = |u: UserId, topic: i64| {
        skills
            .iter()
            .find(|s| s.0 == u && s.2 == Some(topic))
            .map(|s| s.3)
    };
    let needs_language = needs.language.as_deref().filter(|l| {
        skills
            .iter()
            .any(|s| in_pool(s.0) && s.1.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(l)))
    });
    let needs_topic = needs
        .topic_id
        .filter(|t| skills.iter().any(|s| in_pool(s.0) && s.2 == Some(*t)));
    let mut skilled: Vec<(i64, &Candidate)> = Vec::new();
    for c in available {
        let mut score = 0;
        if let Some(lang) = needs_language {
            match language_level(c.user_id, lang) {
                Some(level) => score += level,
                None => continue,
            }
        }
        if let Some(topic) = needs_topic {
            match topic_level(c.user_id, topic) {
                Some(level) => score += level,
                None => continue,
            }
        }
        skilled.push((score, c));
    }
    if skilled.is_empty() {
        return Err(QueueReason::NoSkillMatch);
    }
    let free: Vec<(i64, &Candidate)> = skilled
        .into_iter()
        .filter(|(_, c)| c.open < c.max_open.unwrap_or_else(|| default_capacity(channel)))
        .collect();
    let Some(best) = free.iter().map(|f| f.0).max() else {
        return Err(QueueReason::AtCapacity);
    };
    Ok(free
        .into_iter()
        .filter(|f| f.0 == best)
        .map(|f| f.1.clone())
        .collect())
}

/// The agent the mode picks among `eligible` (sorted by user id). Pure.
pub fn pick(mode: Mode, eligible: &[Candidate], cursor: Option<UserId>) -> Option<UserId> {
    match mode {
        Mode::Pull => None,
        Mode::RoundRobin => eligible
            .iter()
            .find(|c| cursor.is_none_or(|cur| c.user_id > cur))
            .or_else(|| eligible.first())
            .map(|c| c.user_id),
        Mode::LeastLoaded => eligible
            .iter()
            .min_by(|a, b| {
                a.open
                    .cmp(&b.open)
                    // Never routed (None) before the oldest routing.
                    .then_with(|| a.last_assigned_at.cmp(&b.last_assigned_at))
                    .then_with(|| a.user_id.cmp(&b.user_id))
            })
            .map(|c| c.user_id),
    }
}

/// Routes one case in the caller's open write transaction: assigns it to
/// an agent when its project's channel pushes and someone may take it,
/// else queues it (or takes it out of the queue when it no longer needs
/// routing). The assignment is in the case's history ("assigned by
/// routing") and its live event goes out after the commit of a
/// `CaseHub::write`.
pub fn route_case(conn: &Connection, case_id: CaseId) -> Result<RouteOutcome, RoutingError> {
    let case = crate::cases::store::get(conn, case_id)?.ok_or(CaseError::NotFound)?;
    route_loaded(conn, &case)
}

/// As [`route_case`], for the case as just read from the store.
pub fn route_loaded(conn: &Connection, case: &Case) -> Result<RouteOutcome, RoutingError> {
    if !case.status.is_open() || case.merged_into_id.is_some() {
        store::dequeue(conn, case.id)?;
        return Ok(RouteOutcome::NotPushed);
    }
    if case.assignee_id.is_some() {
        store::dequeue(conn, case.id)?;
        return Ok(RouteOutcome::AlreadyAssigned);
    }
    let (mode, cursor) = match store::mode(conn, case.project_id, case.channel)? {
        Some((mode, cursor)) if mode.pushes() => (mode, cursor),
        _ => {
            store::dequeue(conn, case.id)?;
            return Ok(RouteOutcome::NotPushed);
        }
    };
    let client_id = crate::cases::service::client_of(conn, case.project_id)?;
    let pool = match case.handling_team {
        HandlingTeam::Client => Pool::Client(client_id, !store::has_plan(conn, case.project_id)?),
        HandlingTeam::Provider => Pool::Provider(case.handling_tariff.map(|t| t.as_str())),
    };
    let candidates = store::candidates(conn, case.project_id, case.channel, pool)?;
    let skills = if candidates.is_empty() {
        Vec::new()
    } else {
        store::project_skills(conn, case.project_id)?
    };
    let needs = Needs {
        language: match case.contact_id {
            Some(contact) if !skills.is_empty() => store::contact_language(conn, contact.get())?
                .map(|l| l.trim().to_ascii_lowercase())
                .filter(|l| !l.is_empty()),
            _ => None,
        },
        topic_id: case.topic_id,
    };
    let chosen = match eligible(&candidates, &skills, &needs, case.channel) {
        Ok(eligible) => pick(mode, &eligible, cursor),
        Err(reason) => {
            store::enqueue(conn, case.id, case.project_id, case.channel, reason)?;
            return Ok(RouteOutcome::Queued(reason));
        }
    };
    let Some(agent) = chosen else {
        store::enqueue(
            conn,
            case.id,
            case.project_id,
            case.channel,
            QueueReason::AtCapacity,
        )?;
        return Ok(RouteOutcome::Queued(QueueReason::AtCapacity));
    };
    assign(conn, case, agent, mode)?;
    Ok(RouteOutcome::Assigned(agent))
}

fn assign(conn: &Connection, case: &Case, agent: UserId, mode: Mode) -> Result<(), RoutingError> {
    let mut after = case.clone();
    after.assignee_id = Some(agent);
    if after.status == Status::New {
        after.status = Status::Open;
    }
    crate::cases::store::update(conn, &after)?;
    crate::cases::store::insert_history(
        conn,
        case.id,
        None,
        "assignee_id",
        None,
        Some(&agent.to_string()),
    )?;
    crate::cases::store::insert_history(conn, case.id, None, "routed", None, Some(mode.as_str()))?;
    if after.status != case.status {
        crate::cases::store::insert_history(
            conn,
            case.id,
            None,
            "status",
            Some(case.status.as_str()),
            Some(after.status.as_str()),
        )?;
    }
    let fresh = crate::cases::store::get(conn, case.id)?.ok_or(CaseError::NotFound)?;
    crate::sla::clock::after_case_write(
        conn,
        Some(case),
        &fresh,
        crate::sla::clock::Write::Changed,
        Utc::now(),
    )?;
    let at = now();
    store::touch_assigned(conn, agent, &at)?;
    if mode == Mode::RoundRobin {
        store::set_cursor(conn, case.project_id, case.channel, agent)?;
    }
    store::dequeue(conn, case.id)?;
    store::announce(conn, case.id)?;
    Ok(())
}

/// Routes queued cases, oldest first: of these projects (every project when
/// `None`) and channel (every channel when `None`). How many were assigned.
pub fn drain(
    conn: &Connection,
    projects: Option<&[ProjectId]>,
    channel: Option<Channel>,
) -> Result<usize, RoutingError> {
    if projects.is_some_and(<[ProjectId]>::is_empty) {
        return Ok(0);
    }
    let mut assigned = 0;
    for id in store::queued_ids(conn, projects, channel, DRAIN_LIMIT)? {
        if let RouteOutcome::Assigned(_) = route_case(conn, id)? {
            assigned += 1;
        }
    }
    Ok(assigned)
}

/// The queue of the projects an agent works in, after their capacity or
/// availability grew.
pub fn drain_for_agent(
    conn: &Connection,
    user_id: UserId,
    channel: Option<Channel>,
) -> Result<usize, RoutingError> {
    let projects = store::agent_projects(conn, user_id)?;
    drain(conn, Some(&projects), channel)
}

/// The case service's hook after a case changed (same transaction):
/// capacity freed by the former assignee (the case solved, closed or
/// given to someone else) drains their projects' queue; a case that is
/// open without an assignee again is routed; anything else leaves the
/// queue.
pub fn after_case_change(
    conn: &Connection,
    before: &Case,
    after: &Case,
) -> Result<(), RoutingError> {
    let freed = before.assignee_id.filter(|_| {
        before.status.is_open()
            && (before.assignee_id != after.assignee_id
                || !after.status.is_open()
                || before.channel != after.channel)
    });
    if let Some(agent) = freed {
        drain_for_agent(conn, agent, Some(before.channel))?;
    }
    let relevant = before.assignee_id != after.assignee_id
        || before.status.is_open() != after.status.is_open()
        || before.handling_team != after.handling_team
        || before.handling_tariff != after.handling_tariff
        || before.topic_id != after.topic_id
        || before.contact_id != after.contact_id;
    if relevant {
        route_case(conn, after.id)?;
    }
    Ok(())
}

/// The cases routing assigned whose live event is due: taken (and
/// forgotten) in the write transaction, announced after its commit.
pub fn take_announced(
    conn: &Connection,
) -> crate::db::StoreResult<Vec<(Case, crate::ids::ClientId)>> {
    let mut out = Vec::new();
    for id in store::take_announced(conn)? {
        if let Some(case) = crate::cases::store::get(conn, id)?
            && let Some(project) = crate::projects::store::get(conn, case.project_id)?
        {
            out.push((case, project.client_id));
        }
    }
    Ok(out)
}

// ---- the API -------------------------------------------------------------------

fn project(conn: &Connection, id: ProjectId) -> Result<Project, RoutingError> {
    crate::projects::store::get(conn, id)?.ok_or(RoutingError::ProjectNotFound)
}

fn modes_of(conn: &Connection, project_id: ProjectId) -> Result<Vec<ChannelMode>, RoutingError> {
    let set = store::modes(conn, project_id)?;
    Ok(Channel::ALL
        .iter()
        .map(|&channel| ChannelMode {
            channel,
            mode: set
                .iter()
                .find(|m| m.0 == channel)
                .map_or(Mode::Pull, |m| m.1),
        })
        .collect())
}

/// A project's routing: modes, agents, queue length (client admins and the
/// project's lead).
pub fn project_routing(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
) -> Result<ProjectRouting, RoutingError> {
    let project = project(conn, id)?;
    policy::manage_routing(who, project.as_ref())?;
    let mut agents = Vec::new();
    for (user_id, _) in store::project_agents(conn, id)? {
        let editable = agent_access(conn, who, user_id)
            .is_ok_and(|(_, _, access)| access == AgentRoutingAccess::Edit);
        agents.push(agent_state(conn, who, user_id, editable)?);
    }
    Ok(ProjectRouting {
        project_id: id,
        modes: modes_of(conn, id)?,
        agents,
        queued: store::queue_len(conn, id)?,
    })
}

/// Sets the mode of a project's channel. A push mode routes the channel's
/// open unassigned cases at once (oldest first, up to 1,000; the rest wait
/// in the queue for the next trigger); `pull` empties its queue.
pub fn set_mode(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
    channel: Channel,
    input: ModeInput,
) -> Result<Vec<ChannelMode>, RoutingError> {
    let project = project(conn, id)?;
    policy::manage_routing(who, project.as_ref())?;
    let before = store::mode(conn, id, channel)?.map_or(Mode::Pull, |m| m.0);
    store::set_mode(conn, id, channel, input.mode, who.user_id)?;
    let mut routed = 0;
    if input.mode.pushes() {
        for case_id in store::unassigned_open(conn, id, channel, SWITCH_LIMIT)? {
            if let RouteOutcome::Assigned(_) = route_case(conn, case_id)? {
                routed += 1;
            }
        }
    } else {
        store::clear_queue(conn, id, channel)?;
    }
    record(
        conn,
        &Actor::from(who),
        "routing.mode",
        "project",
        Some(id.get()),
        Some(project.client_id),
        json!({"channel": channel.as_str(), "from": before.as_str(), "to": input.mode.as_str(), "routed": routed}),
    )?;
    modes_of(conn, id)
}

/// The project's waiting cases, oldest first.
pub fn queue(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
) -> Result<Vec<QueuedCase>, RoutingError> {
    let project = project(conn, id)?;
    policy::manage_routing(who, project.as_ref())?;
    Ok(store::queue(conn, id, 500)?)
}

/// The target agent and what the caller may do with their settings.
fn agent_access(
    conn: &Connection,
    who: &Principal,
    user_id: UserId,
) -> Result<(crate::users::User, Vec<ProjectRef>, AgentRoutingAccess), RoutingError> {
    let user = crate::users::store::get(conn, user_id)?.ok_or(RoutingError::UserNotFound)?;
    let mut projects = Vec::new();
    for project_id in store::agent_projects(conn, user_id)? {
        if let Some(p) = crate::projects::store::get(conn, project_id)? {
            projects.push(p.as_ref());
        }
    }
    let target = UserRef {
        id: user.id,
        role: user.role,
        client_id: user.client_id,
    };
    let access =
        policy::agent_routing(who, target, &projects).map_err(|_| RoutingError::UserNotFound)?;
    Ok((user, projects, access))
}

/// Whether the caller sees the topic skill's project.
fn sees_topic(conn: &Connection, who: &Principal, topic_id: i64) -> Result<bool, RoutingError> {
    let Some(project_id) = crate::cases::store::topic_project(conn, topic_id)? else {
        return Ok(false);
    };
    Ok(crate::projects::store::get(conn, project_id)?
        .is_some_and(|p| policy::view_project(who, p.as_ref()).is_ok()))
}

fn agent_state(
    conn: &Connection,
    who: &Principal,
    user_id: UserId,
    editable: bool,
) -> Result<AgentRouting, RoutingError> {
    let user = crate::users::store::get(conn, user_id)?.ok_or(RoutingError::UserNotFound)?;
    let availability = store::availability(conn, user_id)?;
    let mut skills = Vec::new();
    for s in store::skills(conn, user_id)? {
        // Topics of projects the caller does not see stay hidden.
        if let Some(topic) = s.topic_id
            && !sees_topic(conn, who, topic)?
        {
            continue;
        }
        skills.push(s);
    }
    let set = store::capacities(conn, user_id)?;
    let open = store::open_per_channel(conn, user_id)?;
    Ok(AgentRouting {
        user_id,
        name: user.name,
        availability: availability.as_ref().map_or(Availability::Offline, |a| a.0),
        since: availability.as_ref().map(|a| a.1.clone()),
        last_activity_at: availability.map(|a| a.3),
        skills,
        capacity: Channel::ALL
            .iter()
            .map(|&channel| Capacity {
                channel,
                max_open: set
                    .iter()
                    .find(|c| c.0 == channel)
                    .map_or_else(|| default_capacity(channel), |c| c.1),
            })
            .collect(),
        open: Channel::ALL
            .iter()
            .map(|&channel| ChannelCount {
                channel,
                count: open.iter().find(|c| c.0 == channel).map_or(0, |c| c.1),
            })
            .collect(),
        editable,
    })
}

/// An agent's skills, capacities and availability.
pub fn agent(
    conn: &Connection,
    who: &Principal,
    user_id: UserId,
) -> Result<AgentRouting, RoutingError> {
    let (_, _, access) = agent_access(conn, who, user_id)?;
    agent_state(conn, who, user_id, access == AgentRoutingAccess::Edit)
}

fn check_skills(
    conn: &Connection,
    who: &Principal,
    projects: &[ProjectRef],
    skills: &[Skill],
) -> Result<Vec<Skill>, RoutingError> {
    if skills.len() > MAX_SKILLS {
        return Err(Invalid::new("skills", format!("at most {MAX_SKILLS} skills")).into());
    }
    let mut out: Vec<Skill> = Vec::new();
    for s in skills {
        if !(1..=3).contains(&s.level) {
            return Err(Invalid::new("skills.level", "a level is 1, 2 or 3").into());
        }
        let skill = match s.kind.as_str() {
            "language" => {
                let code = s
                    .language
                    .as_deref()
                    .map(|l| l.trim().to_ascii_lowercase())
                    .filter(|l| {
                        (2..=8).contains(&l.len())
                            && l.chars().all(|c| c.is_ascii_alphabetic() || c == '-')
                    })
                    .ok_or(Invalid::new(
                        "skills.language",
                        "a language skill names a language code such as de or en",
                    ))?;
                if s.topic_id.is_some() {
                    return Err(
                        Invalid::new("skills.topic_id", "a language skill has no topic").into(),
                    );
                }
                Skill {
                    kind: "language".into(),
                    language: Some(code),
                    topic_id: None,
                    topic_name: None,
                    level: s.level,
                }
            }
            "topic" => {
                let topic = s.topic_id.ok_or(Invalid::new(
                    "skills.topic_id",
                    "a topic skill names a topic",
                ))?;
                if s.language.is_some() {
                    return Err(
                        Invalid::new("skills.language", "a topic skill has no language").into(),
                    );
                }
                let project = crate::cases::store::topic_project(conn, topic)?;
                let ok = match project {
                    Some(p) => projects.iter().any(|t| t.id == p) && sees_topic(conn, who, topic)?,
                    None => false,
                };
                if !ok {
                    return Err(Invalid::new(
                        "skills.topic_id",
                        "no such topic in the agent's projects",
                    )
                    .into());
                }
                Skill {
                    kind: "topic".into(),
                    language: None,
                    topic_id: Some(topic),
                    topic_name: None,
                    level: s.level,
                }
            }
            _ => {
                return Err(Invalid::new("skills.kind", "a skill is a language or a topic").into());
            }
        };
        if out
            .iter()
            .any(|o| o.language == skill.language && o.topic_id == skill.topic_id)
        {
            return Err(Invalid::new("skills", "a skill appears once").into());
        }
        out.push(skill);
    }
    Ok(out)
}

/// Replaces an agent's skills and capacities; the queue of their projects
/// is routed again (a raised capacity or a new skill may take cases).
pub fn set_agent(
    conn: &Connection,
    who: &Principal,
    user_id: UserId,
    input: AgentRoutingInput,
) -> Result<AgentRouting, RoutingError> {
    let (user, projects, access) = agent_access(conn, who, user_id)?;
    if access != AgentRoutingAccess::Edit {
        return Err(policy::Denied::Forbidden.into());
    }
    if user.role != crate::auth::Role::Agent {
        return Err(RoutingError::NotAnAgent);
    }
    let mut skills = check_skills(conn, who, &projects, &input.skills)?;
    // Skills on topics the caller does not see are kept as they are.
    for s in store::skills(conn, user_id)? {
        if let Some(topic) = s.topic_id
            && !sees_topic(conn, who, topic)?
        {
            skills.push(s);
        }
    }
    let mut channels = Vec::new();
    for c in &input.capacity {
        if !(0..=100).contains(&c.max_open) {
            return Err(Invalid::new("capacity.max_open", "a capacity is 0 to 100 cases").into());
        }
        if channels.contains(&c.channel) {
            return Err(Invalid::new("capacity.channel", "a channel appears once").into());
        }
        channels.push(c.channel);
    }
    store::set_skills(conn, user_id, &skills)?;
    store::set_capacities(conn, user_id, &input.capacity)?;
    record(
        conn,
        &Actor::from(who),
        "routing.agent",
        "user",
        Some(user_id.get()),
        user.client_id,
        json!({"skills": input.skills, "capacity": input.capacity}),
    )?;
    drain_for_agent(conn, user_id, None)?;
    agent_state(conn, who, user_id, true)
}

fn my_availability(conn: &Connection, user_id: UserId) -> Result<MyAvailability, RoutingError> {
    let row = store::availability(conn, user_id)?;
    Ok(MyAvailability {
        state: row.as_ref().map_or(Availability::Offline, |r| r.0),
        since: row.as_ref().map(|r| r.1.clone()),
        auto_away: row.as_ref().is_some_and(|r| r.2),
        away_after_minutes: store::away_after_minutes(conn)?,
    })
}

/// One's own availability.
pub fn me(conn: &Connection, who: &Principal) -> Result<MyAvailability, RoutingError> {
    let user = who.user().map_err(|_| policy::Denied::Forbidden)?;
    my_availability(conn, user)
}

/// Sets one's own availability: the workforce state of the same name
/// (`available`, `away`, `offline`), written to the state log; becoming
/// available routes the queue of one's projects.
pub fn set_me(
    conn: &Connection,
    who: &Principal,
    input: AvailabilityInput,
) -> Result<MyAvailability, RoutingError> {
    use crate::workforce::model::{StateSource, WorkState};
    use crate::workforce::states::{Change, transition};
    let user = who.user().map_err(|_| policy::Denied::Forbidden)?;
    transition(
        conn,
        user,
        Change::to(WorkState::from_routing(input.state)),
        StateSource::RoutingApi,
        Some(user),
        &now(),
    )?;
    my_availability(conn, user)
}

/// Notes activity of the signed-in user (the workspace pings on input, at
/// most once a minute); one the idle job marked away is available again
/// (a state change in the log).
pub fn activity(conn: &Connection, who: &Principal) -> Result<MyAvailability, RoutingError> {
    use crate::workforce::model::{StateSource, WorkState};
    use crate::workforce::states::{Change, transition};
    let user = who.user().map_err(|_| policy::Denied::Forbidden)?;
    let at = now();
    if store::activity(conn, user, &at)? {
        transition(
            conn,
            user,
            Change::to(WorkState::Available),
            StateSource::Activity,
            Some(user),
            &at,
        )?;
    }
    my_availability(conn, user)
}

/// The cutoff before which an available agent counts as idle.
pub fn idle_cutoff(now: DateTime<Utc>, minutes: i64) -> String {
    crate::sla::clock::stamp(now - Duration::minutes(minutes))
}

pub fn settings(conn: &Connection, who: &Principal) -> Result<RoutingSettings, RoutingError> {
    policy::manage_services(who)?;
    Ok(RoutingSettings {
        away_after_minutes: store::away_after_minutes(conn)?,
        offline_after_seconds: crate::workforce::store::offline_after_seconds(conn)?,
    })
}

pub fn set_settings(
    conn: &Connection,
    who: &Principal,
    input: RoutingSettings,
) -> Result<RoutingSettings, RoutingError> {
    policy::manage_services(who)?;
    if !(1..=1440).contains(&input.away_after_minutes) {
        return Err(Invalid::new("away_after_minutes", "1 to 1440 minutes").into());
    }
    // Below two heartbeats an open workspace would flicker offline.
    if !(60..=86400).contains(&input.offline_after_seconds) {
        return Err(Invalid::new("offline_after_seconds", "60 to 86400 seconds").into());
    }
    store::set_away_after_minutes(conn, input.away_after_minutes)?;
    crate::workforce::store::set_offline_after_seconds(conn, input.offline_after_seconds)?;
    record(
        conn,
        &Actor::from(who),
        "routing.settings",
        "platform",
        None,
        None,
        json!({"away_after_minutes": input.away_after_minutes,
               "offline_after_seconds": input.offline_after_seconds}),
    )?;
    settings(conn, who)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: i64, state: Availability, open: i64, last: Option<&str>) -> Candidate {
        Candidate {
            user_id: UserId::from(id),
            state,
            last_assigned_at: last.map(str::to_owned),
            open,
            max_open: None,
        }
    }

    #[test]
    fn round_robin_follows_the_cursor_and_wraps() {
        let a = [
            agent(3, Availability::Available, 0, None),
            agent(5, Availability::Available, 0, None),
            agent(9, Availability::Available, 0, None),
        ];
        assert_eq!(pick(Mode::RoundRobin, &a, None), Some(UserId::from(3)));
        assert_eq!(
            pick(Mode::RoundRobin, &a, Some(UserId::from(3))),
            Some(UserId::from(5))
        );
        assert_eq!(
            pick(Mode::RoundRobin, &a, Some(UserId::from(6))),
            Some(UserId::from(9))
        );
        assert_eq!(
            pick(Mode::RoundRobin, &a, Some(UserId::from(9))),
            Some(UserId::from(3))
        );
    }

    #[test]
    fn least_loaded_then_longest_idle() {
        let a = [
            agent(1, Availability::Available, 2, None),
            agent(
                2,
                Availability::Available,
                1,
                Some("2026-01-01T10:00:00.000Z"),
            ),
            agent(
                3,
                Availability::Available,
                1,
                Some("2026-01-01T09:00:00.000Z"),
            ),
        ];
        assert_eq!(pick(Mode::LeastLoaded, &a, None), Some(UserId::from(3)));
        let b = [
            agent(
                2,
                Availability::Available,
                1,
                Some("2026-01-01T10:00:00.000Z"),
            ),
            agent(4, Availability::Available, 1, None),
        ];
        assert_eq!(pick(Mode::LeastLoaded, &b, None), Some(UserId::from(4)));
    }

    #[test]
    fn reasons_in_order() {
        let needs = Needs::default();
        assert_eq!(
            eligible(&[], &[], &needs, Channel::Email).unwrap_err(),
            QueueReason::NoAgent
        );
        let away = [agent(1, Availability::Away, 0, None)];
        assert_eq!(
            eligible(&away, &[], &needs, Channel::Email).unwrap_err(),
            QueueReason::NobodyAvailable
        );
        let full = [agent(1, Availability::Available, 5, None)];
        assert_eq!(
            eligible(&full, &[], &needs, Channel::Email).unwrap_err(),
            QueueReason::AtCapacity
        );
        let call = [agent(1, Availability::Available, 1, None)];
        assert_eq!(
            eligible(&call, &[], &needs, Channel::Call).unwrap_err(),
            QueueReason::AtCapacity
        );
        assert_eq!(
            eligible(&call, &[], &needs, Channel::Email).map(|e| e.len()),
            Ok(1)
        );
    }

    #[test]
    fn skills_only_where_someone_has_them_and_the_best_level_first() {
        let pool = [
            agent(1, Availability::Available, 0, None),
            agent(2, Availability::Available, 0, None),
            agent(3, Availability::Available, 0, None),
        ];
        let skills: Vec<store::SkillRow> = vec![
            (UserId::from(1), Some("fr".into()), None, 1),
            (UserId::from(2), Some("fr".into()), None, 3),
            (UserId::from(3), None, Some(7), 2),
        ];
        // Nobody speaks Polish: everyone matches.
        let polish = Needs {
            language: Some("pl".into()),
            topic_id: None,
        };
        assert_eq!(
            eligible(&pool, &skills, &polish, Channel::Email).map(|e| e.len()),
            Ok(3)
        );
        // French: the French speakers, the expert first.
        let french = Needs {
            language: Some("fr".into()),
            topic_id: None,
        };
        let e = eligible(&pool, &skills, &french, Channel::Email).unwrap();
        assert_eq!(
            e.iter().map(|c| c.user_id.get()).collect::<Vec<_>>(),
            vec![2]
        );
        // French and topic 7: nobody has both.
        let both = Needs {
            language: Some("fr".into()),
            topic_id: Some(7),
        };
        assert_eq!(
            eligible(&pool, &skills, &both, Channel::Email).unwrap_err(),
            QueueReason::NoSkillMatch
        );
        // The expert full: the beginner.
        let mut busy = pool.clone();
        busy[1].open = 5;
        let e = eligible(&busy, &skills, &french, Channel::Email).unwrap();
        assert_eq!(
            e.iter().map(|c| c.user_id.get()).collect::<Vec<_>>(),
            vec![1]
        );
    }
}
