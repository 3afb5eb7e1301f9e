use crate::ids::{ClientId, UserId};
use rusqlite::Connection;
use serde_json::json;

use super::LoginThrottle;
use super::error::AuthError;
use super::model::{
    ClientRef, LoginInput, Me, MyClient, MyProject, NewToken, PasswordChange, Principal,
    SessionAuth, TokenCreated, TokenInfo,
};
use super::store::{self, NewSession, PrincipalRow};
use super::{password, policy, strength, tokens};
use crate::audit::{self, Actor};
use crate::db::Db;
use crate::db::blocking;
use crate::validation::{Invalid, required_text};

/// Where a request came from, for sessions and the audit log.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub struct LoginOutcome {
    /// The session cookie's value; stored only as a hash.
    pub session_token: String,
    pub me: Me,
}

/// Checks the throttle, then the password (off the async threads), and opens
/// a session. Unknown accounts take as long as known ones.
pub async fn login(
    db: &Db,
    throttle: &LoginThrottle,
    session_hours: u32,
    input: LoginInput,
    client: ClientInfo,
) -> Result<LoginOutcome, AuthError> {
    let email = input.email.trim().to_lowercase();
    throttle
        .check(&email, client.ip.as_deref())
        .map_err(AuthError::Throttled)?;
    let lookup = email.clone();
    let record = db
        .read(move |conn| Ok::<_, AuthError>(store::login_record(conn, &lookup)?))
        .await?;
    let stored = record.as_ref().map(|(_, hash, _)| hash.clone());
    let password_ok = blocking(move || {
        let hash = stored.as_deref().unwrap_or(password::dummy_hash());
        Ok::<_, AuthError>(password::verify(&input.password, hash))
    })
    .await?;
    let user_id = match record {
        Some((id, _, true)) if password_ok => id,
        other => {
            throttle.record_failure(&email, client.ip.as_deref());
            let actor = Actor {
                user_id: None,
                email: Some(email.clone()),
                ip: client.ip.clone(),
            };
            let user_id = other.map(|(id, _, _)| id);
            db.write(move |tx| {
                audit::record(
                    tx,
                    &actor,
                    "auth.login-failed",
                    "user",
                    user_id.map(UserId::get),
                    None,
                    json!({}),
                )
            })
            .await?;
            return Err(AuthError::InvalidCredentials);
        }
    };
    throttle.record_success(&email, client.ip.as_deref());
    let session_token = tokens::random_token();
    let csrf_token = tokens::random_token();
    let token_hash = tokens::token_hash(&session_token);
    let hours = i64::from(session_hours);
    let me = db
        .write(move |tx| {
            let expires_at = (chrono::Utc::now() + chrono::Duration::hours(hours))
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            store::insert_session(
                tx,
                &NewSession {
                    token_hash: &token_hash,
                    user_id,
                    csrf_token: &csrf_token,
                    ip: client.ip.as_deref(),
                    user_agent: client.user_agent.as_deref(),
                    expires_at: &expires_at,
                },
            )?;
            let row = store::by_session(tx, &token_hash)?.ok_or(AuthError::Unauthenticated)?;
            let principal = principal(tx, row, true, client.ip.clone())?;
            // An agent starts in the client's sign-in state (workforce).
            crate::workforce::states::signed_in(tx, user_id)
                .map_err(|err| AuthError::Store(crate::db::StoreError::Task(err.to_string())))?;
            audit::record(
                tx,
                &Actor::from(&principal),
                "auth.login",
                "user",
                Some(user_id.get()),
                principal.client_id,
                json!({ "user_agent": client.user_agent }),
            )?;
            me(tx, &principal)
        })
        .await?;
    Ok(LoginOutcome { session_token, me })
}

pub fn logout(conn: &Connection, who: &Principal) -> Result<(), AuthError> {
    if let Some(session) = &who.session {
        store::delete_session(conn, session.session_id)?;
        // An agent's state ends in offline (workforce).
        if let Some(user_id) = who.user_id {
            crate::workforce::states::signed_out(conn, user_id)
                .map_err(|err| AuthError::Store(crate::db::StoreError::Task(err.to_string())))?;
        }
        audit::record(
            conn,
            &Actor::from(who),
            "auth.logout",
            "user",
            who.user_id.map(UserId::get),
            who.client_id,
            json!({}),
        )?;
    }
    Ok(())
}

/// Builds the principal for a session (`session == true`) or API token row.
pub fn principal(
    conn: &Connection,
    row: PrincipalRow,
    session: bool,
    ip: Option<String>,
) -> Result<Principal, AuthError> {
    let memberships = store::memberships(conn, row.user_id)?;
    Ok(Principal {
        user_id: Some(row.user_id),
        email: row.email,
        name: row.name,
        role: row.role,
        client_id: row.client_id,
        memberships,
        session: match (session, row.extra) {
            (true, Some(csrf_token)) => Some(SessionAuth {
                session_id: row.credential_id,
                csrf_token,
            }),
            _ => None,
        },
        ip,
    })
}

