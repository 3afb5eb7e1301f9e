//! Text modules (Textbausteine): short answers with placeholders, inserted
//! into replies by their shortcut (`::shortcut` in the composer).

use crate::ids::{ClientId, ProjectId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use crate::knowledge::model::Language;

/// `draft`: editors only; `published`: every agent of its projects, at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = TextModuleState)]
pub enum State {
    Draft,
    Published,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Published => "published",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        match text {
            "draft" => Some(State::Draft),
            "published" => Some(State::Published),
            _ => None,
        }
    }
}

/// A file attached to the reply when the module is inserted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TextModuleAttachment {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: String,
}

/// How often the module was inserted.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct UsageCounts {
    pub total: i64,
    /// In the last 30 days (today included).
    pub last_30_days: i64,
    /// The day it was last inserted (UTC date), if ever.
    pub last_used_on: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TextModule {
    pub id: i64,
    pub client_id: ClientId,
    /// Typed after `::` in the composer (lower case).
    pub shortcut: String,
    pub language: Language,
    pub title: String,
    /// Plain text with `{{placeholders}}`.
    pub body: String,
    pub state: State,
    /// Limited to `project_ids` (when they were all deleted: to no project);
    /// otherwise the module serves all projects of the client.
    pub limited: bool,
    pub project_ids: Vec<ProjectId>,
    pub attachments: Vec<TextModuleAttachment>,
    /// The placeholders the body uses that are not known (shown to editors).
    pub unknown_placeholders: Vec<String>,
    pub usage: UsageCounts,
    pub created_by: Option<UserId>,
    pub created_at: String,
    pub updated_by: Option<UserId>,
    pub updated_at: String,
    pub published_by: Option<UserId>,
    pub published_at: Option<String>,
    /// Set on a deleted module (listed with `deleted=true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub deleted_at: Option<String>,
}

/// A published module as the composer's picker needs it: small, so that a
/// client's whole list (5,000 modules) loads once and is filtered in the
/// browser (docs/benchmarks.md).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TextModulePick {
    pub id: i64,
    pub shortcut: String,
    pub language: Language,
    pub title: String,
    /// The first characters of the body, placeholders unfilled.
    pub preview: String,
    /// How many files inserting it attaches.
    pub attachments: i64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTextModule {
    pub client_id: ClientId,
    /// Letters, digits, `-`, `_`, `.`; stored in lower case.
    #[schema(max_length = 40)]
    pub shortcut: String,
    pub language: Language,
    #[schema(max_length = 200)]
    pub title: String,
    #[schema(max_length = 20000)]
    pub body: String,
    /// Projects of the client it is limited to; empty or absent: all.
    #[serde(default)]
    pub project_ids: Vec<ProjectId>,
}

/// Absent fields stay. A published module stays published: the change is
/// live at once.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextModulePatch {
    #[schema(max_length = 40)]
    pub shortcut: Option<String>,
    pub language: Option<Language>,
    #[schema(max_length = 200)]
    pub title: Option<String>,
    #[schema(max_length = 20000)]
    pub body: Option<String>,
    /// Empty: all projects of the client.
    pub project_ids: Option<Vec<ProjectId>>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TextModuleQuery {
    pub client_id: ClientId,
    /// Client admins: the deleted modules instead of the live ones.
    pub deleted: Option<bool>,
}

/// One agent's insertions of a module on one day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TextModuleUsage {
    pub user_id: UserId,
    pub user_name: String,
    /// UTC date, `YYYY-MM-DD`.
    pub day: String,
    pub count: i64,
}

/// A file as a version of the module had it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TextModuleVersionFile {
    pub filename: String,
    pub content_type: String,
    pub size: i64,
}

/// One entry of a module's history (without the body; see
/// [`TextModuleVersion`]).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TextModuleVersionSummary {
    /// 1, 2, 3 … per module.
    pub number: i64,
    pub shortcut: String,
    pub language: Language,
    pub title: String,
    /// How many files it had.
    pub files: i64,
    pub saved_by: Option<UserId>,
    /// The saver's name (absent when the user is gone).
    pub saved_by_name: Option<String>,
    pub saved_at: String,
    /// The number of the version this one brought back.
    pub restored_from: Option<i64>,
    /// The newest version: what the module is now.
    pub current: bool,
}

/// A saved state of a module: what it was after one save.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TextModuleVersion {
    pub module_id: i64,
    pub number: i64,
    pub shortcut: String,
    pub language: Language,
    pub title: String,
    pub body: String,
    pub limited: bool,
    /// The projects it was limited to then (a project deleted since stays
    /// named; a restore leaves it out).
    pub project_ids: Vec<ProjectId>,
    pub attachments: Vec<TextModuleVersionFile>,
    pub saved_by: Option<UserId>,
    pub saved_by_name: Option<String>,
    pub saved_at: String,
    pub restored_from: Option<i64>,
    pub current: bool,
}

/// A module filled in for a case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RenderedTextModule {
    pub module_id: i64,
    pub shortcut: String,
    pub title: String,
    /// The body with every known placeholder filled; unknown and empty ones
    /// stay as written (`{{…}}`), so that nothing is dropped silently.
    pub text: String,
    /// Placeholders no value is known for (a misspelt name, a custom field
    /// the project does not have).
    pub unknown: Vec<String>,
    /// Known placeholders without a value for this case (e.g. no contact).
    pub empty: Vec<String>,
    /// The module's files, attached to the case (not yet to a message):
    /// send their ids in `attachment_ids` with the reply. Inserted again
    /// before the reply is sent, the module names the same attachments (the
    /// inserting agent's unsent ones with the same content, name and type),
    /// so a draft holds each file once.
    pub attachments: Vec<crate::cases::Attachment>,
}
