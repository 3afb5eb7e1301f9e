//! The platform's own mail: its sender (the platform admin's), one-time
//! links to set a password (invitations by who may edit the user; resets
//! by anyone who knows the address, answered alike whether it exists),
//! and the mails' wording in the user's language.

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde_json::json;

use super::error::PlatformMailError;
use super::model::{
    Invitation, LatestInvitation, MailKind, PlatformSender, SenderInput, SenderState,
};
use super::store::{self, NewMail, NewToken, SenderRow};
use crate::audit::{self, Actor};
use crate::auth::service::RevokeReason;
use crate::auth::{Principal, policy, tokens};
use crate::db::now;
use crate::ids::UserId;
use crate::mail::model::Security;
use crate::mail::secrets::Sealer;
use crate::mail::smtp::{self, SendError, SmtpSettings};
use crate::net::HostPolicy;
use crate::users::{Locale, User};
use crate::validation::{self, Invalid, optional_text};

/// Context of the sealed sender password.
pub const SECRET_CONTEXT: &str = "platform-smtp";
/// Context of a queued mail's sealed link token.
pub const LINK_CONTEXT: &str = "platform-link";
/// Recorded when no sender is set up at sending time.
pub const NO_SENDER: &str = "no platform sender is set up";
/// Recorded when the link was used or replaced before its mail went out.
pub const LINK_VOID: &str = "the link was used, replaced or has expired; the mail was not sent";

fn answer(row: SenderRow) -> PlatformSender {
    PlatformSender {
        smtp_host: row.smtp_host,
        smtp_port: row.smtp_port,
        smtp_security: row.smtp_security,
        smtp_tls_verify: row.smtp_tls_verify,
        smtp_username: row.smtp_username,
        has_password: row.smtp_password_sealed.is_some_and(|s| !s.is_empty()),
        from_address: row.from_address,
        from_name: row.from_name,
        updated_at: row.updated_at,
    }
}

pub fn get_sender(
    conn: &Connection,
    who: &Principal,
    public_url: Option<&str>,
) -> Result<SenderState, PlatformMailError> {
    policy::manage_platform_mail(who)?;
    Ok(SenderState {
        sender: store::sender(conn)?.map(answer),
        public_url: public_url.map(str::to_string),
    })
}

fn default_port(security: Security) -> u16 {
    match security {
        Security::Tls => 465,
        Security::Starttls => 587,
        Security::Plain => 25,
    }
}

/// Saves the sender (the password sealed; omitted: the stored one kept).
pub fn save_sender(
    conn: &Connection,
    who: &Principal,
    sealer: &Sealer,
    hosts: &HostPolicy,
    public_url: Option<&str>,
    input: SenderInput,
) -> Result<SenderState, PlatformMailError> {
    policy::manage_platform_mail(who)?;
    let smtp_host = crate::mail::service::host("smtp_host", &input.smtp_host)?;
    if !crate::mail::fetcher::security_allowed(hosts, input.smtp_security, &smtp_host) {
        return Err(Invalid::new(
            "smtp_security",
            "plain connections go only to hosts the platform admin allowed \
             (mail_allowed_hosts); use tls or starttls",
        )
        .into());
    }
    let before = store::sender(conn)?;
    let sealed = match input.smtp_password.as_deref() {
        None => before.and_then(|b| b.smtp_password_sealed),
        Some("") => None,
        Some(p) => Some(sealer.seal(
            SECRET_CONTEXT,
            &crate::mail::service::password("smtp_password", p)?,
        )?),
    };
    let row = SenderRow {
        smtp_port: crate::mail::service::port(
            input.smtp_port,
            default_port(input.smtp_security),
            "smtp_port",
        )?,
        smtp_host,
        smtp_security: input.smtp_security,
        smtp_tls_verify: input.smtp_tls_verify.unwrap_or(true),
        smtp_username: optional_text(
            "smtp_username",
            input.smtp_username.as_deref().unwrap_or(""),
            200,
            false,
        )?,
        smtp_password_sealed: sealed,
        from_address: validation::email("from_address", &input.from_address)?,
        from_name: optional_text(
            "from_name",
            input.from_name.as_deref().unwrap_or(""),
            100,
            false,
        )?,
        updated_at: now(),
    };
    store::save_sender(conn, &row, who.user_id)?;
    audit::record(
        conn,
        &Actor::from(who),
        "platform-sender.save",
        "platform_sender",
        Some(1),
        None,
        json!({ "smtp_host": row.smtp_host, "from_address": row.from_address }),
    )?;
    get_sender(conn, who, public_url)
}