pub fn me(conn: &Connection, who: &Principal) -> Result<Me, AuthError> {
    let user = crate::users::store::get(conn, who.user()?)?.ok_or(AuthError::Unauthenticated)?;
    let client = match (user.client_id, &user.client_name) {
        (Some(id), Some(name)) => Some(ClientRef {
            id,
            name: name.clone(),
        }),
        _ => None,
    };
    let projects = crate::projects::store::list(conn, &policy::project_visibility(who))?
        .into_iter()
        .map(|p| {
            let membership = who.memberships.iter().find(|m| m.project_id == p.id);
            MyProject {
                member_role: membership.map(|m| m.role),
                edits_knowledge: membership.is_some_and(|m| m.edits_knowledge),
                provider_share: membership.and_then(|m| m.provider_share),
                can: policy::project_actions(
                    who,
                    policy::ProjectRef {
                        id: p.id,
                        client_id: p.client_id,
                    },
                ),
                id: p.id,
                name: p.name,
                key: p.key,
                client_id: p.client_id,
                client_name: p.client_name,
            }
        })
        .collect();
    let clients = crate::clients::store::list(conn, &policy::client_visibility(who))?
        .into_iter()
        .map(|c| MyClient {
            can: policy::client_actions(who, c.id),
            id: c.id,
            name: c.name,
        })
        .collect();
    Ok(Me {
        user,
        client,
        projects,
        clients,
        csrf_token: who.session.as_ref().map(|s| s.csrf_token.clone()),
        permissions: who.permissions(),
    })
}

pub fn list_tokens(conn: &Connection, who: &Principal) -> Result<Vec<TokenInfo>, AuthError> {
    Ok(store::tokens(conn, who.user()?)?)
}

/// Days a new token lives when the request names none.
pub const DEFAULT_TOKEN_DAYS: u32 = 365;
/// Longest expiry that may be asked for (ten years).
pub const MAX_TOKEN_DAYS: u32 = 3650;

/// Creates an API token for `user_id`; the clear token is returned once.
pub fn create_token(
    conn: &Connection,
    actor: &Actor,
    user_id: UserId,
    input: NewToken,
) -> Result<TokenCreated, AuthError> {
    let name = required_text("name", &input.name, 100)?;
    let days = input.expires_in_days.unwrap_or(DEFAULT_TOKEN_DAYS);
    if days > MAX_TOKEN_DAYS {
        return Err(Invalid::new(
            "expires_in_days",
            format!("must be at most {MAX_TOKEN_DAYS} (0: never expires)"),
        )
        .into());
    }
    let expires_at = (days > 0).then(|| {
        (chrono::Utc::now() + chrono::Duration::days(i64::from(days)))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    });
    let token = tokens::new_api_token();
    let (id, created_at) = store::insert_token(
        conn,
        user_id,
        &name,
        &tokens::token_hash(&token),
        expires_at.as_deref(),
    )?;
    audit::record(
        conn,
        actor,
        "token.create",
        "api_token",
        Some(id),
        None,
        json!({ "user_id": user_id, "name": name, "expires_at": expires_at }),
    )?;
    Ok(TokenCreated {
        id,
        name,
        token,
        created_at,
        expires_at,
    })
}

pub fn revoke_token(conn: &Connection, who: &Principal, token_id: i64) -> Result<(), AuthError> {
    delete_token_audited(
        conn,
        who,
        token_id,
        who.user()?,
        who.client_id,
        json!({ "user_id": who.user_id }),
    )
}

/// Deletes one token of `owner_id` and records who revoked it.
fn delete_token_audited(
    conn: &Connection,
    who: &Principal,
    token_id: i64,
    owner_id: UserId,
    owner_client_id: Option<ClientId>,
    details: serde_json::Value,
) -> Result<(), AuthError> {
    if !store::delete_token(conn, owner_id, token_id)? {
        return Err(AuthError::TokenNotFound);
    }
    audit::record(
        conn,
        &Actor::from(who),
        "token.revoke",
        "api_token",
        Some(token_id),
        owner_client_id,
        details,
    )?;
    Ok(())
}

/// The user whose tokens an admin manages, if the caller may: platform
/// admins any user, client admins the users of their client.
fn token_owner(
    conn: &Connection,
    who: &Principal,
    user_id: UserId,
) -> Result<crate::users::User, AuthError> {
    let user = crate::users::store::get_visible(conn, &policy::user_visibility(who), user_id)?
        .ok_or(AuthError::Denied(policy::Denied::NotFound))?;
    policy::manage_user_tokens(who, user.as_ref())?;
    Ok(user)
}

