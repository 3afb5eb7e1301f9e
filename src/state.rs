//! The one application state handed to every handler; no globals, so tests
//! can run several servers in one process.

use std::sync::Arc;

use crate::auth::{LoginThrottle, PrincipalCache};
use crate::config::Config;
use crate::db::Db;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub throttle: Arc<LoginThrottle>,
    pub principals: Arc<PrincipalCache>,
    /// Live case events and presence.
    pub cases: Arc<crate::cases::CaseHub>,
    /// Spam protection of the public web forms.
    pub webforms: Arc<crate::webforms::FormGuard>,
    /// Seals secrets at rest (mailbox passwords) with the data dir's key.
    pub sealer: crate::mail::secrets::Sealer,
}

impl AppState {
    pub fn new(db: Db, config: Config, sealer: crate::mail::secrets::Sealer) -> Self {
        let throttle = LoginThrottle::new(
            config.login_attempts_per_account,
            config.login_attempts_per_address,
        );
        db.track_writes_to(crate::auth::cache::PRINCIPAL_TABLES);
        AppState {
            db,
            config: Arc::new(config),
            throttle: Arc::new(throttle),
            principals: Arc::new(PrincipalCache::default()),
            cases: Arc::new(crate::cases::CaseHub::default()),
            webforms: Arc::new(crate::webforms::FormGuard::default()),
            sealer,
        }
    }
}
