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

/// One background service.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceStatus {
    pub key: String,
    pub label: String,
    /// `cron 0 30 2 * * * (UTC)`, `every 60 s`, `continuous`.
    pub schedule: String,
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
    pub last_error: Option<String>,
    /// What the last successful run reported.
    pub last_message: Option<String>,
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
