//! Filing one prepared message as a case or into an existing case.

use crate::ids::{CaseId, ContactId};
use rusqlite::Transaction;

use super::super::error::MailError;
use super::super::model::MailFlag;
use super::super::parse::{self, Parsed};
use super::super::store::{self, NewInbound};
use super::prepare::Prepared;
use super::{Target, system_principal};
use crate::cases::{
    Case, Channel, FirstMessage, InlineContact, MessageKind, MessageMail, NewCase, NewMessage,
};

/// What a batch's write filed so far.
#[derive(Default)]
pub(super) struct Filing {
    pub(super) outcomes: Vec<Outcome>,
    /// The cases filed into (new or not), for the live events.
    pub(super) cases: Vec<(bool, Case)>,
}

impl Filing {
    pub(super) fn file(
        &mut self,
        tx: &Transaction,
        target: Target,
        uid_validity: u32,
        prepared: &[(u32, Prepared)],
    ) -> Result<(), MailError> {
        let known: Vec<&str> = prepared
            .iter()
            .flat_map(|(_, p)| std::iter::once(&p.raw).chain(&p.parts))
            .filter(|stored| stored.pack.is_none())
            .map(|stored| stored.sha256.as_str())
            .collect();
        if !known.is_empty() {
            // Left out of the pack as stored already: an erasure since may
            // have removed them. Then the batch is not filed (its messages
            // stay on the server and come again, packed in full).
            let found = crate::blobs::store::existing(tx, known.iter().copied())?;
            if known.iter().any(|sha| !found.contains(*sha)) {
                return Err(MailError::Io(std::io::Error::other(
                    "a content of this batch was erased while it was filed; the batch is taken again",
                )));
            }
        }
        // Savepoints cost (SQLite's bookkeeping, FTS5 flushes): the chunk
        // is filed under one; only if a message fails is it filed again
        // message by message, each under its own, as far as it goes.
        let (outcomes, cases) = (self.outcomes.len(), self.cases.len());
        savepoint(tx, "SAVEPOINT mail_chunk")?;
        match self.file_each(tx, target, uid_validity, prepared, Care::Optimistic) {
            Ok(()) => savepoint(tx, "RELEASE mail_chunk")?,
            Err(err) => {
                tx.execute_batch("ROLLBACK TO mail_chunk; RELEASE mail_chunk")?;
                tracing::debug!(error = %err, "a message of the chunk failed; filing one by one");
                self.outcomes.truncate(outcomes);
                self.cases.truncate(cases);
                self.file_each(tx, target, uid_validity, prepared, Care::Careful)?;
            }
        }
        Ok(())
    }

    fn file_each(
        &mut self,
        tx: &Transaction,
        target: Target,
        uid_validity: u32,
        prepared: &[(u32, Prepared)],
        care: Care,
    ) -> Result<(), MailError> {
        for (uid, p) in prepared {
            let (outcome, case) =
                ingest_with_case(tx, target, Some(uid_validity), Some(*uid), p, care)?;
            if let (Outcome::Filed { new_case, .. }, Some(case)) = (&outcome, case) {
                self.cases.push((*new_case, case));
            }
            self.outcomes.push(outcome);
        }
        Ok(())
    }

    pub(super) fn count_taken(&self, tx: &Transaction, target: Target) -> Result<(), MailError> {
        let taken = self
            .outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Filed { .. }))
            .count();
        store::add_taken(tx, target.mailbox_id, taken as i64)?;
        Ok(())
    }
}

/// Files prepared messages (UID, message) in the caller's transaction, as
/// [`file_batch`]'s writer does: one outcome per message. Their blobs must
/// be durable before the transaction commits.
pub fn file_prepared(
    tx: &Transaction,
    target: Target,
    uid_validity: u32,
    prepared: &[(u32, Prepared)],
) -> Result<Vec<Outcome>, MailError> {
    let mut filed = Filing::default();
    filed.file(tx, target, uid_validity, prepared)?;
    filed.count_taken(tx, target)?;
    Ok(filed.outcomes)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Taken before (a repeated fetch): nothing was written.
    Duplicate { inbound_id: i64 },
    Filed {
        inbound_id: i64,
        case_id: Option<CaseId>,
        new_case: bool,
        flagged: bool,
    },
}

/// Files one prepared message (its blobs must be committed before the
/// transaction is).
pub fn ingest(
    tx: &Transaction,
    target: Target,
    uid_validity: Option<u32>,
    uid: Option<u32>,
    prepared: &Prepared,
) -> Result<Outcome, MailError> {
    ingest_with_case(tx, target, uid_validity, uid, prepared, Care::Careful)
        .map(|(outcome, _)| outcome)
}

