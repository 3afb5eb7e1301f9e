//! Counts of cases kept by triggers (`case_counts`, migration 0037; issue
//! 16, docs/perf16.md): per project, dimension (status, channel, topic,
//! assignee) and value, split by handling team and tariff, the open and the
//! total number of cases. SQLite's triggers on `cases` keep them exact in
//! the writing transaction, whoever writes (service, imports, merges,
//! distribution moves, erasure, the generator).
//!
//! - [`read`]: `/cases/counts` for a caller, with or without a project: a
//!   sum over the caller's visible projects (O(projects × values)), the
//!   provider-share restriction applied by the team and tariff of the
//!   rows; overdue and due soon depend on the clock and stay one range read
//!   of the open-cases-by-due-date index per visible project.
//! - [`estimate`] and [`cases_in`]: how many cases one filter value
//!   selects, and how many the projects hold, for a query plan's choice.
//! - [`verify`]: recounts from the cases and names every difference
//!   (`zezaro check`).

use std::collections::{BTreeMap, HashMap};

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

use super::model::{CaseCounts, Channel, HandlingTeam, Status, TopicCount};
use crate::auth::Principal;
use crate::auth::policy::{self, Visibility};
use crate::db::{StoreResult, now};
use crate::ids::{ProjectId, UserId};

/// A counted column and one of its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    Status(Status),
    Channel(Channel),
    /// `None`: cases without a topic.
    Topic(Option<i64>),
    /// `None`: unassigned cases.
    Assignee(Option<UserId>),
    /// The handling team: a key column of every row, read from the
    /// status rows.
    Team(HandlingTeam),
}

impl Counted {
    /// The rows' `dimension`, the column that holds the value, and the
    /// value (0 for none).
    fn key(self) -> (&'static str, &'static str, Value) {
        let (dimension, value) = match self {
            Counted::Team(t) => {
                return ("status", "handling_team", Value::Text(t.as_str().into()));
            }
            Counted::Status(s) => ("status", Value::Text(s.as_str().into())),
            Counted::Channel(c) => ("channel", Value::Text(c.as_str().into())),
            Counted::Topic(t) => ("topic", Value::Integer(t.unwrap_or(0))),
            Counted::Assignee(a) => ("assignee", Value::Integer(a.map_or(0, |a| a.get()))),
        };
        (dimension, "value", value)
    }
}

/// How many cases of `project_ids` have `counted` (open ones only when
/// `open_only`), from the kept counts: one seek per project, whatever the
/// number of cases. Exact for the cases of those projects; the
/// provider-share restriction is not applied (for a provider agent with a
/// share it is an upper bound). `None` when the counts cannot be read
/// (a query plan then falls back to its other estimates).
pub fn estimate(
    conn: &Connection,
    project_ids: &[ProjectId],
    counted: Counted,
    open_only: bool,
) -> Option<u64> {
    let (dimension, key, value) = counted.key();
    let column = if open_only { "open" } else { "total" };
    let sql = format!(
        "SELECT COALESCE(SUM({column}), 0) FROM case_counts
         WHERE dimension = ?1 AND project_id IN (SELECT value FROM json_each(?2)) AND {key} = ?3"
    );
    let projects = serde_json::to_string(project_ids).ok()?;
    let n: i64 = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| {
            stmt.query_row(
                params_from_iter([Value::Text(dimension.into()), Value::Text(projects), value]),
                |row| row.get(0),
            )
        })
        .ok()?;
    u64::try_from(n).ok()
}

/// How many cases `project_ids` hold (open ones only when `open_only`):
/// the size of the range a list walks in its sort's order, against which
/// [`estimate`] is weighed (docs/perf16.md, the plan rule). The status rows
/// summed: one seek per project. `None` when the counts cannot be read.
pub fn cases_in(conn: &Connection, project_ids: &[ProjectId], open_only: bool) -> Option<u64> {
    let column = if open_only { "open" } else { "total" };
    let sql = format!(
        "SELECT COALESCE(SUM({column}), 0) FROM case_counts
         WHERE dimension = 'status' AND project_id IN (SELECT value FROM json_each(?1))"
    );
    let projects = serde_json::to_string(project_ids).ok()?;
    let n: i64 = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| stmt.query_row([projects], |row| row.get(0)))
        .ok()?;
    u64::try_from(n).ok()
}

