//! A real, throwaway Postfix for the outbound-mail tests: its own config
//! directory, queue and Maildir in a temp dir, an `smtpd` on a free loopback
//! port, and every recipient domain delivered by `virtual(8)` into one
//! Maildir (`mail/inbox/`), which the tests read and parse.
//!
//! Started with `postfix -c DIR start`; as root Postfix accepts a config
//! directory outside `alternate_config_directories`, so /etc/postfix is not
//! touched. Plain SMTP on 127.0.0.1; `configure_with_auth` adds SMTP AUTH
//! (PLAIN/LOGIN) through a throwaway Dovecot used as Postfix's SASL server,
//! and then only authenticated clients may send. Logs go to `postfix.log`
//! (and `dovecot.log`) in the temp dir (no syslog needed).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

const POSTFIX: &str = "/usr/sbin/postfix";

pub struct Postfix {
    pub port: u16,
    dir: TempDir,
    running: bool,
    /// Dovecot as the SASL server, with `configure_with_auth`.
    sasl: Option<Child>,
}

/// A delivered mail: its file's raw bytes.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub path: PathBuf,
    pub raw: Vec<u8>,
}

impl Delivered {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a parsable mail")
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn id_of(args: &[&str]) -> String {
    let out = Command::new("id").args(args).output().expect("id");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl Postfix {
    /// Configured on a free port, not started.
    pub fn configure() -> Postfix {
        Postfix::configure_inner(None, false)
    }

    /// Listening, and taking mail only after STARTTLS, with a self-signed
    /// certificate (as on-premises servers often have).
    pub fn start_new_with_starttls() -> Postfix {
        let mut postfix = Postfix::configure_inner(None, true);
        postfix.start();
        postfix
    }

    /// Configured to take mail only from clients that log in as `user`
    /// with `password` (checked by a Dovecot of its own); not started.
    pub fn configure_with_auth(user: &str, password: &str) -> Postfix {
        Postfix::configure_inner(Some((user, password)), false)
    }

    fn configure_inner(auth: Option<(&str, &str)>, starttls: bool) -> Postfix {
        assert!(
            Path::new(POSTFIX).exists(),
            "Postfix is not installed (apt-get install postfix; see .ci/test)"
        );
        let dir = tempfile::Builder::new()
            .prefix("zezaro-postfix-")
            .tempdir()
            .expect("temp dir");
        let root = dir.path();
        for sub in ["etc", "spool", "data", "mail"] {
            std::fs::create_dir_all(root.join(sub)).expect("mkdir");
        }
        // Postfix's daemons run as `postfix` and must reach their dirs.
        let uid = id_of(&["-u", "postfix"]);
        let gid = id_of(&["-g", "postfix"]);
        assert!(!uid.is_empty(), "no postfix user");
        run_ok(Command::new("chmod").arg("755").arg(root));
        run_ok(
            Command::new("chown")
                .arg("-R")
                .arg(format!("{uid}:{gid}"))
                .arg(root.join("data"))
                .arg(root.join("mail")),
        );
        let port = free_port();
        let r = root.display();
        let main_cf = format!(
            "compatibility_level = 3.6
queue_directory = {r}/spool
data_directory = {r}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = smtp.postfix.test
mydomain = postfix.test
myorigin = postfix.test
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains =
virtual_mailbox_domains = static:ALL
virtual_mailbox_base = {r}/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
virtual_minimum_uid = 1
message_size_limit = 52428800
virtual_mailbox_limit = 0
maillog_file = {r}/postfix.log
maillog_file_prefixes = {r}
smtpd_banner = $myhostname ESMTP
smtputf8_enable = no
biff = no
"
        );
        let mut main_cf = main_cf;
        let mut sasl = None;
        if let Some((user, password)) = auth {
            sasl = Some(start_sasl(root, user, password));
            main_cf.push_str(&format!(
                "smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = {r}/sasl/run/auth
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
"
            ));
        }
        if starttls {
            run_ok(
                Command::new("openssl")
                    .args([
                        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    ])
                    .args(["-subj", "/CN=smtp.postfix.test", "-keyout"])
                    .arg(root.join("key.pem"))
                    .arg("-out")
                    .arg(root.join("cert.pem")),
            );
            run_ok(
                Command::new("chmod")
                    .arg("644")
                    .arg(root.join("key.pem"))
                    .arg(root.join("cert.pem")),
            );
            main_cf.push_str(&format!(
                "smtpd_tls_cert_file = {r}/cert.pem
smtpd_tls_key_file = {r}/key.pem
smtpd_tls_security_level = encrypt
smtpd_tls_loglevel = 1
"
            ));
        }
        std::fs::write(root.join("etc/main.cf"), main_cf).expect("main.cf");
        let master_cf = format!(
            "127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
virtual   unix  - n n - - virtual
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"
        );
        std::fs::write(root.join("etc/master.cf"), master_cf).expect("master.cf");
        Postfix {
            port,
            dir,
            running: false,
            sasl,
        }
    }

    /// Configured and listening.
    pub fn start_new() -> Postfix {
        let mut postfix = Postfix::configure();
        postfix.start();
        postfix
    }

    fn etc(&self) -> PathBuf {
        self.dir.path().join("etc")
    }

    pub fn start(&mut self) {
        let out = Command::new(POSTFIX)
            .arg("-c")
            .arg(self.etc())
            .arg("start")
            .output()
            .expect("run postfix");
        assert!(
            out.status.success(),
            "postfix start failed ({}): {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
        self.running = true;
        // Wait for smtpd to accept connections.
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "postfix does not listen on {}: {}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn stop(&mut self) {
        if self.running {
            let _ = Command::new(POSTFIX)
                .arg("-c")
                .arg(self.etc())
                .arg("stop")
                .output();
            self.running = false;
        }
    }

    pub fn log(&self) -> String {
        let mut log =
            std::fs::read_to_string(self.dir.path().join("postfix.log")).unwrap_or_default();
        if let Ok(sasl) = std::fs::read_to_string(self.dir.path().join("sasl/dovecot.log")) {
            log.push_str("--- dovecot (SASL) ---\n");
            log.push_str(&sasl);
        }
        log
    }

    /// Every mail delivered so far, oldest first.
    pub fn delivered(&self) -> Vec<Delivered> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.dir.path().join("mail/inbox").join(sub))
            else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if let Ok(raw) = std::fs::read(&path) {
                    let modified = entry.metadata().and_then(|m| m.modified()).ok();
                    out.push((modified, Delivered { path, raw }));
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.path.cmp(&b.1.path)));
        out.into_iter().map(|(_, d)| d).collect()
    }

