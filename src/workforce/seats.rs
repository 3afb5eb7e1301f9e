//! Seats (Plätze) the provider staffs in a client project and the agents
//! who fill them (migration 0044). Team Basic: shared agents, a service
//! window (one of the client's business calendars) and a daily productive
//! time; Team Pro: exclusive agents. Read by the client's admin, the
//! project's lead and the platform admin; changed by the lead and the
//! platform admin (the provider staffs them).

use chrono::NaiveDate;
use rusqlite::Connection;
use serde_json::json;

use super::error::WorkforceError;
use super::model::{AssignmentInput, ProjectSeats, Seat, SeatInput, SeatTariff};
use super::store::{self, SeatRow};
use crate::audit::{Actor, record};
use crate::auth::model::{MemberRole, Role};
use crate::auth::{Principal, policy};
use crate::db::now;
use crate::ids::ProjectId;
use crate::projects::Project;
use crate::validation::Invalid;

fn project(conn: &Connection, id: ProjectId) -> Result<Project, WorkforceError> {
    crate::projects::store::get(conn, id)?.ok_or(WorkforceError::ProjectNotFound)
}

fn may_edit(who: &Principal, project: &Project) -> bool {
    who.role == Role::Admin
        || who
            .memberships
            .iter()
            .any(|m| m.project_id == project.id && m.role == MemberRole::Lead)
}

/// Reading: the client's admin, the project's lead, the platform admin.
fn readable(conn: &Connection, who: &Principal, id: ProjectId) -> Result<Project, WorkforceError> {
    let project = project(conn, id)?;
    policy::view_sla_policies(who, project.as_ref())?;
    Ok(project)
}

fn editable(conn: &Connection, who: &Principal, id: ProjectId) -> Result<Project, WorkforceError> {
    let project = readable(conn, who, id)?;
    if !may_edit(who, &project) {
        return Err(policy::Denied::Forbidden.into());
    }
    Ok(project)
}

fn with_assignments(conn: &Connection, mut seat: Seat) -> Result<Seat, WorkforceError> {
    seat.assignments = store::assignments(conn, seat.id)?;
    Ok(seat)
}

/// A project's seats with their assignments.
pub fn list(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
) -> Result<ProjectSeats, WorkforceError> {
    let project = readable(conn, who, id)?;
    let mut seats = Vec::new();
    for seat in store::seats(conn, id)? {
        seats.push(with_assignments(conn, seat)?);
    }
    Ok(ProjectSeats {
        project_id: id,
        seats,
        agents: store::provider_agents(conn, id)?,
        calendars: store::calendars(conn, project.client_id)?,
        editable: may_edit(who, &project),
    })
}

fn day(field: &'static str, text: &str) -> Result<String, Invalid> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map(|d| d.to_string())
        .map_err(|_| Invalid::new(field, "a day is YYYY-MM-DD"))
}

fn period(from: &str, to: Option<&str>) -> Result<(String, Option<String>), Invalid> {
    let from = day("valid_from", from)?;
    let to = to.map(|t| day("valid_to", t)).transpose()?;
    if to.as_ref().is_some_and(|t| *t < from) {
        return Err(Invalid::new(
            "valid_to",
            "the last day is not before the first",
        ));
    }
    Ok((from, to))
}

/// A checked seat: (name, from, to).
fn checked(
    conn: &Connection,
    project: &Project,
    input: &SeatInput,
    except: Option<i64>,
) -> Result<(String, String, Option<String>), WorkforceError> {
    let name = input.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(Invalid::new("name", "a name of 1 to 120 characters").into());
    }
    if store::seat_name_taken(conn, project.id, &name, except)? {
        return Err(Invalid::new("name", "the project has a seat of this name").into());
    }
    match input.tariff {
        SeatTariff::TeamBasic => {
            let calendar = input.calendar_id.ok_or(Invalid::new(
                "calendar_id",
                "a Team Basic seat has a service window (a business calendar)",
            ))?;
            if store::calendar_client(conn, calendar)? != Some(project.client_id) {
                return Err(Invalid::new("calendar_id", "no such calendar of the client").into());
            }
            if !input
                .productive_minutes
                .is_some_and(|m| (1..=1440).contains(&m))
            {
                return Err(Invalid::new(
                    "productive_minutes",
                    "a Team Basic seat has a daily productive time of 1 to 1440 minutes",
                )
                .into());
            }
        }
        SeatTariff::TeamPro => {
            if input.calendar_id.is_some() {
                return Err(Invalid::new(
                    "calendar_id",
                    "a Team Pro seat has no service window (service time is productive time)",
                )
                .into());
            }
            if input.productive_minutes.is_some() {
                return Err(Invalid::new(
                    "productive_minutes",
                    "a Team Pro seat has no daily productive time",
                )
                .into());
            }
        }
    }
    let (from, to) = period(&input.valid_from, input.valid_to.as_deref())?;
    Ok((name, from, to))
}

fn audit(
    conn: &Connection,
    who: &Principal,
    action: &str,
    seat_id: i64,
    project: &Project,
    details: serde_json::Value,
) -> Result<(), WorkforceError> {
    record(
        conn,
        &Actor::from(who),
        action,
        "seat",
        Some(seat_id),
        Some(project.client_id),
        details,
    )?;
    Ok(())
}

