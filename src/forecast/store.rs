//! The forecast's SQL.

use rusqlite::{Connection, OptionalExtension, params};

use super::model::{AhtOverride, Deviation, Entry, SettingsInput, Version};
use crate::cases::Channel;
use crate::db::StoreResult;
use crate::ids::{ClientId, ProjectId, UserId};
use crate::sla::holidays::State;

/// A stored settings row (without overrides and zone).
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsRow {
    pub interval_minutes: i64,
    pub deadline_day: i64,
    pub horizon_months: i64,
    pub normal_percent: i64,
    pub limit_percent: i64,
    pub service_level_percent: i64,
    pub answer_seconds: i64,
    pub patience_seconds: Option<i64>,
    pub max_occupancy_percent: i64,
    pub shrinkage_percent: i64,
    pub response_minutes: i64,
    pub fte_minutes: i64,
    pub version: i64,
}

pub fn settings(conn: &Connection, project_id: ProjectId) -> StoreResult<Option<SettingsRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT interval_minutes, deadline_day, horizon_months, normal_percent, limit_percent,
                    service_level_percent, answer_seconds, patience_seconds, max_occupancy_percent,
                    shrinkage_percent, response_minutes, fte_minutes, version
             FROM forecast_settings WHERE project_id = ?1",
        )?
        .query_row([project_id], |r| {
            Ok(SettingsRow {
                interval_minutes: r.get(0)?,
                deadline_day: r.get(1)?,
                horizon_months: r.get(2)?,
                normal_percent: r.get(3)?,
                limit_percent: r.get(4)?,
                service_level_percent: r.get(5)?,
                answer_seconds: r.get(6)?,
                patience_seconds: r.get(7)?,
                max_occupancy_percent: r.get(8)?,
                shrinkage_percent: r.get(9)?,
                response_minutes: r.get(10)?,
                fte_minutes: r.get(11)?,
                version: r.get(12)?,
            })
        })
        .optional()?)
}

/// Writes the settings (a new row or the next version).
pub fn save_settings(
    conn: &Connection,
    project_id: ProjectId,
    s: &SettingsInput,
    at: &str,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO forecast_settings (project_id, interval_minutes, deadline_day, horizon_months,
             normal_percent, limit_percent, service_level_percent, answer_seconds, patience_seconds,
             max_occupancy_percent, shrinkage_percent, response_minutes, fte_minutes, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (project_id) DO UPDATE SET
             interval_minutes = excluded.interval_minutes, deadline_day = excluded.deadline_day,
             horizon_months = excluded.horizon_months, normal_percent = excluded.normal_percent,
             limit_percent = excluded.limit_percent,
             service_level_percent = excluded.service_level_percent,
             answer_seconds = excluded.answer_seconds, patience_seconds = excluded.patience_seconds,
             max_occupancy_percent = excluded.max_occupancy_percent,
             shrinkage_percent = excluded.shrinkage_percent,
             response_minutes = excluded.response_minutes, fte_minutes = excluded.fte_minutes,
             updated_at = excluded.updated_at, version = version + 1",
    )?
    .execute(params![
        project_id,
        s.interval_minutes,
        s.deadline_day,
        s.horizon_months,
        s.normal_percent,
        s.limit_percent,
        s.service_level_percent,
        s.answer_seconds,
        s.patience_seconds,
        s.max_occupancy_percent,
        s.shrinkage_percent,
        s.response_minutes,
        s.fte_minutes,
        at
    ])?;
    conn.prepare_cached("DELETE FROM forecast_aht WHERE project_id = ?1")?
        .execute([project_id])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO forecast_aht (project_id, channel, seconds) VALUES (?1, ?2, ?3)",
    )?;
    for o in &s.aht_overrides {
        insert.execute(params![project_id, o.channel.as_str(), o.seconds])?;
    }
    Ok(())
}

