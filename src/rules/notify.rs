//! Rule notifications: the bell (list, unread count, read marks; a user
//! never sees a notification about a case they no longer see, checked at
//! read time) and their e-mail copies (`"email": true`): a durable queue,
//! `rule_notification_mails`, one mail per user in the user's language,
//! sent by the `rules.mail` service through the mailbox of the case's
//! project.

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};

use super::RuleError;
use super::model::{MarkedRead, NotificationPage, NotificationQuery};
use super::store;
use crate::auth::Principal;
use crate::auth::policy::{self, ProjectRef};
use crate::cases::Case;
use crate::db::{StoreResult, now};
use crate::ids::UserId;

/// Attempts before a notification mail is given up.
const MAX_ATTEMPTS: i64 = 8;

fn sees(
    who: &Principal,
    project_id: crate::ids::ProjectId,
    client_id: crate::ids::ClientId,
    handling: policy::CaseHandling,
) -> bool {
    policy::view_case(
        who,
        ProjectRef {
            id: project_id,
            client_id,
        },
        handling,
    )
    .is_ok()
}

/// The caller's notifications about cases they see, newest first.
pub fn list(
    conn: &Connection,
    who: &Principal,
    query: &NotificationQuery,
) -> Result<NotificationPage, RuleError> {
    let user = who.user_id.ok_or(RuleError::NotificationNotFound)?;
    let limit = i64::from(query.limit.unwrap_or(20).clamp(1, 100));
    let mut items = Vec::new();
    let mut before = query.before;
    let mut next_before = None;
    // Rows about cases the caller no longer sees are passed over; a few
    // rounds fill the page.
    for _ in 0..10 {
        let rows = store::notifications(conn, user, before, query.unread, limit * 2)?;
        let exhausted = (rows.len() as i64) < limit * 2;
        for row in rows {
            before = Some(row.notification.id);
            if !sees(who, row.project_id, row.client_id, row.handling) {
                continue;
            }
            items.push(row.notification);
            if items.len() as i64 == limit {
                break;
            }
        }
        if items.len() as i64 == limit {
            next_before = before;
            break;
        }
        if exhausted {
            break;
        }
    }
    Ok(NotificationPage {
        items,
        unread: unread_count(conn, who)?,
        next_before,
    })
}

fn visible_unread(conn: &Connection, who: &Principal) -> Result<Vec<i64>, RuleError> {
    let user = who.user_id.ok_or(RuleError::NotificationNotFound)?;
    Ok(store::unread(conn, user)?
        .into_iter()
        .filter(|(_, project, client, handling)| sees(who, *project, *client, *handling))
        .map(|(id, ..)| id)
        .collect())
}

pub fn unread_count(conn: &Connection, who: &Principal) -> Result<i64, RuleError> {
    Ok(visible_unread(conn, who)?.len() as i64)
}

/// Marks one of the caller's notifications read; another user's, or one
/// about a case the caller no longer sees, is not found.
pub fn mark_read(conn: &Connection, who: &Principal, id: i64) -> Result<MarkedRead, RuleError> {
    let user = who.user_id.ok_or(RuleError::NotificationNotFound)?;
    let (owner, case_id) =
        store::notification_case(conn, id)?.ok_or(RuleError::NotificationNotFound)?;
    if owner != user {
        return Err(RuleError::NotificationNotFound);
    }
    crate::cases::service::visible_case(conn, who, case_id)
        .map_err(|_| RuleError::NotificationNotFound)?;
    let marked = store::mark_read(conn, &[id])?;
    Ok(MarkedRead {
        marked,
        unread: unread_count(conn, who)?,
    })
}

/// Marks every unread notification the caller sees read.
pub fn mark_all_read(conn: &Connection, who: &Principal) -> Result<MarkedRead, RuleError> {
    let ids = visible_unread(conn, who)?;
    let marked = store::mark_read(conn, &ids)?;
    Ok(MarkedRead {
        marked,
        unread: unread_count(conn, who)?,
    })
}

// ---- e-mail copies ------------------------------------------------------------------