pub fn create(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
    input: SeatInput,
) -> Result<Seat, WorkforceError> {
    let project = editable(conn, who, id)?;
    let (name, from, to) = checked(conn, &project, &input, None)?;
    let seat_id = store::insert_seat(
        conn,
        id,
        &SeatRow {
            name: &name,
            tariff: input.tariff,
            channel: input.channel,
            calendar_id: input.calendar_id,
            productive_minutes: input.productive_minutes,
            valid_from: &from,
            valid_to: to.as_deref(),
        },
        &now(),
    )?;
    audit(
        conn,
        who,
        "seat.create",
        seat_id,
        &project,
        json!({"project_id": id, "name": name, "tariff": input.tariff.as_str()}),
    )?;
    get(conn, seat_id)
}

fn get(conn: &Connection, id: i64) -> Result<Seat, WorkforceError> {
    let seat = store::seat(conn, id)?.ok_or(WorkforceError::SeatNotFound)?;
    with_assignments(conn, seat)
}

/// The seat and its project, for a caller who may read it (else 404).
fn seat_of(conn: &Connection, who: &Principal, id: i64) -> Result<(Seat, Project), WorkforceError> {
    let seat = store::seat(conn, id)?.ok_or(WorkforceError::SeatNotFound)?;
    let project = project(conn, seat.project_id)?;
    policy::view_project(who, project.as_ref()).map_err(|_| WorkforceError::SeatNotFound)?;
    policy::view_sla_policies(who, project.as_ref())?;
    if !may_edit(who, &project) {
        return Err(policy::Denied::Forbidden.into());
    }
    Ok((seat, project))
}

pub fn update(
    conn: &Connection,
    who: &Principal,
    id: i64,
    input: SeatInput,
) -> Result<Seat, WorkforceError> {
    let (seat, project) = seat_of(conn, who, id)?;
    let version = input.expected_version.unwrap_or(seat.version);
    if version != seat.version {
        return Err(WorkforceError::VersionConflict);
    }
    let (name, from, to) = checked(conn, &project, &input, Some(id))?;
    let assigned = !store::assignments(conn, id)?.is_empty();
    if assigned && input.tariff != seat.tariff {
        return Err(Invalid::new("tariff", "a seat with assigned agents keeps its tariff").into());
    }
    if store::assignments_outside(conn, id, &from, to.as_deref())? {
        return Err(Invalid::new(
            "valid_from",
            "agents are assigned outside this period; change their assignments first",
        )
        .into());
    }
    let done = store::update_seat(
        conn,
        id,
        version,
        &SeatRow {
            name: &name,
            tariff: input.tariff,
            channel: input.channel,
            calendar_id: input.calendar_id,
            productive_minutes: input.productive_minutes,
            valid_from: &from,
            valid_to: to.as_deref(),
        },
        &now(),
    )?;
    if !done {
        return Err(WorkforceError::VersionConflict);
    }
    audit(
        conn,
        who,
        "seat.update",
        id,
        &project,
        json!({"name": name, "tariff": input.tariff.as_str(), "valid_from": from, "valid_to": to}),
    )?;
    get(conn, id)
}

pub fn delete(conn: &Connection, who: &Principal, id: i64) -> Result<(), WorkforceError> {
    let (seat, project) = seat_of(conn, who, id)?;
    store::delete_seat(conn, id)?;
    audit(
        conn,
        who,
        "seat.delete",
        id,
        &project,
        json!({"name": seat.name}),
    )
}

/// Gives the seat to an agent for a period: a provider agent of the
/// project, of the seat's team; the seat is free then; a Team Pro agent
/// holds no seat of another client then.
pub fn assign(
    conn: &Connection,
    who: &Principal,
    id: i64,
    input: AssignmentInput,
) -> Result<Seat, WorkforceError> {
    let (seat, project) = seat_of(conn, who, id)?;
    let (from, to) = period(&input.valid_from, input.valid_to.as_deref())?;
    if from < seat.valid_from
        || seat
            .valid_to
            .as_ref()
            .is_some_and(|end| to.as_ref().is_none_or(|t| t > end))
    {
        return Err(Invalid::new("valid_from", "the period lies within the seat's").into());
    }
    let agent = store::provider_agents(conn, project.id)?
        .into_iter()
        .find(|a| a.user_id == input.user_id)
        .ok_or(Invalid::new(
            "user_id",
            "not a provider agent of the project",
        ))?;
    let tariff = agent.tariff.unwrap_or(crate::users::Tariff::Basic);
    if tariff != seat.tariff.agent_tariff() {
        return Err(Invalid::new("user_id", "the agent is of the other provider team").into());
    }
    if store::seat_overlaps(conn, id, &from, to.as_deref())? {
        return Err(WorkforceError::SeatTaken);
    }
    if tariff == crate::users::Tariff::Pro
        && store::other_client_seat(conn, input.user_id, project.client_id, &from, to.as_deref())?
    {
        return Err(WorkforceError::ProExclusive);
    }
    let assignment = store::insert_assignment(
        conn,
        id,
        input.user_id,
        &from,
        to.as_deref(),
        who.user_id,
        &now(),
    )?;
    audit(
        conn,
        who,
        "seat.assign",
        id,
        &project,
        json!({"assignment_id": assignment, "user_id": input.user_id, "valid_from": from, "valid_to": to}),
    )?;
    get(conn, id)
}

pub fn unassign(conn: &Connection, who: &Principal, id: i64) -> Result<(), WorkforceError> {
    let seat_id = store::assignment_seat(conn, id)?.ok_or(WorkforceError::AssignmentNotFound)?;
    let (_, project) = seat_of(conn, who, seat_id).map_err(|e| match e {
        WorkforceError::SeatNotFound => WorkforceError::AssignmentNotFound,
        other => other,
    })?;
    store::delete_assignment(conn, id)?;
    audit(
        conn,
        who,
        "seat.unassign",
        seat_id,
        &project,
        json!({"assignment_id": id}),
    )
}
