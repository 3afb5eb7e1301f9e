//! Agent states (docs/architecture.md, "Workforce"): every change goes
//! through [`transition`], which writes the state row (the detailed state
//! and routing's view of it), appends to the log, announces the change
//! after the commit and lets routing give cases to an agent who became
//! available. Who writes: the agent's switcher and workspace (`on-case`
//! while a case is open, `after-work` after it), sign-out, routing's idle
//! job (`away`) and activity, the state job (`offline` when the workspace's
//! heartbeat stops, after-work past the client's maximum) and the monitor.

use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;

use super::error::WorkforceError;
use super::model::{
    AfterWorkExpiry, AgentState, AgentStateEvent, BreakReason, DEFAULT_AFTER_WORK_SECONDS,
    DEFAULT_PRODUCTIVE, DEFAULT_SIGN_IN_STATE, DEFAULT_TIME_ZONE, MyState, StateInput, StateSource,
    WorkState,
};
use super::store::{self, NewLogRow, StateRow};
use crate::auth::Principal;
use crate::auth::policy;
use crate::cases::events::{Event, announce_after_commit};
use crate::db::{StoreResult, now};
use crate::ids::{CaseId, ClientId, ProjectId, UserId};
use crate::validation::Invalid;

/// How often the workspace sends its heartbeat.
pub const HEARTBEAT_SECONDS: i64 = 30;

/// A state to go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub state: WorkState,
    pub reason_id: Option<i64>,
    /// `None`: keep the current project.
    pub project_id: Option<ProjectId>,
    pub case_id: Option<CaseId>,
}

impl Change {
    pub fn to(state: WorkState) -> Change {
        Change {
            state,
            reason_id: None,
            project_id: None,
            case_id: None,
        }
    }
}

/// A client's settings with the defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub after_work_max_seconds: i64,
    pub after_work_expiry: AfterWorkExpiry,
    pub productive: Vec<WorkState>,
    pub time_zone: String,
    pub sign_in_state: WorkState,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            after_work_max_seconds: DEFAULT_AFTER_WORK_SECONDS,
            after_work_expiry: AfterWorkExpiry::Available,
            productive: DEFAULT_PRODUCTIVE.to_vec(),
            time_zone: DEFAULT_TIME_ZONE.into(),
            sign_in_state: DEFAULT_SIGN_IN_STATE,
        }
    }
}

/// The client's settings (the defaults without a row, or for no client).
pub fn settings_of(conn: &Connection, client_id: Option<ClientId>) -> StoreResult<Settings> {
    let Some(client_id) = client_id else {
        return Ok(Settings::default());
    };
    Ok(match store::settings(conn, client_id)? {
        Some(row) => Settings {
            after_work_max_seconds: row.after_work_max_seconds,
            after_work_expiry: row.after_work_expiry,
            productive: serde_json::from_str(&row.productive_states).map_err(|err| {
                crate::db::StoreError::Task(format!(
                    "productive_states of client {client_id}: {err}"
                ))
            })?,
            time_zone: row.time_zone,
            sign_in_state: row.sign_in_state,
        },
        None => Settings::default(),
    })
}

fn project_client(conn: &Connection, id: ProjectId) -> StoreResult<Option<ClientId>> {
    Ok(crate::projects::store::get(conn, id)?.map(|p| p.client_id))
}

fn as_state(user_id: UserId, row: &StateRow) -> AgentState {
    AgentState {
        user_id,
        state: row.state,
        reason_id: row.reason_id,
        reason: row.reason.clone(),
        project_id: row.project_id,
        case_id: row.case_id,
        since: Some(row.since.clone()),
        overrun: row.overrun,
    }
}

/// The agent's state now (offline without a row).
pub fn state_of(conn: &Connection, user_id: UserId) -> StoreResult<AgentState> {
    Ok(match store::current(conn, user_id)? {
        Some(row) => as_state(user_id, &row),
        None => AgentState {
            user_id,
            state: WorkState::Offline,
            reason_id: None,
            reason: None,
            project_id: None,
            case_id: None,
            since: None,
            overrun: false,
        },
    })
}

