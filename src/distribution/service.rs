//! Which team takes a new case, and the plans' rules (docs/workflows.md,
//! "Distribution between own team and provider").
//!
//! A plan names, per topic and channel, the teams that take new cases with
//! their shares. The most specific row group wins: topic and channel, then
//! topic (any channel), then channel (any topic), then the row for any
//! topic and channel; no row: the own team. Shares are dealt by a smooth
//! weighted round-robin over a stored counter per group: its sequence
//! repeats every 100 cases, so any 100 consecutive cases of a group hold
//! the shares exactly. Overflow rules then move a case the plan gives the
//! own team to a provider team.

use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;
use serde_json::json;

use super::error::DistributionError;
use super::model::{Entry, OpenCases, Overflow, OverflowKind, Plan, PlanInput, PlanSaved, Team};
use super::store::{self, NewPlan};
use crate::audit::{Actor, record};
use crate::auth::Principal;
use crate::auth::policy;
use crate::cases::{Case, CaseError, Channel, Status};
use crate::db::now;
use crate::ids::{CaseId, ProjectId};
use crate::projects::Project;
use crate::validation::Invalid;

const MAX_ENTRIES: usize = 500;
const MAX_OVERFLOW: usize = 10;

/// The team of the `seq`-th case (0-based) of a group with these shares
/// (summing to 100): a smooth weighted round-robin, period 100.
pub fn pick(shares: &[(Team, i64)], seq: i64) -> Option<Team> {
    let total: i64 = shares.iter().map(|s| s.1).sum();
    if shares.is_empty() || total <= 0 {
        return None;
    }
    let step = seq.rem_euclid(total);
    let mut current = vec![0i64; shares.len()];
    let mut chosen = 0;
    for _ in 0..=step {
        for (c, s) in current.iter_mut().zip(shares) {
            *c += s.1;
        }
        // The first of the highest: ties go to the earlier row.
        chosen = 0;
        for (i, c) in current.iter().enumerate().skip(1) {
            if *c > current[chosen] {
                chosen = i;
            }
        }
        current[chosen] -= total;
    }
    Some(shares[chosen].0)
}

/// The rows that decide for a case of this topic and channel, most
/// specific group first.
pub fn group(entries: &[Entry], topic_id: Option<i64>, channel: Channel) -> Vec<&Entry> {
    let keys = [
        (topic_id, Some(channel)),
        (topic_id, None),
        (None, Some(channel)),
        (None, None),
    ];
    for (topic, chan) in keys {
        let rows: Vec<&Entry> = entries
            .iter()
            .filter(|e| e.topic_id == topic && e.channel == chan)
            .collect();
        if !rows.is_empty() {
            return rows;
        }
    }
    Vec::new()
}