/// How to send as the platform: the SMTP settings (password opened) and
/// the From.
pub struct PlatformSmtp {
    pub settings: SmtpSettings,
    pub from_address: String,
    pub from_name: String,
}

/// The saved sender's settings; `None` without a sender, `Some(Err)` when
/// they cannot be used (the password does not open).
pub fn smtp_settings(
    conn: &Connection,
    sealer: &Sealer,
) -> Result<Option<Result<PlatformSmtp, SendError>>, PlatformMailError> {
    let Some(row) = store::sender(conn)? else {
        return Ok(None);
    };
    let password = match row.smtp_password_sealed {
        Some(sealed) if !sealed.is_empty() => match sealer.open(SECRET_CONTEXT, &sealed) {
            Ok(p) => Some(p),
            Err(e) => {
                return Ok(Some(Err(SendError::permanent(format!(
                    "SMTP password: {e}"
                )))));
            }
        },
        _ => None,
    };
    let security = match row.smtp_security {
        Security::Tls => smtp::Security::Tls,
        Security::Starttls => smtp::Security::StartTls,
        Security::Plain => smtp::Security::Plain,
    };
    let from_name = if row.from_name.is_empty() {
        "zezaro".to_string()
    } else {
        row.from_name
    };
    Ok(Some(Ok(PlatformSmtp {
        settings: SmtpSettings {
            host: row.smtp_host,
            port: row.smtp_port,
            security,
            tls_verify: row.smtp_tls_verify,
            username: row.smtp_username,
            password,
        },
        from_address: row.from_address,
        from_name,
    })))
}

/// A new link for `user`: the user's open links voided, the token's hash
/// stored, the mail queued with the token sealed. The token itself leaves
/// this function only sealed.
fn new_link(
    conn: &Connection,
    sealer: &Sealer,
    user: &User,
    kind: MailKind,
    created_by: Option<UserId>,
) -> Result<i64, PlatformMailError> {
    let at_time = Utc::now();
    let at = crate::sla::clock::stamp(at_time);
    store::void_open_tokens(conn, user.id, &at)?;
    let token = tokens::random_token();
    let expires_at = crate::sla::clock::stamp(at_time + kind.purpose().lifetime());
    let token_id = store::insert_token(
        conn,
        &NewToken {
            user_id: user.id,
            purpose: kind.purpose(),
            token_hash: &tokens::token_hash(&token),
            expires_at: &expires_at,
            created_at: &at,
            created_by,
        },
    )?;
    let sealed = sealer.seal(LINK_CONTEXT, &token)?;
    Ok(store::insert_mail(
        conn,
        &NewMail {
            kind,
            user_id: user.id,
            token_id,
            link_sealed: &sealed,
            to_address: &user.email,
            at: &at,
        },
    )?)
}

/// Sends `user_id` an invitation: a one-time link (72 h) to set their
/// password. Who may edit the user may invite them.
pub fn invite(
    conn: &Connection,
    who: &Principal,
    sealer: &Sealer,
    public_url: Option<&str>,
    user_id: UserId,
) -> Result<Invitation, PlatformMailError> {
    let user = store_user(conn, who, user_id)?;
    policy::invite_user(who, user.as_ref())?;
    if !user.active {
        return Err(PlatformMailError::UserInactive);
    }
    if !store::has_sender(conn)? {
        return Err(PlatformMailError::NoSender);
    }
    if public_url.is_none() {
        return Err(PlatformMailError::NoPublicUrl);
    }
    let id = new_link(conn, sealer, &user, MailKind::Invitation, who.user_id)?;
    audit::record(
        conn,
        &Actor::from(who),
        "user.invite",
        "user",
        Some(user.id.get()),
        user.client_id,
        json!({ "email": user.email }),
    )?;
    store::mail(conn, id)?.ok_or(PlatformMailError::NoInvitation)
}

