//! The Litestream child process: its config file, its supervision as the
//! background service `replication`, and its lag.
//!
//! Lag, for every target alike, from Litestream's own account of its work
//! (its log at debug level, read from the child's stderr: [`Progress`]):
//! the moment the replica last held every transaction Litestream had taken
//! from the WAL ("caught up"). While the store's WAL has changed since, the
//! lag is the time since then, else 0: an upper bound of how old the
//! oldest write not yet in the replica is. The position is the replica's
//! highest transaction id.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use utoipa::ToSchema;

use super::settings::{Replication, SEAL_CONTEXT, Sealed, Target};
use crate::services::{Backoff, Registry, RunReport, ServiceSpec, Trigger};

/// The service key on the Services page.
pub const SERVICE_KEY: &str = "replication";
/// Litestream's config file in the data directory.
pub const CONFIG_FILE: &str = "litestream.yml";
/// How long a stopping Litestream may take for its last sync.
const STOP_WAIT: Duration = Duration::from_secs(10);
/// How often the lag is measured while the child runs.
const POLL: Duration = Duration::from_millis(500);

/// Replication as `/healthz` and the Services page report it.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ReplicationStatus {
    /// `file`, `sftp` or `s3`.
    pub target: String,
    /// The Litestream child runs.
    pub running: bool,
    /// Seconds the replica may be behind the store (upper bound); absent
    /// when unknown (before the first sync, sftp/s3 targets).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub lag_seconds: Option<f64>,
    /// The highest transaction id in the replica (hex, as Litestream
    /// names it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub position: Option<String>,
    /// When the replica last received a transaction (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub replicated_at: Option<String>,
    /// The child's last error line or exit: for the service's last error
    /// (admins only), never in the public `/healthz`.
    #[serde(skip)]
    #[schema(ignore)]
    pub last_error: Option<String>,
    /// Times the child was started since the server started.
    pub starts: u64,
}

/// Runs and watches Litestream for one data directory.
pub struct Replicator {
    settings: Replication,
    /// Canonical, for Litestream's config.
    data_dir: PathBuf,
    /// As the config gives it: what the blob stores are keyed by.
    given_data_dir: PathBuf,
    config_path: PathBuf,
    /// Where attachments and mail packs are copied before they are named.
    blob_mirror: super::blobs::Mirror,
    status: Mutex<ReplicationStatus>,
    /// Fed by the child's log ([`Progress`]).
    progress: Mutex<Progress>,
    child: Mutex<Option<Child>>,
}

impl Replicator {
    /// Writes Litestream's config (secrets opened with `sealer`) and makes
    /// the replicator; the child starts with the service.
    pub fn prepare(
        settings: Replication,
        data_dir: &Path,
        sealer: &crate::mail::secrets::Sealer,
    ) -> Result<Arc<Replicator>, String> {
        let given_data_dir = data_dir.to_path_buf();
        let data_dir = std::fs::canonicalize(data_dir)
            .map_err(|e| format!("data directory {}: {e}", data_dir.display()))?;
        let config_path = data_dir.join(CONFIG_FILE);
        let yaml = config_yaml(&data_dir.join(crate::db::STORE_FILE), &settings, &|s| {
            sealer.open(SEAL_CONTEXT, &s.0).map_err(|_| {
                "replication: a sealed secret does not open with this data directory's key"
                    .to_string()
            })
        })?;
        write_private(&config_path, &yaml)
            .map_err(|e| format!("cannot write {}: {e}", config_path.display()))?;
        if let Target::Sftp { host_key: None, .. } = &settings.target {
            tracing::warn!(
                "replication: no host_key for the sftp target; the server's host key is \
                 not verified (set host_key to the key `ssh-keyscan` shows)"
            );
        }
        let blob_mirror = super::blobs::Mirror::for_target(&settings, &data_dir, &|s| {
            sealer.open(SEAL_CONTEXT, &s.0).map_err(|_| {
                "replication: a sealed secret does not open with this data directory's key"
                    .to_string()
            })
        })?;
        Ok(Arc::new(Replicator {
            status: Mutex::new(ReplicationStatus {
                target: settings.target.kind().into(),
                ..ReplicationStatus::default()
            }),
            settings,
            data_dir,
            given_data_dir,
            config_path,
            blob_mirror,
            progress: Mutex::new(Progress::default()),
            child: Mutex::new(None),
        }))
    }

