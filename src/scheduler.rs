//! Scheduled background work (tokio-cron-scheduler). For now: purging
//! expired sessions every hour. Mail fetchers, backups and SLA checks join
//! here later.

use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use crate::auth::AuthError;
use crate::db::Db;

pub struct Scheduler {
    inner: JobScheduler,
}

impl Scheduler {
    pub async fn start(db: Db) -> Result<Scheduler, JobSchedulerError> {
        let inner = JobScheduler::new().await?;
        inner
            .add(Job::new_async("0 17 * * * *", move |_, _| {
                let db = db.clone();
                Box::pin(async move {
                    let purged = db
                        .write(|tx| {
                            crate::auth::store::purge_expired_sessions(tx).map_err(AuthError::from)
                        })
                        .await;
                    match purged {
                        Ok(n) => tracing::info!(sessions = n, "purged expired sessions"),
                        Err(err) => tracing::warn!(error = %err, "purging sessions failed"),
                    }
                })
            })?)
            .await?;
        inner.start().await?;
        Ok(Scheduler { inner })
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        let mut inner = self.inner.clone();
        actix_web::rt::spawn(async move {
            let _ = inner.shutdown().await;
        });
    }
}
