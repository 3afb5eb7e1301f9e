//! Builds the web UI (web/, TypeScript + Vite) into web/dist before the
//! binary embeds it, so that `cargo run` / `cargo build` from a fresh clone
//! produce a complete binary. Set ZEZARO_SKIP_WEB_BUILD=1 to embed whatever
//! web/dist holds (e.g. when the UI was built separately).

use std::path::Path;
use std::process::Command;

/// The id newtypes of `src/ids.rs`: utoipa's derives document each as an
/// `i64`, so ids stay plain integers in the OpenAPI document.
const ID_TYPES: &[&str] = &[
    "CaseId",
    "ProjectId",
    "ClientId",
    "UserId",
    "ContactId",
    "OrganizationId",
    "TeamId",
];

fn main() {
    let config = ID_TYPES
        .iter()
        .fold(utoipa_config::Config::new(), |config, id| {
            config.alias_for(id, "i64")
        });
    config.write_to_file();

    for path in [
        "web/src",
        "web/index.html",
        "web/package.json",
        "web/package-lock.json",
        "web/vite.config.ts",
        "web/tsconfig.json",
        "migrations",
    ] {
        println!("cargo:rerun-if-changed={path}");
    }
    println!("cargo:rerun-if-env-changed=ZEZARO_SKIP_WEB_BUILD");

    let web = Path::new("web");
    if std::env::var_os("ZEZARO_SKIP_WEB_BUILD").is_some_and(|v| v != "0") {
        std::fs::create_dir_all(web.join("dist")).expect("create web/dist");
        return;
    }
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    if !web.join("node_modules").exists() {
        run(
            Command::new(npm)
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(web),
            "npm ci",
        );
    }
    run(
        Command::new(npm).args(["run", "build"]).current_dir(web),
        "npm run build",
    );
}

fn run(command: &mut Command, what: &str) {
    match command.status() {
        Ok(status) if status.success() => {}
        Ok(status) => panic!(
            "{what} in web/ failed ({status}); the web UI could not be built. \
             Fix the error above, or set ZEZARO_SKIP_WEB_BUILD=1 to embed web/dist as it is."
        ),
        Err(err) => panic!(
            "cannot run {what} in web/: {err}. Node.js and npm are needed to build the web UI \
             (Debian: apt-get install nodejs npm)."
        ),
    }
}
