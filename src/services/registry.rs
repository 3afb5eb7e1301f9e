//! The registry of background services. Each registered service gets its own
//! supervisor task; each run is a task of its own, so a panic or an error in
//! one run never touches another service. A failed run is retried with
//! exponential backoff and shows as `failed` (in `/healthz`, too) until a run
//! succeeds again.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio::task::{AbortHandle, JoinHandle};

use super::model::{DesiredState, ServiceState, ServiceStatus};
use crate::db::Db;

/// When a service runs.
#[derive(Debug, Clone)]
pub enum Trigger {
    /// A cron expression in UTC, with or without the seconds field
    /// (`0 30 2 * * *`: daily at 02:30:00).
    Cron(String),
    /// At a fixed interval, the first run one interval after the start.
    Every(Duration),
    /// Long-running: run again right after (1 s after) a run ends. For
    /// services that wait inside their run, like an IMAP IDLE loop.
    Loop,
}

impl Trigger {
    /// Human-readable schedule shown in the UI.
    pub fn describe(&self) -> String {
        match self {
            Trigger::Cron(expr) => format!("cron {expr} (UTC)"),
            Trigger::Every(d) => format!("every {} s", d.as_secs_f64()),
            Trigger::Loop => "continuous".to_string(),
        }
    }

    /// Checks a cron expression.
    pub fn parse_cron(expr: &str) -> Result<croner::Cron, String> {
        croner::parser::CronParser::builder()
            .seconds(croner::parser::Seconds::Optional)
            .build()
            .parse(expr)
            .map_err(|e| format!("invalid cron expression {expr:?}: {e}"))
    }

    fn next_after(
        &self,
        now: DateTime<Utc>,
        last_started: Option<DateTime<Utc>>,
        last_finished: Option<DateTime<Utc>>,
        registered: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        match self {
            Trigger::Cron(expr) => Trigger::parse_cron(expr)
                .ok()?
                .find_next_occurrence(&now, false)
                .ok(),
            Trigger::Every(d) => {
                let base = last_started.unwrap_or(registered);
                Some(base + chrono::Duration::from_std(*d).ok()?)
            }
            Trigger::Loop => Some(match last_finished {
                Some(t) => t + chrono::Duration::seconds(1),
                None => now,
            }),
        }
    }
}

/// What one run did, for the status page.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// Items handled (sessions purged, mails fetched, bytes backed up …).
    pub items: u64,
    /// A short line for the status page.
    pub message: Option<String>,
}

impl RunReport {
    pub fn new(items: u64, message: impl Into<String>) -> RunReport {
        RunReport {
            items,
            message: Some(message.into()),
        }
    }
}

/// Handed to each run.
#[derive(Clone)]
pub struct RunContext {
    pub key: String,
    pub db: Db,
}

/// The future of one run.
pub type RunFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<RunReport, String>> + Send>>;
/// Starts one run of a service.
pub type RunFn = Arc<dyn Fn(RunContext) -> RunFuture + Send + Sync>;

/// Wait after the n-th consecutive failure: `initial · 2^(n-1)`, at most
/// `max`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(5),
            max: Duration::from_secs(600),
        }
    }
}

impl Backoff {
    pub fn delay(&self, consecutive_failures: u32) -> Duration {
        let exp = consecutive_failures.saturating_sub(1).min(20);
        self.initial.saturating_mul(1u32 << exp).min(self.max)
    }
}

/// Everything the registry needs to run a service.
#[derive(Clone)]
pub struct ServiceSpec {
    /// Stable key, e.g. `sessions.purge`, `backup`, `mail.fetch.3`; the
    /// chosen state is stored under it.
    pub key: String,
    /// Shown in the UI.
    pub label: String,
    pub trigger: Trigger,
    pub backoff: Backoff,
    pub run: RunFn,
}