pub fn aht_overrides(conn: &Connection, project_id: ProjectId) -> StoreResult<Vec<AhtOverride>> {
    let mut stmt = conn.prepare_cached(
        "SELECT channel, seconds FROM forecast_aht WHERE project_id = ?1 ORDER BY channel",
    )?;
    let rows = stmt.query_map([project_id], |r| {
        Ok(AhtOverride {
            channel: r.get(0)?,
            seconds: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A calendar's state column; an unknown code is an error, not "none".
fn parse_state(column: usize, code: &str) -> rusqlite::Result<State> {
    State::parse(code).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            column,
            rusqlite::types::Type::Text,
            format!("unknown state {code:?}").into(),
        )
    })
}

/// The calendar a project's days follow: the client's first business
/// calendar (lowest id), its zone and whose public holidays it counts.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarRow {
    pub name: String,
    pub time_zone: String,
    pub state: Option<State>,
}

pub fn client_calendar(conn: &Connection, client_id: ClientId) -> StoreResult<Option<CalendarRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT name, time_zone, state FROM business_calendars WHERE client_id = ?1
             ORDER BY id LIMIT 1",
        )?
        .query_row([client_id], |r| {
            let state: Option<String> = r.get(2)?;
            Ok(CalendarRow {
                name: r.get(0)?,
                time_zone: r.get(1)?,
                state: match state {
                    None => None,
                    Some(s) => Some(parse_state(2, &s)?),
                },
            })
        })
        .optional()?)
}

/// The head of a saved version.
#[derive(Debug, Clone)]
pub struct Head {
    pub id: i64,
    pub version: i64,
    pub note: String,
    pub created_by_id: Option<UserId>,
    pub created_by_name: String,
    pub created_at: String,
}

fn head_row(r: &rusqlite::Row) -> rusqlite::Result<Head> {
    Ok(Head {
        id: r.get(0)?,
        version: r.get(1)?,
        note: r.get(2)?,
        created_by_id: r.get(3)?,
        created_by_name: r.get(4)?,
        created_at: r.get(5)?,
    })
}

/// The project's current (latest) version.
pub fn current(conn: &Connection, project_id: ProjectId) -> StoreResult<Option<Head>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, version, note, created_by_id, created_by_name, created_at
             FROM forecast_versions WHERE project_id = ?1 ORDER BY version DESC LIMIT 1",
        )?
        .query_row([project_id], head_row)
        .optional()?)
}

pub fn volumes(conn: &Connection, version_id: i64) -> StoreResult<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT month, channel, volume FROM forecast_volumes WHERE version_id = ?1
         ORDER BY month, channel",
    )?;
    let rows = stmt.query_map([version_id], |r| {
        Ok(Entry {
            month: r.get(0)?,
            channel: r.get(1)?,
            volume: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub struct NewVersion<'a> {
    pub project_id: ProjectId,
    pub version: i64,
    pub note: &'a str,
    pub created_by_id: Option<UserId>,
    pub created_by_name: &'a str,
    pub created_at: &'a str,
    pub entries: &'a [Entry],
}

pub fn insert_version(conn: &Connection, v: &NewVersion) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO forecast_versions (project_id, version, note, created_by_id, created_by_name,
             created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        v.project_id,
        v.version,
        v.note,
        v.created_by_id,
        v.created_by_name,
        v.created_at
    ])?;
    let id = conn.last_insert_rowid();
    let mut insert = conn.prepare_cached(
        "INSERT INTO forecast_volumes (version_id, month, channel, volume) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for e in v.entries {
        insert.execute(params![id, e.month, e.channel.as_str(), e.volume])?;
    }
    Ok(id)
}

/// Every version with its cells, newest first.
pub fn versions(conn: &Connection, project_id: ProjectId) -> StoreResult<Vec<Version>> {
    let heads = conn
        .prepare_cached(
            "SELECT id, version, note, created_by_id, created_by_name, created_at
             FROM forecast_versions WHERE project_id = ?1 ORDER BY version DESC",
        )?
        .query_map([project_id], head_row)?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(heads.len());
    for h in heads {
        out.push(Version {
            entries: volumes(conn, h.id)?,
            version: h.version,
            note: h.note,
            created_by_id: h.created_by_id,
            created_by_name: h.created_by_name,
            created_at: h.created_at,
        });
    }
    Ok(out)
}

/// A learned profile (the shares are JSON text in the store).
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileRow {
    pub channel: Channel,
    pub cases: i64,
    pub weekday_shares: Option<Vec<f64>>,
    pub intraday_shares: Option<Vec<Vec<f64>>>,
    pub aht_seconds: Option<i64>,
    pub aht_cases: i64,
    pub from_day: String,
    pub to_day: String,
    pub learned_at: String,
}

/// A JSON column; text that does not parse is an error, not a default.
fn json_col<T: serde::de::DeserializeOwned>(
    r: &rusqlite::Row,
    i: usize,
) -> rusqlite::Result<Option<T>> {
    let text: Option<String> = r.get(i)?;
    text.map(|t| {
        serde_json::from_str(&t).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })
    })
    .transpose()
}

