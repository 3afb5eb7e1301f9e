use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a service is doing, as shown to admins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ServiceState {
    /// Runs on its schedule.
    Running,
    /// Scheduled runs are skipped until resumed; "run now" still works.
    Paused,
    /// The last run(s) failed; retried with backoff.
    Failed,
    /// Off: no runs, a run in progress was aborted.
    Stopped,
}

/// The state an admin chose; stored, survives restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DesiredState {
    Running,
    Paused,
    Stopped,
}

impl DesiredState {
    pub fn as_str(self) -> &'static str {
        match self {
            DesiredState::Running => "running",
            DesiredState::Paused => "paused",
            DesiredState::Stopped => "stopped",
        }
    }

    pub fn parse(s: &str) -> Option<DesiredState> {
        match s {
            "running" => Some(DesiredState::Running),
            "paused" => Some(DesiredState::Paused),
            "stopped" => Some(DesiredState::Stopped),
            _ => None,
        }
    }
}

/// When a service runs, as data: the UI describes it in the reader's
/// language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ServiceSchedule {
    /// A cron expression in UTC (six fields, seconds first, or five).
    Cron { expr: String },
    /// At a fixed interval.
    Interval { seconds: u64 },
    /// Runs again right after a run ends.
    Continuous,
}

/// A number or a name inside a [`RunMessage`].
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Param {
    Number(f64),
    Text(String),
}

/// What a run reported: a stable code the UI translates
/// (`services.result.<code>`) and the numbers and names it speaks of; the
/// count the wording's plural follows is `n`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RunMessage {
    /// E.g. `sessions.purged`.
    pub code: String,
    pub params: BTreeMap<String, Param>,
}

impl RunMessage {
    pub fn new(code: &str) -> RunMessage {
        RunMessage {
            code: code.to_string(),
            params: BTreeMap::new(),
        }
    }

    /// Adds a count or another number.
    pub fn num(mut self, name: &str, value: impl Into<f64>) -> RunMessage {
        self.params
            .insert(name.to_string(), Param::Number(value.into()));
        self
    }

    /// Adds a name (a file, a replica target).
    pub fn text(mut self, name: &str, value: impl Into<String>) -> RunMessage {
        self.params
            .insert(name.to_string(), Param::Text(value.into()));
        self
    }
}

/// One background service.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceStatus {
    /// Stable; the UI names the service by it (`services.name.<key>`).
    pub key: String,
    /// The English name, for logs and for keys the UI does not know.
    pub label: String,
    /// What the service works on when its key has a number in it (a mail
    /// fetcher's mailbox: `support@example.com (Support)`).
    pub subject: Option<String>,
    pub schedule: ServiceSchedule,
    pub state: ServiceState,
    pub desired: DesiredState,
    /// A run is in progress.
    pub busy: bool,
    pub last_run_at: Option<String>,
    pub last_success_at: Option<String>,
    pub last_duration_ms: Option<u64>,
    pub next_run_at: Option<String>,
    /// Runs since the server started (successful and failed).
    pub runs: u64,
    pub failures: u64,
    pub consecutive_failures: u32,
    /// The last failure's own words (a server's answer, a path), for the log
    /// and English readers.
    pub last_error: Option<String>,
    /// Its stable code (`error_code`), which the UI words in the reader's
    /// language: `store-busy`, `disk-full`, `permission-denied`,
    /// `missing-file`, a mail code (`smtp-…`, `host-…`) or `other`.
    pub error_code: Option<String>,
    /// What the last successful run reported.
    pub last_message: Option<RunMessage>,
}

/// A control action on a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Start,
    Stop,
    Pause,
    Resume,
    Restart,
    Run,
}

impl Action {
    pub fn parse(s: &str) -> Option<Action> {
        match s {
            "start" => Some(Action::Start),
            "stop" => Some(Action::Stop),
            "pause" => Some(Action::Pause),
            "resume" => Some(Action::Resume),
            "restart" => Some(Action::Restart),
            "run" => Some(Action::Run),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Stop => "stop",
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::Restart => "restart",
            Action::Run => "run",
        }
    }

    /// The state the action chooses; `None`: it changes no stored state.
    pub fn desired(self) -> Option<DesiredState> {
        match self {
            Action::Start | Action::Resume | Action::Restart => Some(DesiredState::Running),
            Action::Stop => Some(DesiredState::Stopped),
            Action::Pause => Some(DesiredState::Paused),
            Action::Run => None,
        }
    }
}

crate::db::text_enum!(DesiredState);
