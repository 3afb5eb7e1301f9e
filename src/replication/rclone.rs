//! Attachments and mail packs to an sftp or s3 replica, copied by rclone
//! (Debian's `rclone`), not by a protocol of our own.
//!
//! The replica's `blobs/` lies beside Litestream's `db/` on the same target
//! (`<path>/blobs` over sftp, `<bucket>/<prefix>/blobs` on s3), in the
//! layout of `attachments/`. Each content is uploaded, then read back and
//! compared with the local file (`rclone check --download`) before the
//! function that wrote it returns: the same order as the file target
//! ([`super::blobs`]), so a replica never names a file it lacks. Contents
//! are immutable and copied once (`--ignore-existing`); only an erasure
//! replaces a pack (uploaded again) or deletes a loose content.
//!
//! rclone's config (`rclone.conf`, 0600, in the data directory) is written
//! by `serve` at each start from the `[replication]` settings, like
//! Litestream's; the sftp password is stored in rclone's obscured form.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::settings::{Sealed, Target};

/// rclone's config file in the data directory.
pub const CONFIG_FILE: &str = "rclone.conf";
/// The remote's name inside that file.
const REMOTE: &str = "replica";

/// The replica's blob directory on an sftp or s3 target, as rclone names
/// it; `None` for a file target.
pub fn blobs_root(target: &Target) -> Option<String> {
    let blobs = target.remote_path("blobs")?;
    Some(match target {
        Target::S3 { bucket, .. } => format!("{REMOTE}:{bucket}/{blobs}"),
        _ => format!("{REMOTE}:{blobs}"),
    })
}

/// The sftp server's pinned host key, in `known_hosts` form, next to
/// rclone's config.
pub const KNOWN_HOSTS_FILE: &str = "replica_known_hosts";

/// The `known_hosts` line of an sftp target with a `host_key`.
pub fn known_hosts_line(target: &Target) -> Option<String> {
    let Target::Sftp {
        host,
        host_key: Some(key),
        ..
    } = target
    else {
        return None;
    };
    let (name, port) = split_host(host);
    Some(if port == "22" {
        format!("{name} {key}\n")
    } else {
        format!("[{name}]:{port} {key}\n")
    })
}

/// `host`, `host:port` or `[v6]:port` → host and port.
fn split_host(host: &str) -> (&str, &str) {
    let (name, port) = match host.rsplit_once(':') {
        Some((h, p)) if p.parse::<u16>().is_ok() && (!h.contains(':') || h.ends_with(']')) => {
            (h, p)
        }
        _ => (host, "22"),
    };
    (name.trim_start_matches('[').trim_end_matches(']'), port)
}

/// rclone's config for an sftp or s3 target (`None`: file target).
/// Secrets are opened by `open`; `obscure` turns the sftp password into
/// rclone's config form (`rclone obscure`); `known_hosts` is the file of
/// the pinned host key (written beside it when the target has one).
pub fn config_text(
    target: &Target,
    open: &dyn Fn(&Sealed) -> Result<String, String>,
    obscure: &dyn Fn(&str) -> Result<String, String>,
    known_hosts: &Path,
) -> Result<Option<String>, String> {
    let mut c = format!(
        "# Written by zezaro at each start from its [replication] settings; edits are lost.\n\
         [{REMOTE}]\n"
    );
    let mut line = |key: &str, value: &str| -> Result<(), String> {
        if value.contains(['\n', '\r']) {
            return Err(format!("replication: {key} must be one line"));
        }
        c.push_str(&format!("{key} = {value}\n"));
        Ok(())
    };
    match target {
        Target::File { .. } => return Ok(None),
        Target::Sftp {
            host,
            user,
            key_path,
            password,
            host_key,
            ..
        } => {
            let (host, port) = split_host(host);
            line("type", "sftp")?;
            line("host", host)?;
            line("port", port)?;
            line("user", user)?;
            if let Some(key) = key_path {
                line("key_file", &key.to_string_lossy())?;
            }
            if let Some(p) = password {
                line("pass", &obscure(&open(p)?)?)?;
            }
            // No remote shell: every content is verified by reading it back
            // (`check --download`), which needs no md5sum on the server and
            // works with an sftp-only account.
            line("shell_type", "none")?;
            if host_key.is_some() {
                line("known_hosts_file", &known_hosts.to_string_lossy())?;
            }
            line("disable_hashcheck", "true")?;
        }
        Target::S3 {
            endpoint,
            region,
            access_key_id,
            secret_access_key,
            ..
        } => {
            line("type", "s3")?;
            line("provider", "Other")?;
            line("access_key_id", access_key_id)?;
            line("secret_access_key", &open(secret_access_key)?)?;
            if let Some(e) = endpoint {
                line("endpoint", e)?;
                line("force_path_style", "true")?;
            }
            if let Some(r) = region {
                line("region", r)?;
            }
            // The bucket is the operator's: never created by zezaro.
            line("no_check_bucket", "true")?;
        }
    }
    Ok(Some(c))
}

