//! The mailbox fetchers. Each mailbox is a background service in the
//! registry (`mail.fetch.<id>`, services/registry.rs), run on the mailbox's
//! cron schedule, on "fetch now", and at once when the server announces new
//! mail over IMAP IDLE (one IDLE watcher per running mailbox). A run takes
//! the pending messages in batches: fetch raw → parse and write blobs
//! (blocking pool) → one durable write filing the batch → settle the
//! messages on the server.

use crate::net::HostPolicy;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde::Serialize;
use utoipa::ToSchema;

use super::error::MailError;
use super::imap::{self, ImapError};
use super::ingest::{self, Outcome, Target};
use super::model::{AfterFetch, ImapSettings, Security};
use super::parse::Limits;
use super::secrets::Sealer;
use super::store;
use crate::blobs::BlobStore;
use crate::cases::CaseHub;
use crate::db::Db;
use crate::services::{DesiredState, Registry, ServiceSpec, Trigger};

/// Messages fetched and filed per batch (one durable commit each).
pub const BATCH: usize = 100;
/// At most this many bytes of messages are fetched at once (a larger
/// message alone), so a mailbox full of huge mails cannot exhaust memory.
const MAX_FETCH_BYTES: u64 = 32 * 1024 * 1024;
/// Seconds an IMAP step may take.
const IMAP_TIMEOUT: u64 = 60;
/// How long one IDLE command waits before it is renewed (RFC 2177 asks
/// clients to renew within 29 minutes).
const IDLE_RENEW: Duration = Duration::from_secs(25 * 60);
/// Pause after a failed IDLE connection before the watcher tries again.
const IDLE_RETRY: Duration = Duration::from_secs(60);

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

/// The registry key of a mailbox's fetcher.
pub fn service_key(mailbox_id: i64) -> String {
    format!("mail.fetch.{mailbox_id}")
}