/// A user `who` sees. Roles that manage no users are refused before any
/// look-up (as for editing), so nothing about the target is revealed.
fn store_user(conn: &Connection, who: &Principal, id: UserId) -> Result<User, PlatformMailError> {
    if !who.permissions().manage_users {
        return Err(policy::Denied::Forbidden.into());
    }
    crate::users::store::get_visible(conn, &policy::user_visibility(who), id)?
        .ok_or(PlatformMailError::UserNotFound)
}

/// The user's latest invitation and where it stands.
pub fn latest_invitation(
    conn: &Connection,
    who: &Principal,
    user_id: UserId,
) -> Result<LatestInvitation, PlatformMailError> {
    let user = store_user(conn, who, user_id)?;
    policy::invite_user(who, user.as_ref())?;
    Ok(LatestInvitation {
        invitation: store::latest_invitation(conn, user.id)?,
    })
}

/// "Forgot password": queues a reset link (1 h) when `email` is an active
/// user's and mail can go out; otherwise nothing. The caller answers the
/// same either way. `Some(mail id)` when one was queued.
pub fn request_reset(
    conn: &Connection,
    sealer: &Sealer,
    public_url: Option<&str>,
    email: &str,
    ip: Option<&str>,
) -> Result<Option<i64>, PlatformMailError> {
    let Some(user) = crate::users::store::by_email(conn, email)? else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
    if public_url.is_none() || !store::has_sender(conn)? {
        tracing::warn!(
            "a password reset was asked for, but no platform sender or public_url is set up"
        );
        return Ok(None);
    }
    let id = new_link(conn, sealer, &user, MailKind::PasswordReset, None)?;
    let actor = Actor {
        user_id: None,
        email: Some(user.email.clone()),
        ip: ip.map(str::to_string),
    };
    audit::record(
        conn,
        &actor,
        "user.password-reset-request",
        "user",
        Some(user.id.get()),
        user.client_id,
        json!({}),
    )?;
    Ok(Some(id))
}

/// The user an open link belongs to, or why it is not open.
pub fn check_token(
    conn: &Connection,
    token: &str,
) -> Result<(store::TokenRow, User), PlatformMailError> {
    let row = store::token_by_hash(conn, &tokens::token_hash(token.trim()))?
        .ok_or(PlatformMailError::TokenInvalid)?;
    if row.used_at.is_some() {
        return Err(PlatformMailError::TokenUsed);
    }
    if row.voided_at.is_some() {
        return Err(PlatformMailError::TokenInvalid);
    }
    if row.expires_at.as_str() <= now().as_str() {
        return Err(PlatformMailError::TokenExpired);
    }
    let user = crate::users::store::get(conn, row.user_id)?
        .filter(|u| u.active)
        .ok_or(PlatformMailError::TokenInvalid)?;
    Ok((row, user))
}

/// Sets the password through the open link `token` (checked again inside
/// the write): the link used, the user's other links voided, every session
/// and API token of the user ended, audited.
pub fn set_password(
    conn: &Connection,
    token: &str,
    password_hash: &str,
    ip: Option<&str>,
) -> Result<(), PlatformMailError> {
    let (row, user) = check_token(conn, token)?;
    let at = now();
    if !store::use_token(conn, row.id, &at)? {
        return Err(PlatformMailError::TokenUsed);
    }
    store::void_open_tokens(conn, user.id, &at)?;
    crate::users::store::set_password(conn, user.id, password_hash)?;
    let actor = Actor {
        user_id: Some(user.id),
        email: Some(user.email.clone()),
        ip: ip.map(str::to_string),
    };
    crate::auth::service::revoke_credentials(
        conn,
        &actor,
        user.id,
        user.client_id,
        RevokeReason::PasswordReset,
        None,
    )?;
    audit::record(
        conn,
        &actor,
        "user.password-set",
        "user",
        Some(user.id.get()),
        user.client_id,
        json!({ "by": row.purpose.as_str() }),
    )?;
    Ok(())
}

