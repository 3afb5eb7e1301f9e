//! The real `zezaro` binary as a process, for command-line and crash tests.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_zezaro");

/// `zezaro ARGS`, untouched by the caller's ZEZARO_* settings; mail
/// servers on this machine (the tests' Dovecot) are allowed.
pub fn zezaro(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("ZEZARO_DATA_DIR")
        .env_remove("ZEZARO_LISTEN")
        .env_remove("ZEZARO_CONFIG")
        .env("ZEZARO_MAIL_ALLOWED_HOSTS", "127.0.0.0/8,::1,localhost");
    cmd
}

/// Runs to completion with `stdin` as standard input.
pub fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = zezaro(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn zezaro");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Starts `zezaro serve` on a free port and waits for its "Listening on"
/// line; returns the process and the URL.
pub fn serve(dir: &Path, extra: &[&str]) -> (Child, String) {
    let mut args = vec![
        "serve",
        "--data-dir",
        dir.to_str().expect("utf-8 path"),
        "--listen",
        "127.0.0.1:0",
    ];
    args.extend_from_slice(extra);
    let mut child = zezaro(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("Listening on ") {
                let _ = tx.send(url.to_string());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("server did not start");
    (child, url)
}
