//! A real, throwaway Dovecot (Debian's dovecot-imapd) for the ingestion
//! tests: its own config, base_dir, state and Maildir in a temp dir, IMAP on
//! a free loopback port (plain auth allowed), optionally IMAPS with a
//! self-signed certificate made by openssl. One user from a passwd-file
//! userdb: the current user, or `nobody` when the tests run as root
//! (Dovecot refuses mail access as uid 0).
//!
//! Messages are delivered by writing them into the Maildir (`new/`,
//! written to `tmp/` and renamed, as an MDA does).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tempfile::TempDir;

pub const USER: &str = "agent";
pub const PASSWORD: &str = "imap-secret-Pw9";

pub struct Dovecot {
    pub port: u16,
    /// The IMAPS port, with `start_tls`.
    pub tls_port: Option<u16>,
    pub dir: TempDir,
    uid: u32,
    gid: u32,
    child: Option<Child>,
}

static SEQ: AtomicU64 = AtomicU64::new(0);

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl Dovecot {
    pub fn start() -> Dovecot {
        Self::launch(false)
    }

    /// Also IMAPS (TLS from the first byte) with a self-signed certificate.
    pub fn start_tls() -> Dovecot {
        Self::launch(true)
    }

    fn launch(tls: bool) -> Dovecot {
        let dir = tempfile::tempdir().expect("temp dir");
        // Dovecot's unprivileged login processes must reach base_dir.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let me = std::fs::metadata(dir.path()).expect("stat");
        let (uid, gid) = if me.uid() == 0 {
            (65534, 65534)
        } else {
            (me.uid(), me.gid())
        };
        let root = dir.path();
        let mail = root.join("mail");
        std::fs::create_dir_all(&mail).expect("mail dir");
        chown(&mail, uid, gid);
        std::fs::write(
            root.join("passwd"),
            format!(
                "{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{}\n",
                root.join("home").display()
            ),
        )
        .expect("passwd");
        let port = free_port();
        let tls_port = tls.then(free_port);
        let ssl = if tls {
            let status = Command::new("openssl")
                .args([
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "2",
                    "-subj",
                    "/CN=localhost",
                    "-keyout",
                ])
                .arg(root.join("key.pem"))
                .arg("-out")
                .arg(root.join("cert.pem"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("openssl");
            assert!(status.success(), "openssl req failed");
            format!(
                "ssl = yes\nssl_cert = <{}\nssl_key = <{}\n",
                root.join("cert.pem").display(),
                root.join("key.pem").display()
            )
        } else {
            "ssl = no\n".to_string()
        };
        let r = root.display();
        let config = format!(
            "base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
mail_location = maildir:{r}/mail/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {r}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
  }}
}}
service anvil {{
  chroot =
}}
",
            imaps = tls_port.unwrap_or(0),
        );
        std::fs::write(root.join("dovecot.conf"), config).expect("config");
        let child = Command::new("dovecot")
            .arg("-F")
            .arg("-c")
            .arg(root.join("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dovecot (apt-get install dovecot-imapd)");
        let mut server = Dovecot {
            port,
            tls_port,
            dir,
            uid,
            gid,
            child: Some(child),
        };
        server.create_folder("");
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                use std::io::Read;
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut buf = [0u8; 64];
                if matches!(stream.read(&mut buf), Ok(n) if n > 4 && buf.starts_with(b"* OK")) {
                    return;
                }
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("dovecot exited ({status}): {}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "dovecot not ready: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    /// The Maildir of a folder ("" is INBOX).
    pub fn maildir(&self, folder: &str) -> PathBuf {
        let base = self.dir.path().join("mail").join(USER).join("Maildir");
        if folder.is_empty() || folder.eq_ignore_ascii_case("INBOX") {
            base
        } else {
            base.join(format!(".{folder}"))
        }
    }

    /// Creates a folder (Maildir++), owned by the mail user.
    pub fn create_folder(&self, folder: &str) {
        let dir = self.maildir(folder);
        let mut owned = vec![self.dir.path().join("mail").join(USER), self.maildir("")];
        owned.push(dir.clone());
        for sub in ["cur", "new", "tmp"] {
            owned.push(dir.join(sub));
        }
        for path in owned {
            std::fs::create_dir_all(&path).expect("maildir");
            chown(&path, self.uid, self.gid);
        }
        if !folder.is_empty() {
            let marker = dir.join("maildirfolder");
            std::fs::write(&marker, b"").expect("maildirfolder");
            chown(&marker, self.uid, self.gid);
        }
    }

    /// Delivers a raw message into INBOX (as new, unseen).
    pub fn deliver(&self, raw: &[u8]) {
        self.deliver_to("", raw);
    }

    pub fn deliver_to(&self, folder: &str, raw: &[u8]) {
        let dir = self.maildir(folder);
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let name = format!(
            "{}.M{}P{}Q{n}.zezaro-test",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            n,
            std::process::id()
        );
        let tmp = dir.join("tmp").join(&name);
        std::fs::write(&tmp, raw).expect("write mail");
        chown(&tmp, self.uid, self.gid);
        std::fs::rename(&tmp, dir.join("new").join(&name)).expect("deliver mail");
    }

    /// Messages in a folder (new and cur), not counting ones marked deleted.
    pub fn count(&self, folder: &str) -> usize {
        self.files(folder)
            .iter()
            .filter(|name| !flags_of(name).contains('T'))
            .count()
    }

    /// Messages in a folder that carry the \Seen flag.
    pub fn seen(&self, folder: &str) -> usize {
        self.files(folder)
            .iter()
            .filter(|name| flags_of(name).contains('S'))
            .count()
    }

    fn files(&self, folder: &str) -> Vec<String> {
        let dir = self.maildir(folder);
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(dir.join(sub)) {
                for entry in entries.flatten() {
                    out.push(entry.file_name().to_string_lossy().into_owned());
                }
            }
        }
        out
    }

    /// JSON for `POST /projects/{id}/mailboxes` pointing at this server.
    pub fn mailbox_json(&self, address: &str) -> serde_json::Value {
        serde_json::json!({
            "name": format!("Support {address}"),
            "address": address,
            "sender_name": "Support",
            "imap_host": "127.0.0.1",
            "imap_port": self.port,
            "imap_security": "plain",
            "imap_username": USER,
            "imap_password": PASSWORD,
            "smtp_host": "127.0.0.1",
            "smtp_port": 25,
            "smtp_security": "plain",
            "smtp_password": "smtp-secret-Xq7",
            // Paused, and scheduled far in the future: the tests fetch on
            // demand (a running loop would also take mail over IDLE).
            "fetch_schedule": "0 0 0 1 1 *",
            "paused": true,
        })
    }

    /// Mailbox JSON whose server is a closed loopback port (never fetched).
    pub fn placeholder_json(address: &str) -> serde_json::Value {
        serde_json::json!({
            "name": format!("Support {address}"),
            "address": address,
            "imap_host": "127.0.0.1",
            "imap_port": 1,
            "imap_security": "plain",
            "imap_username": USER,
            "imap_password": PASSWORD,
            "smtp_host": "127.0.0.1",
            "smtp_port": 1,
            "smtp_security": "plain",
            "fetch_schedule": "0 0 0 1 1 *",
        })
    }

    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.kill();
    }
}

fn flags_of(name: &str) -> &str {
    name.rsplit_once(":2,").map(|(_, f)| f).unwrap_or("")
}

fn chown(path: &Path, uid: u32, gid: u32) {
    let _ = std::os::unix::fs::chown(path, Some(uid), Some(gid));
}
