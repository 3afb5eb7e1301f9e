use crate::ids::{ClientId, ContactId, ProjectId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// What happens to personal data: cases stay without it, or go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Cases stay (countable, for reports and billing) without personal
    /// data: subjects, bodies, addresses, custom values, attachments.
    Anonymize,
    /// Cases are deleted with their threads, history, time and files.
    Delete,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Anonymize => "anonymize",
            Mode::Delete => "delete",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "anonymize" => Some(Mode::Anonymize),
            "delete" => Some(Mode::Delete),
            _ => None,
        }
    }
}

// Read loudly: an unknown mode in the store fails the read.
crate::db::text_enum!(Mode);

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseInput {
    pub mode: Mode,
}

/// The record of an erasure (never the erased data).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Erasure {
    pub id: i64,
    pub at: String,
    pub actor_id: Option<UserId>,
    pub actor_email: Option<String>,
    pub client_id: ClientId,
    /// The erased contact's former id.
    pub contact_id: ContactId,
    pub mode: Mode,
    pub contacts_erased: i64,
    pub cases_affected: i64,
    pub messages_affected: i64,
    pub attachments_removed: i64,
    pub blobs_removed: i64,
    /// Re-applied by `zezaro restore` from the erasure ledger (the backup
    /// was older than the erasure).
    pub replayed: bool,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ErasureQuery {
    /// Only this client's erasures.
    pub client_id: Option<ClientId>,
}

/// A project's retention rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RetentionRule {
    pub project_id: ProjectId,
    /// Closed cases older than this many months (after closing) …
    pub months: i64,
    /// … are anonymized or deleted.
    pub action: Mode,
    pub enabled: bool,
    pub updated_at: String,
    pub last_run_at: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionInput {
    /// 1–1200.
    #[schema(minimum = 1, maximum = 1200)]
    pub months: i64,
    pub action: Mode,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// What a retention run does (or would do) in one project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RetentionOutcome {
    pub project_id: ProjectId,
    pub project_key: String,
    pub months: i64,
    pub action: Mode,
    /// Cases closed before this time are affected.
    pub cutoff: String,
    pub cases: u64,
    pub messages: u64,
    pub attachments: u64,
    /// The first affected cases (up to 100), oldest closing first.
    pub sample: Vec<String>,
}

/// A retention run over all projects with a rule.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct RetentionReport {
    pub dry_run: bool,
    pub projects: Vec<RetentionOutcome>,
    pub cases: u64,
    pub blobs_removed: u64,
}
