//! The one application state handed to every handler; no globals, so tests
//! can run several servers in one process.

use std::sync::Arc;

use crate::auth::{LoginThrottle, PrincipalCache};
use crate::config::Config;
use crate::db::Db;

/// Event streams in all when neither the config nor the open-file limit
/// says (`http::server::start` derives it from the limit).
const DEFAULT_EVENT_STREAMS_TOTAL: usize = 256;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub throttle: Arc<LoginThrottle>,
    pub principals: Arc<PrincipalCache>,
    /// Live case events and presence.
    pub cases: Arc<crate::cases::CaseHub>,
    /// Open live monitors and their last snapshots (workforce/monitor.rs).
    pub monitor: Arc<crate::workforce::monitor::MonitorHub>,
    /// Spam protection of the public web forms.
    pub webforms: Arc<crate::webforms::FormGuard>,
    /// Seals secrets at rest (mailbox passwords) with the data dir's key.
    pub sealer: crate::mail::secrets::Sealer,
    /// The mailbox fetchers, registered as services (mail/fetcher.rs).
    pub mail: Arc<crate::mail::Fetchers>,
    /// The background services (services/registry.rs).
    pub services: crate::services::Registry,
    /// Backups of the data directory (backup/).
    pub backups: Arc<crate::backup::Backups>,
    /// HTTP request counters for `/metrics`.
    pub metrics: Arc<crate::services::metrics::Metrics>,
    /// Wakes and stops the mail sender service (mail/outbound/worker.rs).
    pub outbox: Arc<crate::mail::outbound::Outbox>,
    /// Full client exports in progress or ready (export/jobs.rs).
    pub exports: Arc<crate::export::Exports>,
    /// The erasure ledger outside the store (gdpr/ledger.rs).
    pub erasures: Arc<crate::gdpr::Ledger>,
    /// Recent contact reads already recorded (gdpr/access.rs).
    pub contact_views: Arc<crate::gdpr::access::ViewLog>,
    /// How many articles match a search phrase, kept a while for the
    /// ranking (search/stats.rs).
    pub search_stats: Arc<crate::search::stats::PhraseCounts>,
    /// The Litestream child, when replication is on (replication/).
    pub replication: Option<Arc<crate::replication::Replicator>>,
    /// What the platform's own mail is sent with (platform_mail/).
    pub platform_mail: crate::platform_mail::worker::Sending,
    /// "Forgot password" requests per address and per client.
    pub reset_throttle: Arc<crate::platform_mail::ResetThrottle>,
}

impl AppState {
    pub fn new(db: Db, config: Config, sealer: crate::mail::secrets::Sealer) -> Self {
        let throttle = LoginThrottle::new(
            config.login_attempts_per_account,
            config.login_attempts_per_address,
        );
        db.track_writes_to(crate::auth::cache::PRINCIPAL_TABLES);
        let services = crate::services::Registry::new(db.clone());
        let backups = Arc::new(crate::backup::Backups::new(&config));
        let exports = Arc::new(crate::export::Exports::new(
            &config.data_dir,
            config.export_ttl_hours,
        ));
        let erasures = Arc::new(crate::gdpr::Ledger::new(
            &config.data_dir,
            &config.backup_directory(),
        ));
        let cases = Arc::new(crate::cases::CaseHub::new(
            config.event_streams_per_user,
            config
                .event_streams_total
                .unwrap_or(DEFAULT_EVENT_STREAMS_TOTAL),
        ));
        let mail = crate::mail::Fetchers::new(
            db.clone(),
            sealer.clone(),
            &config.data_dir,
            config.max_attachment_bytes,
            cases.clone(),
            services.clone(),
            config.mail_allowed_hosts.clone(),
        );
        let outbox = Arc::new(crate::mail::outbound::Outbox::new(services.clone()));
        let platform_mail = crate::platform_mail::worker::Sending {
            db: db.clone(),
            sealer: sealer.clone(),
            allowed_hosts: config.mail_allowed_hosts.clone(),
            public_url: config.public_url.clone(),
        };
        AppState {
            platform_mail,
            reset_throttle: Arc::new(crate::platform_mail::ResetThrottle::default()),
            services,
            backups,
            metrics: Arc::new(crate::services::metrics::Metrics::default()),
            db,
            config: Arc::new(config),
            throttle: Arc::new(throttle),
            principals: Arc::new(PrincipalCache::default()),
            cases,
            monitor: Arc::new(crate::workforce::monitor::MonitorHub::default()),
            mail,
            webforms: Arc::new(crate::webforms::FormGuard::default()),
            sealer,
            outbox,
            exports,
            erasures,
            contact_views: Arc::new(crate::gdpr::access::ViewLog::default()),
            search_stats: Arc::new(crate::search::stats::PhraseCounts::default()),
            replication: None,
        }
    }
}
