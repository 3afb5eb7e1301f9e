//! The live monitor of a project (docs/architecture.md, "Workforce"):
//! agents with their state, queues, SLA now, handled today and the
//! distribution plan in force, for the client's admin, the project's lead
//! and the platform admin; interventions from it, each audited.
//!
//! Cost stays flat in the number of open monitors: one task computes a
//! project's snapshot once per change (a case or agent-state event of the
//! project, debounced) or per tick, serialises it once, and publishes the
//! ready SSE frame on the event hub; every monitor stream of that project
//! writes the same bytes. Only projects with an open monitor are computed.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use super::error::WorkforceError;
use super::model::{
    AgentMoveInput, BroadcastInput, MonitorAgent, MonitorEvent, MonitorSla, MonitorSnapshot,
    ReassignInput, StateInput, StateSource, TeamCount,
};
use super::states::{self, transition};
use super::store;
use crate::audit::{Actor, record};
use crate::auth::{Principal, policy};
use crate::cases::events::{Announcements, Event};
use crate::cases::{CaseHub, CasePatch};
use crate::db::Db;
use crate::ids::{ProjectId, UserId};
use crate::projects::Project;
use crate::validation::Invalid;

/// Every watched project is recomputed this often (deadlines come near
/// without any event).
const TICK: Duration = Duration::from_secs(10);
/// Changes arriving within this window make one snapshot.
const DEBOUNCE: Duration = Duration::from_millis(40);
const NEAR_BREACH_LIMIT: i64 = 20;

/// Which projects have open monitors, which need a new snapshot, and the
/// last frame of each.
#[derive(Default)]
pub struct MonitorHub {
    watchers: Mutex<HashMap<ProjectId, usize>>,
    dirty: Mutex<HashSet<ProjectId>>,
    latest: Mutex<HashMap<ProjectId, Bytes>>,
    wake: tokio::sync::Notify,
    computed: AtomicU64,
}

/// One open monitor stream; unwatches when dropped.
pub struct Watch {
    hub: Arc<MonitorHub>,
    project_id: ProjectId,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut watchers = self.hub.watchers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = watchers.get_mut(&self.project_id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                watchers.remove(&self.project_id);
                self.hub
                    .latest
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&self.project_id);
            }
        }
    }
}

impl MonitorHub {
    /// Registers an open monitor; returns the guard and the last frame (a
    /// first snapshot is computed when there is none).
    pub fn watch(self: &Arc<Self>, project_id: ProjectId) -> (Watch, Option<Bytes>) {
        *self
            .watchers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(project_id)
            .or_insert(0) += 1;
        let latest = self
            .latest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&project_id)
            .cloned();
        if latest.is_none() {
            self.mark(project_id);
        }
        (
            Watch {
                hub: self.clone(),
                project_id,
            },
            latest,
        )
    }

    fn watched(&self) -> Vec<ProjectId> {
        self.watchers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .copied()
            .collect()
    }

    fn is_watched(&self, project_id: ProjectId) -> bool {
        self.watchers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(&project_id)
    }

    /// The project's snapshot is due again (if anyone watches it).
    pub fn mark(&self, project_id: ProjectId) {
        if self.is_watched(project_id) {
            self.dirty
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(project_id);
            self.wake.notify_one();
        }
    }

    fn mark_all(&self) {
        let all = self.watched();
        if all.is_empty() {
            return;
        }
        self.dirty
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(all);
        self.wake.notify_one();
    }

    fn take_dirty(&self) -> Vec<ProjectId> {
        let mut dirty = self.dirty.lock().unwrap_or_else(|p| p.into_inner());
        let watched = self.watched();
        dirty.drain().filter(|p| watched.contains(p)).collect()
    }

    /// Snapshots computed so far (for tests and the benchmark).
    pub fn computed(&self) -> u64 {
        self.computed.load(Ordering::Relaxed)
    }

    fn mark_for(&self, event: &Event) {
        match event {
            Event::Case(e) => self.mark(e.project_id),
            Event::AgentState(e) => e.project_ids.iter().for_each(|p| self.mark(*p)),
            Event::Presence(_) | Event::Knowledge(_) | Event::Notification(_) => {}
            Event::Monitor(_) => {}
        }
    }
}