    /// Where contents are copied before they are named.
    pub fn blob_mirror(&self) -> &super::blobs::Mirror {
        &self.blob_mirror
    }

    pub fn status(&self) -> ReplicationStatus {
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set(&self, f: impl FnOnce(&mut ReplicationStatus)) {
        f(&mut self.status.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// Registers the service `replication`: one run is one life of the
    /// child; when it ends the run fails and the registry starts it again
    /// with backoff (2 s doubling to 60 s).
    pub fn register(self: &Arc<Self>, services: &Registry) -> Result<(), String> {
        let me = self.clone();
        let registry = services.clone();
        let spec = ServiceSpec::new(
            SERVICE_KEY,
            "Replication (Litestream)",
            Trigger::Loop,
            move |_ctx| {
                let me = me.clone();
                let registry = registry.clone();
                async move { me.run(&registry).await }
            },
        )
        .with_backoff(Backoff {
            initial: Duration::from_secs(2),
            max: Duration::from_secs(60),
        });
        services.register(spec).map_err(|e| e.to_string())
    }

    async fn run(self: &Arc<Self>, registry: &Registry) -> Result<RunReport, String> {
        // Contents written before replication was on (or before the replica
        // directory was new) go first: Litestream's first snapshot names them.
        let blobs = crate::blobs::BlobStore::new(&self.given_data_dir);
        let copied = tokio::task::spawn_blocking(move || super::blobs::catch_up(&blobs))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("copying attachments into the replica: {e}"))?;
        if copied > 0 {
            tracing::info!(files = copied, "copied attachments into the replica");
        }
        let guard = self.spawn()?;
        let mut last_report = std::time::Instant::now() - Duration::from_secs(60);
        loop {
            tokio::time::sleep(POLL).await;
            let exited = {
                let mut child = self.child.lock().unwrap_or_else(|p| p.into_inner());
                match child.as_mut().map(Child::try_wait) {
                    Some(Ok(Some(status))) => {
                        child.take();
                        Some(format!("litestream exited: {status}"))
                    }
                    Some(Err(err)) => Some(format!("litestream: {err}")),
                    Some(Ok(None)) => None,
                    None => Some("litestream was stopped".into()),
                }
            };
            if let Some(exit) = exited {
                drop(guard);
                let message = match self.status().last_error {
                    Some(line) => format!("{exit}; last error: {line}"),
                    None => exit,
                };
                self.set(|s| {
                    s.running = false;
                    s.last_error = Some(message.clone());
                });
                return Err(message);
            }
            let me = self.clone();
            let measured = tokio::task::spawn_blocking(move || me.measure())
                .await
                .unwrap_or_default();
            if let Some((lag, position, at)) = measured {
                self.set(|s| {
                    s.lag_seconds = lag;
                    s.position = position.clone();
                    s.replicated_at = at.clone();
                });
            }
            if last_report.elapsed() >= Duration::from_secs(5) {
                last_report = std::time::Instant::now();
                let s = self.status();
                let mut message = crate::services::RunMessage::new("replication.progress")
                    .text("target", s.target);
                if let Some(lag) = s.lag_seconds {
                    message = message.num("lag", lag);
                }
                if let Some(position) = s.position {
                    message = message.text("txid", position);
                }
                if let Some(at) = s.replicated_at {
                    message = message.text("at", at);
                }
                registry.report_progress(SERVICE_KEY, message);
            }
        }
    }

    /// Starts `litestream replicate`; the guard stops it when the run ends
    /// (or is aborted: the service stopped, the server stopping).
    fn spawn(self: &Arc<Self>) -> Result<ChildGuard, String> {
        let mut command = Command::new(&self.settings.litestream);
        command
            .arg("replicate")
            .arg("-config")
            .arg(&self.config_path)
            .arg("-no-expand-env")
            .current_dir(&self.data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        ca_bundle_for_go(&mut command);
        die_with_parent(&mut command);
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.settings.litestream.display()))?;
        if let Some(stderr) = child.stderr.take() {
            let me = Arc::downgrade(self);
            let _ = std::thread::Builder::new()
                .name("zezaro-litestream-log".into())
                .spawn(move || {
                    for line in std::io::BufReader::new(stderr).lines() {
                        let Ok(line) = line else { break };
                        let Some(me) = me.upgrade() else { break };
                        if line.contains("level=ERROR") || line.starts_with("Error") {
                            tracing::warn!(target: "litestream", "{line}");
                            let short: String = line.chars().take(300).collect();
                            me.set(|s| s.last_error = Some(short));
                        } else if line.contains("level=DEBUG") {
                            me.progress
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .line(&line, SystemTime::now());
                            tracing::trace!(target: "litestream", "{line}");
                        } else {
                            tracing::debug!(target: "litestream", "{line}");
                        }
                    }
                });
        }
        tracing::info!(
            pid = child.id(),
            target = self.settings.target.kind(),
            "litestream started"
        );
        *self.child.lock().unwrap_or_else(|p| p.into_inner()) = Some(child);
        self.set(|s| {
            s.running = true;
            s.starts += 1;
        });
        Ok(ChildGuard(self.clone()))
    }

    /// Stops the child: SIGTERM (Litestream ships what it has), then waits
    /// up to `STOP_WAIT`, then SIGKILL.
    pub async fn stop(&self) {
        let child = self.child.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(child) = child {
            let _ = tokio::task::spawn_blocking(move || terminate(child)).await;
        }
        self.set(|s| s.running = false);
    }

    /// The pid of the running child (tests, diagnostics).
    pub fn child_pid(&self) -> Option<u32> {
        self.child
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(Child::id)
    }

    /// Lag, position and last replication time.
    fn measure(&self) -> Option<(Option<f64>, Option<String>, Option<String>)> {
        let wal_changed = [
            self.data_dir.join(format!("{}-wal", crate::db::STORE_FILE)),
            self.data_dir.join(crate::db::STORE_FILE),
        ]
        .iter()
        .filter_map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .max();
        let progress = self.progress.lock().unwrap_or_else(|p| p.into_inner());
        let at = progress.uploaded_at.map(|t| {
            chrono::DateTime::<chrono::Utc>::from(t)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        });
        Some((
            progress.lag(wal_changed, SystemTime::now()),
            progress.replica_txid.map(|t| format!("{t:016x}")),
            at,
        ))
    }
}

/// What Litestream's debug log tells of its work. The lines it reads
/// (Litestream 0.5):
/// - `msg=sync … txid=…`: WAL frames taken into a local transaction;
/// - `msg="ltx file uploaded" … level=0 … maxTXID=…`: shipped to the replica;
/// - `msg="snapshot complete" … txid=…`: a whole snapshot in the replica;
/// - `msg="replica sync" … txid.replica=… txid.db=…`: both positions.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Progress {
    pub replica_txid: Option<u64>,
    /// Transactions taken from the WAL, not yet in the replica, with the
    /// earliest time their writes may have been made (the take before
    /// theirs; oldest first).
    pending: std::collections::VecDeque<(u64, SystemTime)>,
    /// When Litestream last took frames from the WAL (or, at its start,
    /// found the replica holding all it had).
    pub synced_at: Option<SystemTime>,
    /// When the replica last received a transaction.
    pub uploaded_at: Option<SystemTime>,
    /// The transaction Litestream's running sync would write, and when it
    /// began: its `sync` line comes before Litestream knows whether the
    /// WAL has new frames; `db sync` says it wrote one.
    candidate: Option<(u64, SystemTime)>,
}