/// The fetchers of one server.
pub struct Fetchers {
    me: Weak<Fetchers>,
    db: Db,
    sealer: Sealer,
    blobs: BlobStore,
    limits: Limits,
    hub: Arc<CaseHub>,
    services: Registry,
    /// Which mail servers may be reached (`mail_allowed_hosts`).
    hosts: HostPolicy,
    /// The IDLE watchers of running mailboxes.
    watchers: Mutex<HashMap<i64, tokio::task::JoinHandle<()>>>,
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
        services: Registry,
        hosts: HostPolicy,
    ) -> Arc<Fetchers> {
        Arc::new_cyclic(|me| Fetchers {
            hosts,
            me: me.clone(),
            db,
            sealer,
            blobs: BlobStore::new(data_dir),
            limits: Limits::for_attachments(max_attachment_bytes),
            hub,
            services,
            watchers: Mutex::new(HashMap::new()),
            runs: Mutex::new(HashMap::new()),
            stopped: std::sync::atomic::AtomicBool::new(false),
        })
    }

    fn watchers(&self) -> std::sync::MutexGuard<'_, HashMap<i64, tokio::task::JoinHandle<()>>> {
        self.watchers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Syncs every mailbox's fetcher, and drops fetchers whose mailbox is
    /// gone (server start; a project changed or deleted).
    pub async fn sync_all(&self) {
        let stored = self
            .db
            .read(|conn| Ok::<_, MailError>(store::all_ids(conn)?))
            .await;
        // A store that cannot be read now only delays mail: each mailbox is
        // synced again on its next change.
        let mut ids = match stored {
            Ok(ids) => ids,
            Err(err) => {
                tracing::warn!(error = %err, "syncing the mail fetchers failed");
                return;
            }
        };
        ids.extend(
            self.services
                .list()
                .iter()
                .filter_map(|s| s.key.strip_prefix("mail.fetch.")?.parse::<i64>().ok()),
        );
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            self.sync(id).await;
        }
    }

    /// Brings the mailbox's service in line with the stored mailbox (after
    /// add, change, pause, resume, delete, and at start): registered with
    /// the mailbox's schedule, running unless the mailbox is paused or its
    /// project inactive (then paused, or stopped when an admin stopped it
    /// on the services page), with an IDLE watcher while running; gone with
    /// the mailbox.
    pub async fn sync(&self, mailbox_id: i64) {
        if self.stopped.load(std::sync::atomic::Ordering::Acquire) {
            return;
        }
        let key = service_key(mailbox_id);
        let lookup = key.clone();
        let found = self
            .db
            .read(move |conn| {
                let Some(mailbox) = store::get(conn, mailbox_id)? else {
                    return Ok(None);
                };
                let project_active = crate::projects::store::get(conn, mailbox.project_id)?
                    .is_some_and(|p| p.active);
                let stored = crate::services::store::desired(conn, &lookup)?;
                Ok::<_, MailError>(Some((mailbox, project_active, stored)))
            })
            .await;
        let (mailbox, project_active, stored) = match found {
            Ok(Some(found)) => found,
            Ok(None) => {
                let _ = self.services.unregister(&key);
                self.unwatch(mailbox_id);
                return;
            }
            Err(err) => {
                tracing::warn!(mailbox = mailbox_id, error = %err, "reading the mailbox failed");
                return;
            }
        };
        let desired = match (mailbox.paused || !project_active, stored) {
            (false, _) => DesiredState::Running,
            (true, Some(DesiredState::Stopped)) => DesiredState::Stopped,
            (true, _) => DesiredState::Paused,
        };
        let spec = self.service_spec(&mailbox);
        let current = self.services.status(&key).ok();
        let same = current.is_some_and(|status| {
            status.subject == spec.subject && status.schedule == spec.trigger.schedule()
        });
        if !same {
            let _ = self.services.unregister(&key);
            if let Err(err) = self.services.register(spec) {
                tracing::error!(mailbox = mailbox_id, error = %err, "registering the fetcher failed");
                return;
            }
        }
        let _ = self.services.set_desired(&key, desired);
        if desired == DesiredState::Running {
            self.watch(mailbox_id);
        } else {
            self.unwatch(mailbox_id);
        }
    }

    fn service_spec(&self, mailbox: &super::model::Mailbox) -> ServiceSpec {
        let mailbox_id = mailbox.id;
        let me = self.me.clone();
        ServiceSpec::new(
            service_key(mailbox_id),
            format!("Mail fetcher: {} ({})", mailbox.address, mailbox.name),
            Trigger::Cron(mailbox.fetch_schedule.clone()),
            move |_| {
                let me = me.clone();
                async move {
                    let fetchers = me.upgrade().ok_or("the server is stopping")?;
                    let report = fetchers
                        .run_once(mailbox_id)
                        .await
                        .map_err(|err| crate::problem::shown(&err, "a mail fetch"))?;
                    Ok(crate::services::RunReport::new(
                        report.taken as u64,
                        crate::services::RunMessage::new("mail.fetched")
                            .num("n", report.taken as f64)
                            .num("new_cases", report.new_cases as f64)
                            .num("duplicates", report.duplicates as f64)
                            .num("flagged", report.flagged as f64),
                    ))
                }
            },
        )
        .with_subject(format!("{} ({})", mailbox.address, mailbox.name))
        // Paused or stopped on the services page: the mailbox shows it.
        .with_state_hook(move |conn, desired| {
            store::set_paused(conn, mailbox_id, desired != DesiredState::Running)
        })
    }

    /// Starts (or restarts, for changed settings) the IDLE watcher.
    fn watch(&self, mailbox_id: i64) {
        let me = self.me.clone();
        let task = tokio::spawn(async move {
            loop {
                let Some(fetchers) = me.upgrade() else { return };
                if !fetchers.idle_once(mailbox_id).await {
                    return;
                }
            }
        });
        if let Some(old) = self.watchers().insert(mailbox_id, task) {
            old.abort();
        }
    }

    fn unwatch(&self, mailbox_id: i64) {
        if let Some(old) = self.watchers().remove(&mailbox_id) {
            old.abort();
        }
    }

    /// One IDLE wait; new mail asks the registry for a run. Answers whether
    /// to go on watching (not when the server has no IDLE: the schedule
    /// alone fetches then).
    async fn idle_once(&self, mailbox_id: i64) -> bool {
        let settings = match self.settings(mailbox_id).await {
            Ok(settings) => settings,
            Err(MailError::NotFound) => return false,
            Err(err) => {
                tracing::debug!(mailbox = mailbox_id, error = %err, "IDLE: reading the mailbox failed");
                tokio::time::sleep(IDLE_RETRY).await;
                return true;
            }
        };
        match imap::idle_until_new_mail(&settings, &self.hosts, IDLE_RENEW).await {
            Ok(true) => self.services.poke(&service_key(mailbox_id)),
            Ok(false) => {}
            Err(ImapError::NoIdle) => {
                tracing::info!(
                    mailbox = mailbox_id,
                    "the IMAP server offers no IDLE: fetching on the schedule only"
                );
                return false;
            }
            Err(err) => {
                // The scheduled runs report connection problems; IDLE only
                // waits and tries again.
                tracing::debug!(mailbox = mailbox_id, error = %err, "IDLE failed");
                tokio::time::sleep(IDLE_RETRY).await;
            }
        }
        true
    }

    /// The mailbox's IMAP settings with its opened password.
    async fn settings(&self, mailbox_id: i64) -> Result<ImapSettings, MailError> {
        let sealer = self.sealer.clone();
        self.db
            .read(move |conn| {
                let m = store::get(conn, mailbox_id)?.ok_or(MailError::NotFound)?;
                let (sealed, _) =
                    store::sealed_passwords(conn, mailbox_id)?.ok_or(MailError::NotFound)?;
                Ok::<_, MailError>(settings_of(
                    m,
                    sealer.open(super::service::IMAP_CONTEXT, &sealed)?,
                ))
            })
            .await
    }

    /// Ends the IDLE watchers (server stop; the registry stops the runs).
    pub fn stop_all(&self) {
        self.stopped
            .store(true, std::sync::atomic::Ordering::Release);
        let watchers: Vec<_> = self.watchers().drain().map(|(_, task)| task).collect();
        for task in watchers {
            task.abort();
        }
    }

    /// Whether the mailbox's fetcher runs on its schedule.
    pub fn is_running(&self, mailbox_id: i64) -> bool {
        self.services
            .status(&service_key(mailbox_id))
            .is_ok_and(|s| s.desired == DesiredState::Running)
    }

    /// Runs a fetch now and answers what it did (also for paused
    /// mailboxes).
    pub async fn fetch_now(&self, mailbox_id: i64) -> Result<RunReport, FetchError> {
        self.run_once(mailbox_id).await
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
        let error = result
            .as_ref()
            .err()
            .map(|err| crate::problem::shown(err, "a mail fetch"));
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
            // Acknowledgments may have been queued: send them now.
            self.services
                .poke(crate::mail::outbound::worker::SERVICE_KEY);
        }
        result
    }

    async fn take(&self, s: &ImapSettings, target: Target) -> Result<RunReport, FetchError> {
        let mut session = imap::login(s, &self.hosts, IMAP_TIMEOUT).await?;
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
        let move_to = s
            .move_to_folder
            .as_deref()
            .filter(|_| s.after_fetch == AfterFetch::Move);
        let after = if s.after_fetch == AfterFetch::Move && move_to.is_none() {
            AfterFetch::Seen
        } else {
            s.after_fetch
        };
        let mut report = RunReport::default();
        let mut pipeline = ingest::Pipeline::new(
            self.db.clone(),
            self.blobs.clone(),
            self.hub.clone(),
            self.limits,
            target,
            uid_validity,
        );
        let taken = async {
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
                if !known.is_empty() {
                    tracing::info!(
                        mailbox = mailbox_id,
                        uids = ?known,
                        "messages taken before (by UID); settled again, not filed"
                    );
                }
                report.duplicates += known.len();
                tokio::time::timeout(timeout, imap::settle(session, &known, after, move_to))
                    .await
                    .map_err(step)??;
                let sizes = tokio::time::timeout(timeout, imap::sizes(session, &fresh))
                    .await
                    .map_err(step)??;
                for group in imap::groups_by_size(&sizes, MAX_FETCH_BYTES) {
                    let bytes: u64 = sizes
                        .iter()
                        .filter(|(uid, _)| group.contains(uid))
                        .map(|(_, size)| size)
                        .sum();
                    // Large messages get time to arrive: a second per 256 KiB.
                    let fetch_timeout = timeout + Duration::from_secs(bytes / (256 * 1024));
                    let raws =
                        tokio::time::timeout(fetch_timeout, imap::fetch_raw(session, &group))
                            .await
                            .map_err(step)??;
                    // This group is parsed while the one before is filed;
                    // that one is settled once committed.
                    if let Some(done) = pipeline.push(raws).await? {
                        settle_committed(session, &mut report, done, after, move_to, timeout)
                            .await?;
                    }
                }
            }
            if let Some(done) = pipeline.finish().await? {
                settle_committed(session, &mut report, done, after, move_to, timeout).await?;
            }
            Ok::<_, FetchError>(())
        }
        .await;
        if taken.is_err() {
            // No batch goes on alone: what it files is settled next run.
            let _ = pipeline.finish().await;
        }
        taken?;
        Ok(report)
    }

    /// "Check connection" with the stored settings.
    pub async fn check(&self, settings: &ImapSettings) -> Result<u32, ImapError> {
        imap::check(settings, &self.hosts).await
    }
}