/// Applies a state change in the caller's write transaction: the state row,
/// the log, the live event after the commit, routing for an agent who became
/// available. The same state, reason, project and case again changes
/// nothing (no log row). Returns the state now.
pub fn transition(
    conn: &Connection,
    user_id: UserId,
    change: Change,
    source: StateSource,
    by: Option<UserId>,
    at: &str,
) -> Result<AgentState, WorkforceError> {
    let before = store::current(conn, user_id)?;
    if before.is_none() && change.state == WorkState::Offline {
        // Never signed in as an agent: offline already.
        return Ok(state_of(conn, user_id)?);
    }
    let from = before.as_ref().map_or(WorkState::Offline, |b| b.state);
    let mut project_id = change
        .project_id
        .or_else(|| before.as_ref().and_then(|b| b.project_id));
    let agent_projects = crate::routing::store::agent_projects(conn, user_id)?;
    if project_id.is_none_or(|p| !agent_projects.contains(&p)) && change.state != WorkState::Offline
    {
        // Working for a project: the first of one's own when none is named.
        project_id = agent_projects.first().copied().or(project_id);
    }
    let reason = match change.reason_id {
        Some(id) => store::reason(conn, id)?.map(|r| r.1),
        None => None,
    };
    let case_id = match change.state {
        WorkState::OnCase | WorkState::AfterWork => change.case_id,
        _ => None,
    };
    let reason_id = if change.state == WorkState::Break {
        change.reason_id
    } else {
        None
    };
    if let Some(b) = &before
        && b.state == change.state
        && b.reason_id == reason_id
        && b.project_id == project_id
        && b.case_id == case_id
        && !(b.auto_away && source != StateSource::Idle)
    {
        return Ok(as_state(user_id, b));
    }
    let row = StateRow {
        state: change.state,
        reason_id,
        reason: reason.clone(),
        project_id,
        case_id,
        since: at.to_string(),
        overrun: false,
        auto_away: source == StateSource::Idle,
    };
    store::set_current(conn, user_id, &row, at)?;
    let client_id = match project_id {
        Some(p) => project_client(conn, p)?,
        None => crate::users::store::get(conn, user_id)?.and_then(|u| u.client_id),
    };
    store::append(
        conn,
        &NewLogRow {
            user_id,
            at,
            from,
            to: change.state,
            reason_id,
            reason: reason.as_deref(),
            project_id,
            client_id,
            case_id,
            source,
            by,
        },
    )?;
    let state = as_state(user_id, &row);
    announce(conn, &state, agent_projects)?;
    if from.routing() != crate::routing::model::Availability::Available
        && change.state.routing() == crate::routing::model::Availability::Available
    {
        crate::routing::service::drain_for_agent(conn, user_id, None)?;
    }
    Ok(state)
}

fn announce(
    _conn: &Connection,
    state: &AgentState,
    project_ids: Vec<ProjectId>,
) -> StoreResult<()> {
    announce_after_commit(Event::AgentState(AgentStateEvent {
        state: state.clone(),
        user_id: state.user_id,
        project_ids,
    }));
    Ok(())
}

/// Checks a change the agent asks for (or a lead asks for the agent) and
/// fills in the case's project.
pub fn check(
    conn: &Connection,
    who: &Principal,
    user_id: UserId,
    input: &StateInput,
) -> Result<Change, WorkforceError> {
    let projects = crate::routing::store::agent_projects(conn, user_id)?;
    if projects.is_empty() {
        return Err(WorkforceError::NotAnAgent);
    }
    if let Some(p) = input.project_id
        && !projects.contains(&p)
    {
        return Err(Invalid::new("project_id", "not one of the agent's projects").into());
    }
    let mut project_id = input.project_id;
    let case_id = match (input.state, input.case_id) {
        (WorkState::OnCase, None) => {
            return Err(Invalid::new("case_id", "on a case names the case").into());
        }
        (WorkState::OnCase | WorkState::AfterWork, Some(id)) => {
            let case = crate::cases::service::visible_case(conn, who, id)?;
            if !projects.contains(&case.project_id) {
                return Err(Invalid::new("case_id", "not a case of the agent's projects").into());
            }
            project_id = Some(case.project_id);
            Some(id)
        }
        (_, Some(_)) => {
            return Err(Invalid::new("case_id", "only on-case and after-work name a case").into());
        }
        (_, None) => None,
    };
    let current = store::current(conn, user_id)?;
    let effective = project_id
        .or_else(|| current.as_ref().and_then(|c| c.project_id))
        .filter(|p| projects.contains(p))
        .or_else(|| projects.first().copied());
    let client_id = match effective {
        Some(p) => project_client(conn, p)?,
        None => None,
    };
    let reason_id = match (input.state, input.reason_id) {
        (WorkState::Break, Some(id)) => match store::reason(conn, id)? {
            Some((client, _, true)) if Some(client) == client_id => Some(id),
            _ => return Err(Invalid::new("reason_id", "not a break reason of the client").into()),
        },
        (WorkState::Break, None) => {
            let any = match client_id {
                Some(c) => store::reasons(conn, c)?.iter().any(|r| r.active),
                None => false,
            };
            if any {
                return Err(Invalid::new("reason_id", "a break names its reason").into());
            }
            None
        }
        (_, Some(_)) => {
            return Err(Invalid::new("reason_id", "only a break has a reason").into());
        }
        (_, None) => None,
    };
    Ok(Change {
        state: input.state,
        reason_id,
        project_id,
        case_id,
    })
}