/// Pending transactions remembered at most: the oldest are the ones that
/// matter, newer ones are not recorded beyond this.
const PENDING_MAX: usize = 100_000;

impl Progress {
    pub fn line(&mut self, line: &str, now: SystemTime) {
        let field = |name: &str| {
            line.split(' ')
                .find_map(|part| part.strip_prefix(name)?.strip_prefix('='))
                .and_then(|hex| u64::from_str_radix(hex, 16).ok())
        };
        if line.contains("msg=sync ") {
            if let Some(txid) = field("txid")
                && let Some((_, began)) = self.candidate.replace((txid, now))
            {
                // The sync before wrote nothing (its "sync: skip" is a
                // trace line): the WAL held nothing new then.
                self.looked(began);
            }
        } else if line.contains("msg=\"db sync\"") && line.contains("status=ok") {
            if let Some((txid, began)) = self.candidate.take() {
                self.taken(txid, began);
            }
        } else if line.contains("msg=\"ltx file uploaded\"") {
            if line.contains(" level=0 ")
                && let Some(txid) = field("maxTXID")
            {
                self.shipped(txid, now);
                self.uploaded_at = Some(now);
            }
        } else if line.contains("msg=\"snapshot complete\"") {
            if let Some(txid) = field("txid") {
                self.shipped(txid, now);
                self.uploaded_at = Some(now);
            }
        } else if line.contains("msg=\"replica sync\"")
            && let (Some(replica), Some(db)) = (field("txid.replica"), field("txid.db"))
        {
            self.shipped(replica, now);
            if replica >= db {
                self.synced_at = Some(self.synced_at.map_or(now, |t| t.max(now)));
            } else {
                // Known from here on (at Litestream's start: taken before).
                self.taken(db, now);
            }
        }
    }

