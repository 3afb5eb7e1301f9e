//! The registry of background services. Each registered service gets its own
//! supervisor task; each run is a task of its own, so a panic or an error in
//! one run never touches another service. A failed run is retried with
//! exponential backoff and shows as `failed` (in `/healthz`, too) until a run
//! succeeds again. Cron schedules are kept by one tokio-cron-scheduler
//! instance (the "clock"), whose ticks wake the supervisors.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use tokio::sync::{Notify, OnceCell};
use tokio::task::{AbortHandle, JoinHandle};
use tokio_cron_scheduler::{Job, JobScheduler};
use uuid::Uuid;

use super::model::{DesiredState, RunMessage, ServiceSchedule, ServiceState, ServiceStatus};
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
    /// The schedule as the API shows it (the UI words it).
    pub fn schedule(&self) -> ServiceSchedule {
        match self {
            Trigger::Cron(expr) => ServiceSchedule::Cron {
                expr: expr.trim().to_string(),
            },
            Trigger::Every(d) => ServiceSchedule::Interval {
                seconds: d.as_secs(),
            },
            Trigger::Loop => ServiceSchedule::Continuous,
        }
    }

    /// Checks a cron expression (five fields, or six with seconds first)
    /// with the parser tokio-cron-scheduler uses.
    pub fn parse_cron(expr: &str) -> Result<croner::Cron, String> {
        croner::parser::CronParser::builder()
            .seconds(croner::parser::Seconds::Required)
            .build()
            .parse(&with_seconds(expr))
            .map_err(|e| format!("invalid cron expression {expr:?}: {e}"))
    }

    /// The next run of an `Every` or `Loop` trigger (cron runs come from the
    /// clock).
    fn next_after(
        &self,
        now: DateTime<Utc>,
        last_started: Option<DateTime<Utc>>,
        last_finished: Option<DateTime<Utc>>,
        registered: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        match self {
            Trigger::Cron(_) => None,
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

/// tokio-cron-scheduler wants the seconds field: `17 * * * *` becomes
/// `0 17 * * * *`.
fn with_seconds(expr: &str) -> String {
    if expr.split_whitespace().count() == 5 {
        format!("0 {}", expr.trim())
    } else {
        expr.trim().to_string()
    }
}

/// What one run did, for the status page.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// Items handled (sessions purged, mails fetched, bytes backed up …).
    pub items: u64,
    /// What the status page says about the run.
    pub message: Option<RunMessage>,
}

impl RunReport {
    pub fn new(items: u64, message: RunMessage) -> RunReport {
        RunReport {
            items,
            message: Some(message),
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
    /// The English name (the UI names services by key).
    pub label: String,
    /// See [`ServiceStatus::subject`].
    pub subject: Option<String>,
    pub trigger: Trigger,
    pub backoff: Backoff,
    pub run: RunFn,
    /// Called in the transaction that stores an admin's choice of state, for
    /// services whose owner keeps a state of its own (a mailbox's `paused`).
    pub on_state: Option<StateHook>,
}

/// See [`ServiceSpec::on_state`].
pub type StateHook =
    Arc<dyn Fn(&Connection, DesiredState) -> Result<(), crate::db::StoreError> + Send + Sync>;

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
            subject: None,
            trigger,
            backoff: Backoff::default(),
            run: Arc::new(move |ctx| Box::pin(run(ctx))),
            on_state: None,
        }
    }

    pub fn with_state_hook(
        mut self,
        hook: impl Fn(&Connection, DesiredState) -> Result<(), crate::db::StoreError>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        self.on_state = Some(Arc::new(hook));
        self
    }

    pub fn with_subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
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
    last_message: Option<RunMessage>,
    /// Reset the failure backoff at the next scheduling (restart, start).
    clear_failures: bool,
}

struct Entry {
    spec: ServiceSpec,
    rt: Mutex<Runtime>,
    /// Control changes and run requests.
    wake: Notify,
    /// The clock's ticks (cron services).
    tick: Notify,
    /// The service's job in the clock (cron services).
    job: Mutex<Option<Uuid>>,
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