/// One's own state with what the switcher offers.
pub fn mine(conn: &Connection, who: &Principal) -> Result<MyState, WorkforceError> {
    let user_id = who.user().map_err(|_| policy::Denied::Forbidden)?;
    let current = state_of(conn, user_id)?;
    let projects = crate::routing::store::agent_projects(conn, user_id)?;
    let project = current
        .project_id
        .filter(|p| projects.contains(p))
        .or_else(|| projects.first().copied());
    let client_id = match project {
        Some(p) => project_client(conn, p)?,
        None => None,
    };
    let settings = settings_of(conn, client_id)?;
    let reasons: Vec<BreakReason> = match client_id {
        Some(c) => store::reasons(conn, c)?
            .into_iter()
            .filter(|r| r.active)
            .collect(),
        None => Vec::new(),
    };
    let productive_today_seconds = super::productive::today(conn, user_id, &projects, Utc::now())?;
    Ok(MyState {
        current,
        reasons,
        after_work_max_seconds: settings.after_work_max_seconds,
        heartbeat_seconds: HEARTBEAT_SECONDS,
        offline_after_seconds: store::offline_after_seconds(conn)?,
        productive_today_seconds,
    })
}

/// Sets one's own state.
pub fn set_mine(
    conn: &Connection,
    who: &Principal,
    input: StateInput,
) -> Result<MyState, WorkforceError> {
    let user_id = who.user().map_err(|_| policy::Denied::Forbidden)?;
    // States are for who works in a project as an agent.
    if crate::routing::store::agent_projects(conn, user_id)?.is_empty() {
        return Err(policy::Denied::Forbidden.into());
    }
    let change = check(conn, who, user_id, &input)?;
    let source = match input.state {
        WorkState::OnCase | WorkState::AfterWork => StateSource::Workspace,
        _ => StateSource::Agent,
    };
    transition(conn, user_id, change, source, Some(user_id), &now())?;
    mine(conn, who)
}

/// The open workspace's sign of life.
pub fn heartbeat(conn: &Connection, who: &Principal) -> Result<(), WorkforceError> {
    let user_id = who.user().map_err(|_| policy::Denied::Forbidden)?;
    store::heartbeat(conn, user_id, &now())?;
    Ok(())
}

/// Sign-in starts an offline agent in the client's `sign_in_state` (`away`
/// unless the client chose `available`); one already working elsewhere
/// (another browser) keeps the state. Who is no agent of any project has
/// no state.
pub fn signed_in(conn: &Connection, user_id: UserId) -> Result<(), WorkforceError> {
    let projects = crate::routing::store::agent_projects(conn, user_id)?;
    if projects.is_empty() {
        return Ok(());
    }
    let current = store::current(conn, user_id)?;
    if current
        .as_ref()
        .is_some_and(|c| c.state != WorkState::Offline)
    {
        return Ok(());
    }
    let project = current
        .and_then(|c| c.project_id)
        .filter(|p| projects.contains(p))
        .or_else(|| projects.first().copied());
    let client_id = match project {
        Some(p) => project_client(conn, p)?,
        None => None,
    };
    let state = settings_of(conn, client_id)?.sign_in_state;
    transition(
        conn,
        user_id,
        Change {
            project_id: project,
            ..Change::to(state)
        },
        StateSource::SignIn,
        Some(user_id),
        &now(),
    )?;
    Ok(())
}