    /// A transaction taken from the WAL: its writes were made after the
    /// previous take (else that one would hold them), so their age counts
    /// from then.
    fn taken(&mut self, txid: u64, now: SystemTime) {
        let since = self.synced_at.unwrap_or(now);
        self.synced_at = Some(now);
        let newer = self.pending.back().is_none_or(|(last, _)| txid > *last);
        if newer && self.replica_txid.is_none_or(|r| txid > r) && self.pending.len() < PENDING_MAX {
            self.pending.push_back((txid, since));
        }
    }

    /// Litestream read the WAL at `at` and found nothing new.
    fn looked(&mut self, at: SystemTime) {
        self.synced_at = Some(self.synced_at.map_or(at, |t| t.max(at)));
    }

    fn shipped(&mut self, txid: u64, now: SystemTime) {
        self.replica_txid = Some(self.replica_txid.map_or(txid, |r| r.max(txid)));
        while self.pending.front().is_some_and(|(t, _)| *t <= txid) {
            self.pending.pop_front();
        }
        if self.synced_at.is_none() {
            self.synced_at = Some(now);
        }
    }

    /// Seconds the oldest write not yet in the replica may be old, for a
    /// store whose WAL last changed at `wal_changed`: the writes of the
    /// oldest transaction taken and not shipped, or, for writes Litestream
    /// has not taken yet, the time since it last took any. `None` before
    /// Litestream said anything.
    pub fn lag(&self, wal_changed: Option<SystemTime>, now: SystemTime) -> Option<f64> {
        let synced = self.synced_at?;
        let age = |t: SystemTime| {
            now.duration_since(t)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0)
        };
        let unshipped = self.pending.front().map_or(0.0, |(_, t)| age(*t));
        let untaken = match wal_changed {
            Some(changed) if changed > synced => age(synced),
            _ => 0.0,
        };
        Some(unshipped.max(untaken))
    }
}

/// Stops the child when a run ends without [`Replicator::run`] seeing it
/// exit (an aborted run). Waits in a thread of its own.
struct ChildGuard(Arc<Replicator>);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let child = self
            .0
            .child
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        self.0.set(|s| s.running = false);
        if let Some(child) = child {
            let _ = std::thread::Builder::new()
                .name("zezaro-litestream-stop".into())
                .spawn(move || terminate(child));
        }
    }
}

#[allow(unsafe_code)]
fn terminate(mut child: Child) {
    // SAFETY: kill(2) on our own child's pid, which we have not reaped.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let deadline = std::time::Instant::now() + STOP_WAIT;
    while std::time::Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            tracing::info!("litestream stopped");
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    tracing::warn!("litestream did not stop in time; killed");
    let _ = child.kill();
    let _ = child.wait();
}