    /// The mails whose subject contains `needle`.
    pub fn with_subject(&self, needle: &str) -> Vec<Delivered> {
        self.delivered()
            .into_iter()
            .filter(|d| d.parsed().subject().is_some_and(|s| s.contains(needle)))
            .collect()
    }

    /// Waits until a mail whose subject contains `needle` arrived.
    pub async fn wait_for(&self, needle: &str, timeout: Duration) -> Delivered {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self.with_subject(needle).into_iter().next() {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "no mail with subject {needle:?} arrived; postfix log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        self.stop();
        if let Some(mut child) = self.sasl.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A Dovecot that only authenticates (no mail protocols), its SASL socket at
/// `ROOT/sasl/run/auth`, one user with a plain-text password.
fn start_sasl(root: &Path, user: &str, password: &str) -> Child {
    let base = root.join("sasl");
    std::fs::create_dir_all(base.join("state")).expect("mkdir");
    std::fs::write(base.join("passwd"), format!("{user}:{{PLAIN}}{password}\n")).expect("passwd");
    let b = base.display();
    let config = format!(
        "base_dir = {b}/run
state_dir = {b}/state
log_path = {b}/dovecot.log
protocols =
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {b}/passwd
}}
service auth {{
  unix_listener auth {{
    mode = 0666
  }}
}}
service anvil {{
  chroot =
}}
"
    );
    std::fs::write(base.join("dovecot.conf"), config).expect("dovecot.conf");
    let child = Command::new("dovecot")
        .arg("-F")
        .arg("-c")
        .arg(base.join("dovecot.conf"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("dovecot (apt-get install dovecot-imapd)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !base.join("run/auth").exists() {
        assert!(
            Instant::now() < deadline,
            "dovecot's SASL socket did not appear: {}",
            std::fs::read_to_string(base.join("dovecot.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

fn run_ok(cmd: &mut Command) {
    let status = cmd.status().expect("run");
    assert!(status.success(), "{cmd:?} failed");
}