/// `rclone obscure` of a secret (read on standard input, never an argument).
pub fn obscure(rclone: &Path, secret: &str) -> Result<String, String> {
    let mut child = Command::new(rclone)
        .args(["obscure", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", rclone.display()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(secret.as_bytes())
            .map_err(|e| format!("rclone obscure: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("rclone obscure: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || text.is_empty() {
        return Err(format!(
            "rclone obscure failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(text)
}

/// The replica's `blobs/` on an sftp or s3 target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    pub binary: PathBuf,
    pub config: PathBuf,
    /// `replica:<dir>/blobs`.
    pub root: String,
}

impl Remote {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .arg("--config")
            .arg(&self.config)
            .args([
                "--contimeout",
                "15s",
                "--timeout",
                "60s",
                "--retries",
                "3",
                "--low-level-retries",
                "5",
                "-q",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // The AWS SDK inside rclone's s3 backend (Debian's 1.60) refuses to
        // start when AWS_CA_BUNDLE is set ("unsupported transport"); the
        // same bundle given as rclone's own `--ca-cert` works.
        if let Some(bundle) = std::env::var_os("AWS_CA_BUNDLE") {
            command.env_remove("AWS_CA_BUNDLE");
            if !bundle.is_empty() {
                command.arg("--ca-cert").arg(bundle);
            }
        }
        command
    }

    /// Runs rclone with `args` (and `input` on standard input); answers
    /// its standard output or an error with rclone's last message.
    fn run(&self, args: &[&str], input: Option<&str>) -> std::io::Result<String> {
        let mut command = self.command();
        command.args(args).stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = command.spawn().map_err(|e| {
            std::io::Error::other(format!("cannot run {}: {e}", self.binary.display()))
        })?;
        if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
            stdin.write_all(text.as_bytes())?;
        }
        let out = child.wait_with_output()?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no output")
                .trim()
                .chars()
                .take(300)
                .collect::<String>();
            return Err(std::io::Error::other(format!(
                "rclone {} failed ({}): {last}",
                args.first().copied().unwrap_or(""),
                out.status
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Uploads `files` (relative to `local_root`, `/`-separated) into the
    /// replica: a file already there is kept unless `replace`. Then every
    /// one is read back from the replica and compared byte for byte with
    /// the local file; any difference fails.
    pub fn upload(
        &self,
        local_root: &Path,
        files: &[String],
        replace: bool,
    ) -> std::io::Result<()> {
        if files.is_empty() {
            return Ok(());
        }
        let list = files.join("\n") + "\n";
        let local = local_root.to_string_lossy();
        let mut copy = vec!["copy", "--files-from-raw", "-", "--no-traverse"];
        if !replace {
            copy.push("--ignore-existing");
        }
        copy.extend([local.as_ref(), self.root.as_str()]);
        self.run(&copy, Some(&list))?;
        self.run(
            &[
                "check",
                "--one-way",
                "--download",
                "--files-from-raw",
                "-",
                local.as_ref(),
                self.root.as_str(),
            ],
            Some(&list),
        )
        .map_err(|e| std::io::Error::other(format!("the replica's copy does not match: {e}")))?;
        Ok(())
    }

    /// Deletes one file from the replica (gone already: fine).
    pub fn delete(&self, rel: &str) -> std::io::Result<()> {
        let path = format!("{}/{rel}", self.root);
        match self.run(&["deletefile", &path], None) {
            Ok(_) => Ok(()),
            // rclone says so in words only ("doesn't exist", "not found").
            Err(err)
                if ["doesn't exist", "not found"]
                    .iter()
                    .any(|m| err.to_string().contains(m)) =>
            {
                Ok(())
            }
            Err(err) => Err(err),
        }
    }

    /// Every file in the replica's `blobs/` (relative, `/`-separated).
    pub fn list(&self) -> std::io::Result<HashSet<String>> {
        match self.run(&["lsf", "-R", "--files-only", &self.root], None) {
            Ok(out) => Ok(out
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect()),
            // No blobs/ yet: nothing there.
            Err(err) if err.to_string().contains("directory not found") => Ok(HashSet::new()),
            Err(err) => Err(err),
        }
    }

    /// Copies the replica's `blobs/` into `to` (restore); answers the
    /// number of files there. Interrupted uploads (dot files) are skipped.
    pub fn download_all(&self, to: &Path) -> std::io::Result<u64> {
        let files: Vec<String> = self
            .list()?
            .into_iter()
            .filter(|f| !f.rsplit('/').next().unwrap_or("").starts_with('.'))
            .collect();
        if files.is_empty() {
            return Ok(0);
        }
        crate::db::files::create_private_dir_all(to)?;
        let list = files.join("\n") + "\n";
        let dest = to.to_string_lossy();
        self.run(
            &[
                "copy",
                "--files-from-raw",
                "-",
                "--no-traverse",
                self.root.as_str(),
                dest.as_ref(),
            ],
            Some(&list),
        )?;
        Ok(files.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_secret(_: &Sealed) -> Result<String, String> {
        Ok("s3cr$t".into())
    }

    #[test]
    fn config_for_each_target() {
        let file = Target::File {
            dir: PathBuf::from("/r"),
        };
        assert_eq!(
            config_text(&file, &no_secret, &|_| unreachable!(), Path::new("/kh")).expect("ok"),
            None
        );
        assert_eq!(blobs_root(&file), None);
        let sftp = Target::Sftp {
            host: "backup.example:2222".into(),
            user: "zezaro".into(),
            path: "/srv/zezaro/".into(),
            key_path: Some(PathBuf::from("/etc/zezaro/key")),
            password: Some(Sealed(vec![1])),
            host_key: Some("ssh-ed25519 AAAAC3Nza".into()),
        };
        assert_eq!(
            known_hosts_line(&sftp).as_deref(),
            Some("[backup.example]:2222 ssh-ed25519 AAAAC3Nza\n")
        );
        let text = config_text(
            &sftp,
            &no_secret,
            &|p| Ok(format!("obscured({p})")),
            Path::new("/var/lib/zezaro/replica_known_hosts"),
        )
        .expect("ok")
        .expect("sftp");
        assert!(text.contains("type = sftp\n"), "{text}");
        assert!(
            text.contains("host = backup.example\nport = 2222\n"),
            "{text}"
        );
        assert!(text.contains("key_file = /etc/zezaro/key\n"), "{text}");
        assert!(text.contains("pass = obscured(s3cr$t)\n"), "{text}");
        assert!(
            text.contains("known_hosts_file = /var/lib/zezaro/replica_known_hosts\n"),
            "{text}"
        );
        assert_eq!(
            blobs_root(&sftp).as_deref(),
            Some("replica:/srv/zezaro/blobs")
        );
        let s3 = Target::S3 {
            bucket: "b".into(),
            path: "/site-1/".into(),
            endpoint: Some("https://s3.example".into()),
            region: None,
            access_key_id: "AK".into(),
            secret_access_key: Sealed(vec![2]),
        };
        let text = config_text(&s3, &no_secret, &|_| unreachable!(), Path::new("/kh"))
            .expect("ok")
            .expect("s3");
        assert!(text.contains("secret_access_key = s3cr$t\n"), "{text}");
        assert!(text.contains("endpoint = https://s3.example\n"), "{text}");
        assert_eq!(blobs_root(&s3).as_deref(), Some("replica:b/site-1/blobs"));
        // A value cannot smuggle in a line of its own.
        let evil = Target::S3 {
            bucket: "b".into(),
            path: String::new(),
            endpoint: None,
            region: None,
            access_key_id: "AK\nendpoint = http://evil".into(),
            secret_access_key: Sealed(vec![2]),
        };
        assert!(config_text(&evil, &no_secret, &|_| unreachable!(), Path::new("/kh")).is_err());
    }
}