/// Counts a committed batch's outcomes and settles its messages on the
/// server (messages filed now only: one the server did not hand out is
/// left for the next run).
async fn settle_committed(
    session: &mut imap::Session,
    report: &mut RunReport,
    done: ingest::Committed,
    after: AfterFetch,
    move_to: Option<&str>,
    timeout: Duration,
) -> Result<(), FetchError> {
    for outcome in &done.outcomes {
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
    tokio::time::timeout(timeout, imap::settle(session, &done.uids, after, move_to))
        .await
        .map_err(|_| FetchError::Imap(ImapError::Timeout(IMAP_TIMEOUT)))??;
    Ok(())
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

/// Checks a mailbox's fetch schedule: a cron expression in UTC, six fields
/// (seconds first) or five.
pub fn parse_schedule(schedule: &str) -> Option<croner::Cron> {
    Trigger::parse_cron(schedule).ok()
}

/// Whether the security setting may be used with this host: plain text
/// only to hosts the platform admin allowed.
pub fn security_allowed(hosts: &HostPolicy, security: Security, host: &str) -> bool {
    security != Security::Plain || hosts.check_plain_setting(host).is_ok()
}

impl crate::problem::Problem for FetchError {
    fn problem(&self) -> crate::problem::Answer {
        match self {
            // Fixed kinds only, never what the remote server said.
            FetchError::Imap(imap) => crate::problem::Answer::new(
                502,
                "mail-server",
                format!("{} ({})", imap, imap.reason()),
            ),
            FetchError::Mail(mail) => mail.problem(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        assert!(parse_schedule("0 * * * * *").is_some());
        assert!(parse_schedule("*/10 * * * * *").is_some());
        assert!(parse_schedule("* * * *").is_none());
        assert!(parse_schedule("*/5 * * * *").is_some());
        assert!(parse_schedule("every minute").is_none());
    }

    #[test]
    fn plain_only_to_allowed_hosts() {
        let local = HostPolicy::parse(["127.0.0.1"]).unwrap();
        assert!(security_allowed(&local, Security::Plain, "127.0.0.1"));
        assert!(!security_allowed(
            &local,
            Security::Plain,
            "mail.example.com"
        ));
        assert!(security_allowed(&local, Security::Tls, "mail.example.com"));
        let open = HostPolicy::public_only();
        assert!(!security_allowed(&open, Security::Plain, "127.0.0.1"));
    }
}
