//! Export jobs of the running server: started by the API, written on a
//! thread of their own into `data_dir/exports/`, watched through their
//! progress, downloaded, deleted. A finished archive is removed when it
//! expires (`export_ttl_hours`, default 24) and when a contact of its
//! client is erased (it holds the person's data); the job then says why.
//! Jobs live in memory: a restart forgets them and clears the folder (an
//! archive is made again in minutes).

use crate::ids::ClientId;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use utoipa::ToSchema;

use super::archive::{self, Progress};
use super::error::ExportError;
use crate::blobs::BlobStore;

#[derive(Debug, Clone)]
enum State {
    Running,
    Done {
        bytes: u64,
        finished_at: String,
    },
    Failed(String),
    Cancelled,
    /// The archive was deleted by the server.
    Removed {
        reason: Removal,
        at: String,
    },
}

/// Why the server deleted a finished (or unfinished) archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Removal {
    /// Older than `export_ttl_hours`.
    Expired,
    /// A contact of the client was erased (GDPR Art. 17); the archive held
    /// their data.
    Erasure,
}

/// Removed jobs are still listed (saying why) for this long.
const REMOVED_LISTED_HOURS: i64 = 24 * 7;

#[derive(Debug)]
pub struct Job {
    pub id: String,
    pub client_id: ClientId,
    pub created_at: String,
    pub file_name: String,
    pub path: PathBuf,
    pub progress: Progress,
    state: Mutex<State>,
}

/// An export job as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportJob {
    pub id: String,
    pub client_id: ClientId,
    /// `running`, `done`, `failed`, `cancelled` or `removed`.
    pub state: &'static str,
    /// Why a `removed` archive was deleted.
    pub removed_reason: Option<Removal>,
    /// When a `done` archive will be deleted; when a `removed` one was.
    pub rows_written: u64,
    /// Estimated rows (and files) in all, counted when the job starts.
    pub rows_total: u64,
    /// Size of the archive once done.
    pub bytes: Option<u64>,
    pub file_name: String,
    pub created_at: String,
    pub finished_at: Option<String>,
    pub expires_at: Option<String>,
    pub error: Option<String>,
    pub download_url: Option<String>,
}