/// Runs the snapshot task until the hub closes.
pub fn spawn(monitor: Arc<MonitorHub>, cases: Arc<CaseHub>, db: Db) {
    let mut events = cases.subscribe();
    let mut closing = cases.closing();
    actix_web::rt::spawn(async move {
        loop {
            tokio::select! {
                _ = closing.wait_for(|closed| *closed) => break,
                _ = monitor.wake.notified() => {}
                _ = tokio::time::sleep(TICK) => monitor.mark_all(),
                received = events.recv() => match received {
                    Ok(event) => monitor.mark_for(&event),
                    Err(RecvError::Lagged(_)) => monitor.mark_all(),
                    Err(RecvError::Closed) => break,
                },
            }
            tokio::time::sleep(DEBOUNCE).await;
            loop {
                match events.try_recv() {
                    Ok(event) => monitor.mark_for(&event),
                    Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => {
                        monitor.mark_all()
                    }
                    Err(_) => break,
                }
            }
            for project_id in monitor.take_dirty() {
                let at = Utc::now();
                let snapshot = db.read(move |conn| snapshot(conn, project_id, at)).await;
                let snapshot = match snapshot {
                    Ok(s) => s,
                    Err(WorkforceError::ProjectNotFound) => continue,
                    Err(err) => {
                        tracing::warn!(error = %err, project = project_id.get(), "monitor snapshot failed");
                        continue;
                    }
                };
                monitor.computed.fetch_add(1, Ordering::Relaxed);
                let frame = Bytes::from(format!(
                    "event: monitor\ndata: {}\n\n",
                    serde_json::to_string(&snapshot).unwrap_or_default()
                ));
                if monitor.is_watched(project_id) {
                    monitor
                        .latest
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(project_id, frame.clone());
                }
                cases.publish(Event::Monitor(MonitorEvent { project_id, frame }));
            }
        }
    });
}

fn project(conn: &Connection, id: ProjectId) -> Result<Project, WorkforceError> {
    crate::projects::store::get(conn, id)?.ok_or(WorkforceError::ProjectNotFound)
}

/// Who may watch and steer a project: the client's admin, the project's
/// lead, the platform admin (others who see the project: 403).
pub fn authorize(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
) -> Result<Project, WorkforceError> {
    let project = project(conn, id)?;
    policy::view_sla_policies(who, project.as_ref())?;
    Ok(project)
}