    /// A tick of the cron clock: runs the service unless it is paused,
    /// stopped, backing off or still busy with the last run (then the tick
    /// is skipped, never queued).
    fn cron_tick(&self) {
        let rt = self.rt();
        let due = rt.desired.unwrap_or(DesiredState::Running) == DesiredState::Running
            && rt.consecutive_failures == 0
            && !rt.running;
        drop(rt);
        if due {
            self.tick.notify_one();
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
            subject: self.spec.subject.clone(),
            schedule: self.spec.trigger.schedule(),
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
            error_code: rt
                .last_error
                .as_deref()
                .map(|e| super::error_code(e).to_string()),
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
    /// The cron clock, started with the first cron service.
    clock: Arc<OnceCell<JobScheduler>>,
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
                clock: Arc::new(OnceCell::new()),
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
            tick: Notify::new(),
            job: Mutex::new(None),
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
        let task = supervise(entry.clone(), db, self.inner.clock.clone());
        let join = self.spawn(task);
        *entry.supervisor.lock().unwrap_or_else(|p| p.into_inner()) = Some(join);
        Ok(())
    }

    fn spawn<F>(&self, task: F) -> JoinHandle<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match &self.inner.handle {
            Some(handle) => handle.spawn(task),
            None => tokio::spawn(task),
        }
    }

    /// Stops and removes a service (a deleted mailbox's fetcher). Its chosen
    /// state stays stored for the key.
    pub fn unregister(&self, key: &str) -> Result<(), ControlError> {
        let entry = self.entries().remove(key).ok_or(ControlError::NotFound)?;
        entry.abort_current();
        let job = entry.job.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let (Some(job), Some(clock)) = (job, self.inner.clock.get()) {
            let clock = clock.clone();
            self.spawn(async move {
                if let Err(err) = clock.remove(&job).await {
                    tracing::warn!(error = %err, "removing a cron job failed");
                }
            });
        }
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
        if let Some(clock) = self.inner.clock.get() {
            let mut clock = clock.clone();
            self.spawn(async move {
                let _ = clock.shutdown().await;
            });
        }
    }

    /// Asks for a run as soon as possible when the service is meant to run
    /// (new mail announced by IMAP IDLE, a mail queued for sending). A run
    /// in progress is followed by one more, so nothing that arrived during
    /// it waits for the schedule. Unknown keys are ignored.
    pub fn poke(&self, key: &str) {
        let Ok(entry) = self.entry(key) else { return };
        if entry.rt().desired.unwrap_or(DesiredState::Running) != DesiredState::Running {
            return;
        }
        entry.run_requested.store(true, Ordering::Release);
        entry.wake.notify_one();
    }

    /// A long-running (`Loop`) service reports from inside its run that it
    /// works: the line shows as its last message, and earlier failures no
    /// longer count (its state is `running` again). Unknown keys are ignored.
    pub fn report_progress(&self, key: &str, message: RunMessage) {
        let Ok(entry) = self.entry(key) else { return };
        let mut rt = entry.rt();
        rt.last_message = Some(message);
        rt.last_success = Some(Utc::now());
        rt.consecutive_failures = 0;
    }