impl ServiceSpec {
    /// A spec from an async closure.
    pub fn new<F, Fut>(
        key: impl Into<String>,
        label: impl Into<String>,
        trigger: Trigger,
        run: F,
    ) -> Self
    where
        F: Fn(RunContext) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<RunReport, String>> + Send + 'static,
    {
        ServiceSpec {
            key: key.into(),
            label: label.into(),
            trigger,
            backoff: Backoff::default(),
            run: Arc::new(move |ctx| Box::pin(run(ctx))),
        }
    }

    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ControlError {
    #[error("no such service")]
    NotFound,
    #[error("the service is running right now")]
    AlreadyRunning,
    #[error("a service with this key is registered already")]
    Duplicate,
    #[error("{0}")]
    Invalid(String),
}

#[derive(Debug, Default)]
struct Runtime {
    desired: Option<DesiredState>,
    running: bool,
    registered_at: Option<DateTime<Utc>>,
    last_started: Option<DateTime<Utc>>,
    last_finished: Option<DateTime<Utc>>,
    last_success: Option<DateTime<Utc>>,
    last_duration_ms: Option<u64>,
    next_run: Option<DateTime<Utc>>,
    runs: u64,
    failures: u64,
    consecutive_failures: u32,
    last_error: Option<String>,
    last_message: Option<String>,
    /// Reset the failure backoff at the next scheduling (restart, start).
    clear_failures: bool,
}

struct Entry {
    spec: ServiceSpec,
    rt: Mutex<Runtime>,
    wake: Notify,
    run_requested: AtomicBool,
    current: Mutex<Option<AbortHandle>>,
    supervisor: Mutex<Option<JoinHandle<()>>>,
}

impl Entry {
    fn rt(&self) -> std::sync::MutexGuard<'_, Runtime> {
        self.rt.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn abort_current(&self) {
        if let Some(handle) = self
            .current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            handle.abort();
        }
    }

    fn status(&self) -> ServiceStatus {
        let rt = self.rt();
        let desired = rt.desired.unwrap_or(DesiredState::Running);
        let state = match desired {
            DesiredState::Running if rt.consecutive_failures > 0 => ServiceState::Failed,
            DesiredState::Running => ServiceState::Running,
            DesiredState::Paused => ServiceState::Paused,
            DesiredState::Stopped => ServiceState::Stopped,
        };
        let ts = |t: Option<DateTime<Utc>>| {
            t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        };
        ServiceStatus {
            key: self.spec.key.clone(),
            label: self.spec.label.clone(),
            schedule: self.spec.trigger.describe(),
            state,
            desired,
            busy: rt.running,
            last_run_at: ts(rt.last_started),
            last_success_at: ts(rt.last_success),
            last_duration_ms: rt.last_duration_ms,
            next_run_at: ts(rt.next_run),
            runs: rt.runs,
            failures: rt.failures,
            consecutive_failures: rt.consecutive_failures,
            last_error: rt.last_error.clone(),
            last_message: rt.last_message.clone(),
        }
    }
}

/// Cheap to clone; one per server, in the application state.
#[derive(Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    handle: Option<tokio::runtime::Handle>,
    entries: Mutex<BTreeMap<String, Arc<Entry>>>,
}

