//! Export jobs of the running server: started by the API, written on a
//! thread of their own into `data_dir/exports/`, watched through their
//! progress, downloaded, deleted. Jobs live in memory: a restart forgets
//! them and clears the folder (an archive is made again in minutes).

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
    Done { bytes: u64, finished_at: String },
    Failed(String),
    Cancelled,
}

#[derive(Debug)]
pub struct Job {
    pub id: String,
    pub client_id: i64,
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
    pub client_id: i64,
    /// `running`, `done`, `failed` or `cancelled`.
    pub state: &'static str,
    pub rows_written: u64,
    /// Estimated rows (and files) in all, counted when the job starts.
    pub rows_total: u64,
    /// Size of the archive once done.
    pub bytes: Option<u64>,
    pub file_name: String,
    pub created_at: String,
    pub finished_at: Option<String>,
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

    pub fn is_done(&self) -> bool {
        matches!(self.state(), State::Done { .. })
    }

    pub fn view(&self) -> ExportJob {
        let state = self.state();
        let (name, bytes, finished_at, error) = match &state {
            State::Running => ("running", None, None, None),
            State::Done { bytes, finished_at } => {
                ("done", Some(*bytes), Some(finished_at.clone()), None)
            }
            State::Failed(e) => ("failed", None, None, Some(e.clone())),
            State::Cancelled => ("cancelled", None, None, None),
        };
        ExportJob {
            id: self.id.clone(),
            client_id: self.client_id,
            state: name,
            rows_written: self.progress.rows_written.load(Ordering::Relaxed),
            rows_total: self.progress.rows_total.load(Ordering::Relaxed),
            bytes,
            file_name: self.file_name.clone(),
            created_at: self.created_at.clone(),
            finished_at,
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
    jobs: Mutex<HashMap<String, Arc<Job>>>,
}

impl Exports {
    /// Jobs writing into `data_dir/exports/`; leftovers of an earlier run
    /// are removed.
    pub fn new(data_dir: &Path) -> Exports {
        let dir = data_dir.join("exports");
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Exports {
            dir,
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
        client_id: i64,
        client_name: &str,
    ) -> Result<ExportJob, ExportError> {
        let mut jobs = self.lock();
        if jobs
            .values()
            .any(|j| j.client_id == client_id && matches!(j.state(), State::Running))
        {
            return Err(ExportError::Running);
        }
        crate::db::files::create_private_dir_all(&self.dir)?;
        let id = random_id();
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
        let view = job.view();
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
                        job.set(State::Done {
                            bytes,
                            finished_at: crate::db::now(),
                        });
                    }
                    Err(ExportError::Cancelled) => job.set(State::Cancelled),
                    Err(err) => {
                        tracing::error!(job = %job.id, error = %err, "export failed");
                        job.set(State::Failed(crate::problem::shown(&err, "the export")));
                    }
                }
            })?;
        Ok(view)
    }

    /// The job, if it belongs to this client.
    pub fn get(&self, client_id: i64, id: &str) -> Result<Arc<Job>, ExportError> {
        self.lock()
            .get(id)
            .filter(|j| j.client_id == client_id)
            .cloned()
            .ok_or(ExportError::NotFound)
    }

    /// The client's jobs, newest first.
    pub fn list(&self, client_id: i64) -> Vec<ExportJob> {
        let mut items: Vec<ExportJob> = self
            .lock()
            .values()
            .filter(|j| j.client_id == client_id)
            .map(|j| j.view())
            .collect();
        items.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        items
    }

    /// Cancels a running job or deletes a finished archive.
    pub fn delete(&self, client_id: i64, id: &str) -> Result<(), ExportError> {
        let job = self.get(client_id, id)?;
        job.progress.cancelled.store(true, Ordering::Relaxed);
        self.lock().remove(id);
        let _ = std::fs::remove_file(&job.path);
        Ok(())
    }
}

fn random_id() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 12];
    if ring::rand::SystemRandom::new().fill(&mut bytes).is_err() {
        // Never expected; a time-based id still works (ids are checked
        // against the client anyway).
        let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
        bytes[..8].copy_from_slice(&nanos.to_le_bytes());
    }
    crate::db::hex(&bytes)
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
    #[test]
    fn slugs_are_safe() {
        assert_eq!(super::slug("Acme Energie GmbH"), "acme-energie-gmbh");
        assert_eq!(super::slug("Müller & Söhne"), "mueller-soehne");
        assert_eq!(super::slug("../.."), "client");
    }
}