/// Sign-out ends an agent's state in `offline`.
pub fn signed_out(conn: &Connection, user_id: UserId) -> Result<(), WorkforceError> {
    if store::current(conn, user_id)?.is_some_and(|c| c.state != WorkState::Offline) {
        transition(
            conn,
            user_id,
            Change::to(WorkState::Offline),
            StateSource::SignOut,
            Some(user_id),
            &now(),
        )?;
    }
    Ok(())
}

// ---- the state job ---------------------------------------------------------------

/// What the state job did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Agents whose workspace went silent, now offline.
    pub offline: usize,
    /// After-work past the maximum: back to available.
    pub available: usize,
    /// After-work past the maximum: flagged.
    pub flagged: usize,
}

/// Whether the state job has anything to do (a read, so that the job takes
/// the writer only when needed).
pub fn anything_due(conn: &Connection, now: DateTime<Utc>) -> StoreResult<bool> {
    let seconds = store::offline_after_seconds(conn)?;
    if !store::silent(conn, &stamp(now - Duration::seconds(seconds)))?.is_empty() {
        return Ok(true);
    }
    for (_, since, client) in store::in_after_work(conn)? {
        if after_work_over(conn, &since, client, now)?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The expiry to apply when after-work since `since` is past the client's
/// maximum at `now`.
fn after_work_over(
    conn: &Connection,
    since: &str,
    client: Option<ClientId>,
    now: DateTime<Utc>,
) -> StoreResult<Option<AfterWorkExpiry>> {
    let settings = settings_of(conn, client)?;
    let Ok(began) = DateTime::parse_from_rfc3339(since) else {
        return Ok(Some(settings.after_work_expiry));
    };
    let over =
        began.with_timezone(&Utc) + Duration::seconds(settings.after_work_max_seconds) <= now;
    Ok(over.then_some(settings.after_work_expiry))
}

/// Ends silent agents in `offline` and after-work past the maximum.
pub fn sweep(conn: &Connection, now: DateTime<Utc>) -> Result<Swept, WorkforceError> {
    let at = stamp(now);
    let mut swept = Swept::default();
    let seconds = store::offline_after_seconds(conn)?;
    for user in store::silent(conn, &stamp(now - Duration::seconds(seconds)))? {
        transition(
            conn,
            user,
            Change::to(WorkState::Offline),
            StateSource::Heartbeat,
            None,
            &at,
        )?;
        swept.offline += 1;
    }
    for (user, since, client) in store::in_after_work(conn)? {
        match after_work_over(conn, &since, client, now)? {
            Some(AfterWorkExpiry::Available) => {
                transition(
                    conn,
                    user,
                    Change::to(WorkState::Available),
                    StateSource::AfterWork,
                    None,
                    &at,
                )?;
                swept.available += 1;
            }
            Some(AfterWorkExpiry::Flag) => {
                store::set_overrun(conn, user)?;
                let state = state_of(conn, user)?;
                let projects = crate::routing::store::agent_projects(conn, user)?;
                announce(conn, &state, projects)?;
                swept.flagged += 1;
            }
            None => {}
        }
    }
    Ok(swept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_sees_available_and_on_case_as_available_only() {
        use crate::routing::model::Availability;
        let available: Vec<WorkState> = WorkState::ALL
            .into_iter()
            .filter(|s| s.routing() == Availability::Available)
            .collect();
        assert_eq!(available, vec![WorkState::Available, WorkState::OnCase]);
        assert_eq!(WorkState::Offline.routing(), Availability::Offline);
        assert_eq!(WorkState::Break.routing(), Availability::Away);
        assert_eq!(WorkState::AfterWork.routing(), Availability::Away);
        for a in [
            Availability::Available,
            Availability::Away,
            Availability::Offline,
        ] {
            assert_eq!(WorkState::from_routing(a).routing(), a);
        }
    }

    #[test]
    fn names_round_trip() {
        for s in WorkState::ALL {
            assert_eq!(WorkState::parse(s.as_str()), Some(s));
        }
        assert_eq!(WorkState::parse("lunch"), None);
    }
}