/// Another user's tokens, for their admin.
pub fn list_user_tokens(
    conn: &Connection,
    who: &Principal,
    user_id: UserId,
) -> Result<Vec<TokenInfo>, AuthError> {
    token_owner(conn, who, user_id)?;
    Ok(store::tokens(conn, user_id)?)
}

/// An admin revokes one of a user's tokens.
pub fn revoke_user_token(
    conn: &Connection,
    who: &Principal,
    user_id: UserId,
    token_id: i64,
) -> Result<(), AuthError> {
    let owner = token_owner(conn, who, user_id)?;
    delete_token_audited(
        conn,
        who,
        token_id,
        user_id,
        owner.client_id,
        json!({ "user_id": user_id, "email": owner.email }),
    )
}

/// Why all of a user's credentials are revoked (in the audit entry).
#[derive(Debug, Clone, Copy)]
pub enum RevokeReason {
    PasswordChanged,
    PasswordReset,
    Deactivated,
}

impl RevokeReason {
    fn as_str(self) -> &'static str {
        match self {
            RevokeReason::PasswordChanged => "password-changed",
            RevokeReason::PasswordReset => "password-reset",
            RevokeReason::Deactivated => "deactivated",
        }
    }
}

/// Revokes every API token and every session of a user but `keep_session`
/// (a self-service password change keeps the caller signed in), and
/// audits it.
pub fn revoke_credentials(
    conn: &Connection,
    actor: &Actor,
    user_id: UserId,
    client_id: Option<ClientId>,
    reason: RevokeReason,
    keep_session: Option<i64>,
) -> crate::db::StoreResult<()> {
    let tokens = store::delete_tokens_of(conn, user_id)?;
    let sessions = store::delete_sessions_of(conn, user_id, keep_session)?;
    audit::record(
        conn,
        actor,
        "credentials.revoke",
        "user",
        Some(user_id.get()),
        client_id,
        json!({ "reason": reason.as_str(), "tokens": tokens, "sessions": sessions }),
    )
}

/// Whether a token's `last_used_at` is old enough to be written again;
/// keeps every API call from turning into a write.
pub fn token_use_stale(last_used_at: Option<&str>) -> bool {
    match last_used_at.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()) {
        Some(at) => chrono::Utc::now().signed_duration_since(at) > chrono::Duration::minutes(5),
        None => true,
    }
}

/// Self-service password change: the current password must be right (a
/// wrong one counts as a failed login for the throttle), the new one must
/// pass `strength::check_new`. Every other session and every API token of
/// the user is revoked; the calling session stays.
pub async fn change_password(
    db: &Db,
    throttle: &LoginThrottle,
    who: Principal,
    input: PasswordChange,
) -> Result<(), AuthError> {
    throttle
        .check(&who.email, who.ip.as_deref())
        .map_err(AuthError::Throttled)?;
    let user_id = who.user()?;
    let (stored, user) = db
        .read(move |conn| {
            Ok::<_, AuthError>((
                crate::users::store::password_hash(conn, user_id)?,
                crate::users::store::get(conn, user_id)?,
            ))
        })
        .await?;
    let (Some(stored), Some(user)) = (stored, user) else {
        return Err(AuthError::Unauthenticated);
    };
    let PasswordChange {
        current_password,
        new_password,
    } = input;
    let (email, name) = (user.email.clone(), user.name.clone());
    let new_hash = blocking(move || {
        if !password::verify(&current_password, &stored) {
            return Ok(None);
        }
        strength::check_new("new_password", &new_password, &[&email, &name])?;
        Ok::<_, AuthError>(Some(password::hash(&new_password)))
    })
    .await?;
    let Some(new_hash) = new_hash else {
        throttle.record_failure(&who.email, who.ip.as_deref());
        let actor = Actor::from(&who);
        db.write(move |tx| {
            audit::record(
                tx,
                &actor,
                "auth.password-change-failed",
                "user",
                Some(user_id.get()),
                user.client_id,
                json!({}),
            )
        })
        .await?;
        return Err(AuthError::WrongPassword);
    };
    let keep_session = who.session.as_ref().map(|s| s.session_id);
    db.write(move |tx| {
        let user = crate::users::store::get(tx, user_id)?.ok_or(AuthError::Unauthenticated)?;
        crate::users::store::update(tx, &user, Some(&new_hash))?;
        let actor = Actor::from(&who);
        audit::record(
            tx,
            &actor,
            "user.password-change",
            "user",
            Some(user_id.get()),
            user.client_id,
            json!({}),
        )?;
        revoke_credentials(
            tx,
            &actor,
            user_id,
            user.client_id,
            RevokeReason::PasswordChanged,
            keep_session,
        )?;
        Ok::<_, AuthError>(())
    })
    .await
}
