//! A client's state settings: the longest after-work and what follows it,
//! which states count as productive time, the zone whose days cut it, and
//! the break reasons. Read by the client's admin and the leads of its
//! projects; changed by the client's admin and the platform admin.

use rusqlite::Connection;
use serde_json::json;

use super::error::WorkforceError;
use super::model::{StateSettings, StateSettingsInput, WorkState};
use super::states::settings_of;
use super::store;
use crate::audit::{Actor, record};
use crate::auth::{Principal, policy};
use crate::db::now;
use crate::ids::ClientId;
use crate::validation::Invalid;

const MAX_REASONS: usize = 50;

fn exists(conn: &Connection, id: ClientId) -> Result<(), WorkforceError> {
    crate::clients::store::get(conn, id)?.ok_or(WorkforceError::ClientNotFound)?;
    Ok(())
}

pub fn get(
    conn: &Connection,
    who: &Principal,
    client_id: ClientId,
) -> Result<StateSettings, WorkforceError> {
    exists(conn, client_id)?;
    policy::view_calendars(who, client_id)?;
    let s = settings_of(conn, Some(client_id))?;
    Ok(StateSettings {
        client_id,
        after_work_max_seconds: s.after_work_max_seconds,
        after_work_expiry: s.after_work_expiry,
        productive_states: s.productive,
        time_zone: s.time_zone,
        sign_in_state: s.sign_in_state,
        break_reasons: store::reasons(conn, client_id)?,
        editable: policy::manage_sla(who, client_id).is_ok(),
    })
}

pub fn set(
    conn: &Connection,
    who: &Principal,
    client_id: ClientId,
    input: StateSettingsInput,
) -> Result<StateSettings, WorkforceError> {
    exists(conn, client_id)?;
    policy::manage_sla(who, client_id)?;
    if !(0..=7200).contains(&input.after_work_max_seconds) {
        return Err(Invalid::new("after_work_max_seconds", "0 to 7200 seconds").into());
    }
    if input.time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(Invalid::new("time_zone", "an IANA time zone such as Europe/Berlin").into());
    }
    if !matches!(input.sign_in_state, WorkState::Available | WorkState::Away) {
        return Err(Invalid::new("sign_in_state", "available or away").into());
    }
    let mut states: Vec<WorkState> = Vec::new();
    for s in &input.productive_states {
        if *s == WorkState::Offline {
            return Err(Invalid::new("productive_states", "offline is never productive").into());
        }
        if !states.contains(s) {
            states.push(*s);
        }
    }
    if input.break_reasons.len() > MAX_REASONS {
        return Err(Invalid::new("break_reasons", format!("at most {MAX_REASONS} reasons")).into());
    }
    let mut names: Vec<String> = Vec::new();
    for r in &input.break_reasons {
        let name = r.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(Invalid::new("break_reasons.name", "a name of 1 to 80 characters").into());
        }
        if names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            return Err(Invalid::new("break_reasons.name", "a reason appears once").into());
        }
        names.push(name);
    }
    let existing = store::reasons(conn, client_id)?;
    for r in &input.break_reasons {
        if let Some(id) = r.id
            && !existing.iter().any(|e| e.id == Some(id))
        {
            return Err(Invalid::new("break_reasons.id", "no such reason of the client").into());
        }
    }
    // Left out: inactive (the log keeps the name).
    for e in &existing {
        if !input.break_reasons.iter().any(|r| r.id == e.id)
            && let Some(id) = e.id
        {
            store::update_reason(conn, id, &e.name, false, 1000)?;
        }
    }
    for (position, (r, name)) in input.break_reasons.iter().zip(&names).enumerate() {
        let position = position as i64;
        let id = r.id.or(store::reason_by_name(conn, client_id, name)?);
        match id {
            Some(id) => store::update_reason(conn, id, name, r.active, position)?,
            None => {
                store::insert_reason(conn, client_id, name, r.active, position)?;
            }
        }
    }
    let states_json = serde_json::to_string(&states).unwrap_or_else(|_| "[]".into());
    store::put_settings(
        conn,
        client_id,
        &store::SettingsRow {
            after_work_max_seconds: input.after_work_max_seconds,
            after_work_expiry: input.after_work_expiry,
            productive_states: states_json,
            time_zone: input.time_zone.clone(),
            sign_in_state: input.sign_in_state,
        },
        who.user_id,
        &now(),
    )?;
    record(
        conn,
        &Actor::from(who),
        "workforce.settings",
        "client",
        Some(client_id.get()),
        Some(client_id),
        json!({"after_work_max_seconds": input.after_work_max_seconds,
               "after_work_expiry": input.after_work_expiry.as_str(),
               "productive_states": states, "time_zone": input.time_zone,
               "sign_in_state": input.sign_in_state.as_str(),
               "break_reasons": names}),
    )?;
    get(conn, who, client_id)
}