/// `AWS_CA_BUNDLE` (set on some hosts for every tool) makes Litestream's
/// S3 client refuse to start ("unable to add custom RootCAs HTTPClient");
/// Go takes the same bundle as `SSL_CERT_FILE`, unless that is set already.
pub(super) fn ca_bundle_for_go(command: &mut Command) {
    if let Some(bundle) = std::env::var_os("AWS_CA_BUNDLE") {
        command.env_remove("AWS_CA_BUNDLE");
        if !bundle.is_empty() && std::env::var_os("SSL_CERT_FILE").is_none() {
            command.env("SSL_CERT_FILE", bundle);
        }
    }
}

/// The child gets SIGTERM when zezaro dies (even by SIGKILL), so no
/// Litestream is left behind replicating a store nobody serves.
#[allow(unsafe_code)]
fn die_with_parent(command: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe; nothing else runs in the hook.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = crate::db::files::create_private_file(path, false)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Litestream's control socket, relative to the data directory (its
/// working directory): an absolute path there may pass a socket path's 107
/// bytes.
pub const SOCKET_FILE: &str = "litestream.sock";

/// How the writer hands a long WAL to Litestream (db/wal_drain.rs): `litestream
/// sync` on the control socket ships the new frames and checkpoints at
/// once; with writes held meanwhile, the checkpoint copies every frame and
/// the WAL starts over.
pub fn wal_drain(settings: &Replication, data_dir: &Path) -> crate::db::WalDrain {
    let litestream = settings.litestream.clone();
    let data_dir = data_dir.to_path_buf();
    Arc::new(move || {
        // As Litestream's config names the store (canonical); the directory
        // exists by the time anything commits.
        let dir = std::fs::canonicalize(&data_dir)
            .map_err(|e| format!("data directory {}: {e}", data_dir.display()))?;
        let mut child = Command::new(&litestream)
            .args(["sync", "-socket", SOCKET_FILE])
            .arg(dir.join(crate::db::STORE_FILE))
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", litestream.display()))?;
        // Writes wait meanwhile: not longer than this (Litestream busy with
        // a snapshot of the whole store takes its time; its sync goes on).
        let deadline = std::time::Instant::now() + DRAIN_WAIT;
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => return Err(format!("litestream sync failed ({status})")),
                Ok(None) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!(
                        "litestream sync took longer than {} s",
                        DRAIN_WAIT.as_secs()
                    ));
                }
                Err(err) => return Err(format!("litestream sync: {err}")),
            }
        }
    })
}

/// The longest the writer waits for Litestream's sync of a long WAL.
const DRAIN_WAIT: Duration = Duration::from_secs(2);