/// The projects whose cases `who` sees, within `project_id` when given.
fn visible_projects(
    conn: &Connection,
    who: &Principal,
    project_id: Option<ProjectId>,
) -> StoreResult<Vec<ProjectId>> {
    projects_of(conn, &policy::project_visibility(who), project_id)
}

/// The projects of a visibility, within `project_id` when given.
pub fn projects_of(
    conn: &Connection,
    visibility: &Visibility,
    project_id: Option<ProjectId>,
) -> StoreResult<Vec<ProjectId>> {
    let mut ids: Vec<ProjectId> = match visibility {
        Visibility::All => conn
            .prepare_cached("SELECT id FROM projects")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?,
        Visibility::Clients(clients) => conn
            .prepare_cached(
                "SELECT id FROM projects WHERE client_id IN (SELECT value FROM json_each(?1))",
            )?
            .query_map([serde_json::to_string(&clients).unwrap_or_default()], |r| {
                r.get(0)
            })?
            .collect::<Result<_, _>>()?,
        Visibility::Projects(ids) => ids.clone(),
    };
    if let Some(project) = project_id {
        ids.retain(|&id| id == project);
    }
    Ok(ids)
}

/// The counts of the workspace (`/cases/counts`) from the kept counts: the
/// same numbers as a count of the caller's visible open cases
/// (`service::counts_by_scan`), for every role.
///
/// Each statement reads, per visible project, the rows of one dimension
/// (`case_counts`' key leads with dimension and project: one seek each).
/// The provider-share restriction (`policy::provider_shares`: in those
/// projects only the provider team's cases of the agent's tariff or none)
/// is a condition on the rows' team and tariff, as on the cases.
pub fn read(
    conn: &Connection,
    who: &Principal,
    project_id: Option<ProjectId>,
) -> StoreResult<CaseCounts> {
    let projects = visible_projects(conn, who, project_id)?;
    let shares = policy::provider_shares(who);
    let mut counts = CaseCounts::default();
    for team in HandlingTeam::ALL {
        counts.by_team.insert(team.as_str().into(), 0);
    }
    for channel in Channel::ALL {
        counts.by_channel.insert(channel.as_str().into(), 0);
    }
    if projects.is_empty() {
        return Ok(counts);
    }
    // ?1 the projects; with shares ?2 the share projects, ?3 the tariff.
    let mut args = vec![Value::Text(
        serde_json::to_string(&projects).unwrap_or_default(),
    )];
    let share_rows = match shares.first() {
        None => "",
        Some(&(_, tariff)) => {
            let share_projects: Vec<ProjectId> = shares.iter().map(|s| s.0).collect();
            args.push(Value::Text(
                serde_json::to_string(&share_projects).unwrap_or_default(),
            ));
            args.push(Value::Text(tariff.as_str().into()));
            " AND (k.project_id NOT IN (SELECT value FROM json_each(?2))
                   OR (k.handling_team = 'provider' AND k.handling_tariff IN ('', ?3)))"
        }
    };
    let rows = |dimension: &str| {
        format!(
            "FROM case_counts k WHERE k.dimension = '{dimension}'
               AND k.project_id IN (SELECT value FROM json_each(?1)){share_rows}"
        )
    };

    let mut stmt = conn.prepare_cached(&format!(
        "SELECT k.handling_team, SUM(k.open) {} GROUP BY 1",
        rows("status")
    ))?;
    for row in stmt.query_map(params_from_iter(args.iter()), |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })? {
        let (team, n) = row?;
        counts.open += n;
        if n != 0 {
            counts.by_team.insert(team, n);
        }
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT k.value, SUM(k.open) {} GROUP BY 1",
        rows("channel")
    ))?;
    for row in stmt.query_map(params_from_iter(args.iter()), |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })? {
        let (channel, n) = row?;
        if n != 0 {
            counts.by_channel.insert(channel, n);
        }
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT t.id, t.name, SUM(k.open) {} GROUP BY k.value HAVING SUM(k.open) > 0
         ORDER BY t.position, t.name, t.id",
        rows("topic").replacen(
            "FROM case_counts k",
            "FROM case_counts k JOIN topics t ON t.id = k.value",
            1
        )
    ))?;
    for row in stmt.query_map(params_from_iter(args.iter()), |r| {
        Ok(TopicCount {
            topic_id: r.get(0)?,
            name: r.get(1)?,
            count: r.get(2)?,
        })
    })? {
        counts.by_topic.push(row?);
    }
    // Unassigned (0) and the caller's own; the system (no user) has none.
    let mut with_user = args.clone();
    with_user.push(Value::from(who.user_id));
    let user_arg = with_user.len();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT k.value, SUM(k.open) {} AND k.value IN (0, ?{user_arg}) GROUP BY 1",
        rows("assignee")
    ))?;
    for row in stmt.query_map(params_from_iter(with_user.iter()), |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
    })? {
        let (assignee, n) = row?;
        if assignee == 0 {
            counts.unassigned = n;
        } else {
            counts.mine = n;
        }
    }

    // Overdue and due soon: the open cases with a due date before now + 24 h,
    // one range of `cases_open_due (project_id, due_at, …)` per project
    // (the index holds open cases only; the range skips those without a
    // due date).
    let soon = (chrono::Utc::now() + chrono::Duration::hours(24))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut with_time = args.clone();
    with_time.push(Value::Text(now()));
    with_time.push(Value::Text(soon));
    let (at_now, at_soon) = (with_time.len() - 1, with_time.len());
    let share_cases = if shares.is_empty() {
        ""
    } else {
        " AND (c.project_id NOT IN (SELECT value FROM json_each(?2))
               OR (c.handling_team = 'provider' AND coalesce(c.handling_tariff, ?3) = ?3))"
    };
    conn.prepare_cached(&format!(
        "SELECT COALESCE(SUM(c.due_at < ?{at_now}), 0), COALESCE(SUM(c.due_at >= ?{at_now}), 0)
         FROM cases c INDEXED BY cases_open_due
         WHERE c.project_id IN (SELECT value FROM json_each(?1))
           AND c.status NOT IN ('solved', 'closed') AND c.due_at < ?{at_soon}{share_cases}"
    ))?
    .query_row(params_from_iter(with_time.iter()), |row| {
        counts.overdue = row.get(0)?;
        counts.due_soon = row.get(1)?;
        Ok(())
    })?;
    Ok(counts)
}