impl Registry {
    /// A registry whose services run on the current Tokio runtime (the
    /// server's); created with the application state.
    pub fn new(db: Db) -> Registry {
        Registry {
            inner: Arc::new(Inner {
                db,
                handle: tokio::runtime::Handle::try_current().ok(),
                entries: Mutex::new(BTreeMap::new()),
            }),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Arc<Entry>>> {
        self.inner.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn entry(&self, key: &str) -> Result<Arc<Entry>, ControlError> {
        self.entries()
            .get(key)
            .cloned()
            .ok_or(ControlError::NotFound)
    }

    /// Registers and starts a service in the state last chosen for its key
    /// (running when never chosen). Callable from any thread.
    pub fn register(&self, spec: ServiceSpec) -> Result<(), ControlError> {
        if let Trigger::Cron(expr) = &spec.trigger {
            Trigger::parse_cron(expr).map_err(ControlError::Invalid)?;
        }
        let key = spec.key.clone();
        let entry = Arc::new(Entry {
            spec,
            rt: Mutex::new(Runtime {
                registered_at: Some(Utc::now()),
                ..Runtime::default()
            }),
            wake: Notify::new(),
            run_requested: AtomicBool::new(false),
            current: Mutex::new(None),
            supervisor: Mutex::new(None),
        });
        {
            let mut entries = self.entries();
            if entries.contains_key(&key) {
                return Err(ControlError::Duplicate);
            }
            entries.insert(key, entry.clone());
        }
        let db = self.inner.db.clone();
        let task = supervise(entry.clone(), db);
        let join = match &self.inner.handle {
            Some(handle) => handle.spawn(task),
            None => tokio::spawn(task),
        };
        *entry.supervisor.lock().unwrap_or_else(|p| p.into_inner()) = Some(join);
        Ok(())
    }

    /// Stops and removes a service (a deleted mailbox's fetcher). Its chosen
    /// state stays stored for the key.
    pub fn unregister(&self, key: &str) -> Result<(), ControlError> {
        let entry = self.entries().remove(key).ok_or(ControlError::NotFound)?;
        entry.abort_current();
        if let Some(join) = entry
            .supervisor
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            join.abort();
        }
        Ok(())
    }

    /// Stops every service (server shutdown).
    pub fn shutdown(&self) {
        let keys: Vec<String> = self.entries().keys().cloned().collect();
        for key in keys {
            let _ = self.unregister(&key);
        }
    }

    pub fn contains(&self, key: &str) -> bool {
        self.entries().contains_key(key)
    }

    pub fn list(&self) -> Vec<ServiceStatus> {
        let entries: Vec<Arc<Entry>> = self.entries().values().cloned().collect();
        entries.iter().map(|e| e.status()).collect()
    }

    pub fn status(&self, key: &str) -> Result<ServiceStatus, ControlError> {
        Ok(self.entry(key)?.status())
    }

    /// Services in state `failed`.
    pub fn failed(&self) -> Vec<ServiceStatus> {
        self.list()
            .into_iter()
            .filter(|s| s.state == ServiceState::Failed)
            .collect()
    }

    /// Applies a chosen state (already stored by the caller). `Stopped`
    /// aborts a run in progress; `Paused` lets it finish.
    pub fn set_desired(&self, key: &str, desired: DesiredState) -> Result<(), ControlError> {
        let entry = self.entry(key)?;
        {
            let mut rt = entry.rt();
            if rt.desired != Some(desired) && desired == DesiredState::Running {
                rt.clear_failures = true;
            }
            rt.desired = Some(desired);
            if desired != DesiredState::Running {
                rt.next_run = None;
            }
        }
        if desired == DesiredState::Stopped {
            entry.abort_current();
        }
        entry.wake.notify_one();
        Ok(())
    }

    /// Aborts a run in progress, forgets the failure backoff, and runs on
    /// schedule again (a loop service at once).
    pub fn restart(&self, key: &str) -> Result<(), ControlError> {
        let entry = self.entry(key)?;
        entry.abort_current();
        {
            let mut rt = entry.rt();
            rt.desired = Some(DesiredState::Running);
            rt.clear_failures = true;
        }
        entry.wake.notify_one();
        Ok(())
    }

    /// Runs the service once now, whatever its state; refused while a run is
    /// in progress.
    pub fn run_now(&self, key: &str) -> Result<(), ControlError> {
        let entry = self.entry(key)?;
        if entry.rt().running || entry.run_requested.swap(true, Ordering::AcqRel) {
            return Err(ControlError::AlreadyRunning);
        }
        entry.wake.notify_one();
        Ok(())
    }
}

async fn supervise(entry: Arc<Entry>, db: Db) {
    let key = entry.spec.key.clone();
    // The state chosen earlier for this key; running when none (or when the
    // store cannot say: a service must not stay off by accident).
    let lookup = key.clone();
    let stored = db
        .read(move |conn| super::store::desired(conn, &lookup))
        .await
        .unwrap_or_else(|err: crate::db::StoreError| {
            tracing::warn!(service = %lookup_key(&entry), error = %err, "cannot read the service's stored state");
            None
        });
    {
        let mut rt = entry.rt();
        if rt.desired.is_none() {
            rt.desired = Some(stored.unwrap_or(DesiredState::Running));
        }
    }
    loop {
        let now = Utc::now();
        let due = {
            let mut rt = entry.rt();
            if std::mem::take(&mut rt.clear_failures) {
                rt.consecutive_failures = 0;
            }
            let due = match rt.desired.unwrap_or(DesiredState::Running) {
                DesiredState::Running if rt.consecutive_failures > 0 => {
                    let wait = entry.spec.backoff.delay(rt.consecutive_failures);
                    let since = rt.last_finished.unwrap_or(now);
                    chrono::Duration::from_std(wait).ok().map(|w| since + w)
                }
                DesiredState::Running => entry.spec.trigger.next_after(
                    now,
                    rt.last_started,
                    rt.last_finished,
                    rt.registered_at.unwrap_or(now),
                ),
                DesiredState::Paused | DesiredState::Stopped => None,
            };
            rt.next_run = due;
            due
        };
        if !entry.run_requested.swap(false, Ordering::AcqRel) {
            match due {
                Some(at) => {
                    let wait = (at - now).to_std().unwrap_or(Duration::ZERO);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = entry.wake.notified() => continue,
                    }
                }
                None => {
                    entry.wake.notified().await;
                    continue;
                }
            }
        }
        run_once(&entry, &db).await;
    }
}

fn lookup_key(entry: &Entry) -> &str {
    &entry.spec.key
}

async fn run_once(entry: &Arc<Entry>, db: &Db) {
    let started = Utc::now();
    let clock = std::time::Instant::now();
    {
        let mut rt = entry.rt();
        rt.running = true;
        rt.last_started = Some(started);
        rt.next_run = None;
    }
    let ctx = RunContext {
        key: entry.spec.key.clone(),
        db: db.clone(),
    };
    let run = (entry.spec.run)(ctx);
    let task = tokio::spawn(run);
    *entry.current.lock().unwrap_or_else(|p| p.into_inner()) = Some(task.abort_handle());
    let outcome = task.await;
    entry
        .current
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    let key = &entry.spec.key;
    let mut rt = entry.rt();
    rt.running = false;
    rt.last_finished = Some(Utc::now());
    rt.last_duration_ms = Some(clock.elapsed().as_millis() as u64);
    let error = match outcome {
        Ok(Ok(report)) => {
            rt.runs += 1;
            rt.consecutive_failures = 0;
            rt.last_success = rt.last_finished;
            rt.last_message = report.message;
            tracing::debug!(service = %key, items = report.items, "service run done");
            None
        }
        Ok(Err(message)) => Some(message),
        Err(join) if join.is_panic() => {
            let payload = join.into_panic();
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Some(format!("panicked: {text}"))
        }
        Err(_) => {
            // Aborted by stop or restart: not a failure of the service.
            rt.last_message = Some("run aborted".into());
            None
        }
    };
    if let Some(message) = error {
        rt.runs += 1;
        rt.failures += 1;
        rt.consecutive_failures += 1;
        let retry = entry.spec.backoff.delay(rt.consecutive_failures);
        tracing::error!(
            service = %key,
            error = %message,
            consecutive_failures = rt.consecutive_failures,
            retry_in_s = retry.as_secs_f64(),
            "service run failed"
        );
        rt.last_error = Some(message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let b = Backoff {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(10),
        };
        let waits: Vec<u64> = (1..=6).map(|n| b.delay(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 10, 10]);
    }

    #[test]
    fn cron_triggers_compute_the_next_run() {
        let t = Trigger::Cron("0 30 2 * * *".into());
        let now = DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let next = t.next_after(now, None, None, now).unwrap();
        assert_eq!(next.to_rfc3339(), "2026-11-28T02:30:00+00:00");
        assert!(Trigger::parse_cron("not a cron").is_err());
        // Five fields (no seconds) work too.
        assert!(Trigger::parse_cron("17 * * * *").is_ok());
    }
}