/// [`ingest`], also answering the case as filing left it (for the live
/// event, without reading it again).
fn ingest_with_case(
    tx: &Transaction,
    target: Target,
    uid_validity: Option<u32>,
    uid: Option<u32>,
    prepared: &Prepared,
    care: Care,
) -> Result<(Outcome, Option<Case>), MailError> {
    let parsed = &prepared.parsed;
    let seen = store::seen_before(
        tx,
        target.mailbox_id,
        &store::Lookup {
            uid_validity,
            uid,
            message_key: &prepared.message_key,
            has_message_id: parsed.message_id.is_some(),
            raw_sha256: &prepared.raw.sha256,
            content_sha256: &parsed.content_sha256,
        },
    )?;
    let at = match seen {
        store::Seen::Taken(inbound_id) => {
            tracing::info!(
                mailbox = target.mailbox_id,
                uid,
                message = %prepared.message_key,
                record = inbound_id,
                "the same message was taken before; not filed again"
            );
            return Ok((Outcome::Duplicate { inbound_id }, None));
        }
        store::Seen::IdReused(earlier) => {
            tracing::info!(
                mailbox = target.mailbox_id,
                uid,
                message = %prepared.message_key,
                earlier,
                "a different message reuses a Message-ID taken before; filed and flagged"
            );
            Taking {
                uid_validity,
                uid,
                key: store::reused_key(&prepared.message_key, &parsed.content_sha256),
                reused: true,
            }
        }
        store::Seen::New => Taking {
            uid_validity,
            uid,
            key: prepared.message_key.clone(),
            reused: false,
        },
    };
    if care == Care::Optimistic {
        let (outcome, case) = file(tx, target, &at, prepared, care)?;
        return Ok((outcome, Some(case)));
    }
    savepoint(tx, "SAVEPOINT mail_ingest")?;
    match file(tx, target, &at, prepared, care) {
        Ok((outcome, case)) => {
            savepoint(tx, "RELEASE mail_ingest")?;
            Ok((outcome, Some(case)))
        }
        Err(err) => {
            tx.execute_batch("ROLLBACK TO mail_ingest")?;
            tracing::warn!(mailbox = target.mailbox_id, error = %err, "filing a message failed; storing it plainly");
            let note = format!("filed without threading or contact: {err}");
            match file_degraded(tx, target, &at, prepared, &note) {
                Ok((outcome, case)) => {
                    savepoint(tx, "RELEASE mail_ingest")?;
                    Ok((outcome, Some(case)))
                }
                Err(err2) => {
                    tx.execute_batch("ROLLBACK TO mail_ingest; RELEASE mail_ingest")?;
                    // Last resort: the record alone, flagged, so the raw
                    // message is kept and not fetched again and again.
                    let mut problems = parsed.problems.clone();
                    problems.push(format!("could not be filed as a case: {err2}"));
                    let inbound_id = record(
                        tx,
                        target,
                        &at,
                        prepared,
                        None,
                        "new",
                        &at.flags(parsed),
                        Some(&problems.join("; ")),
                    )?;
                    Ok((
                        Outcome::Filed {
                            inbound_id,
                            case_id: None,
                            new_case: false,
                            flagged: true,
                        },
                        None,
                    ))
                }
            }
        }
    }
}

/// Where a message was taken from, and under which record key.
struct Taking {
    uid_validity: Option<u32>,
    uid: Option<u32>,
    /// The Message-ID (or raw hash); with the content hash when reused.
    key: String,
    /// Its Message-ID was taken before with other content.
    reused: bool,
}

impl Taking {
    /// The message's flags, with the reuse of its Message-ID.
    fn flags(&self, parsed: &Parsed) -> Vec<MailFlag> {
        let mut flags = parsed.flags.clone();
        if self.reused {
            flags.push(MailFlag::MessageIdReused);
        }
        flags
    }

    /// The message's problems, with the reuse of its Message-ID.
    fn problems(&self, parsed: &Parsed) -> Vec<String> {
        let mut problems = parsed.problems.clone();
        if self.reused {
            problems.push(
                "another message with this Message-ID was taken before; this one is filed as well"
                    .into(),
            );
        }
        problems
    }
}