/// One row's key: dimension, project, value (as text), team, tariff.
type Key = (String, i64, String, String, String);

fn value_text(v: Value) -> String {
    match v {
        Value::Integer(i) => i.to_string(),
        Value::Text(t) => t,
        Value::Real(r) => r.to_string(),
        Value::Null => "NULL".into(),
        Value::Blob(b) => format!("{b:?}"),
    }
}

fn count_rows(conn: &Connection, sql: &str) -> StoreResult<HashMap<Key, (i64, i64)>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| {
        Ok((
            (
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                value_text(r.get::<_, Value>(2)?),
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ),
            (r.get::<_, i64>(5)?, r.get::<_, i64>(6)?),
        ))
    })?;
    let mut out = HashMap::new();
    for row in rows {
        let (key, n) = row?;
        // Rows counted down to nothing stay; they equal no row.
        if n != (0, 0) {
            out.insert(key, n);
        }
    }
    Ok(out)
}

/// The recount: what the migration fills the table with.
const RECOUNT: &str = "SELECT 'status', project_id, status, handling_team, coalesce(handling_tariff, ''),
        sum(status NOT IN ('solved', 'closed')), count(*) FROM cases GROUP BY 2, 3, 4, 5
    UNION ALL
    SELECT 'channel', project_id, channel, handling_team, coalesce(handling_tariff, ''),
        sum(status NOT IN ('solved', 'closed')), count(*) FROM cases GROUP BY 2, 3, 4, 5
    UNION ALL
    SELECT 'topic', project_id, coalesce(topic_id, 0), handling_team, coalesce(handling_tariff, ''),
        sum(status NOT IN ('solved', 'closed')), count(*) FROM cases GROUP BY 2, 3, 4, 5
    UNION ALL
    SELECT 'assignee', project_id, coalesce(assignee_id, 0), handling_team, coalesce(handling_tariff, ''),
        sum(status NOT IN ('solved', 'closed')), count(*) FROM cases GROUP BY 2, 3, 4, 5";