/// Checks a plan: shares per topic and channel sum to 100, topics of the
/// project, overflow rules complete, calendars of the client.
fn check(
    conn: &Connection,
    project: &Project,
    entries: &[Entry],
    overflow: &[Overflow],
) -> Result<(), DistributionError> {
    if entries.len() > MAX_ENTRIES {
        return Err(Invalid::new("entries", format!("at most {MAX_ENTRIES} rows")).into());
    }
    if overflow.len() > MAX_OVERFLOW {
        return Err(Invalid::new("overflow", format!("at most {MAX_OVERFLOW} rules")).into());
    }
    // (topic, channel) → the sum of shares and the teams named.
    type Group = ((Option<i64>, Option<Channel>), i64, Vec<Team>);
    let mut groups: Vec<Group> = Vec::new();
    for e in entries {
        if !(1..=100).contains(&e.share_percent) {
            return Err(Invalid::new("entries.share_percent", "a share is 1 to 100 %").into());
        }
        if let Some(topic_id) = e.topic_id
            && crate::cases::store::topic_project(conn, topic_id)? != Some(project.id)
        {
            return Err(Invalid::new("entries.topic_id", "no such topic in this project").into());
        }
        let key = (e.topic_id, e.channel);
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => {
                if g.2.contains(&e.team) {
                    return Err(Invalid::new(
                        "entries.team",
                        "a team appears once per topic and channel",
                    )
                    .into());
                }
                g.1 += e.share_percent;
                g.2.push(e.team);
            }
            None => groups.push((key, e.share_percent, vec![e.team])),
        }
    }
    if groups.iter().any(|g| g.1 != 100) {
        return Err(Invalid::new(
            "entries.share_percent",
            "the shares of one topic and channel sum to 100 %",
        )
        .into());
    }
    for o in overflow {
        if o.to_team == Team::Client {
            return Err(Invalid::new(
                "overflow.to_team",
                "overflow goes to a provider team (provider-basic or provider-pro)",
            )
            .into());
        }
        match o.kind {
            OverflowKind::QueueOver => {
                if !matches!(o.threshold, Some(0..=100_000)) || o.calendar_id.is_some() {
                    return Err(Invalid::new(
                        "overflow.threshold",
                        "queue-over needs a threshold of 0 to 100000 cases and no calendar",
                    )
                    .into());
                }
            }
            OverflowKind::OutsideHours => {
                let calendar = match o.calendar_id {
                    Some(id) if o.threshold.is_none() => crate::sla::store::calendar(conn, id)?,
                    _ => {
                        return Err(Invalid::new(
                            "overflow.calendar_id",
                            "outside-hours needs a calendar and no threshold",
                        )
                        .into());
                    }
                };
                if calendar.is_none_or(|c| c.client_id != project.client_id) {
                    return Err(Invalid::new("overflow.calendar_id", "no such calendar").into());
                }
            }
        }
    }
    Ok(())
}

fn project(conn: &Connection, id: ProjectId) -> Result<Project, DistributionError> {
    crate::projects::store::get(conn, id)?.ok_or(DistributionError::ProjectNotFound)
}

pub fn plan_of(conn: &Connection, project_id: ProjectId) -> Result<Plan, DistributionError> {
    let mut plan = Plan {
        project_id,
        version: 0,
        entries: Vec::new(),
        overflow: Vec::new(),
        changed_by_id: None,
        changed_by_name: None,
        changed_at: None,
    };
    if let Some((id, _)) = store::current(conn, project_id)? {
        if let Some(head) = store::head(conn, id)? {
            plan.version = head.version;
            plan.changed_by_id = head.changed_by_id;
            plan.changed_by_name = Some(head.changed_by_name);
            plan.changed_at = Some(head.changed_at);
        }
        plan.entries = store::entries(conn, id)?;
        plan.overflow = store::overflow(conn, id)?;
    }
    Ok(plan)
}

/// The project's current plan: client admins and the project's lead.
pub fn get(conn: &Connection, who: &Principal, id: ProjectId) -> Result<Plan, DistributionError> {
    let project = project(conn, id)?;
    policy::view_distribution(who, project.as_ref())?;
    plan_of(conn, id)
}

/// Every saved version of the project's plan, newest first.
pub fn versions(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
) -> Result<Vec<super::model::PlanVersion>, DistributionError> {
    let project = project(conn, id)?;
    policy::view_distribution(who, project.as_ref())?;
    Ok(store::versions(conn, id)?)
}

