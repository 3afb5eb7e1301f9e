//! The one outbox of outbound messages, keyed by channel. The cases service
//! queues every outbound message here in its own transaction and knows no
//! channel's sending; each channel's consumer (`mail::outbound::take_outbox`
//! for e-mail and web-form cases; chat or letters later) takes its rows.
//! `crate::channels` lists the consumers: a new channel is one consumer
//! there and no change here.

use crate::ids::CaseId;
use rusqlite::{Connection, OptionalExtension, params};

use super::model::Channel;
use crate::db::{StoreError, StoreResult, now};

/// An outbound message waiting for its channel's consumer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub id: i64,
    pub channel: Channel,
    pub case_id: CaseId,
    pub message_id: i64,
}

/// Queues the outbound message `message_id` of case `case_id` for `channel`.
pub fn push(
    conn: &Connection,
    channel: Channel,
    case_id: CaseId,
    message_id: i64,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO outbox (channel, case_id, message_id, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![channel.as_str(), case_id, message_id, now()])?;
    Ok(conn.last_insert_rowid())
}

/// Whether anything waits for one of `channels` (a read, so a consumer
/// that polls need not take the writer for nothing).
pub fn waiting(conn: &Connection, channels: &[Channel]) -> StoreResult<bool> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM outbox WHERE channel = ?1 LIMIT 1")?;
    for channel in channels {
        if stmt
            .query_row([channel.as_str()], |_| Ok(()))
            .optional()?
            .is_some()
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Takes the rows of `channels` out of the outbox, oldest first: the
/// consumer handles them in the same transaction.
pub fn take(conn: &Connection, channels: &[Channel]) -> StoreResult<Vec<Queued>> {
    let mut taken = Vec::new();
    let mut select = conn.prepare_cached(
        "SELECT id, case_id, message_id FROM outbox WHERE channel = ?1 ORDER BY id",
    )?;
    for channel in channels {
        let rows = select
            .query_map([channel.as_str()], |row| {
                Ok(Queued {
                    id: row.get(0)?,
                    channel: *channel,
                    case_id: row.get(1)?,
                    message_id: row.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        taken.extend(rows);
    }
    taken.sort_by_key(|q| q.id);
    let mut delete = conn.prepare_cached("DELETE FROM outbox WHERE id = ?1")?;
    for queued in &taken {
        delete.execute([queued.id])?;
    }
    Ok(taken)
}

/// Drops the rows of every channel not in `consumed` (no consumer sends on
/// it: a call's notes stay in the thread only). Answers how many.
pub fn drop_unconsumed(conn: &Connection, consumed: &[Channel]) -> StoreResult<usize> {
    let names: Vec<&str> = consumed.iter().map(|c| c.as_str()).collect();
    let list = serde_json::to_string(&names).map_err(|e| StoreError::Task(e.to_string()))?;
    Ok(conn
        .prepare_cached(
            "DELETE FROM outbox WHERE channel NOT IN (SELECT value FROM json_each(?1))",
        )?
        .execute([list])?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[test]
    fn consumers_take_their_channels_and_the_rest_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        crate::demo::seed(&db).unwrap();
        db.write_blocking(|tx| {
            let (case_id, message_id): (CaseId, i64) = tx.query_row(
                "SELECT case_id, max(id) FROM messages GROUP BY case_id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            tx.execute("DELETE FROM outbox", [])?;
            let mail = push(tx, Channel::Email, case_id, message_id)?;
            let call = push(tx, Channel::Call, case_id, message_id)?;
            let form = push(tx, Channel::Webform, case_id, message_id)?;
            assert!(waiting(tx, &[Channel::Webform])?);
            assert!(!waiting(tx, &[Channel::Chat])?);
            let taken = take(tx, &[Channel::Webform, Channel::Email])?;
            assert_eq!(
                taken.iter().map(|q| (q.id, q.channel)).collect::<Vec<_>>(),
                vec![(mail, Channel::Email), (form, Channel::Webform)]
            );
            assert!(take(tx, &[Channel::Email])?.is_empty(), "taken once");
            assert_eq!(drop_unconsumed(tx, &[Channel::Email, Channel::Webform])?, 1);
            assert!(!waiting(tx, &[Channel::Call])?);
            let _ = call;
            Ok::<_, StoreError>(())
        })
        .unwrap();
    }
}