/// How a message is filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Care {
    /// Without savepoints: any failure fails the caller's whole chunk.
    Optimistic,
    /// Under a savepoint each (and one for the acknowledgment): a failure
    /// files the message plainly, or as a flagged record at least.
    Careful,
}

/// Opens or releases a savepoint through the statement cache (twice per
/// message: parsing the statement each time showed in the profile).
fn savepoint(tx: &Transaction, sql: &str) -> rusqlite::Result<()> {
    tx.prepare_cached(sql)?.execute([])?;
    Ok(())
}

/// The case a message belongs to, and how it was found.
fn find_case(
    tx: &Transaction,
    target: Target,
    parsed: &Parsed,
) -> Result<Option<(CaseId, &'static str)>, MailError> {
    if parsed.bounce {
        for id in parsed.bounce_refs.iter() {
            if let Some(case) = store::case_by_message_id(tx, target.client_id, id)? {
                return Ok(Some((store::surviving_case(tx, case)?, "bounce")));
            }
        }
    }
    let ids = parsed
        .in_reply_to
        .iter()
        .chain(parsed.references.iter().rev());
    for id in ids {
        if let Some(case) = store::case_by_message_id(tx, target.client_id, id)? {
            let how = if parsed.bounce {
                "bounce"
            } else {
                "references"
            };
            return Ok(Some((store::surviving_case(tx, case)?, how)));
        }
    }
    let refs = parse::subject_references(&parsed.subject);
    if !refs.is_empty() {
        let keys = store::project_keys(tx, target.client_id)?;
        for (key, number) in refs {
            if keys.iter().any(|k| k.eq_ignore_ascii_case(&key))
                && let Some(case) = store::case_by_reference(tx, target.client_id, &key, number)?
            {
                return Ok(Some((store::surviving_case(tx, case)?, "subject")));
            }
        }
    }
    Ok(None)
}

fn file(
    tx: &Transaction,
    target: Target,
    at: &Taking,
    prepared: &Prepared,
    care: Care,
) -> Result<(Outcome, Case), MailError> {
    let parsed = &prepared.parsed;
    let who = system_principal();
    let mut problems = at.problems(parsed);
    let mut flags = at.flags(parsed);
    // Mail from one of our own users is no customer's: no contact is made
    // (or linked) from the address.
    let own_user = match &parsed.from_address {
        Some(email) => store::is_own_user(tx, target.client_id, target.project_id, email)?,
        None => false,
    };
    if own_user {
        flags.push(MailFlag::SenderIsUser);
        problems.push(
            "the sender's address is one of this platform's users; no contact was made from it"
                .into(),
        );
    }
    let from_customer = !parsed.bounce && !own_user;
    let known = match &parsed.from_address {
        Some(email) if from_customer => store::contact_by_email(tx, target.client_id, email)?,
        _ => None,
    };
    let contact_id = match &parsed.from_address {
        // Known senders without the general look-up (the usual case).
        _ if known.is_some() => known,
        Some(email) if from_customer => {
            match crate::cases::service::resolve_contact(
                tx,
                &who,
                target.client_id,
                &InlineContact {
                    name: parsed.from_name.clone(),
                    email: Some(email.clone()),
                    phone: None,
                },
            ) {
                Ok(id) => id,
                Err(crate::cases::CaseError::Contact(crate::contacts::ContactError::Invalid(
                    invalid,
                ))) => {
                    problems.push(format!("no contact: {invalid}"));
                    None
                }
                Err(err) => return Err(err.into()),
            }
        }
        _ => None,
    };
    let found = match find_case(tx, target, parsed)? {
        // A reused Message-ID threads as the ID says, failing all else.
        None if at.reused => match &parsed.message_id {
            Some(id) => match store::case_by_message_id(tx, target.client_id, id)? {
                Some(case) => Some((store::surviving_case(tx, case)?, "message-id")),
                None => None,
            },
            None => None,
        },
        found => found,
    };
    let body = body_for_service(parsed);
    let mail = message_mail(parsed, contact_id, target.mailbox_id);
    let (case, message_id, new_case, threaded_by) = match found {
        Some((case_id, how)) => {
            // Automatic mail does not reopen a case: it keeps the status
            // (read only then; add_message reads the case itself).
            let keep_status = if parsed.is_automatic() {
                Some(crate::cases::service::visible_case(tx, &who, case_id)?.status)
            } else {
                None
            };
            let created = crate::cases::service::add_message(
                tx,
                &who,
                case_id,
                NewMessage {
                    kind: MessageKind::Inbound,
                    body_text: body,
                    expected_version: None,
                    force: true,
                    set_status: keep_status,
                    attachment_ids: Vec::new(),
                    mail: Some(mail),
                    call: None,
                },
            )?;
            (created.case, created.message.id, false, how)
        }
        None => {
            let subject = if parsed.subject.is_empty() {
                "(no subject)".to_string()
            } else {
                parsed.subject.clone()
            };
            let case = crate::cases::service::create_incoming(
                tx,
                &who,
                NewCase {
                    project_id: target.project_id,
                    subject,
                    channel: Channel::Email,
                    topic_id: None,
                    priority: None,
                    handling_team: None,
                    assignee_id: None,
                    contact_id,
                    contact: None,
                    tags: Vec::new(),
                    due_at: None,
                    custom: None,
                    message: Some(FirstMessage {
                        kind: MessageKind::Inbound,
                        body_text: body,
                        mail: Some(mail),
                    }),
                },
            )?;
            let message_id = first_message(tx, case.id)?;
            (case, message_id, true, "new")
        }
    };
    let case_id = case.id;
    finish(tx, target, prepared, case_id, message_id)?;
    if new_case
        && !parsed.is_automatic()
        && !own_user
        && let Some(note) = acknowledge(tx, target.mailbox_id, case_id, message_id, care)?
    {
        problems.push(note);
    }
    let problem = (!problems.is_empty()).then(|| problems.join("; "));
    let inbound_id = record(
        tx,
        target,
        at,
        prepared,
        Some((case_id, message_id)),
        threaded_by,
        &flags,
        problem.as_deref(),
    )?;
    Ok((
        Outcome::Filed {
            inbound_id,
            case_id: Some(case_id),
            new_case,
            flagged: problem.is_some() || !flags.is_empty(),
        },
        case,
    ))
}