/// Saves a new version of the plan. When `open_cases` moves them, the
/// version is marked with a pending move (in this transaction) that the
/// background service `distribution.move` carries out in batches
/// ([`move_batch`]); the answer says `moving`.
pub fn save(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
    input: PlanInput,
) -> Result<PlanSaved, DistributionError> {
    let project = project(conn, id)?;
    policy::manage_distribution(who, project.as_ref())?;
    let current = store::current(conn, id)?;
    if current.map_or(0, |c| c.1) != input.expected_version {
        return Err(DistributionError::VersionConflict);
    }
    check(conn, &project, &input.entries, &input.overflow)?;
    let at = now();
    let version = current.map_or(1, |c| c.1 + 1);
    store::insert(
        conn,
        &NewPlan {
            project_id: id,
            version,
            open_cases: input.open_cases,
            changed_by_id: who.user_id,
            changed_by_name: &who.name,
            changed_at: &at,
            entries: &input.entries,
            overflow: &input.overflow,
        },
    )?;
    record(
        conn,
        &Actor::from(who),
        "distribution.change",
        "project",
        Some(id.get()),
        Some(project.client_id),
        json!({
            "version": version,
            "entries": input.entries,
            "overflow": input.overflow,
            "open_cases": input.open_cases.as_str(),
        }),
    )?;
    let plan = plan_of(conn, id)?;
    Ok(PlanSaved {
        plan,
        moved: 0,
        moving: input.open_cases != OpenCases::Leave,
    })
}

/// How many open cases one write transaction of a move looks at: each
/// moved case is a case update with history rows, so a batch stays well
/// under 50 ms of holding the writer (docs/benchmarks.md).
pub const MOVE_BATCH: usize = 200;

/// The open cases of a pending move (`plan_id`) that are still to do, in
/// case order: read on a reader connection, so that finding them in a
/// large project holds no write lock. `None`: nothing pending.
pub fn pending_move(
    conn: &Connection,
    plan_id: i64,
) -> Result<Option<Vec<CaseId>>, DistributionError> {
    let Some(state) = store::move_state(conn, plan_id)? else {
        return Ok(None);
    };
    let Some(after) = state.move_after else {
        return Ok(None);
    };
    Ok(Some(store::open_case_ids(conn, state.project_id, after)?))
}

/// One batch of a plan version's move of open cases: these cases (ids
/// from [`pending_move`]) go where the plan's rows say, the plan's mark
/// and count advance, all in the caller's transaction (so a batch lost in
/// a crash is done again, once). Returns how many moved, or `None` when
/// the move is no longer pending (a newer version or the plan's removal
/// superseded it, or it is done).
pub fn move_batch(
    conn: &Connection,
    plan_id: i64,
    ids: &[CaseId],
    announce: &mut crate::cases::events::Announcements,
) -> Result<Option<i64>, DistributionError> {
    let Some(state) = store::move_state(conn, plan_id)? else {
        return Ok(None);
    };
    if state.move_after.is_none() {
        return Ok(None);
    }
    if store::current(conn, state.project_id)?.map(|c| c.0) != Some(plan_id) {
        // A newer version decides now (with its own choice for open cases).
        store::advance_move(conn, plan_id, None, 0)?;
        return Ok(None);
    }
    let Some(&last) = ids.last() else {
        store::advance_move(conn, plan_id, None, 0)?;
        return Ok(None);
    };
    let entries = store::entries(conn, plan_id)?;
    let client_id = crate::cases::service::client_of(conn, state.project_id)?;
    let all = state.open_cases == OpenCases::MoveAll;
    let mut moved = 0;
    for &id in ids {
        let Some(case) = crate::cases::store::get(conn, id)? else {
            continue;
        };
        if case.project_id != state.project_id
            || matches!(case.status, Status::Solved | Status::Closed)
            || case.merged_into_id.is_some()
            || (case.assignee_id.is_some() && !all)
        {
            continue;
        }
        let target = base_team(conn, plan_id, &entries, case.topic_id, case.channel)?;
        if Team::of_case(case.handling_team, case.handling_tariff) == Some(target) {
            continue;
        }
        let case = set_team(conn, state.changed_by_id, case, target)?;
        announce.push(crate::cases::events::Event::Case(
            crate::cases::events::CaseEvent {
                kind: "updated",
                case_id: case.id,
                project_id: case.project_id,
                client_id,
                version: case.version,
                by_user_id: state.changed_by_id,
                by_name: Some(state.changed_by_name.clone()),
                handling: Some(crate::cases::service::handling(&case)),
            },
        ));
        moved += 1;
    }
    store::advance_move(conn, plan_id, Some(last.get()), moved)?;
    Ok(Some(moved))
}