/// The start of today in the client's time zone (its workforce setting),
/// as a UTC time stamp: "today" on the monitor is the client's day, as in
/// the productive-time report.
fn day_start_utc(now: DateTime<Utc>, zone: chrono_tz::Tz) -> String {
    use chrono::TimeZone;
    let day = now.with_timezone(&zone).date_naive();
    day.and_hms_opt(0, 0, 0)
        .and_then(|midnight| zone.from_local_datetime(&midnight).earliest())
        .map(|start| start.with_timezone(&Utc))
        // A zone whose clocks skip midnight: the UTC day.
        .unwrap_or_else(|| day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The project's snapshot now. Everyone allowed to watch sees the same: a
/// provider agent working for another client right now shows only as
/// `elsewhere`.
pub fn snapshot(
    conn: &Connection,
    id: ProjectId,
    now: DateTime<Utc>,
) -> Result<MonitorSnapshot, WorkforceError> {
    let project = project(conn, id)?;
    let mut agents = Vec::new();
    for row in store::monitor_agents(conn, id)? {
        let elsewhere = row
            .project_client_id
            .is_some_and(|c| c != project.client_id)
            && row
                .state
                .is_some_and(|s| s != super::model::WorkState::Offline);
        let team = match (row.client_id, row.tariff) {
            (Some(_), _) => "client",
            (None, Some(crate::users::Tariff::Pro)) => "pro",
            (None, _) => "basic",
        };
        let own_case = row.case_client_id == Some(project.client_id);
        agents.push(MonitorAgent {
            user_id: row.user_id,
            name: row.name,
            team: team.into(),
            state: if elsewhere { None } else { row.state },
            reason: if elsewhere { None } else { row.reason },
            since: if elsewhere { None } else { row.since },
            overrun: !elsewhere && row.overrun,
            elsewhere,
            other_project_id: row.project_id.filter(|p| {
                *p != id && !elsewhere && row.project_client_id == Some(project.client_id)
            }),
            case_id: if own_case && !elsewhere {
                row.case_id
            } else {
                None
            },
            case_reference: if own_case && !elsewhere {
                row.case_ref
            } else {
                None
            },
            open_cases: row.open_cases,
        });
    }
    let zone = super::states::settings_of(conn, Some(project.client_id))?
        .time_zone
        .parse()
        .unwrap_or(chrono_tz::Tz::Europe__Berlin);
    let today = day_start_utc(now, zone);
    let (achieved, breached) = store::sla_today(conn, id, &today)?;
    let stamp = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let handled_today = store::handled_since(conn, id, &today)?
        .into_iter()
        .map(|(team, tariff, count)| TeamCount {
            team: match tariff {
                Some(t) if team == "provider" => format!("provider-{t}"),
                _ => team,
            },
            count,
        })
        .collect();
    Ok(MonitorSnapshot {
        project_id: id,
        project_name: project.name,
        at: stamp.clone(),
        agents,
        queues: store::monitor_queues(conn, id)?,
        sla: MonitorSla {
            achieved_today: achieved,
            breached_today: breached,
            within_target_share: (achieved + breached > 0)
                .then(|| achieved as f64 / (achieved + breached) as f64),
            near_breach: store::near_breach(conn, id, &stamp, NEAR_BREACH_LIMIT)?,
        },
        handled_today,
        plan: crate::distribution::service::plan_of(conn, id)?,
    })
}

/// `GET /projects/{id}/monitor`: the snapshot now.
pub fn get(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
) -> Result<MonitorSnapshot, WorkforceError> {
    authorize(conn, who, id)?;
    snapshot(conn, id, Utc::now())
}

fn audit(
    conn: &Connection,
    who: &Principal,
    action: &str,
    project: &Project,
    details: serde_json::Value,
) -> Result<(), WorkforceError> {
    record(
        conn,
        &Actor::from(who),
        action,
        "project",
        Some(project.id.get()),
        Some(project.client_id),
        details,
    )?;
    Ok(())
}

/// Gives a case of the project to another agent (or back to the queue).
pub fn reassign(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
    input: ReassignInput,
    announce: &mut Announcements,
) -> Result<crate::cases::Case, WorkforceError> {
    let project = authorize(conn, who, id)?;
    let case = crate::cases::service::visible_case(conn, who, input.case_id)?;
    if case.project_id != id {
        return Err(crate::cases::CaseError::NotFound.into());
    }
    let before = case.assignee_id;
    let patch = CasePatch {
        assignee_id: Some(input.assignee_id),
        force: true,
        ..CasePatch::default()
    };
    let updated = crate::cases::service::update(conn, who, input.case_id, patch)?;
    announce.case("updated", &updated, project.client_id, who);
    audit(
        conn,
        who,
        "monitor.reassign",
        &project,
        json!({"case_id": input.case_id, "from": before, "to": input.assignee_id}),
    )?;
    Ok(updated)
}

/// Sets an agent's state and/or moves them to another of their projects.
pub fn move_agent(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
    user_id: UserId,
    input: AgentMoveInput,
) -> Result<super::model::AgentState, WorkforceError> {
    let project = authorize(conn, who, id)?;
    if !store::member_agents(conn, &[id])?.contains(&user_id) {
        return Err(WorkforceError::UserNotFound);
    }
    let target = input.project_id.unwrap_or(id);
    if target != id {
        let other = project_of_agent(conn, user_id, target)?;
        authorize(conn, who, other.id)
            .map_err(|_| Invalid::new("project_id", "not a project you steer"))?;
    }
    // An agent working for another client right now is that client's.
    let current = states::state_of(conn, user_id)?;
    if let Some(now_in) = current.project_id
        && current.state != super::model::WorkState::Offline
        && authorize(conn, who, now_in).is_err()
    {
        return Err(policy::Denied::Forbidden.into());
    }
    let change = states::check(
        conn,
        who,
        user_id,
        &StateInput {
            state: input.state,
            reason_id: input.reason_id,
            project_id: Some(target),
            case_id: None,
        },
    )?;
    let state = transition(
        conn,
        user_id,
        change,
        StateSource::Lead,
        who.user_id,
        &crate::db::now(),
    )?;
    audit(
        conn,
        who,
        "monitor.agent",
        &project,
        json!({"user_id": user_id, "state": input.state.as_str(), "project_id": target,
               "reason_id": input.reason_id}),
    )?;
    Ok(state)
}

fn project_of_agent(
    conn: &Connection,
    user_id: UserId,
    project_id: ProjectId,
) -> Result<Project, WorkforceError> {
    if !crate::routing::store::agent_projects(conn, user_id)?.contains(&project_id) {
        return Err(Invalid::new("project_id", "not one of the agent's projects").into());
    }
    project(conn, project_id)
}

/// A message to the project's agents: a work instruction for the project,
/// published at once (so it shows, and is acknowledged, like one).
pub fn broadcast(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
    input: BroadcastInput,
    announce: &mut Announcements,
) -> Result<crate::instructions::model::Instruction, WorkforceError> {
    let project = authorize(conn, who, id)?;
    let draft = crate::instructions::service::create(
        conn,
        who,
        crate::instructions::model::NewInstruction {
            client_id: project.client_id,
            title: input.title,
            body: input.body,
            urgency: if input.acknowledge {
                crate::instructions::model::Urgency::Acknowledge
            } else {
                crate::instructions::model::Urgency::Info
            },
            valid_from: None,
            valid_to: None,
            remind_hours: None,
            project_ids: vec![id],
            team_ids: Vec::new(),
        },
    )?;
    let published = crate::instructions::service::publish(conn, who, draft.id, announce)?;
    audit(
        conn,
        who,
        "monitor.broadcast",
        &project,
        json!({"instruction_id": published.id, "title": published.title}),
    )?;
    Ok(published)
}

#[cfg(test)]
mod day_tests {
    use super::*;

    #[test]
    fn today_is_the_clients_day() {
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .expect("time")
                .with_timezone(&Utc)
        };
        let berlin = chrono_tz::Tz::Europe__Berlin;
        // 23:30 UTC is already tomorrow in Berlin (UTC+1 in winter).
        assert_eq!(
            day_start_utc(at("2026-12-04T23:30:00Z"), berlin),
            "2026-12-04T23:00:00.000Z"
        );
        assert_eq!(
            day_start_utc(at("2026-12-04T10:00:00Z"), berlin),
            "2026-12-03T23:00:00.000Z"
        );
        // Summer time: midnight is 22:00 UTC.
        assert_eq!(
            day_start_utc(at("2026-07-01T12:00:00Z"), berlin),
            "2026-06-30T22:00:00.000Z"
        );
        assert_eq!(
            day_start_utc(at("2026-07-01T12:00:00Z"), chrono_tz::Tz::UTC),
            "2026-07-01T00:00:00.000Z"
        );
    }
}