/// After a failure: a new case without contact or threading, with the
/// message's text as far as it was read.
fn file_degraded(
    tx: &Transaction,
    target: Target,
    at: &Taking,
    prepared: &Prepared,
    note: &str,
) -> Result<(Outcome, Case), MailError> {
    let who = system_principal();
    let parsed = &prepared.parsed;
    let body = body_for_service(parsed);
    let case = crate::cases::service::create_incoming(
        tx,
        &who,
        NewCase {
            project_id: target.project_id,
            subject: "(unreadable e-mail)".into(),
            channel: Channel::Email,
            topic_id: None,
            priority: None,
            handling_team: None,
            assignee_id: None,
            contact_id: None,
            contact: None,
            tags: Vec::new(),
            due_at: None,
            custom: None,
            message: Some(FirstMessage {
                kind: MessageKind::Inbound,
                body_text: body,
                mail: Some(message_mail(parsed, None, target.mailbox_id)),
            }),
        },
    )?;
    let message_id = first_message(tx, case.id)?;
    let mut problems = at.problems(parsed);
    problems.push(note.to_string());
    let problem = problems.join("; ");
    finish(tx, target, prepared, case.id, message_id)?;
    let inbound_id = record(
        tx,
        target,
        at,
        prepared,
        Some((case.id, message_id)),
        "new",
        &at.flags(parsed),
        Some(&problem),
    )?;
    Ok((
        Outcome::Filed {
            inbound_id,
            case_id: Some(case.id),
            new_case: true,
            flagged: true,
        },
        case,
    ))
}

/// The single place where a new case from a normal (not automatic) message
/// is acknowledged to its sender (the outbound side queues it, if the
/// mailbox has acknowledgments on). A failure is noted, never fatal: the
/// message is filed all the same.
fn acknowledge(
    tx: &Transaction,
    mailbox_id: i64,
    case_id: CaseId,
    thread_message_id: i64,
    care: Care,
) -> Result<Option<String>, MailError> {
    if care == Care::Optimistic {
        // A failure fails the chunk, which is then filed with care.
        crate::mail::outbound::enqueue_auto_ack(tx, mailbox_id, case_id, thread_message_id)
            .map_err(|err| MailError::Io(std::io::Error::other(err.to_string())))?;
        return Ok(None);
    }
    savepoint(tx, "SAVEPOINT mail_ack")?;
    match crate::mail::outbound::enqueue_auto_ack(tx, mailbox_id, case_id, thread_message_id) {
        Ok(()) => {
            savepoint(tx, "RELEASE mail_ack")?;
            Ok(None)
        }
        Err(err) => {
            tx.execute_batch("ROLLBACK TO mail_ack; RELEASE mail_ack")?;
            tracing::warn!(mailbox = mailbox_id, case = case_id.get(), error = %err, "queueing the acknowledgment failed");
            Ok(Some(format!("no acknowledgment was sent: {err}")))
        }
    }
}