/// Plan versions whose move of open cases is pending (the background
/// service `distribution.move`).
pub fn pending_moves(conn: &Connection) -> Result<Vec<i64>, DistributionError> {
    Ok(store::pending_moves(conn)?)
}

/// Marks a move done once every batch is through.
pub fn finish_move(conn: &Connection, plan_id: i64) -> Result<(), DistributionError> {
    Ok(store::advance_move(conn, plan_id, None, 0)?)
}

/// Removes the project's plan with all its versions: new cases go to the
/// own team again and the provider agents' limitation to their team's
/// share ends (the principal cache is dropped by this write). The open
/// cases keep their teams; a pending move of open cases ends. Audited as
/// `distribution.remove` with the last version's rows (the versions
/// themselves are gone).
pub fn remove(
    conn: &Connection,
    who: &Principal,
    id: ProjectId,
    expected_version: Option<i64>,
) -> Result<(), DistributionError> {
    let project = project(conn, id)?;
    policy::manage_distribution(who, project.as_ref())?;
    let Some((plan_id, version)) = store::current(conn, id)? else {
        return Err(DistributionError::NoPlan);
    };
    if expected_version.is_some_and(|v| v != version) {
        return Err(DistributionError::VersionConflict);
    }
    let entries = store::entries(conn, plan_id)?;
    let overflow = store::overflow(conn, plan_id)?;
    store::delete_all(conn, id)?;
    record(
        conn,
        &Actor::from(who),
        "distribution.remove",
        "project",
        Some(id.get()),
        Some(project.client_id),
        json!({"version": version, "entries": entries, "overflow": overflow}),
    )?;
    Ok(())
}

/// The team the plan's rows give (advancing the group's counter).
fn base_team(
    conn: &Connection,
    plan_id: i64,
    entries: &[Entry],
    topic_id: Option<i64>,
    channel: Channel,
) -> crate::db::StoreResult<Team> {
    let rows = group(entries, topic_id, channel);
    Ok(match rows.as_slice() {
        [] => Team::Client,
        [one] => one.team,
        many => {
            let seq = store::next_seq(conn, plan_id, many[0].topic_id, many[0].channel)?;
            let shares: Vec<(Team, i64)> = many.iter().map(|e| (e.team, e.share_percent)).collect();
            pick(&shares, seq).unwrap_or(Team::Client)
        }
    })
}

/// Gives a case to a team: the handling team, its tariff, no assignee of
/// the team it left; a history row, a new version.
fn set_team(
    conn: &Connection,
    user: Option<crate::ids::UserId>,
    mut case: Case,
    team: Team,
) -> Result<Case, DistributionError> {
    let case_id = case.id;
    let before = Team::of_case(case.handling_team, case.handling_tariff);
    let (handling, tariff) = team.handling();
    if case.assignee_id.is_some() {
        crate::cases::store::insert_history(
            conn,
            case_id,
            user,
            "assignee_id",
            case.assignee_id.map(|a| a.get().to_string()).as_deref(),
            None,
        )?;
        case.assignee_id = None;
        if case.status == Status::Open {
            case.status = Status::New;
        }
    }
    case.handling_team = handling;
    case.handling_tariff = tariff;
    crate::cases::store::update(conn, &case)?;
    crate::cases::store::insert_history(
        conn,
        case_id,
        user,
        "handling_team",
        Some(before.map_or("provider", Team::as_str)),
        Some(team.as_str()),
    )?;
    Ok(crate::cases::store::get(conn, case_id)?.ok_or(CaseError::NotFound)?)
}

