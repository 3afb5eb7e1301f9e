//! Backups: online, consistent archives of the store and the attachments
//! (`archive.rs`), optionally encrypted (`crypt.rs`), written on a schedule
//! and on demand by the `backup` service into the backup directory, each
//! verified after writing; old ones pruned by `retention.rs`. The CLI's
//! `zezaro backup` / `zezaro restore` use the same archive code.

pub mod archive;
pub mod crypt;
mod error;
pub mod handlers;
pub mod restore;
pub mod retention;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

pub use archive::{Manifest, Snapshot};
pub use crypt::BackupKey;
pub use error::BackupError;
pub use handlers::configure;
pub use retention::Retention;

use crate::audit::{self, Actor};
use crate::config::Config;
use crate::db::Db;
use crate::services::{RunReport, ServiceSpec, Trigger};

/// Key of the backup service in the registry.
pub const SERVICE_KEY: &str = "backup";

/// The backup job of the running server (one at a time).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BackupJob {
    pub id: u64,
    /// `manual` or `scheduled`.
    pub trigger: &'static str,
    /// `queued`, `running`, `done` or `failed`.
    pub state: &'static str,
    /// `store`, `attachments`, `verify`, `done`.
    pub phase: String,
    /// 0 … 1
    pub progress: f64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub file_name: Option<String>,
    pub error: Option<String>,
}

/// One archive in the backup directory.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BackupInfo {
    pub name: String,
    pub size_bytes: u64,
    pub created_at: String,
    pub encrypted: bool,
    /// Verified after writing (false: written elsewhere, e.g. by the CLI,
    /// and not checked by this server).
    pub verified: bool,
    /// `manual` or `scheduled`; absent for archives this server did not write.
    pub trigger: Option<String>,
    pub snapshot: Option<Snapshot>,
}

/// The backup settings as the admin page shows them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BackupSettings {
    pub directory: String,
    pub schedule: String,
    pub encrypted: bool,
    pub compressed: bool,
    pub keep_daily: usize,
    pub keep_weekly: usize,
    pub keep_monthly: usize,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BackupOverview {
    pub settings: BackupSettings,
    pub job: Option<BackupJob>,
    pub items: Vec<BackupInfo>,
}

pub struct Backups {
    data_dir: PathBuf,
    dir: PathBuf,
    key_file: Option<PathBuf>,
    compress: bool,
    schedule: String,
    retention: Retention,
    job: Mutex<Option<BackupJob>>,
}

