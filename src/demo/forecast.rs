//! Demo forecasts (issue 18) for Acme's two projects and Nordlicht's:
//! settings (Acme's power hotline staffs calls by Erlang A with 15-minute
//! intervals), a first version with the months from two back to three
//! ahead (the planning as it stood; written straight to the store, as
//! months past their deadline cannot be saved any more), then a second
//! version through the service that changes the months still open. The
//! profiles are learned from the demo's few cases: too few, so the
//! documented default applies. Each client's admin plans (the versions
//! name them).

use chrono::{DateTime, Datelike, Utc};
use rusqlite::Transaction;

use super::{DemoError, err};
use crate::auth::{Principal, Role};
use crate::cases::Channel;
use crate::forecast::model::{AhtOverride, Entry, ForecastInput, SettingsInput};
use crate::forecast::{service, store};
use crate::ids::{ClientId, ProjectId, UserId};

fn month(now: DateTime<Utc>, back: i64) -> String {
    let first = now.date_naive().with_day(1).unwrap_or(now.date_naive());
    let shifted = if back >= 0 {
        first.checked_add_months(chrono::Months::new(back as u32))
    } else {
        first.checked_sub_months(chrono::Months::new(back.unsigned_abs() as u32))
    };
    shifted.unwrap_or(first).format("%Y-%m").to_string()
}

fn settings(interval_minutes: i64, patience_seconds: Option<i64>) -> SettingsInput {
    SettingsInput {
        interval_minutes,
        deadline_day: 20,
        horizon_months: 6,
        normal_percent: 10,
        limit_percent: 20,
        service_level_percent: 80,
        answer_seconds: 20,
        patience_seconds,
        max_occupancy_percent: 90,
        shrinkage_percent: 30,
        response_minutes: 240,
        fte_minutes: 480,
        aht_overrides: Vec::new(),
    }
}

/// The client's admin of a project, who plans its volumes.
fn client_admin(tx: &Transaction, project_id: ProjectId) -> Result<Principal, DemoError> {
    let (id, email, name, client_id): (UserId, String, String, ClientId) = tx
        .query_row(
            "SELECT u.id, u.email, u.name, u.client_id FROM users u
             JOIN projects p ON p.client_id = u.client_id
             WHERE p.id = ?1 AND u.role = 'client-admin' ORDER BY u.id LIMIT 1",
            [project_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .map_err(err)?;
    Ok(Principal {
        user_id: Some(id),
        email,
        name,
        role: Role::ClientAdmin,
        client_id: Some(client_id),
        memberships: crate::auth::store::memberships(tx, id).map_err(err)?,
        session: None,
        ip: None,
    })
}

pub(super) fn seed(
    tx: &Transaction,
    projects: &[(ProjectId, &[(Channel, i64)])],
) -> Result<(), DemoError> {
    let now = Utc::now();
    for (i, &(project_id, volumes)) in projects.iter().enumerate() {
        let admin = client_admin(tx, project_id)?;
        let op = &admin;
        let mut input = if i == 0 {
            settings(15, Some(90))
        } else {
            settings(30, None)
        };
        if i == 0 {
            input.aht_overrides.push(AhtOverride {
                channel: Channel::Call,
                seconds: 270,
            });
        }
        service::save_settings(tx, op, project_id, input).map_err(err)?;
        // The first planning: six months, a little growth month by month.
        let mut entries = Vec::new();
        for back in -2..=3i64 {
            for &(channel, volume) in volumes {
                entries.push(Entry {
                    month: month(now, back),
                    channel,
                    volume: volume + volume * (back + 2) / 50,
                });
            }
        }
        store::insert_version(
            tx,
            &store::NewVersion {
                project_id,
                version: 1,
                note: "Jahresplanung",
                created_by_id: op.user_id,
                created_by_name: &op.name,
                created_at: &crate::db::now(),
                entries: &entries,
            },
        )?;
        // The client raises the months still open by a tenth.
        let current = service::get(tx, op, project_id, now).map_err(err)?;
        let open: Vec<Entry> = current
            .months
            .iter()
            .filter(|m| m.editable)
            .flat_map(|m| {
                volumes.iter().map(|&(channel, volume)| Entry {
                    month: m.month.clone(),
                    channel,
                    volume: volume * 11 / 10,
                })
            })
            .collect();
        service::save(
            tx,
            op,
            project_id,
            ForecastInput {
                expected_version: 1,
                note: "Neue Kampagne ab Herbst".into(),
                entries: open,
            },
            now,
        )
        .map_err(err)?;
        let project = crate::projects::store::get(tx, project_id)?
            .ok_or_else(|| err("demo project missing"))?;
        service::learn_project(tx, &project, now).map_err(err)?;
    }
    Ok(())
}