/// The stable code of a recorded failure: ours, else the SMTP ones.
pub fn failure_code(message: &str) -> &'static str {
    if message.starts_with(NO_SENDER) {
        "no-sender"
    } else if message.starts_with(LINK_VOID) {
        "link-void"
    } else {
        smtp::failure_code(message)
    }
}

/// Subject and text of a mail in the user's language (German unless they
/// chose English), the link's end in UTC.
pub fn render(
    kind: MailKind,
    locale: Option<Locale>,
    name: &str,
    link: &str,
    expires_at: &str,
) -> (String, String) {
    let expires = DateTime::parse_from_rfc3339(expires_at)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|_| Utc::now());
    match (kind, locale.unwrap_or(Locale::De)) {
        (MailKind::Invitation, Locale::De) => (
            "Ihre Einladung zu zezaro".into(),
            format!(
                "Hallo {name},\n\nSie wurden zu zezaro eingeladen. Legen Sie über diesen Link Ihr \
                 Passwort fest:\n\n{link}\n\nDer Link gilt einmal und bis {} UTC. Haben Sie keine \
                 Einladung erwartet, können Sie diese E-Mail ignorieren.\n",
                expires.format("%d.%m.%Y, %H:%M")
            ),
        ),
        (MailKind::Invitation, Locale::En) => (
            "Your invitation to zezaro".into(),
            format!(
                "Hello {name},\n\nYou have been invited to zezaro. Set your password with this \
                 link:\n\n{link}\n\nThe link works once and until {} UTC. If you did not expect \
                 an invitation, you can ignore this e-mail.\n",
                expires.format("%-d %B %Y, %H:%M")
            ),
        ),
        (MailKind::PasswordReset, Locale::De) => (
            "Passwort für zezaro zurücksetzen".into(),
            format!(
                "Hallo {name},\n\njemand (hoffentlich Sie) hat ein neues Passwort für Ihr \
                 zezaro-Konto angefordert. Legen Sie es über diesen Link fest:\n\n{link}\n\nDer \
                 Link gilt einmal und bis {} UTC. Danach werden Sie überall abgemeldet. Haben Sie \
                 nichts angefordert, ignorieren Sie diese E-Mail; Ihr Passwort bleibt, wie es ist.\n",
                expires.format("%d.%m.%Y, %H:%M")
            ),
        ),
        (MailKind::PasswordReset, Locale::En) => (
            "Reset your zezaro password".into(),
            format!(
                "Hello {name},\n\nsomeone (hopefully you) asked for a new password for your \
                 zezaro account. Set it with this link:\n\n{link}\n\nThe link works once and until \
                 {} UTC. Afterwards you are signed out everywhere. If you did not ask for this, \
                 ignore this e-mail; your password stays as it is.\n",
                expires.format("%-d %B %Y, %H:%M")
            ),
        ),
    }
}

/// The link a mail carries.
pub fn link(public_url: &str, token: &str) -> String {
    format!(
        "{}/set-password?token={token}",
        public_url.trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mails_speak_the_users_language_and_carry_the_link() {
        let link = link("https://service.example.de/", "abc");
        assert_eq!(link, "https://service.example.de/set-password?token=abc");
        let (subject, body) = render(
            MailKind::Invitation,
            Some(Locale::De),
            "Anna",
            &link,
            "2026-12-08T13:05:00.000Z",
        );
        assert_eq!(subject, "Ihre Einladung zu zezaro");
        assert!(body.contains("08.12.2026, 13:05 UTC"), "{body}");
        assert!(body.contains(&link));
        let (subject, body) = render(
            MailKind::PasswordReset,
            Some(Locale::En),
            "Anna",
            &link,
            "2026-12-08T13:05:00.000Z",
        );
        assert_eq!(subject, "Reset your zezaro password");
        assert!(body.contains("8 December 2026, 13:05 UTC"), "{body}");
    }

    #[test]
    fn recorded_failures_have_codes() {
        assert_eq!(failure_code(NO_SENDER), "no-sender");
        assert_eq!(failure_code(LINK_VOID), "link-void");
        assert_eq!(
            failure_code("the connection to the SMTP server failed"),
            "smtp-connection"
        );
    }
}