/// At most this many differences are named; the rest are counted.
const NAMED: usize = 20;

/// Recounts the cases and compares with the kept counts: one line per
/// difference (at most 20 named, then how many more), empty when they
/// agree. Reads every case four times (seconds at a million cases), so it
/// belongs to `zezaro check`, not to a request.
pub fn verify(conn: &Connection) -> StoreResult<Vec<String>> {
    let kept = count_rows(
        conn,
        "SELECT dimension, project_id, value, handling_team, handling_tariff, open, total
         FROM case_counts",
    )?;
    let recounted = count_rows(conn, RECOUNT)?;
    let mut differences = BTreeMap::new();
    for (key, &have) in &kept {
        let want = recounted.get(key).copied().unwrap_or((0, 0));
        if have != want {
            differences.insert(key.clone(), (have, want));
        }
    }
    for (key, &want) in &recounted {
        if !kept.contains_key(key) {
            differences.insert(key.clone(), ((0, 0), want));
        }
    }
    let mut problems: Vec<String> = differences
        .iter()
        .take(NAMED)
        .map(|((dimension, project, value, team, tariff), (have, want))| {
            format!(
                "case counts: project {project}, {dimension} {value:?} (team {team}, tariff {tariff:?}): \
                 kept {} open / {} in all, the cases hold {} open / {} in all",
                have.0, have.1, want.0, want.1
            )
        })
        .collect();
    if differences.len() > NAMED {
        problems.push(format!(
            "case counts: {} more differences",
            differences.len() - NAMED
        ));
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Db, StoreError};

    fn generated() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let options = crate::demo::generate::Options {
            cases: 800,
            messages: 1,
            seed: 5,
        };
        crate::demo::generate::generate(dir.path(), &options, &mut |_| {}).unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        (dir, db)
    }

    fn projects(conn: &Connection) -> Vec<ProjectId> {
        conn.prepare("SELECT id FROM projects ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn count(conn: &Connection, sql: &str) -> u64 {
        conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as u64
    }

    /// Every kind of write to `cases` in SQL (insert, each counted column
    /// changed, a move to another project, a topic deleted through the
    /// foreign key, delete): the kept counts, and routing's open loads per
    /// agent (migration 0053), equal a recount after each.
    #[test]
    fn triggers_keep_the_counts_through_every_write() {
        let (_dir, db) = generated();
        db.read_blocking(|conn| {
            assert_eq!(verify(conn)?, Vec::<String>::new(), "after generation");
            Ok::<_, StoreError>(())
        })
        .unwrap();
        let writes = [
            "INSERT INTO cases (project_id, number, subject, channel, status, handling_team, created_at, updated_at)
             SELECT project_id, 900000, 'x', 'call', 'open', 'client', '2026-01-01', '2026-01-01' FROM cases LIMIT 1",
            "UPDATE cases SET status = 'solved' WHERE id IN (SELECT id FROM cases WHERE status = 'open' LIMIT 20)",
            "UPDATE cases SET status = 'open' WHERE id IN (SELECT id FROM cases WHERE status = 'closed' LIMIT 20)",
            "UPDATE cases SET status = 'pending-customer' WHERE id IN (SELECT id FROM cases WHERE status = 'new' LIMIT 20)",
            "UPDATE cases SET assignee_id = NULL WHERE id IN (SELECT id FROM cases WHERE assignee_id IS NOT NULL LIMIT 20)",
            "UPDATE cases SET assignee_id = (SELECT min(id) FROM users) WHERE id IN (SELECT id FROM cases LIMIT 30)",
            "UPDATE cases SET channel = 'letter' WHERE id IN (SELECT id FROM cases WHERE channel <> 'letter' LIMIT 20)",
            "UPDATE cases SET topic_id = NULL WHERE id IN (SELECT id FROM cases WHERE topic_id IS NOT NULL LIMIT 20)",
            "UPDATE cases SET handling_team = 'provider', handling_tariff = 'pro' WHERE id IN (SELECT id FROM cases LIMIT 25)",
            "UPDATE cases SET handling_tariff = 'basic' WHERE id IN (SELECT id FROM cases WHERE handling_tariff = 'pro' LIMIT 5)",
            "UPDATE cases SET project_id = (SELECT max(id) FROM projects), number = number + 1000000 WHERE id IN (SELECT id FROM cases WHERE project_id <> (SELECT max(id) FROM projects) LIMIT 15)",
            "UPDATE cases SET subject = 'nothing counted changes', version = version + 1 WHERE id IN (SELECT id FROM cases LIMIT 50)",
            "UPDATE cases SET status = status, assignee_id = assignee_id WHERE id IN (SELECT id FROM cases LIMIT 50)",
            "INSERT INTO cases (project_id, number, subject, channel, status, handling_team, assignee_id, created_at, updated_at)
             SELECT project_id, 900001, 'x', 'chat', 'new', 'client', (SELECT min(id) FROM users), '2026-01-01', '2026-01-01' FROM cases LIMIT 1",
            "UPDATE cases SET channel = 'email' WHERE number = 900001",
            "DELETE FROM cases WHERE number IN (900000, 900001)",
        ];
        for sql in writes {
            db.write_blocking(|tx| {
                tx.execute_batch(sql)?;
                assert_eq!(verify(tx)?, Vec::<String>::new(), "after {sql}");
                // Routing's open loads, kept by triggers of their own.
                let loads = crate::routing::store::verify_open_loads(tx)?;
                assert_eq!(loads, Vec::<String>::new(), "after {sql}");
                Ok::<_, StoreError>(())
            })
            .unwrap();
        }
        // A topic deleted: its cases' topic_id becomes NULL through the
        // foreign key, which runs the update trigger.
        db.write_blocking(|tx| {
            let topic: i64 = tx.query_row(
                "INSERT INTO topics (project_id, name, created_at)
                 SELECT project_id, 'Vorübergehend', '2026-01-01' FROM cases LIMIT 1 RETURNING id",
                [],
                |r| r.get(0),
            )?;
            tx.execute(
                "UPDATE cases SET topic_id = ?1 WHERE id IN (SELECT id FROM cases
                   WHERE project_id = (SELECT project_id FROM topics WHERE id = ?1) LIMIT 12)",
                [topic],
            )?;
            assert_eq!(
                estimate(tx, &projects(tx), Counted::Topic(Some(topic)), false),
                Some(12)
            );
            tx.execute("DELETE FROM topics WHERE id = ?1", [topic])?;
            assert_eq!(
                estimate(tx, &projects(tx), Counted::Topic(Some(topic)), false),
                Some(0)
            );
            assert_eq!(verify(tx)?, Vec::<String>::new(), "after a topic's delete");
            Ok::<_, StoreError>(())
        })
        .unwrap();
    }

    #[test]
    fn a_count_changed_behind_the_triggers_is_reported() {
        let (_dir, db) = generated();
        db.write_blocking(|tx| {
            tx.execute_batch(
                "UPDATE case_counts SET open = open + 1
                 WHERE (dimension, project_id, value, handling_team, handling_tariff) =
                   (SELECT dimension, project_id, value, handling_team, handling_tariff
                    FROM case_counts WHERE dimension = 'channel' AND total > 0 LIMIT 1)",
            )?;
            let problems = verify(tx)?;
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(
                problems[0].starts_with("case counts: project "),
                "{problems:?}"
            );
            assert!(problems[0].contains("channel"), "{problems:?}");
            // A row missing altogether is a difference too.
            tx.execute_batch("DELETE FROM case_counts WHERE dimension = 'topic'")?;
            assert!(verify(tx)?.len() > 1);
            Ok::<_, StoreError>(())
        })
        .unwrap();
    }

    #[test]
    fn estimates_are_the_counts_of_the_cases() {
        let (_dir, db) = generated();
        db.read_blocking(|conn| {
            let all = projects(conn);
            let first = &all[..1];
            let p = all[0].get();
            assert_eq!(
                estimate(conn, &all, Counted::Status(Status::Open), false),
                Some(count(conn, "SELECT count(*) FROM cases WHERE status = 'open'"))
            );
            assert_eq!(
                estimate(conn, first, Counted::Channel(Channel::Email), true),
                Some(count(
                    conn,
                    &format!(
                        "SELECT count(*) FROM cases WHERE project_id = {p} AND channel = 'email'
                         AND status NOT IN ('solved', 'closed')"
                    )
                ))
            );
            assert_eq!(
                estimate(conn, &all, Counted::Assignee(None), true),
                Some(count(
                    conn,
                    "SELECT count(*) FROM cases WHERE assignee_id IS NULL AND status NOT IN ('solved', 'closed')"
                ))
            );
            let (assignee, n): (UserId, i64) = conn.query_row(
                "SELECT assignee_id, count(*) FROM cases WHERE assignee_id IS NOT NULL
                 GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            assert_eq!(
                estimate(conn, &all, Counted::Assignee(Some(assignee)), false),
                Some(n as u64)
            );
            assert_eq!(
                estimate(conn, &all, Counted::Topic(None), false),
                Some(count(conn, "SELECT count(*) FROM cases WHERE topic_id IS NULL"))
            );
            assert_eq!(estimate(conn, &[], Counted::Status(Status::New), false), Some(0));
            assert_eq!(
                estimate(conn, &all, Counted::Team(HandlingTeam::Provider), true),
                Some(count(
                    conn,
                    "SELECT count(*) FROM cases WHERE handling_team = 'provider'
                     AND status NOT IN ('solved', 'closed')"
                ))
            );
            assert_eq!(
                cases_in(conn, &all, false),
                Some(count(conn, "SELECT count(*) FROM cases"))
            );
            assert_eq!(
                cases_in(conn, first, true),
                Some(count(
                    conn,
                    &format!(
                        "SELECT count(*) FROM cases WHERE project_id = {p}
                         AND status NOT IN ('solved', 'closed')"
                    )
                ))
            );
            Ok::<_, StoreError>(())
        })
        .unwrap();
    }

    /// The reads are seeks of the counts' key and of the due-date index,
    /// never a scan of the cases.
    #[test]
    fn the_reads_seek() {
        let (_dir, db) = generated();
        db.read_blocking(|conn| {
            let plan = |sql: &str| -> String {
                let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
                stmt.raw_query()
                    .mapped(|r| r.get::<_, String>(3))
                    .collect::<Result<Vec<_>, _>>()
                    .unwrap()
                    .join("\n")
            };
            let counts = plan(
                "SELECT k.handling_team, SUM(k.open) FROM case_counts k WHERE k.dimension = 'status'
                   AND k.project_id IN (SELECT value FROM json_each(?1))
                   AND (k.project_id NOT IN (SELECT value FROM json_each(?2))
                        OR (k.handling_team = 'provider' AND k.handling_tariff IN ('', ?3)))
                 GROUP BY 1",
            );
            assert!(counts.contains("SEARCH k USING PRIMARY KEY (dimension=? AND project_id=?)"), "{counts}");
            let due = plan(
                "SELECT COALESCE(SUM(c.due_at < ?4), 0) FROM cases c INDEXED BY cases_open_due
                 WHERE c.project_id IN (SELECT value FROM json_each(?1))
                   AND c.status NOT IN ('solved', 'closed') AND c.due_at < ?5
                   AND (c.project_id NOT IN (SELECT value FROM json_each(?2))
                        OR (c.handling_team = 'provider' AND coalesce(c.handling_tariff, ?3) = ?3))",
            );
            assert!(
                due.contains("SEARCH c USING INDEX cases_open_due (project_id=? AND due_at<?)"),
                "{due}"
            );
            Ok::<_, StoreError>(())
        })
        .unwrap();
    }
}