/// Text handed to the cases service (which wants a non-empty body).
fn body_for_service(parsed: &Parsed) -> String {
    let text = parsed.body_text.trim();
    if text.is_empty() {
        if parsed.parts.is_empty() {
            "(no text)".into()
        } else {
            "(no text; see the attachments)".into()
        }
    } else {
        parse::clip_chars(text, parse::MAX_BODY_CHARS)
    }
}

fn first_message(tx: &Transaction, case_id: CaseId) -> Result<i64, MailError> {
    Ok(tx
        .prepare_cached("SELECT max(id) FROM messages WHERE case_id = ?1")?
        .query_row([case_id], |row| row.get(0))?)
}

/// The e-mail columns of the thread message, written with it.
fn message_mail(
    parsed: &Parsed,
    sender_contact_id: Option<ContactId>,
    mailbox_id: i64,
) -> MessageMail {
    MessageMail {
        from_address: parsed.from_address.clone(),
        to_address: parsed.to.clone(),
        subject: (!parsed.subject.is_empty()).then(|| parsed.subject.clone()),
        body_html: parsed.body_html.clone(),
        author_contact_id: sender_contact_id,
        mailbox_id: Some(mailbox_id),
        automatic: parsed.is_automatic(),
    }
}

/// Attachments of the thread message (inline images' `cid:` links in its
/// HTML then name them), the Message-ID.
fn finish(
    tx: &Transaction,
    target: Target,
    prepared: &Prepared,
    case_id: CaseId,
    message_id: i64,
) -> Result<(), MailError> {
    let parsed = &prepared.parsed;
    // Only inline images need the HTML again (their links name attachments).
    let mut html = parsed
        .body_html
        .as_ref()
        .filter(|_| parsed.parts.iter().any(|p| p.content_id.is_some()))
        .cloned();
    let mut linked = false;
    for (part, stored) in parsed.parts.iter().zip(&prepared.parts) {
        let attachment_id = store::insert_attachment(
            tx,
            case_id,
            message_id,
            stored,
            &part.filename,
            &part.content_type,
        )?;
        if let (Some(cid), Some(h)) = (&part.content_id, html.as_mut()) {
            let needle = format!("cid:{cid}");
            if h.contains(&needle) {
                *h = h.replace(&needle, &format!("/api/v1/attachments/{attachment_id}"));
                linked = true;
            }
        }
    }
    if linked && let Some(html) = &html {
        store::set_message_html(tx, message_id, html)?;
    }
    // The raw message's blob row comes with its record (`record`).
    if let Some(id) = &parsed.message_id {
        store::remember_message_id(tx, id, case_id, message_id, target.mailbox_id)?;
    }
    Ok(())
}

/// The inbound record; `filed` is the (case, thread message) it went to.
#[allow(clippy::too_many_arguments)]
fn record(
    tx: &Transaction,
    target: Target,
    at: &Taking,
    prepared: &Prepared,
    filed: Option<(CaseId, i64)>,
    threaded_by: &str,
    flags: &[MailFlag],
    problem: Option<&str>,
) -> Result<i64, MailError> {
    let parsed = &prepared.parsed;
    crate::blobs::store::insert_row(tx, &prepared.raw)?;
    let flags = MailFlag::join(flags);
    let problem = match problem {
        // A flag always comes with its detail.
        None if !flags.is_empty() => Some(flags.as_str()),
        problem => problem,
    };
    Ok(store::insert_inbound(
        tx,
        &NewInbound {
            mailbox_id: target.mailbox_id,
            uid_validity: at.uid_validity,
            uid: at.uid,
            message_key: &at.key,
            message_id: parsed.message_id.as_deref(),
            raw_sha256: &prepared.raw.sha256,
            raw_size: prepared.raw.size as i64,
            from_address: parsed.from_address.as_deref(),
            subject: (!parsed.subject.is_empty()).then_some(parsed.subject.as_str()),
            case_id: filed.map(|(case, _)| case),
            thread_message_id: filed.map(|(_, message)| message),
            threaded_by,
            auto_reply: parsed.auto_reply,
            bulk: parsed.bulk,
            bounce: parsed.bounce,
            problem,
            flags: &flags,
            content_sha256: Some(&parsed.content_sha256),
        },
    )?)
}