impl Job {
    fn state(&self) -> State {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set(&self, state: State) {
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = state;
    }

    /// The end of the writing thread: kept unless the job was removed
    /// meanwhile (its archive then goes at once).
    fn finish(&self, state: State) {
        let mut current = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if matches!(*current, State::Removed { .. }) {
            let _ = std::fs::remove_file(&self.path);
        } else {
            *current = state;
        }
    }

    /// Deletes the archive (or stops writing it) and records why.
    fn remove(&self, reason: Removal) {
        self.progress.cancelled.store(true, Ordering::Relaxed);
        self.set(State::Removed {
            reason,
            at: crate::db::now(),
        });
        let _ = std::fs::remove_file(&self.path);
    }

    pub fn is_done(&self) -> bool {
        matches!(self.state(), State::Done { .. })
    }

    /// Why the server deleted the archive, if it did.
    pub fn removed(&self) -> Option<Removal> {
        match self.state() {
            State::Removed { reason, .. } => Some(reason),
            _ => None,
        }
    }

    pub fn view(&self, ttl: chrono::Duration) -> ExportJob {
        let state = self.state();
        let (name, bytes, finished_at, error) = match &state {
            State::Running => ("running", None, None, None),
            State::Done { bytes, finished_at } => {
                ("done", Some(*bytes), Some(finished_at.clone()), None)
            }
            State::Failed(e) => ("failed", None, None, Some(e.clone())),
            State::Cancelled => ("cancelled", None, None, None),
            State::Removed { .. } => ("removed", None, None, None),
        };
        let (removed_reason, expires_at) = match &state {
            State::Removed { reason, at } => (Some(*reason), Some(at.clone())),
            State::Done { finished_at, .. } => (None, shifted(finished_at, ttl)),
            _ => (None, None),
        };
        ExportJob {
            id: self.id.clone(),
            client_id: self.client_id,
            state: name,
            removed_reason,
            rows_written: self.progress.rows_written.load(Ordering::Relaxed),
            rows_total: self.progress.rows_total.load(Ordering::Relaxed),
            bytes,
            file_name: self.file_name.clone(),
            created_at: self.created_at.clone(),
            finished_at,
            expires_at,
            error,
            download_url: bytes.map(|_| {
                format!(
                    "/api/v1/clients/{}/exports/{}/download",
                    self.client_id, self.id
                )
            }),
        }
    }
}

pub struct Exports {
    dir: PathBuf,
    /// How long a finished archive is kept.
    ttl: chrono::Duration,
    jobs: Mutex<HashMap<String, Arc<Job>>>,
}

/// `at` (RFC 3339) plus `by`, as RFC 3339.
fn shifted(at: &str, by: chrono::Duration) -> Option<String> {
    chrono::DateTime::parse_from_rfc3339(at).ok().map(|t| {
        (t.with_timezone(&chrono::Utc) + by).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    })
}

/// Whether `at` (RFC 3339) plus `by` lies before `now`.
fn older_than(at: &str, by: chrono::Duration, now: chrono::DateTime<chrono::Utc>) -> bool {
    chrono::DateTime::parse_from_rfc3339(at)
        .is_ok_and(|t| t.with_timezone(&chrono::Utc) + by <= now)
}

impl Exports {
    /// Jobs writing into `data_dir/exports/`, archives kept for
    /// `ttl_hours`; leftovers of an earlier run are removed.
    pub fn new(data_dir: &Path, ttl_hours: u32) -> Exports {
        let dir = data_dir.join("exports");
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Exports {
            dir,
            ttl: chrono::Duration::hours(i64::from(ttl_hours)),
            jobs: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Job>>> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts exporting the client from the store file `store_path`.
    pub fn start(
        &self,
        store_path: PathBuf,
        blobs: BlobStore,
        client_id: ClientId,
        client_name: &str,
    ) -> Result<ExportJob, ExportError> {
        self.expire(chrono::Utc::now());
        let mut jobs = self.lock();
        if jobs
            .values()
            .any(|j| j.client_id == client_id && matches!(j.state(), State::Running))
        {
            return Err(ExportError::Running);
        }
        crate::db::files::create_private_dir_all(&self.dir)?;
        let id = crate::db::random_hex(12);
        let created_at = crate::db::now();
        let stamp: String = created_at
            .chars()
            .filter(char::is_ascii_digit)
            .take(14)
            .collect();
        let file_name = format!("zezaro-export-{}-{stamp}.tar.gz", slug(client_name));
        let job = Arc::new(Job {
            path: self.dir.join(format!("{id}.tar.gz")),
            id: id.clone(),
            client_id,
            created_at,
            file_name,
            progress: Progress::default(),
            state: Mutex::new(State::Running),
        });
        jobs.insert(id, job.clone());
        drop(jobs);
        let work_dir = self.dir.clone();
        let view = job.view(self.ttl);
        std::thread::Builder::new()
            .name(format!("export-{}", job.id))
            .spawn(move || {
                let result = archive::open_snapshot_connection(&store_path).and_then(|conn| {
                    archive::write(
                        &conn,
                        &blobs,
                        job.client_id,
                        &job.path,
                        &work_dir,
                        &job.progress,
                    )
                });
                match result {
                    Ok(_) => {
                        let bytes = std::fs::metadata(&job.path).map(|m| m.len()).unwrap_or(0);
                        job.finish(State::Done {
                            bytes,
                            finished_at: crate::db::now(),
                        });
                    }
                    Err(ExportError::Cancelled) => job.finish(State::Cancelled),
                    Err(err) => {
                        tracing::error!(job = %job.id, error = %err, "export failed");
                        job.finish(State::Failed(crate::problem::shown(&err, "the export")));
                    }
                }
            })?;
        Ok(view)
    }

    /// The job, if it belongs to this client.
    pub fn get(&self, client_id: ClientId, id: &str) -> Result<Arc<Job>, ExportError> {
        self.expire(chrono::Utc::now());
        self.lock()
            .get(id)
            .filter(|j| j.client_id == client_id)
            .cloned()
            .ok_or(ExportError::NotFound)
    }

    /// The client's jobs, newest first.
    pub fn list(&self, client_id: ClientId) -> Vec<ExportJob> {
        self.expire(chrono::Utc::now());
        let mut items: Vec<ExportJob> = self
            .lock()
            .values()
            .filter(|j| j.client_id == client_id)
            .map(|j| j.view(self.ttl))
            .collect();
        items.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        items
    }

    /// The job as the API shows it.
    pub fn view(&self, job: &Job) -> ExportJob {
        job.view(self.ttl)
    }

    /// Deletes the archives that are older than the time they are kept
    /// (as of `now`), and forgets removed jobs after a week. Returns how
    /// many archives were deleted.
    pub fn expire(&self, now: chrono::DateTime<chrono::Utc>) -> usize {
        let mut removed = 0;
        let mut jobs = self.lock();
        jobs.retain(|_, job| match job.state() {
            State::Done { finished_at, .. } => {
                if older_than(&finished_at, self.ttl, now) {
                    job.remove(Removal::Expired);
                    removed += 1;
                }
                true
            }
            State::Removed { at, .. } => {
                !older_than(&at, chrono::Duration::hours(REMOVED_LISTED_HOURS), now)
            }
            _ => true,
        });
        removed
    }

    /// Deletes every archive of the client, finished or still being
    /// written (its snapshot may predate the erasure): after an erasure.
    /// Returns how many jobs were removed.
    pub fn remove_client(&self, client_id: ClientId, reason: Removal) -> usize {
        let jobs: Vec<Arc<Job>> = self
            .lock()
            .values()
            .filter(|j| j.client_id == client_id)
            .filter(|j| matches!(j.state(), State::Running | State::Done { .. }))
            .cloned()
            .collect();
        for job in &jobs {
            job.remove(reason);
        }
        jobs.len()
    }

    /// Cancels a running job or deletes a finished archive.
    pub fn delete(&self, client_id: ClientId, id: &str) -> Result<(), ExportError> {
        let job = self.get(client_id, id)?;
        job.progress.cancelled.store(true, Ordering::Relaxed);
        self.lock().remove(id);
        let _ = std::fs::remove_file(&job.path);
        Ok(())
    }
}

/// A file-name-safe form of a client name.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        match c {
            'ä' | 'Ä' => out.push_str("ae"),
            'ö' | 'Ö' => out.push_str("oe"),
            'ü' | 'Ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_lowercase()),
            _ => {
                if !out.ends_with('-') {
                    out.push('-');
                }
            }
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() { "client".into() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finished job of `client` whose archive was made at `finished_at`.
    fn finished(exports: &Exports, client: ClientId, finished_at: &str) -> Arc<Job> {
        std::fs::create_dir_all(&exports.dir).expect("dir");
        let id = crate::db::random_hex(12);
        let job = Arc::new(Job {
            path: exports.dir.join(format!("{id}.tar.gz")),
            id: id.clone(),
            client_id: client,
            created_at: finished_at.into(),
            file_name: "x.tar.gz".into(),
            progress: Progress::default(),
            state: Mutex::new(State::Done {
                bytes: 3,
                finished_at: finished_at.into(),
            }),
        });
        std::fs::write(&job.path, b"tar").expect("archive");
        exports.lock().insert(id, job.clone());
        job
    }

    #[test]
    fn archives_expire_and_go_with_an_erasure_saying_why() {
        let dir = tempfile::tempdir().expect("dir");
        let exports = Exports::new(dir.path(), 24);
        let old = finished(&exports, ClientId(1), "2026-12-01T10:00:00.000Z");
        let fresh = finished(&exports, ClientId(1), "2026-12-02T09:00:00.000Z");
        let other = finished(&exports, ClientId(2), "2026-12-02T09:00:00.000Z");
        let at = |t: &str| {
            chrono::DateTime::parse_from_rfc3339(t)
                .expect("time")
                .with_timezone(&chrono::Utc)
        };
        assert_eq!(
            exports.view(&fresh).expires_at.as_deref(),
            Some("2026-12-03T09:00:00.000Z")
        );
        assert_eq!(exports.expire(at("2026-12-02T10:00:00Z")), 1);
        assert!(!old.path.exists() && fresh.path.exists());
        let view = exports.view(&old);
        assert_eq!(
            (view.state, view.removed_reason, view.download_url),
            ("removed", Some(Removal::Expired), None)
        );
        // An erasure in client 1 removes its archives, not client 2's.
        assert_eq!(exports.remove_client(ClientId(1), Removal::Erasure), 1);
        assert!(!fresh.path.exists() && other.path.exists());
        assert_eq!(fresh.removed(), Some(Removal::Erasure));
        // A job still writing when it was removed deletes what it wrote.
        fresh.finish(State::Done {
            bytes: 3,
            finished_at: "2026-12-02T11:00:00.000Z".into(),
        });
        assert_eq!(fresh.removed(), Some(Removal::Erasure));
        // Removed jobs are listed for a week, then forgotten.
        assert_eq!(exports.list(ClientId(1)).len(), 2);
        exports.expire(at("2026-12-20T00:00:00Z"));
        assert!(exports.lock().values().all(|j| j.client_id == 2));
    }

    #[test]
    fn slugs_are_safe() {
        assert_eq!(super::slug("Acme Energie GmbH"), "acme-energie-gmbh");
        assert_eq!(super::slug("Müller & Söhne"), "mueller-soehne");
        assert_eq!(super::slug("../.."), "client");
    }
}
