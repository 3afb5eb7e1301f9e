//! The platform sender and the platform's own mail: types and API shapes.
//! The SMTP password is write-only: no serialised type carries it, and no
//! type carries a link's token.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::UserId;
use crate::mail::model::Security;

/// The SMTP account the platform sends its own mail from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlatformSender {
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: Security,
    /// Check the server's certificate (off only for a self-signed one).
    pub smtp_tls_verify: bool,
    pub smtp_username: String,
    /// Whether a password is stored (it is never answered).
    pub has_password: bool,
    pub from_address: String,
    pub from_name: String,
    pub updated_at: String,
}

/// What the platform admin sees: the sender, or `null` when none is set
/// (then no invitation or reset mail can go out), and whether links can be
/// built (`public_url` in the configuration).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SenderState {
    pub sender: Option<PlatformSender>,
    /// The configured address users open zezaro at, which links name.
    pub public_url: Option<String>,
}

/// Saves the sender. `smtp_password`: omitted keeps the stored one, `""`
/// removes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SenderInput {
    #[schema(max_length = 253)]
    pub smtp_host: String,
    /// Default by security: 465 (tls), 587 (starttls), 25 (plain).
    #[schema(minimum = 1, maximum = 65535)]
    pub smtp_port: Option<u16>,
    pub smtp_security: Security,
    pub smtp_tls_verify: Option<bool>,
    #[schema(max_length = 200)]
    pub smtp_username: Option<String>,
    #[schema(max_length = 1000)]
    pub smtp_password: Option<String>,
    #[schema(max_length = 254)]
    pub from_address: String,
    #[schema(max_length = 100)]
    pub from_name: Option<String>,
}

/// A test mail to this address through the saved sender.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestMailInput {
    #[schema(max_length = 254)]
    pub to: String,
}

/// How the test mail went: sent, or the reason it did not.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TestMailResult {
    pub sent: bool,
    pub error: Option<String>,
    /// The stable code of `error` (as a delivery's `error_code`).
    pub error_code: Option<String>,
}

/// What a platform mail is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MailKind {
    Invitation,
    PasswordReset,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Invitation => "invitation",
            MailKind::PasswordReset => "password-reset",
        }
    }

    pub fn parse(s: &str) -> Option<MailKind> {
        match s {
            "invitation" => Some(MailKind::Invitation),
            "password-reset" => Some(MailKind::PasswordReset),
            _ => None,
        }
    }

    /// The purpose of the link the mail carries.
    pub fn purpose(self) -> Purpose {
        match self {
            MailKind::Invitation => Purpose::Invitation,
            MailKind::PasswordReset => Purpose::Reset,
        }
    }
}

/// What a one-time link is for (`password_tokens.purpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    Invitation,
    Reset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Invitation => "invitation",
            Purpose::Reset => "reset",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        match s {
            "invitation" => Some(Purpose::Invitation),
            "reset" => Some(Purpose::Reset),
            _ => None,
        }
    }

    /// How long a link lives: an invitation three days, a reset an hour.
    pub fn lifetime(self) -> chrono::Duration {
        match self {
            Purpose::Invitation => chrono::Duration::hours(72),
            Purpose::Reset => chrono::Duration::hours(1),
        }
    }
}

/// Where a platform mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MailState {
    Queued,
    Retrying,
    Sent,
    Failed,
}

impl MailState {
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Queued => "queued",
            MailState::Retrying => "retrying",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<MailState> {
        match s {
            "queued" => Some(MailState::Queued),
            "retrying" => Some(MailState::Retrying),
            "sent" => Some(MailState::Sent),
            "failed" => Some(MailState::Failed),
            _ => None,
        }
    }
}

crate::db::text_enum!(MailKind, Purpose, MailState);

/// An invitation (or reset) mail and its link, as the user screens show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Invitation {
    pub id: i64,
    pub user_id: UserId,
    pub kind: MailKind,
    /// `queued`, `retrying` (see `next_attempt_at`, `last_error`), `sent`
    /// or `failed` (send a new invitation).
    pub state: MailState,
    pub to_address: String,
    pub attempts: i64,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    /// The stable code of `last_error`: those of a delivery
    /// (`smtp-refused` …) or `no-sender` (no platform sender) and
    /// `link-void` (the link was used or replaced before the mail went
    /// out).
    pub error_code: Option<String>,
    pub sent_at: Option<String>,
    pub created_at: String,
    /// When the link stops working.
    pub expires_at: String,
    /// When the link was used (the password set).
    pub used_at: Option<String>,
}

/// A user's latest invitation, `null` when none was sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LatestInvitation {
    pub invitation: Option<Invitation>,
}

/// "Forgot password": the address to send a link to.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    #[schema(max_length = 254)]
    pub email: String,
}

/// A one-time link to look at before setting a password.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkCheck {
    #[schema(max_length = 100)]
    pub token: String,
}

/// Whom an open link is for, so the page can say it before the password
/// is typed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PasswordLink {
    pub email: String,
    pub name: String,
    /// `invitation` or `reset`.
    pub purpose: Purpose,
    pub expires_at: String,
}

/// A new password through a one-time link.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPassword {
    #[schema(max_length = 100)]
    pub token: String,
    #[schema(max_length = 256)]
    pub password: String,
}