/// The subject and text of a notification mail in the user's language.
pub fn compose(
    german: bool,
    reference: &str,
    subject: &str,
    rule: &str,
    text: &str,
) -> (String, String) {
    let subject_line = crate::mail::outbound::one_line(subject);
    if german {
        (
            format!("[{reference}] Hinweis: {subject_line}"),
            format!(
                "{text}\n\nVorgang {reference}: {subject_line}\n\nDiese Benachrichtigung hat die Regel „{rule}“ gesendet.\n"
            ),
        )
    } else {
        (
            format!("[{reference}] Notice: {subject_line}"),
            format!(
                "{text}\n\nCase {reference}: {subject_line}\n\nThis notification was sent by the rule \"{rule}\".\n"
            ),
        )
    }
}

/// Queues the e-mail copy of notification `notification_id` to `user`,
/// in the rule's transaction. Nothing for a user without a usable address.
pub fn queue_mail(
    conn: &Connection,
    notification_id: i64,
    user: UserId,
    case: &Case,
    text: &str,
) -> StoreResult<()> {
    let row: Option<(String, Option<String>)> = conn
        .prepare_cached("SELECT email, locale FROM users WHERE id = ?1 AND active = 1")?
        .query_row([user], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((email, locale)) = row else {
        return Ok(());
    };
    let Some(to) = crate::mail::outbound::clean_address(&email) else {
        return Ok(());
    };
    let rule: String = conn
        .prepare_cached(
            "SELECT coalesce(r.name, '') FROM rule_notifications n LEFT JOIN rules r ON r.id = n.rule_id
             WHERE n.id = ?1",
        )?
        .query_row([notification_id], |r| r.get(0))?;
    let german = locale.as_deref() != Some("en");
    let (subject, body) = compose(german, &case.reference, &case.subject, &rule, text);
    let mailbox = crate::mail::outbound::mailbox_for_case(conn, case.id)
        .map_err(|e| crate::db::StoreError::Task(e.to_string()))?;
    let at = now();
    conn.prepare_cached(
        "INSERT INTO rule_notification_mails (notification_id, user_id, case_id, mailbox_id, to_address,
             subject, body_text, state, next_attempt_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
    )?
    .execute(params![
        notification_id,
        user,
        case.id,
        mailbox.as_ref().map(|m| m.0),
        to,
        subject,
        body,
        if mailbox.is_some() { "queued" } else { "no-mailbox" },
        mailbox.as_ref().map(|_| at.clone()),
        at
    ])?;
    Ok(())
}

/// One due notification mail.
pub struct DueMail {
    pub id: i64,
    pub attempts: i64,
    pub user_id: UserId,
    pub case_id: crate::ids::CaseId,
    pub client_id: crate::ids::ClientId,
    pub mailbox_id: i64,
    pub mail: crate::mail::smtp::OutgoingMail,
}

/// The next due mail with its case, project and mailbox. The due mails are
/// read first (CROSS JOIN fixes SQLite's join order): with the queue empty,
/// as it mostly is, the planner otherwise walked every project's cases to
/// join them to it, 190 ms at 1,000,000 cases, every ten seconds.
const NEXT_DUE_SQL: &str =
    "SELECT q.id, q.attempts, q.user_id, q.case_id, p.client_id, q.mailbox_id, m.address,
            m.sender_name, q.to_address, q.subject, q.body_text
     FROM rule_notification_mails q CROSS JOIN cases c ON c.id = q.case_id
     CROSS JOIN projects p ON p.id = c.project_id
     CROSS JOIN mailboxes m ON m.id = q.mailbox_id
     WHERE q.state IN ('queued', 'retrying') AND q.next_attempt_at <= ?1
     ORDER BY q.next_attempt_at, q.id LIMIT 1";

/// The next due mail, if any; `public_url` adds the case's link.
pub fn next_due(conn: &Connection, public_url: Option<&str>) -> StoreResult<Option<DueMail>> {
    let row = conn
        .prepare_cached(NEXT_DUE_SQL)?
        .query_row([now()], |r| {
            let case_id: crate::ids::CaseId = r.get(3)?;
            let mut body: String = r.get(10)?;
            if let Some(url) = public_url {
                body.push_str(&format!("\n{url}/cases/{}\n", case_id.get()));
            }
            let address: String = r.get(6)?;
            Ok(DueMail {
                id: r.get(0)?,
                attempts: r.get(1)?,
                user_id: r.get(2)?,
                case_id,
                client_id: r.get(4)?,
                mailbox_id: r.get(5)?,
                mail: crate::mail::smtp::OutgoingMail {
                    from_name: r.get(7)?,
                    message_id: crate::mail::outbound::new_message_id(&address),
                    from_address: address,
                    to_address: r.get(8)?,
                    subject: r.get(9)?,
                    body_text: body,
                    body_html: None,
                    in_reply_to: None,
                    references: Vec::new(),
                    auto_submitted: true,
                    attachments: Vec::new(),
                },
            })
        })
        .optional()?;
    Ok(row)
}

/// Whether the mail's user still sees its case (checked again before
/// sending: access may have ended since it was queued).
pub fn still_sees(
    conn: &Connection,
    user_id: UserId,
    case_id: crate::ids::CaseId,
    client_id: crate::ids::ClientId,
) -> StoreResult<bool> {
    let Some(case) = crate::cases::store::get(conn, case_id)? else {
        return Ok(false);
    };
    store::user_sees_case(conn, user_id, &case, client_id)
}

/// Records an attempt's outcome (`Ok` sent; `Err((why, permanent))`), or
/// `dropped` when the user no longer sees the case.
pub fn record(
    conn: &Connection,
    id: i64,
    attempts: i64,
    outcome: Result<(), (String, bool)>,
) -> StoreResult<()> {
    let at = now();
    match outcome {
        Ok(()) => conn
            .prepare_cached(
                "UPDATE rule_notification_mails SET state = 'sent', attempts = ?2 + 1, sent_at = ?3,
                     next_attempt_at = NULL, last_error = NULL, updated_at = ?3 WHERE id = ?1",
            )?
            .execute(params![id, attempts, at])?,
        Err((why, permanent)) => {
            let tried = attempts + 1;
            let give_up = permanent || tried >= MAX_ATTEMPTS;
            let next = (!give_up).then(|| {
                crate::sla::clock::stamp(
                    Utc::now()
                        + chrono::Duration::seconds(crate::mail::outbound::backoff_secs(tried)),
                )
            });
            let why: String = why.chars().take(500).collect();
            conn.prepare_cached(
                "UPDATE rule_notification_mails SET state = ?2, attempts = ?3, next_attempt_at = ?4,
                     last_error = ?5, updated_at = ?6 WHERE id = ?1",
            )?
            .execute(params![
                id,
                if give_up { "failed" } else { "retrying" },
                tried,
                next,
                why,
                at
            ])?
        }
    };
    Ok(())
}

/// Drops a mail whose user no longer sees the case.
pub fn drop_mail(conn: &Connection, id: i64) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE rule_notification_mails SET state = 'dropped', next_attempt_at = NULL,
             last_error = 'the user no longer sees the case', updated_at = ?2 WHERE id = ?1",
    )?
    .execute(params![id, now()])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Db, StoreError};

    /// With the statistics of a store of 1,000,000 cases in four projects
    /// and an empty queue, the poll still starts from the due mails' index.
    #[test]
    fn the_poll_reads_the_due_mails_first() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        let plan = db
            .write_blocking(|tx| {
                tx.execute_batch(
                    "INSERT INTO sqlite_stat1(tbl, idx, stat) VALUES
                         ('cases', 'sqlite_autoindex_cases_1', '1000024 1001 1'),
                         ('projects', 'projects_client', '4 2');
                     ANALYZE sqlite_schema;",
                )?;
                let mut stmt = tx.prepare(&format!("EXPLAIN QUERY PLAN {NEXT_DUE_SQL}"))?;
                let rows =
                    stmt.query_map(["2026-12-06T00:00:00Z"], |row| row.get::<_, String>(3))?;
                Ok::<_, StoreError>(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .unwrap();
        assert!(
            plan[0].starts_with("SEARCH q USING INDEX rule_notification_mails_due"),
            "{plan:?}"
        );
    }

    #[test]
    fn mails_speak_the_users_language() {
        let (s, b) = compose(
            true,
            "ACME-7",
            "Zähler\ndefekt",
            "Eskalation",
            "Bitte ansehen",
        );
        assert_eq!(s, "[ACME-7] Hinweis: Zähler defekt");
        assert!(b.starts_with("Bitte ansehen\n\nVorgang ACME-7"));
        assert!(b.contains("Regel „Eskalation“"));
        let (s, b) = compose(false, "ACME-7", "Meter", "Escalate", "Look");
        assert_eq!(s, "[ACME-7] Notice: Meter");
        assert!(b.contains("Case ACME-7: Meter") && b.contains("rule \"Escalate\""));
    }
}