    /// The service's state hook (see [`ServiceSpec::on_state`]).
    pub fn state_hook(&self, key: &str) -> Option<StateHook> {
        self.entry(key).ok()?.spec.on_state.clone()
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

/// Adds a cron service's job to the clock (started on first use); its ticks
/// wake the supervisor. The job holds the entry weakly, so an unregistered
/// service's entry goes away.
async fn schedule_on_clock(
    entry: &Arc<Entry>,
    expr: &str,
    clock: &OnceCell<JobScheduler>,
) -> Result<(), String> {
    let clock = clock
        .get_or_try_init(|| async {
            let clock = JobScheduler::new().await?;
            clock.start().await?;
            Ok::<_, tokio_cron_scheduler::JobSchedulerError>(clock)
        })
        .await
        .map_err(|err| format!("the cron clock did not start: {err}"))?;
    let weak = Arc::downgrade(entry);
    let job = Job::new_async(with_seconds(expr), move |_, _| {
        let weak = weak.clone();
        Box::pin(async move {
            if let Some(entry) = weak.upgrade() {
                entry.cron_tick();
            }
        })
    })
    .map_err(|err| format!("invalid cron expression {expr:?}: {err}"))?;
    let id = clock
        .add(job)
        .await
        .map_err(|err| format!("scheduling failed: {err}"))?;
    *entry.job.lock().unwrap_or_else(|p| p.into_inner()) = Some(id);
    Ok(())
}

/// When the supervisor runs the service next.
enum Wait {
    Until(DateTime<Utc>),
    /// The next tick of the clock.
    Tick,
    /// Only a control change or a run request.
    Idle,
}

async fn supervise(entry: Arc<Entry>, db: Db, clock: Arc<OnceCell<JobScheduler>>) {
    let key = entry.spec.key.clone();
    if let Trigger::Cron(expr) = &entry.spec.trigger
        && let Err(err) = schedule_on_clock(&entry, expr, &clock).await
    {
        tracing::error!(service = %key, error = %err, "cannot schedule the service");
        let mut rt = entry.rt();
        rt.last_error = Some(err);
        rt.consecutive_failures = rt.consecutive_failures.max(1);
    }
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
    let scheduled = entry
        .job
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .is_some();
    loop {
        let now = Utc::now();
        let wait = {
            let mut rt = entry.rt();
            if std::mem::take(&mut rt.clear_failures) {
                rt.consecutive_failures = 0;
            }
            let wait = match rt.desired.unwrap_or(DesiredState::Running) {
                DesiredState::Running if rt.consecutive_failures > 0 => {
                    let delay = entry.spec.backoff.delay(rt.consecutive_failures);
                    let since = rt.last_finished.unwrap_or(now);
                    match chrono::Duration::from_std(delay) {
                        Ok(delay) => Wait::Until(since + delay),
                        Err(_) => Wait::Idle,
                    }
                }
                DesiredState::Running if scheduled => Wait::Tick,
                DesiredState::Running => match entry.spec.trigger.next_after(
                    now,
                    rt.last_started,
                    rt.last_finished,
                    rt.registered_at.unwrap_or(now),
                ) {
                    Some(at) => Wait::Until(at),
                    None => Wait::Idle,
                },
                DesiredState::Paused | DesiredState::Stopped => Wait::Idle,
            };
            rt.next_run = match wait {
                Wait::Until(at) => Some(at),
                Wait::Tick | Wait::Idle => None,
            };
            wait
        };
        if let Wait::Tick = wait {
            let job = *entry.job.lock().unwrap_or_else(|p| p.into_inner());
            if let (Some(job), Some(clock)) = (job, clock.get()) {
                // The scheduler's handle is a cheap clone; this call wants it `mut`.
                let mut clock = clock.clone();
                let next = clock.next_tick_for_job(job).await.ok().flatten();
                entry.rt().next_run = next;
            }
        }
        if !entry.run_requested.swap(false, Ordering::AcqRel) {
            match wait {
                Wait::Until(at) => {
                    let delay = (at - now).to_std().unwrap_or(Duration::ZERO);
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = entry.wake.notified() => continue,
                    }
                }
                Wait::Tick => {
                    tokio::select! {
                        _ = entry.tick.notified() => {}
                        _ = entry.wake.notified() => continue,
                    }
                }
                Wait::Idle => {
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
            rt.last_message = Some(RunMessage::new("run.aborted"));
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
    fn cron_expressions_take_five_or_six_fields() {
        assert!(Trigger::parse_cron("0 30 2 * * *").is_ok());
        assert!(Trigger::parse_cron("17 * * * *").is_ok());
        assert_eq!(with_seconds("17 * * * *"), "0 17 * * * *");
        assert_eq!(with_seconds("0 30 2 * * *"), "0 30 2 * * *");
        assert!(Trigger::parse_cron("not a cron").is_err());
        assert!(Trigger::parse_cron("61 * * * * *").is_err());
    }

    /// The clock runs a cron service on its ticks, shows the next tick, and
    /// skips ticks while the service is paused.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cron_services_run_on_the_clock() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = crate::db::Db::open(dir.path()).unwrap();
        let registry = Registry::new(db);
        let runs = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = runs.clone();
        registry
            .register(ServiceSpec::new(
                "test.cron",
                "every second",
                Trigger::Cron("* * * * * *".into()),
                move |_| {
                    let counter = counter.clone();
                    async move {
                        counter.fetch_add(1, Ordering::SeqCst);
                        Ok(RunReport::default())
                    }
                },
            ))
            .unwrap();
        tokio::time::sleep(Duration::from_millis(3500)).await;
        let ran = runs.load(Ordering::SeqCst);
        assert!((2..=5).contains(&ran), "ran {ran} times in 3.5 s");
        let status = registry.status("test.cron").unwrap();
        assert!(status.next_run_at.is_some(), "{status:?}");
        registry
            .set_desired("test.cron", DesiredState::Paused)
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let paused_at = runs.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(runs.load(Ordering::SeqCst), paused_at, "ran while paused");
        registry.shutdown();
    }
}