impl Backups {
    pub fn new(config: &Config) -> Backups {
        Backups {
            data_dir: config.data_dir.clone(),
            dir: config.backup_directory(),
            key_file: config.backup_key_file.clone(),
            compress: config.backup_compress,
            schedule: config.backup_schedule.clone(),
            retention: Retention {
                daily: config.backup_keep_daily,
                weekly: config.backup_keep_weekly,
                monthly: config.backup_keep_monthly,
            },
            job: Mutex::new(None),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn job_slot(&self) -> std::sync::MutexGuard<'_, Option<BackupJob>> {
        self.job.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn job(&self) -> Option<BackupJob> {
        self.job_slot().clone()
    }

    pub fn settings(&self) -> BackupSettings {
        BackupSettings {
            directory: self.dir.display().to_string(),
            schedule: self.schedule.clone(),
            encrypted: self.key_file.is_some(),
            compressed: self.compress,
            keep_daily: self.retention.daily,
            keep_weekly: self.retention.weekly,
            keep_monthly: self.retention.monthly,
        }
    }

    /// The service that runs the scheduled (and the requested) backups.
    pub fn service_spec(self: &Arc<Self>) -> ServiceSpec {
        let backups = self.clone();
        ServiceSpec::new(
            SERVICE_KEY,
            "Backups",
            Trigger::Cron(self.schedule.clone()),
            move |ctx| {
                let backups = backups.clone();
                async move { backups.run(&ctx.db).await }
            },
        )
    }

    /// Queues a backup requested by an admin; the caller then asks the
    /// registry to run the backup service now.
    pub fn queue_manual(&self) -> Result<BackupJob, BackupError> {
        let mut slot = self.job_slot();
        if let Some(job) = slot.as_ref()
            && matches!(job.state, "queued" | "running")
        {
            return Err(BackupError::Busy);
        }
        let job = BackupJob {
            id: slot.as_ref().map_or(1, |j| j.id + 1),
            trigger: "manual",
            state: "queued",
            phase: "queued".into(),
            progress: 0.0,
            started_at: crate::db::now(),
            finished_at: None,
            file_name: None,
            error: None,
        };
        *slot = Some(job.clone());
        Ok(job)
    }

    /// Forgets a queued job that could not be started.
    pub fn unqueue(&self, id: u64) {
        let mut slot = self.job_slot();
        if slot
            .as_ref()
            .is_some_and(|j| j.id == id && j.state == "queued")
        {
            *slot = None;
        }
    }

    fn update(&self, f: impl FnOnce(&mut BackupJob)) {
        if let Some(job) = self.job_slot().as_mut() {
            f(job);
        }
    }

    /// One run of the backup service: write, verify, record, prune.
    pub async fn run(self: &Arc<Self>, db: &Db) -> Result<RunReport, String> {
        let (trigger, started_at) = {
            let mut slot = self.job_slot();
            let trigger = match slot.as_ref() {
                Some(job) if job.state == "queued" => "manual",
                Some(job) if job.state == "running" => {
                    return Err("a backup is running already".into());
                }
                _ => "scheduled",
            };
            let id = slot
                .as_ref()
                .map_or(1, |j| if trigger == "manual" { j.id } else { j.id + 1 });
            let started_at = crate::db::now();
            *slot = Some(BackupJob {
                id,
                trigger,
                state: "running",
                phase: "store".into(),
                progress: 0.0,
                started_at: started_at.clone(),
                finished_at: None,
                file_name: None,
                error: None,
            });
            (trigger, started_at)
        };
        let result = self.write_and_record(db, trigger, &started_at).await;
        let finished = crate::db::now();
        match &result {
            Ok((name, _)) => self.update(|job| {
                job.state = "done";
                job.phase = "done".into();
                job.progress = 1.0;
                job.finished_at = Some(finished.clone());
                job.file_name = Some(name.clone());
            }),
            Err(err) => {
                // Shown to admins without server paths; the log has them.
                let shown = crate::problem::shown(err, "the backup");
                self.update(|job| {
                    job.state = "failed";
                    job.finished_at = Some(finished.clone());
                    job.error = Some(shown.clone());
                });
                return Err(shown);
            }
        }
        let (name, size) = result.map_err(|e| e.to_string())?;
        Ok(RunReport::new(
            size,
            crate::services::RunMessage::new("backup.written")
                .text("file", name)
                .num("bytes", size as f64),
        ))
    }

    async fn write_and_record(
        self: &Arc<Self>,
        db: &Db,
        trigger: &'static str,
        started_at: &str,
    ) -> Result<(String, u64), BackupError> {
        let this = self.clone();
        // A thread of its own at a lower CPU priority (not one of the
        // blocking pool's threads, which serve requests afterwards), so
        // compressing and checking gigabytes never crowds out requests.
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let work = move || {
            lower_priority();
            let key = match &this.key_file {
                Some(path) => Some(BackupKey::from_file(path)?),
                None => None,
            };
            crate::db::files::create_private_dir_all(&this.dir).map_err(|source| {
                BackupError::Io {
                    path: this.dir.display().to_string(),
                    source,
                }
            })?;
            let name = this.new_name(Utc::now(), key.is_some());
            let path = this.dir.join(&name);
            let options = archive::Options {
                compress: this.compress,
                key: key.clone(),
                ..archive::Options::default()
            };
            let progress = |phase: &str, fraction: f64| {
                let overall = match phase {
                    "store" => 0.6 * fraction,
                    "attachments" => 0.6 + 0.2 * fraction,
                    "written" => 0.8,
                    _ => 0.8 + 0.2 * fraction,
                };
                this.update(|job| {
                    job.phase = if phase == "written" {
                        "verify".into()
                    } else {
                        phase.to_string()
                    };
                    job.progress = overall.clamp(0.0, 1.0);
                });
            };
            archive::create(&this.data_dir, &path, &options, &progress)?;
            let verified = archive::verify(&path, key.as_ref(), &progress);
            let manifest = match verified {
                Ok(manifest) => manifest,
                Err(err) => {
                    // A backup that does not verify is no backup.
                    let _ = std::fs::remove_file(&path);
                    return Err(err);
                }
            };
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            Ok::<_, BackupError>((name, size, key.is_some(), manifest))
        };
        std::thread::Builder::new()
            .name("zezaro-backup".into())
            .spawn(move || {
                let _ = sender.send(work());
            })
            .map_err(|source| BackupError::Io {
                path: "backup thread".into(),
                source,
            })?;
        let (name, size, encrypted, manifest) = receiver
            .await
            .map_err(|_| BackupError::Invalid("the backup thread ended unexpectedly".into()))??;
        self.update(|job| job.file_name = Some(name.clone()));
        let snapshot = serde_json::to_string(&manifest.snapshot).unwrap_or_else(|_| "{}".into());
        let record = (name.clone(), started_at.to_string(), snapshot);
        db.write(move |tx| {
            let (name, started_at, snapshot) = record;
            tx.prepare_cached(
                "INSERT INTO backups (file_name, trigger, started_at, finished_at, size_bytes, encrypted, verified, snapshot)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7)",
            )?
            .execute(params![name, trigger, started_at, crate::db::now(), size as i64, encrypted, snapshot])?;
            let id = tx.last_insert_rowid();
            audit::record(
                tx,
                &system_actor(trigger),
                "backup.create",
                "backup",
                Some(id),
                None,
                json!({ "file": name, "bytes": size, "encrypted": encrypted, "verified": true }),
            )?;
            Ok::<_, BackupError>(())
        })
        .await?;
        self.prune(db).await?;
        Ok((name, size))
    }

    /// A new archive name: `zezaro-20261127T023000Z.tar.gz[.enc]`.
    fn new_name(&self, at: DateTime<Utc>, encrypted: bool) -> String {
        let ext = format!(
            ".tar{}{}",
            if self.compress { ".gz" } else { "" },
            if encrypted { ".enc" } else { "" }
        );
        let stamp = at.format("%Y%m%dT%H%M%SZ");
        let mut name = format!("zezaro-{stamp}{ext}");
        let mut n = 2;
        while self.dir.join(&name).exists() {
            name = format!("zezaro-{stamp}-{n}{ext}");
            n += 1;
        }
        name
    }

    /// The archives in the backup directory, newest first, with what this
    /// server recorded about them.
    pub fn list(&self, conn: &Connection) -> Result<Vec<BackupInfo>, BackupError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(BackupError::Io {
                    path: self.dir.display().to_string(),
                    source,
                });
            }
        };
        let mut items = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(created) = parse_name(&name) else {
                continue;
            };
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            let row: Option<(String, bool, String)> = conn
                .prepare_cached(
                    "SELECT trigger, verified, snapshot FROM backups WHERE file_name = ?1",
                )?
                .query_row([&name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            items.push(BackupInfo {
                encrypted: name.ends_with(".enc"),
                size_bytes: meta.len(),
                created_at: created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                verified: row.as_ref().is_some_and(|r| r.1),
                trigger: row.as_ref().map(|r| r.0.clone()),
                snapshot: row.and_then(|r| serde_json::from_str(&r.2).ok()),
                name,
            });
        }
        items.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.name.cmp(&a.name)));
        Ok(items)
    }

    /// The path of a listed archive; `None` for any other name.
    pub fn path_of(&self, name: &str) -> Option<PathBuf> {
        parse_name(name)?;
        let path = self.dir.join(name);
        path.is_file().then_some(path)
    }

    /// Records that `who` downloads an archive (every client's data leaves
    /// the server): an audit entry with the file's name and size.
    pub fn record_download(
        &self,
        tx: &Connection,
        who: &Actor,
        name: &str,
        bytes: u64,
    ) -> Result<(), BackupError> {
        audit::record(
            tx,
            who,
            "backup.download",
            "backup",
            None,
            None,
            json!({ "file": name, "bytes": bytes }),
        )?;
        Ok(())
    }

    /// Deletes an archive and its record, with an audit entry.
    pub fn delete(&self, tx: &Connection, who: &Actor, name: &str) -> Result<(), BackupError> {
        let path = self.path_of(name).ok_or(BackupError::NotFound)?;
        if self
            .job()
            .is_some_and(|j| j.state == "running" && j.file_name.as_deref() == Some(name))
        {
            return Err(BackupError::Busy);
        }
        tx.prepare_cached("DELETE FROM backups WHERE file_name = ?1")?
            .execute([name])?;
        audit::record(
            tx,
            who,
            "backup.delete",
            "backup",
            None,
            None,
            json!({ "file": name }),
        )?;
        std::fs::remove_file(&path).map_err(|source| BackupError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Ok(())
    }

    /// Removes the archives the retention policy does not keep.
    async fn prune(self: &Arc<Self>, db: &Db) -> Result<(), BackupError> {
        let this = self.clone();
        db.write(move |tx| {
            let items = this.list(tx)?;
            let times: Vec<DateTime<Utc>> =
                items.iter().filter_map(|i| parse_name(&i.name)).collect();
            let kept = retention::keep(&times, this.retention);
            let doomed: Vec<&BackupInfo> = items
                .iter()
                .enumerate()
                .filter(|(i, _)| !kept.contains(i))
                .map(|(_, item)| item)
                .collect();
            if doomed.is_empty() {
                return Ok(());
            }
            let names: Vec<&str> = doomed.iter().map(|d| d.name.as_str()).collect();
            for name in &names {
                tx.prepare_cached("DELETE FROM backups WHERE file_name = ?1")?
                    .execute([name])?;
            }
            audit::record(
                tx,
                &system_actor("scheduled"),
                "backup.prune",
                "backup",
                None,
                None,
                json!({ "files": names }),
            )?;
            for name in names {
                let _ = std::fs::remove_file(this.dir.join(name));
            }
            Ok::<_, BackupError>(())
        })
        .await
    }
}