pub fn profiles(conn: &Connection, project_id: ProjectId) -> StoreResult<Vec<ProfileRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT channel, cases, weekday_shares, intraday_shares, aht_seconds, aht_cases, from_day,
                to_day, learned_at
         FROM forecast_profiles WHERE project_id = ?1 ORDER BY channel",
    )?;
    let rows = stmt.query_map([project_id], |r| {
        Ok(ProfileRow {
            channel: r.get(0)?,
            cases: r.get(1)?,
            weekday_shares: json_col(r, 2)?,
            intraday_shares: json_col(r, 3)?,
            aht_seconds: r.get(4)?,
            aht_cases: r.get(5)?,
            from_day: r.get(6)?,
            to_day: r.get(7)?,
            learned_at: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Replaces the project's learned profiles.
pub fn replace_profiles(
    conn: &Connection,
    project_id: ProjectId,
    rows: &[ProfileRow],
) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM forecast_profiles WHERE project_id = ?1")?
        .execute([project_id])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO forecast_profiles (project_id, channel, cases, weekday_shares,
             intraday_shares, aht_seconds, aht_cases, from_day, to_day, learned_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for p in rows {
        let weekday = p
            .weekday_shares
            .as_ref()
            .map(|v| serde_json::json!(v).to_string());
        let intraday = p
            .intraday_shares
            .as_ref()
            .map(|v| serde_json::json!(v).to_string());
        insert.execute(params![
            project_id,
            p.channel.as_str(),
            p.cases,
            weekday,
            intraday,
            p.aht_seconds,
            p.aht_cases,
            p.from_day,
            p.to_day,
            p.learned_at
        ])?;
    }
    Ok(())
}

/// The channel and creation time (UTC text) of the project's cases created
/// in `[from, to)` (UTC stamps), merged duplicates left out.
pub fn arrivals(
    conn: &Connection,
    project_id: ProjectId,
    from: &str,
    to: &str,
) -> StoreResult<Vec<(Channel, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT channel, created_at FROM cases
         WHERE project_id = ?1 AND created_at >= ?2 AND created_at < ?3
           AND merged_into_id IS NULL",
    )?;
    let rows = stmt.query_map(params![project_id, from, to], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Handling time per channel since `from` (UTC stamp): the seconds of
/// handling, after-work, talk and manual entries (not the caller's wait on
/// hold) and the number of cases they belong to.
pub fn handling_times(
    conn: &Connection,
    project_id: ProjectId,
    from: &str,
) -> StoreResult<Vec<(Channel, i64, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT channel, SUM(seconds), COUNT(DISTINCT case_id) FROM time_entries
         WHERE project_id = ?1 AND started_at >= ?2
           AND kind IN ('handling', 'after-work', 'call-talk', 'manual')
         GROUP BY channel",
    )?;
    let rows = stmt.query_map(params![project_id, from], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A seat as staffing counts it.
#[derive(Debug, Clone, PartialEq)]
pub struct SeatRow {
    pub channel: Option<Channel>,
    pub team_pro: bool,
    pub productive_minutes: Option<i64>,
    pub valid_from: String,
    pub valid_to: Option<String>,
    /// Weekdays (bit 0 = Monday) the Team Basic service window opens.
    pub open_weekdays: u8,
    /// Whose public holidays close the Team Basic service window.
    pub holiday_state: Option<State>,
}

/// The project's seats valid on some day of `[from, to]` (local dates).
pub fn seats(
    conn: &Connection,
    project_id: ProjectId,
    from: &str,
    to: &str,
) -> StoreResult<Vec<SeatRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.channel, s.tariff = 'team-pro', s.productive_minutes, s.valid_from, s.valid_to,
                (SELECT group_concat(DISTINCT h.weekday) FROM business_calendar_hours h
                 WHERE h.calendar_id = s.calendar_id),
                (SELECT c.state FROM business_calendars c WHERE c.id = s.calendar_id)
         FROM seats s
         WHERE s.project_id = ?1 AND s.valid_from <= ?3 AND (s.valid_to IS NULL OR s.valid_to >= ?2)
         ORDER BY s.id",
    )?;
    let rows = stmt.query_map(params![project_id, from, to], |r| {
        let weekdays: Option<String> = r.get(5)?;
        let open_weekdays = weekdays
            .unwrap_or_default()
            .split(',')
            .filter_map(|w| w.trim().parse::<u8>().ok())
            .filter(|w| *w < 7)
            .fold(0u8, |bits, w| bits | (1 << w));
        let state: Option<String> = r.get(6)?;
        Ok(SeatRow {
            channel: r.get(0)?,
            team_pro: r.get(1)?,
            productive_minutes: r.get(2)?,
            valid_from: r.get(3)?,
            valid_to: r.get(4)?,
            open_weekdays,
            holiday_state: match state {
                None => None,
                Some(s) => Some(parse_state(6, &s)?),
            },
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn deviation_row(r: &rusqlite::Row) -> rusqlite::Result<Deviation> {
    Ok(Deviation {
        month: r.get(0)?,
        channel: r.get(1)?,
        forecast_volume: r.get(2)?,
        actual_volume: r.get(3)?,
        deviation_percent: r.get(4)?,
        limit_percent: r.get(5)?,
        forecast_version: r.get(6)?,
        recorded_at: r.get(7)?,
    })
}

/// Recorded deviations, newest month first; `month`: only that one.
pub fn deviations(
    conn: &Connection,
    project_id: ProjectId,
    month: Option<&str>,
) -> StoreResult<Vec<Deviation>> {
    let mut stmt = conn.prepare_cached(
        "SELECT month, channel, forecast_volume, actual_volume, deviation_percent, limit_percent,
                forecast_version, recorded_at
         FROM forecast_deviations WHERE project_id = ?1 AND (?2 IS NULL OR month = ?2)
         ORDER BY month DESC, channel",
    )?;
    let rows = stmt.query_map(params![project_id, month], deviation_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records a deviation (again): the row's figures are replaced, its time
/// kept when nothing changed. Returns whether anything changed.
pub fn put_deviation(conn: &Connection, project_id: ProjectId, d: &Deviation) -> StoreResult<bool> {
    let changed = conn
        .prepare_cached(
            "INSERT INTO forecast_deviations (project_id, month, channel, forecast_volume,
                 actual_volume, deviation_percent, limit_percent, forecast_version, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (project_id, month, channel) DO UPDATE SET
                 forecast_volume = excluded.forecast_volume,
                 actual_volume = excluded.actual_volume,
                 deviation_percent = excluded.deviation_percent,
                 limit_percent = excluded.limit_percent,
                 forecast_version = excluded.forecast_version,
                 recorded_at = excluded.recorded_at
             WHERE forecast_volume IS NOT excluded.forecast_volume
                OR actual_volume IS NOT excluded.actual_volume
                OR limit_percent IS NOT excluded.limit_percent
                OR forecast_version IS NOT excluded.forecast_version",
        )?
        .execute(params![
            project_id,
            d.month,
            d.channel.as_str(),
            d.forecast_volume,
            d.actual_volume,
            d.deviation_percent,
            d.limit_percent,
            d.forecast_version,
            d.recorded_at
        ])?;
    Ok(changed > 0)
}

/// Drops a recorded deviation of a month and channel now inside the limit.
pub fn drop_deviation(
    conn: &Connection,
    project_id: ProjectId,
    month: &str,
    channel: Channel,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "DELETE FROM forecast_deviations WHERE project_id = ?1 AND month = ?2 AND channel = ?3",
        )?
        .execute(params![project_id, month, channel.as_str()])?
        > 0)
}

/// Projects with a forecast, for the daily job.
pub fn forecast_projects(conn: &Connection) -> StoreResult<Vec<ProjectId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT project_id FROM forecast_versions
         UNION SELECT project_id FROM forecast_settings ORDER BY 1",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