/// A YAML double-quoted scalar (JSON's string syntax is a subset of it).
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Litestream's config for the store at `db_path`. Secrets are opened by
/// `open` and written only into this file (0600).
pub fn config_yaml(
    db_path: &Path,
    settings: &Replication,
    open: &dyn Fn(&Sealed) -> Result<String, String>,
) -> Result<String, String> {
    let sync = format!("{}ms", settings.sync_interval.as_millis());
    let mut y = String::new();
    y.push_str(
        "# Written by zezaro at each start from its [replication] settings; edits are lost.\n",
    );
    // Debug: the lines that tell each shipped transaction ([`Progress`]).
    y.push_str("logging:\n  level: debug\n  stderr: true\n");
    // For the writer's hand-over of a long WAL ([`wal_drain`]); 0600.
    y.push_str(&format!(
        "socket:\n  enabled: true\n  path: {}\n",
        q(SOCKET_FILE)
    ));
    y.push_str(&format!(
        "dbs:\n  - path: {}\n",
        q(&db_path.to_string_lossy())
    ));
    // Litestream checkpoints the WAL alone, and the writer hands it a long
    // WAL (db/wal_drain.rs). Its TRUNCATE fallback is off: after one it
    // re-encodes the whole store under the write lock.
    y.push_str("    truncate-page-n: 0\n");
    y.push_str("    replica:\n");
    // Litestream's files: `db` under the remote directory or key prefix.
    let remote_db = settings.target.remote_path("db").unwrap_or_default();
    match &settings.target {
        Target::File { dir } => {
            y.push_str("      type: file\n");
            y.push_str(&format!(
                "      path: {}\n",
                q(&dir.join("db").to_string_lossy())
            ));
        }
        Target::Sftp {
            host,
            user,
            key_path,
            password,
            host_key,
            ..
        } => {
            y.push_str("      type: sftp\n");
            if let Some(k) = host_key {
                y.push_str(&format!("      host-key: {}\n", q(k)));
            }
            y.push_str(&format!("      host: {}\n", q(host)));
            y.push_str(&format!("      user: {}\n", q(user)));
            y.push_str(&format!("      path: {}\n", q(&remote_db)));
            if let Some(key) = key_path {
                y.push_str(&format!("      key-path: {}\n", q(&key.to_string_lossy())));
            }
            if let Some(p) = password {
                y.push_str(&format!("      password: {}\n", q(&open(p)?)));
            }
        }
        Target::S3 {
            bucket,
            endpoint,
            region,
            access_key_id,
            secret_access_key,
            ..
        } => {
            y.push_str("      type: s3\n");
            y.push_str(&format!("      bucket: {}\n", q(bucket)));
            y.push_str(&format!("      path: {}\n", q(&remote_db)));
            if let Some(e) = endpoint {
                y.push_str(&format!("      endpoint: {}\n", q(e)));
                y.push_str("      force-path-style: true\n");
            }
            if let Some(r) = region {
                y.push_str(&format!("      region: {}\n", q(r)));
            }
            y.push_str(&format!("      access-key-id: {}\n", q(access_key_id)));
            y.push_str(&format!(
                "      secret-access-key: {}\n",
                q(&open(secret_access_key)?)
            ));
        }
    }
    y.push_str(&format!("      sync-interval: {sync}\n"));
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_quotes_paths_and_opens_secrets() {
        let settings = Replication {
            litestream: PathBuf::from("/usr/bin/litestream"),
            rclone: None,
            target: Target::S3 {
                bucket: "b\"x".into(),
                path: "/zezaro/".into(),
                endpoint: Some("https://s3.example".into()),
                region: None,
                access_key_id: "AK".into(),
                secret_access_key: Sealed(vec![1]),
            },
            sync_interval: Duration::from_millis(500),
        };
        let yaml = config_yaml(Path::new("/data/zezaro.db"), &settings, &|_| {
            Ok("s3cr$t".into())
        })
        .expect("yaml");
        assert!(yaml.contains("path: \"/data/zezaro.db\""), "{yaml}");
        assert!(yaml.contains("    truncate-page-n: 0\n"), "{yaml}");
        assert!(
            yaml.contains("socket:\n  enabled: true\n  path: \"litestream.sock\"\n"),
            "{yaml}"
        );
        assert!(yaml.contains("bucket: \"b\\\"x\""), "{yaml}");
        assert!(yaml.contains("path: \"zezaro/db\""), "{yaml}");
        assert!(yaml.contains("secret-access-key: \"s3cr$t\""), "{yaml}");
        assert!(yaml.contains("sync-interval: 500ms"), "{yaml}");
    }

    /// Lines as Litestream 0.5.17 writes them (from a run against a store
    /// with one insert).
    #[test]
    fn progress_follows_litestreams_log() {
        let t = |ms: u64| SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
        let mut p = Progress::default();
        assert_eq!(
            p.lag(Some(t(0)), t(10)),
            None,
            "not known before the first sync"
        );
        p.line(r#"time=2026-12-04T21:50:13.868Z level=INFO msg="snapshot complete" system=store db=x.db txid=0000000000000001 size=577"#, t(1000));
        p.line(r#"time=2026-12-04T21:50:14.066Z level=DEBUG msg="replica sync" system=store db=x.db replica=file txid.replica=0000000000000001 txid.db=0000000000000001"#, t(1200));
        assert_eq!(p.lag(Some(t(1100)), t(1500)), Some(0.0), "no write since");
        assert_eq!(
            p.lag(Some(t(1300)), t(1500)),
            Some(0.3),
            "a write not taken yet"
        );
        // A write: taken from the WAL (txid 2), not yet shipped.
        p.line(r#"time=2026-12-04T21:50:14.863Z level=DEBUG msg=sync system=store db=x.db txid=0000000000000002 offset=28872"#, t(2000));
        p.line(r#"time=2026-12-04T21:50:14.863Z level=DEBUG msg="db sync" system=store db=x.db status=ok"#, t(2000));
        p.line(r#"time=2026-12-04T21:50:14.864Z level=DEBUG msg="replica sync" system=store db=x.db replica=file txid.replica=0000000000000001 txid.db=0000000000000002"#, t(2001));
        // Its writes were made after the last moment the replica was
        // complete (1.2 s).
        assert_eq!(p.lag(Some(t(1900)), t(2500)), Some(1.3));
        // Shipped: nothing waits.
        p.line(r#"time=2026-12-04T21:50:14.865Z level=DEBUG msg="ltx file uploaded" system=store db=x.db replica=sftp level=0 minTXID=0000000000000002 maxTXID=0000000000000002 size=201"#, t(2002));
        assert_eq!(p.replica_txid, Some(2));
        assert_eq!(p.uploaded_at, Some(t(2002)));
        assert_eq!(p.lag(Some(t(1900)), t(2500)), Some(0.0));
        // Compaction uploads (other levels) say nothing of new writes.
        p.line(r#"level=DEBUG msg="ltx file uploaded" level=1 minTXID=0000000000000001 maxTXID=00000000000000ff"#, t(3000));
        assert_eq!(p.replica_txid, Some(2));
    }

    /// Under a steady write load Litestream takes a new transaction before
    /// the last one is shipped, so the replica is never "complete"; the
    /// lag is the age of the oldest transaction not shipped, not the time
    /// since the replica last held everything.
    #[test]
    fn under_steady_writes_the_lag_stays_one_round_behind() {
        let t = |ms: u64| SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
        let mut p = Progress::default();
        p.line(
            r#"level=INFO msg="snapshot complete" txid=0000000000000001"#,
            t(0),
        );
        for round in 1..=60u64 {
            let ms = round * 1000;
            p.line(
                &format!("level=DEBUG msg=sync txid={:016x} offset=1", round + 1),
                t(ms),
            );
            p.line(r#"level=DEBUG msg="db sync" status=ok"#, t(ms));
            p.line(&format!(r#"level=DEBUG msg="ltx file uploaded" level=0 minTXID={0:016x} maxTXID={0:016x}"#, round), t(ms + 300));
        }
        // At 60.5 s: txid 61, taken at 60 s, waits; its writes were made
        // after the take at 59 s. The WAL changed at 60.4 s.
        assert_eq!(p.lag(Some(t(60_400)), t(60_500)), Some(1.5));
        // Uploads stop: the lag grows from the oldest waiting one.
        p.line(
            "level=DEBUG msg=sync txid=000000000000003e offset=1",
            t(61_000),
        );
        p.line(r#"level=DEBUG msg="db sync" status=ok"#, t(61_000));
        assert_eq!(p.lag(Some(t(61_000)), t(65_000)), Some(6.0));
    }

    /// Idle: Litestream says `sync` with the next transaction id every
    /// second and writes nothing (no `db sync`). Nothing waits, so the lag
    /// stays 0 (it grew without end when each such line counted as taken).
    #[test]
    fn an_idle_store_has_no_lag() {
        let t = |ms: u64| SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
        let mut p = Progress::default();
        p.line(
            r#"level=DEBUG msg=sync txid=0000000000000004 offset=1"#,
            t(0),
        );
        p.line(r#"level=DEBUG msg="db sync" status=ok"#, t(0));
        p.line(r#"level=DEBUG msg="ltx file uploaded" level=0 minTXID=0000000000000004 maxTXID=0000000000000004"#, t(300));
        for second in 1..=60u64 {
            p.line(
                r#"level=DEBUG msg=sync txid=0000000000000005 offset=2"#,
                t(second * 1000),
            );
            p.line(r#"level=DEBUG msg="replica sync" txid.replica=0000000000000004 txid.db=0000000000000004"#, t(second * 1000 + 10));
        }
        assert_eq!(p.lag(Some(t(0)), t(60_500)), Some(0.0));
        // A write at 60.6 s, not yet taken: its age counts from the last
        // moment the replica held everything (60.01 s).
        assert_eq!(p.lag(Some(t(60_600)), t(61_000)), Some(0.99));
    }
}