/// Lowers the calling thread's CPU priority (nice 10) on Linux; elsewhere a
/// no-op. For the threads that write and verify backups.
#[allow(unsafe_code)]
pub fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority on the calling thread's own id has no memory
    // effects; a failure only leaves the priority as it was.
    unsafe {
        let tid = libc::gettid();
        let _ = libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 10);
    }
}

fn system_actor(trigger: &str) -> Actor {
    Actor {
        user_id: None,
        email: Some(format!("backup service ({trigger})")),
        ip: None,
    }
}

/// The time in an archive name `zezaro-YYYYMMDDTHHMMSSZ[-N].tar[.gz][.enc]`;
/// `None` for any other name (so no path ever escapes the directory).
pub fn parse_name(name: &str) -> Option<DateTime<Utc>> {
    let rest = name.strip_prefix("zezaro-")?;
    let stamp = rest.get(..16)?;
    let mut tail = &rest[16..];
    if let Some(after) = tail.strip_prefix('-') {
        let digits = after.find(|c: char| !c.is_ascii_digit())?;
        if digits == 0 {
            return None;
        }
        tail = &after[digits..];
    }
    let tail = tail.strip_prefix(".tar")?;
    let tail = tail.strip_prefix(".gz").unwrap_or(tail);
    let tail = tail.strip_prefix(".enc").unwrap_or(tail);
    if !tail.is_empty() {
        return None;
    }
    NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names_parse_strictly() {
        assert!(parse_name("zezaro-20261127T023000Z.tar.gz").is_some());
        assert!(parse_name("zezaro-20261127T023000Z-2.tar.gz.enc").is_some());
        assert!(parse_name("zezaro-20261127T023000Z.tar").is_some());
        assert!(parse_name("zezaro-20261127T023000Z.tar.gz.part").is_none());
        assert!(parse_name("zezaro-20261127T023000Z-.tar").is_none());
        assert!(parse_name("../zezaro-20261127T023000Z.tar").is_none());
        assert!(parse_name("zezaro-2026112XT023000Z.tar").is_none());
    }
}
