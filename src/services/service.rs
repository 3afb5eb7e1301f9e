//! The rules of service control: who may, what is stored and audited.

use rusqlite::Connection;
use serde_json::json;

use super::StateHook;
use super::error::ServiceError;
use super::model::Action;
use super::store;
use crate::audit::{self, Actor};
use crate::auth::{Principal, policy};

/// Authorizes an action on a registered service and, for state changes,
/// stores the new state with its audit entry (same transaction). The caller
/// applies it to the registry after the commit.
pub fn control(
    conn: &Connection,
    who: &Principal,
    key: &str,
    registered: bool,
    action: &str,
    hook: Option<StateHook>,
) -> Result<Action, ServiceError> {
    policy::manage_services(who)?;
    if !registered {
        return Err(ServiceError::NotFound);
    }
    let action = Action::parse(action).ok_or_else(|| ServiceError::UnknownAction(action.into()))?;
    if let Some(desired) = action.desired() {
        store::set_desired(conn, key, desired)?;
        if let Some(hook) = hook {
            hook(conn, desired)?;
        }
    }
    audit::record(
        conn,
        &Actor::from(who),
        &format!("service.{}", action.as_str()),
        "service",
        None,
        None,
        json!({ "service": key }),
    )?;
    Ok(action)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::model::DesiredState;

    #[test]
    fn only_admins_change_services_and_the_choice_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = crate::db::Db::open(dir.path()).unwrap();
        let admin = Principal::operator();
        let action = db
            .write_blocking(|tx| control(tx, &admin, "sessions.purge", true, "pause", None))
            .unwrap();
        assert_eq!(action, Action::Pause);
        let stored = db
            .read_blocking(|conn| store::desired(conn, "sessions.purge"))
            .unwrap();
        assert_eq!(stored, Some(DesiredState::Paused));
        let bad =
            db.write_blocking(|tx| control(tx, &admin, "sessions.purge", true, "explode", None));
        assert!(matches!(bad, Err(ServiceError::UnknownAction(_))));
        let missing = db.write_blocking(|tx| control(tx, &admin, "nope", false, "pause", None));
        assert!(matches!(missing, Err(ServiceError::NotFound)));
        let mut agent = Principal::operator();
        agent.role = crate::auth::Role::Agent;
        let denied =
            db.write_blocking(|tx| control(tx, &agent, "sessions.purge", true, "stop", None));
        assert!(matches!(denied, Err(ServiceError::Denied(_))));
    }
}
