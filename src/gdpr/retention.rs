//! Retention per project: closed cases older than N months (after closing)
//! are anonymized or deleted by a daily job. [`preview`] runs the same
//! selection as [`run_due`] without writing, so the dry run shows exactly
//! what the real run will do at that moment.

use crate::ids::{CaseId, ClientId, ProjectId};
use chrono::{DateTime, Months, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::erase::{self, scrub_cases};
use super::error::GdprError;
use super::model::{RetentionInput, RetentionOutcome, RetentionReport, RetentionRule};
use crate::audit::{self, Actor};
use crate::auth::{Principal, policy};
use crate::db::{Db, StoreError, now};
use crate::validation::Invalid;

/// Cases per write transaction of a run, so the writer is never held long.
const BATCH: usize = 500;
/// Cases named in an outcome's sample.
const SAMPLE: usize = 100;

fn rule_from_row(row: &rusqlite::Row) -> rusqlite::Result<RetentionRule> {
    Ok(RetentionRule {
        project_id: row.get(0)?,
        months: row.get(1)?,
        action: row.get(2)?,
        enabled: row.get(3)?,
        updated_at: row.get(4)?,
        last_run_at: row.get(5)?,
    })
}

const RULE_SELECT: &str =
    "SELECT project_id, months, action, enabled, updated_at, last_run_at FROM retention_rules";

fn rule(conn: &Connection, project_id: ProjectId) -> Result<Option<RetentionRule>, GdprError> {
    Ok(conn
        .prepare_cached(&format!("{RULE_SELECT} WHERE project_id = ?1"))?
        .query_row([project_id], rule_from_row)
        .optional()?)
}

fn project(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
) -> Result<crate::projects::Project, GdprError> {
    let project = crate::projects::store::get(conn, project_id)?.ok_or(GdprError::NotFound)?;
    policy::manage_retention(who, project.as_ref())?;
    Ok(project)
}

pub fn get(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
) -> Result<Option<RetentionRule>, GdprError> {
    project(conn, who, project_id)?;
    rule(conn, project_id)
}

pub fn put(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
    input: RetentionInput,
) -> Result<RetentionRule, GdprError> {
    let project = project(conn, who, project_id)?;
    if !(1..=1200).contains(&input.months) {
        return Err(Invalid::new("months", "must be between 1 and 1200").into());
    }
    conn.prepare_cached(
        "INSERT INTO retention_rules (project_id, months, action, enabled, updated_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (project_id) DO UPDATE SET months = ?2, action = ?3, enabled = ?4,
             updated_by = ?5, updated_at = ?6",
    )?
    .execute(params![
        project_id,
        input.months,
        input.action.as_str(),
        input.enabled,
        who.user_id,
        now()
    ])?;
    audit::record(
        conn,
        &Actor::from(who),
        "retention.update",
        "project",
        Some(project_id.get()),
        Some(project.client_id),
        json!({ "months": input.months, "action": input.action.as_str(), "enabled": input.enabled }),
    )?;
    rule(conn, project_id)?.ok_or(GdprError::NotFound)
}

pub fn delete(conn: &Connection, who: &Principal, project_id: ProjectId) -> Result<(), GdprError> {
    let project = project(conn, who, project_id)?;
    let removed = conn
        .prepare_cached("DELETE FROM retention_rules WHERE project_id = ?1")?
        .execute([project_id])?;
    if removed == 0 {
        return Err(GdprError::NotFound);
    }
    audit::record(
        conn,
        &Actor::from(who),
        "retention.delete",
        "project",
        Some(project_id.get()),
        Some(project.client_id),
        json!({}),
    )?;
    Ok(())
}

/// Cases closed before this time fall under the rule.
pub fn cutoff(months: i64, at: DateTime<Utc>) -> String {
    let months = u32::try_from(months.max(0)).unwrap_or(0);
    at.checked_sub_months(Months::new(months))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

const DUE_WHERE: &str = "FROM cases k WHERE k.project_id = ?1 AND k.status = 'closed'
     AND k.closed_at IS NOT NULL AND k.closed_at < ?2
     AND (?3 = 'delete' OR k.anonymized_at IS NULL)";

/// The rule's outcome at `at`, counting without writing.
fn outcome(
    conn: &Connection,
    rule: &RetentionRule,
    at: DateTime<Utc>,
) -> Result<RetentionOutcome, GdprError> {
    let cut = cutoff(rule.months, at);
    let key: String = conn
        .prepare_cached("SELECT key FROM projects WHERE id = ?1")?
        .query_row([rule.project_id], |row| row.get(0))?;
    let args = params![rule.project_id, cut, rule.action.as_str()];
    let (cases, messages, attachments): (i64, i64, i64) = conn
        .prepare_cached(&format!(
            "SELECT COUNT(*),
                 COALESCE(SUM((SELECT COUNT(*) FROM messages m WHERE m.case_id = k.id)), 0),
                 COALESCE(SUM((SELECT COUNT(*) FROM attachments a WHERE a.case_id = k.id)), 0)
             {DUE_WHERE}"
        ))?
        .query_row(args, |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    let sample: Vec<String> = conn
        .prepare_cached(&format!(
            "SELECT ?4 || '-' || k.number {DUE_WHERE} ORDER BY k.closed_at, k.id LIMIT {SAMPLE}"
        ))?
        .query_map(
            params![rule.project_id, cut, rule.action.as_str(), key],
            |row| row.get(0),
        )?
        .collect::<Result<_, _>>()?;
    Ok(RetentionOutcome {
        project_id: rule.project_id,
        project_key: key,
        months: rule.months,
        action: rule.action,
        cutoff: cut,
        cases: cases as u64,
        messages: messages as u64,
        attachments: attachments as u64,
        sample,
    })
}

/// The dry run of one project's rule: what a run at `at` would do.
pub fn preview(
    conn: &Connection,
    who: &Principal,
    project_id: ProjectId,
    at: DateTime<Utc>,
) -> Result<RetentionOutcome, GdprError> {
    project(conn, who, project_id)?;
    let rule = rule(conn, project_id)?.ok_or(GdprError::NotFound)?;
    outcome(conn, &rule, at)
}

/// The dry run over all enabled rules.
pub fn preview_all(conn: &Connection, at: DateTime<Utc>) -> Result<RetentionReport, GdprError> {
    let rules: Vec<RetentionRule> = conn
        .prepare_cached(&format!(
            "{RULE_SELECT} WHERE enabled = 1 ORDER BY project_id"
        ))?
        .query_map([], rule_from_row)?
        .collect::<Result<_, _>>()?;
    let mut report = RetentionReport {
        dry_run: true,
        ..RetentionReport::default()
    };
    for rule in &rules {
        let o = outcome(conn, rule, at)?;
        report.cases += o.cases;
        report.projects.push(o);
    }
    Ok(report)
}

/// Applies every enabled rule as of `at`: the daily job. Plain function of
/// the store, so any scheduler can run it. Each project's cases are done
/// in batches, each batch in its own write transaction; files no longer
/// needed are removed after each commit.
pub async fn run_due(db: &Db, at: DateTime<Utc>) -> Result<RetentionReport, GdprError> {
    let plan = db.read(move |conn| preview_all(conn, at)).await?;
    let data_dir = db
        .path()
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let mut report = RetentionReport::default();
    for planned in plan.projects {
        let project_id = planned.project_id;
        let cut = planned.cutoff.clone();
        let action = planned.action;
        let mut outcome = RetentionOutcome {
            cases: 0,
            messages: 0,
            attachments: 0,
            sample: Vec::new(),
            ..planned
        };
        loop {
            let cut = cut.clone();
            let key = outcome.project_key.clone();
            let batch = db
                .write(move |tx| {
                    let ids: Vec<(i64, String)> = tx
                        .prepare_cached(&format!(
                            "SELECT k.id, ?4 || '-' || k.number {DUE_WHERE}
                             ORDER BY k.closed_at, k.id LIMIT {BATCH}"
                        ))?
                        .query_map(params![project_id, cut, action.as_str(), key], |row| {
                            Ok((row.get(0)?, row.get(1)?))
                        })?
                        .collect::<Result<_, _>>()?;
                    let case_ids: Vec<CaseId> = ids.iter().map(|&(id, _)| CaseId(id)).collect();
                    let scrubbed = scrub_cases(tx, &case_ids, action)?;
                    Ok::<_, GdprError>((ids, scrubbed))
                })
                .await?;
            let (ids, scrubbed) = batch;
            if ids.is_empty() {
                break;
            }
            outcome.cases += scrubbed.cases;
            outcome.messages += scrubbed.messages;
            outcome.attachments += scrubbed.attachments;
            for (_, reference) in ids {
                if outcome.sample.len() < SAMPLE {
                    outcome.sample.push(reference);
                }
            }
            let orphans = scrubbed.orphan_blobs;
            let dir = data_dir.clone();
            report.blobs_removed += db
                .read(move |conn| Ok::<_, StoreError>(erase::remove_files(conn, &dir, &orphans)))
                .await?;
        }
        let summary = outcome.clone();
        db.write(move |tx| {
            tx.prepare_cached("UPDATE retention_rules SET last_run_at = ?2 WHERE project_id = ?1")?
                .execute(params![project_id, now()])?;
            if summary.cases > 0 {
                let client_id: ClientId = tx
                    .prepare_cached("SELECT client_id FROM projects WHERE id = ?1")?
                    .query_row([project_id], |row| row.get(0))?;
                audit::record(
                    tx,
                    &Actor {
                        user_id: None,
                        email: Some("system:retention".into()),
                        ip: None,
                    },
                    "retention.run",
                    "project",
                    Some(project_id.get()),
                    Some(client_id),
                    json!({
                        "action": summary.action.as_str(),
                        "months": summary.months,
                        "cutoff": summary.cutoff,
                        "cases": summary.cases,
                        "messages": summary.messages,
                        "attachments": summary.attachments,
                    }),
                )?;
            }
            Ok::<_, GdprError>(())
        })
        .await?;
        report.cases += outcome.cases;
        report.projects.push(outcome);
    }
    if report.cases > 0 {
        db.read(|conn| {
            erase::checkpoint(conn);
            Ok::<_, StoreError>(())
        })
        .await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoff_goes_back_whole_months() {
        let at = DateTime::parse_from_rfc3339("2026-03-31T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(cutoff(1, at), "2026-02-28T10:00:00.000Z");
        assert_eq!(cutoff(12, at), "2025-03-31T10:00:00.000Z");
    }
}