/// Whether a calendar is open at `at` (a business minute starts there).
fn open_at(calendar: &crate::sla::calendar::BusinessCalendar, at: DateTime<Utc>) -> bool {
    calendar.between(at, at + Duration::minutes(1)) > Duration::zero()
}

/// Called by the case service inside a new case's write transaction, when
/// the caller named no handling team: the team the project's plan gives
/// the case (own team without a plan). Returns the team to store.
pub fn team_for_new_case(
    conn: &Connection,
    project_id: ProjectId,
    topic_id: Option<i64>,
    channel: Channel,
    at: DateTime<Utc>,
) -> Result<Option<Team>, CaseError> {
    let Some((plan_id, _)) = store::current(conn, project_id)? else {
        return Ok(None);
    };
    let entries = store::entries(conn, plan_id)?;
    let team = base_team(conn, plan_id, &entries, topic_id, channel)?;
    if team != Team::Client {
        return Ok(Some(team));
    }
    for rule in store::overflow(conn, plan_id)? {
        let applies = match rule.kind {
            OverflowKind::QueueOver => {
                store::own_queue(conn, project_id)? > rule.threshold.unwrap_or(i64::MAX)
            }
            OverflowKind::OutsideHours => match rule.calendar_id {
                Some(id) => {
                    crate::sla::service::load_calendar(conn, id)?.is_some_and(|c| !open_at(&c, at))
                }
                None => false,
            },
        };
        if applies {
            return Ok(Some(rule.to_team));
        }
    }
    Ok(Some(Team::Client))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixty_forty_holds_over_any_hundred_consecutive_cases() {
        let shares = [(Team::ProviderBasic, 60), (Team::Client, 40)];
        let seq: Vec<Team> = (0..400).map(|n| pick(&shares, n).unwrap()).collect();
        for start in 0..300 {
            let provider = seq[start..start + 100]
                .iter()
                .filter(|t| **t == Team::ProviderBasic)
                .count();
            assert_eq!(provider, 60, "window from {start}");
        }
        // Smooth: never more than two provider cases in a row at 60/40.
        let longest = seq
            .split(|t| *t == Team::Client)
            .map(|run| run.len())
            .max()
            .unwrap();
        assert!(longest <= 2, "{longest}");
    }

    #[test]
    fn three_teams_and_odd_shares() {
        let shares = [
            (Team::Client, 33),
            (Team::ProviderBasic, 33),
            (Team::ProviderPro, 34),
        ];
        for start in [0, 17, 99, 250] {
            let window: Vec<Team> = (start..start + 100)
                .map(|n| pick(&shares, n).unwrap())
                .collect();
            for (team, share) in shares {
                assert_eq!(window.iter().filter(|t| **t == team).count() as i64, share);
            }
        }
        assert_eq!(pick(&[(Team::Client, 100)], 12345), Some(Team::Client));
        assert_eq!(pick(&[], 0), None);
    }

    fn entry(topic: Option<i64>, channel: Option<Channel>, team: Team) -> Entry {
        Entry {
            topic_id: topic,
            channel,
            team,
            share_percent: 100,
        }
    }

    #[test]
    fn the_most_specific_group_decides() {
        let entries = vec![
            entry(None, None, Team::Client),
            entry(Some(7), None, Team::ProviderBasic),
            entry(Some(7), Some(Channel::Email), Team::ProviderPro),
            entry(None, Some(Channel::Call), Team::ProviderBasic),
        ];
        let team = |topic, channel| group(&entries, topic, channel)[0].team;
        assert_eq!(team(Some(7), Channel::Email), Team::ProviderPro);
        assert_eq!(team(Some(7), Channel::Call), Team::ProviderBasic);
        assert_eq!(team(Some(8), Channel::Call), Team::ProviderBasic);
        assert_eq!(team(Some(8), Channel::Email), Team::Client);
        assert_eq!(team(None, Channel::Chat), Team::Client);
        assert!(group(&[], None, Channel::Chat).is_empty());
    }
}
