//! The fetch loops: one tokio task per active mailbox, waking at the next
//! time of the mailbox's cron schedule (or when asked to fetch now). A run
//! takes the pending messages in batches: fetch raw → parse and write
//! blobs (blocking pool) → one durable write filing the batch → settle the
//! messages on the server. Controlled through plain functions (start,
//! stop, sync, fetch_now) so a services registry can drive it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;
use utoipa::ToSchema;

use super::error::MailError;
use super::imap::{self, ImapError};
use super::ingest::{self, BlobBatch, Outcome, Prepared, Target};
use super::model::{AfterFetch, ImapSettings, Security};
use super::parse::Limits;
use super::secrets::Sealer;
use super::store;
use crate::blobs::BlobStore;
use crate::cases::CaseHub;
use crate::db::Db;

/// Messages fetched and filed per batch (one durable commit each).
const BATCH: usize = 100;
/// Seconds an IMAP step may take.
const IMAP_TIMEOUT: u64 = 60;

/// What one run did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct RunReport {
    /// Messages filed (new cases or added to cases).
    pub taken: usize,
    pub new_cases: usize,
    /// Messages found filed before (a repeated fetch), only settled.
    pub duplicates: usize,
    pub flagged: usize,
}

struct Loop {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

/// The fetchers of one server.
pub struct Fetchers {
    db: Db,
    sealer: Sealer,
    blobs: BlobStore,
    limits: Limits,
    hub: Arc<CaseHub>,
    loops: Mutex<HashMap<i64, Loop>>,
    /// One run at a time per mailbox.
    runs: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    stopped: std::sync::atomic::AtomicBool,
}

impl Fetchers {
    pub fn new(
        db: Db,
        sealer: Sealer,
        data_dir: &std::path::Path,
        max_attachment_bytes: usize,
        hub: Arc<CaseHub>,
    ) -> Fetchers {
        Fetchers {
            db,
            sealer,
            blobs: BlobStore::new(data_dir),
            limits: Limits::for_attachments(max_attachment_bytes),
            hub,
            loops: Mutex::new(HashMap::new()),
            runs: Mutex::new(HashMap::new()),
            stopped: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn loops(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Loop>> {
        self.loops.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a loop for every active mailbox (server start).
    pub async fn start_all(self: &Arc<Self>) -> Result<usize, MailError> {
        let active = self
            .db
            .read(|conn| Ok::<_, MailError>(store::active_ids(conn)?))
            .await?;
        for (id, _) in &active {
            self.start(*id);
        }
        Ok(active.len())
    }

    /// (Re)starts the loop of a mailbox.
    pub fn start(self: &Arc<Self>, mailbox_id: i64) {
        if self.stopped.load(std::sync::atomic::Ordering::Acquire) {
            return;
        }
        let (stop, stopped) = watch::channel(false);
        let this = self.clone();
        let task = tokio::spawn(this.run_loop(mailbox_id, stopped));
        if let Some(old) = self.loops().insert(mailbox_id, Loop { stop, task }) {
            let _ = old.stop.send(true);
            old.task.abort();
        }
    }

    /// Stops the loop of a mailbox (a run in progress ends at its next
    /// batch boundary, or is cut off; either way nothing is lost).
    pub async fn stop(&self, mailbox_id: i64) {
        let old = self.loops().remove(&mailbox_id);
        if let Some(old) = old {
            let _ = old.stop.send(true);
            let task = old.task;
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }

    /// Brings the loop in line with the stored mailbox: running if active,
    /// stopped if paused or deleted (after add, change, pause, resume,
    /// delete).
    pub async fn sync(self: &Arc<Self>, mailbox_id: i64) {
        let active = self
            .db
            .read(|conn| Ok::<_, MailError>(store::active_ids(conn)?))
            .await
            .map(|ids| ids.iter().any(|(id, _)| *id == mailbox_id))
            .unwrap_or(false);
        if active {
            self.start(mailbox_id);
        } else {
            self.stop(mailbox_id).await;
        }
    }

    /// Stops every loop (server stop).
    pub async fn stop_all(&self) {
        self.stopped
            .store(true, std::sync::atomic::Ordering::Release);
        let ids: Vec<i64> = self.loops().keys().copied().collect();
        for id in ids {
            self.stop(id).await;
        }
    }

    pub fn is_running(&self, mailbox_id: i64) -> bool {
        self.loops()
            .get(&mailbox_id)
            .is_some_and(|l| !l.task.is_finished())
    }

    /// Runs a fetch now and answers what it did (also for paused
    /// mailboxes).
    pub async fn fetch_now(&self, mailbox_id: i64) -> Result<RunReport, FetchError> {
        self.run_once(mailbox_id).await
    }

    async fn run_loop(self: Arc<Self>, mailbox_id: i64, mut stop: watch::Receiver<bool>) {
        loop {
            let schedule = self
                .db
                .read(move |conn| Ok::<_, MailError>(store::get(conn, mailbox_id)?))
                .await;
            let schedule = match schedule {
                Ok(Some(m)) if !m.paused => m.fetch_schedule,
                Ok(_) => return,
                Err(err) => {
                    tracing::warn!(mailbox = mailbox_id, error = %err, "reading the mailbox failed");
                    "0 * * * * *".to_string()
                }
            };
            let wait = next_wait(&schedule).unwrap_or(Duration::from_secs(60));
            tokio::select! {
                _ = self.wait_for_mail(mailbox_id, wait) => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
            let run = self.run_once(mailbox_id);
            tokio::select! {
                result = run => {
                    if let Err(err) = result {
                        tracing::warn!(mailbox = mailbox_id, error = %err, "fetching mail failed");
                    }
                }
                _ = stop.changed() => return,
            }
        }
    }

    /// Until the next scheduled run, or earlier when the server announces
    /// new mail over IMAP IDLE (where it offers IDLE).
    async fn wait_for_mail(&self, mailbox_id: i64, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        if wait > Duration::from_secs(5) {
            let sealer = self.sealer.clone();
            let settings = self
                .db
                .read(move |conn| {
                    let m = store::get(conn, mailbox_id)?.ok_or(MailError::NotFound)?;
                    let (sealed, _) =
                        store::sealed_passwords(conn, mailbox_id)?.ok_or(MailError::NotFound)?;
                    Ok::<_, MailError>(settings_of(
                        m,
                        sealer.open(super::service::IMAP_CONTEXT, &sealed)?,
                    ))
                })
                .await;
            if let Ok(settings) = settings
                && let Ok(true) = imap::idle_until_new_mail(&settings, wait).await
            {
                return;
            }
        }
        tokio::time::sleep_until(deadline).await;
    }

    fn run_lock(&self, mailbox_id: i64) -> Arc<tokio::sync::Mutex<()>> {
        self.runs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(mailbox_id)
            .or_default()
            .clone()
    }

    /// One run: records its start, takes everything pending, records the
    /// outcome in the fetcher state.
    pub async fn run_once(&self, mailbox_id: i64) -> Result<RunReport, FetchError> {
        let lock = self.run_lock(mailbox_id);
        let _guard = lock.lock().await;
        let sealer = self.sealer.clone();
        let (settings, target) = self
            .db
            .write(move |tx| {
                let mailbox = store::get(tx, mailbox_id)?.ok_or(MailError::NotFound)?;
                let (imap_sealed, _) =
                    store::sealed_passwords(tx, mailbox_id)?.ok_or(MailError::NotFound)?;
                let password = sealer.open(super::service::IMAP_CONTEXT, &imap_sealed)?;
                store::mark_run(tx, mailbox_id)?;
                let target = Target {
                    mailbox_id,
                    project_id: mailbox.project_id,
                    client_id: mailbox.client_id,
                };
                Ok::<_, MailError>((settings_of(mailbox, password), target))
            })
            .await
            .map_err(FetchError::Mail)?;
        let result = self.take(&settings, target).await;
        let error = result.as_ref().err().map(ToString::to_string);
        let taken = result.as_ref().map(|r| r.taken as i64).unwrap_or(0);
        let _ = self
            .db
            .write(move |tx| {
                store::finish_run(tx, mailbox_id, error.as_deref())?;
                Ok::<_, MailError>(())
            })
            .await;
        if taken > 0 {
            tracing::info!(mailbox = mailbox_id, taken, "mail taken in");
        }
        result
    }

    async fn take(&self, s: &ImapSettings, target: Target) -> Result<RunReport, FetchError> {
        let mut session = imap::login(s, IMAP_TIMEOUT).await?;
        let result = self.take_in(&mut session, s, target).await;
        imap::logout(session).await;
        result
    }

    async fn take_in(
        &self,
        session: &mut imap::Session,
        s: &ImapSettings,
        target: Target,
    ) -> Result<RunReport, FetchError> {
        let timeout = Duration::from_secs(IMAP_TIMEOUT);
        let step = |e: tokio::time::error::Elapsed| {
            let _ = e;
            FetchError::Imap(ImapError::Timeout(IMAP_TIMEOUT))
        };
        let (uid_validity, _) = tokio::time::timeout(timeout, imap::select(session, &s.folder))
            .await
            .map_err(step)??;
        let mailbox_id = s.mailbox_id;
        self.db
            .write(move |tx| {
                store::set_uid_validity(tx, mailbox_id, uid_validity)?;
                Ok::<_, MailError>(())
            })
            .await?;
        let uids = tokio::time::timeout(timeout, imap::pending_uids(session, s.after_fetch))
            .await
            .map_err(step)??;
        let mut report = RunReport::default();
        for chunk in uids.chunks(BATCH) {
            // Taken before but not settled (a crash between commit and
            // settling): settle only.
            let chunk_owned = chunk.to_vec();
            let known = self
                .db
                .read(move |conn| {
                    Ok::<_, MailError>(store::known_uids(
                        conn,
                        mailbox_id,
                        uid_validity,
                        &chunk_owned,
                    )?)
                })
                .await?;
            let fresh: Vec<u32> = chunk
                .iter()
                .copied()
                .filter(|u| !known.contains(u))
                .collect();
            report.duplicates += known.len();
            let raws = tokio::time::timeout(timeout, imap::fetch_raw(session, &fresh))
                .await
                .map_err(step)??;
            // Settled are only messages filed now or before: one the server
            // did not hand out is left for the next run.
            let mut settle: Vec<u32> = known;
            settle.extend(raws.iter().map(|(uid, _)| *uid));
            let outcomes = self.file_batch(target, uid_validity, raws).await?;
            for outcome in &outcomes {
                match outcome {
                    Outcome::Duplicate { .. } => report.duplicates += 1,
                    Outcome::Filed {
                        new_case, flagged, ..
                    } => {
                        report.taken += 1;
                        report.new_cases += usize::from(*new_case);
                        report.flagged += usize::from(*flagged);
                    }
                }
            }
            let move_to = s
                .move_to_folder
                .as_deref()
                .filter(|_| s.after_fetch == AfterFetch::Move);
            let after = if s.after_fetch == AfterFetch::Move && move_to.is_none() {
                AfterFetch::Seen
            } else {
                s.after_fetch
            };
            tokio::time::timeout(timeout, imap::settle(session, &settle, after, move_to))
                .await
                .map_err(step)??;
        }
        Ok(report)
    }

    /// Parses and stores a batch of raw messages and files them in one
    /// durable write. Answers one outcome per message.
    async fn file_batch(
        &self,
        target: Target,
        uid_validity: u32,
        raws: Vec<(u32, Vec<u8>)>,
    ) -> Result<Vec<Outcome>, FetchError> {
        if raws.is_empty() {
            return Ok(Vec::new());
        }
        let blobs = self.blobs.clone();
        let limits = self.limits;
        let prepared: Vec<(u32, Prepared)> = crate::db::blocking(move || {
            let mut batch = BlobBatch::new(&blobs);
            let bytes: Vec<&[u8]> = raws.iter().map(|(_, raw)| raw.as_slice()).collect();
            let prepared = ingest::prepare_all(&mut batch, &bytes, limits)?;
            batch.commit()?;
            let out: Vec<(u32, Prepared)> =
                raws.iter().map(|(uid, _)| *uid).zip(prepared).collect();
            Ok::<_, MailError>(out)
        })
        .await?;
        let (outcomes, cases) = self
            .db
            .write(move |tx| {
                let mut outcomes = Vec::with_capacity(prepared.len());
                let mut cases = Vec::new();
                for (uid, p) in &prepared {
                    let outcome = ingest::ingest(tx, target, Some(uid_validity), Some(*uid), p)?;
                    if let Outcome::Filed {
                        case_id: Some(case_id),
                        new_case,
                        ..
                    } = &outcome
                        && let Some(case) = crate::cases::store::get(tx, *case_id)?
                    {
                        cases.push((*new_case, case));
                    }
                    outcomes.push(outcome);
                }
                let taken = outcomes
                    .iter()
                    .filter(|o| matches!(o, Outcome::Filed { .. }))
                    .count();
                store::add_taken(tx, target.mailbox_id, taken as i64)?;
                Ok::<_, MailError>((outcomes, cases))
            })
            .await?;
        // Live events only after the commit.
        let who = ingest::system_principal();
        for (new_case, case) in &cases {
            let kind = if *new_case { "created" } else { "message" };
            self.hub.publish(crate::cases::events::Event::Case(
                crate::cases::service::event(kind, case, target.client_id, &who),
            ));
        }
        Ok(outcomes)
    }

    /// "Check connection" with the stored settings.
    pub async fn check(&self, settings: &ImapSettings) -> Result<u32, ImapError> {
        imap::check(settings).await
    }
}

/// The connection settings of a mailbox with its opened password.
pub fn settings_of(mailbox: super::model::Mailbox, password: String) -> ImapSettings {
    ImapSettings {
        mailbox_id: mailbox.id,
        host: mailbox.imap_host,
        port: mailbox.imap_port,
        security: mailbox.imap_security,
        tls_verify: mailbox.imap_tls_verify,
        username: mailbox.imap_username,
        password,
        folder: mailbox.imap_folder,
        after_fetch: mailbox.after_fetch,
        move_to_folder: mailbox.move_to_folder,
    }
}

/// A failed run: the IMAP side or the store.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Imap(#[from] ImapError),
    #[error(transparent)]
    Mail(#[from] MailError),
}

impl From<crate::db::StoreError> for FetchError {
    fn from(err: crate::db::StoreError) -> Self {
        FetchError::Mail(err.into())
    }
}

/// How long until the schedule's next time.
pub fn next_wait(schedule: &str) -> Option<Duration> {
    let cron = parse_schedule(schedule)?;
    let now = chrono::Utc::now();
    let next = cron.find_next_occurrence(&now, false).ok()?;
    (next - now).to_std().ok()
}

/// A six-field cron expression (seconds first), as tokio-cron-scheduler
/// reads it.
pub fn parse_schedule(schedule: &str) -> Option<croner::Cron> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Required)
        .build()
        .parse(schedule.trim())
        .ok()
}

/// Whether the security setting may be used with this host.
pub fn security_allowed(security: Security, host: &str) -> bool {
    security != Security::Plain || imap::is_loopback_host(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        assert!(parse_schedule("0 * * * * *").is_some());
        assert!(parse_schedule("*/10 * * * * *").is_some());
        assert!(parse_schedule("* * * *").is_none());
        assert!(parse_schedule("every minute").is_none());
        let wait = next_wait("0 * * * * *").unwrap();
        assert!(wait <= Duration::from_secs(60));
    }

    #[test]
    fn plain_only_to_loopback() {
        assert!(security_allowed(Security::Plain, "127.0.0.1"));
        assert!(!security_allowed(Security::Plain, "mail.example.com"));
        assert!(security_allowed(Security::Tls, "mail.example.com"));
    }
}
