//! The command line: `serve`, `user create`, `token create`, `migrate`,
//! `check`, `demo`, `backup`, `restore`, `export`, `openapi`. Messages for people on stderr; exit code 1 on failure, 2 on bad
//! arguments.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::auth::{Principal, Role};
use crate::config::{Config, Overrides};
use crate::db::Db;
use crate::http::start;
use crate::net::ip::Nets;

#[derive(Debug, Parser)]
#[command(
    name = "zezaro",
    version,
    about = "zezaro: self-hosted customer-service platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (UI and API).
    Serve {
        #[command(flatten)]
        store: StoreArgs,
        /// Address to listen on.
        #[arg(long, env = "ZEZARO_LISTEN", value_name = "ADDR")]
        listen: Option<String>,
        /// Seed demo clients, projects and users once into an empty store.
        #[arg(long)]
        demo: bool,
        /// Reverse proxies whose Forwarded / X-Forwarded-For headers name
        /// the client: addresses or CIDR networks, comma-separated.
        #[arg(long, env = "ZEZARO_TRUSTED_PROXIES", value_name = "NETS")]
        trusted_proxies: Option<Nets>,
        #[command(flatten)]
        replication: ReplicationArgs,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Apply pending store migrations and exit.
    Migrate {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Check the store: SQLite integrity, foreign keys, migrations.
    Check {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Export all data of one client as a tar.gz of documented JSON Lines and
    /// CSV files with its attachments. Reads the store read-only, so it works
    /// while the server runs.
    Export {
        #[command(flatten)]
        store: StoreArgs,
        /// The client, by name.
        #[arg(long, value_name = "NAME")]
        client: String,
        /// The archive to write (.tar.gz).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Write a backup (store and attachments, never secret.key) to a file and
    /// verify it. Safe while a server runs on the data directory.
    Backup {
        #[command(flatten)]
        store: StoreArgs,
        /// The archive to write (a .tar.gz; .tar with --no-compress).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Encrypt with this key (32 bytes or 64 hex digits); default: the
        /// config's backup_key_file.
        #[arg(long, value_name = "FILE")]
        key_file: Option<PathBuf>,
        /// Do not gzip.
        #[arg(long)]
        no_compress: bool,
    },
    /// Restore a backup into a data directory (empty, or with --force) that
    /// no server uses, then check it. With --from-replica: bring an empty
    /// data directory up from the Litestream replica instead.
    Restore {
        #[command(flatten)]
        store: StoreArgs,
        /// The archive to restore.
        #[arg(
            long,
            value_name = "FILE",
            required_unless_present = "from_replica",
            conflicts_with = "from_replica"
        )]
        from: Option<PathBuf>,
        /// A zezaro config file whose [replication] section names the
        /// replica to restore from (into an empty --data-dir).
        #[arg(long, value_name = "CONFIG")]
        from_replica: Option<PathBuf>,
        /// With --from-replica: the state at this time (RFC 3339, e.g.
        /// 2026-12-04T03:10:00Z) instead of the newest.
        #[arg(long, value_name = "TIME", requires = "from_replica")]
        at: Option<String>,
        /// Key of an encrypted backup; default: the config's backup_key_file.
        #[arg(long, value_name = "FILE")]
        key_file: Option<PathBuf>,
        /// The original data directory's secret.key, copied in (mailbox
        /// passwords are sealed with it).
        #[arg(long, value_name = "FILE")]
        secret_key: Option<PathBuf>,
        /// Replace the store and attachments of a non-empty data directory.
        #[arg(long)]
        force: bool,
    },
    /// Replication with Litestream.
    Replication {
        #[command(subcommand)]
        command: ReplicationCommand,
    },
    /// Generate a large demo store for benchmarks: the demo data, then N
    /// cases with contacts, threads, history and search rows.
    Demo {
        #[command(flatten)]
        store: StoreArgs,
        /// How many cases to add.
        #[arg(long)]
        cases: u64,
        /// Mean messages per case.
        #[arg(long, default_value_t = 4)]
        messages: u32,
        /// Seed of the random generator (same seed, same data).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Print the API's OpenAPI 3 document (the one served at
    /// /api/v1/openapi.json) as pretty JSON; the web UI's types are
    /// generated from it.
    Openapi,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        email: String,
        /// admin, client-admin, project-lead or agent
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The client (by name) the user belongs to; omit for the provider's
        /// staff and platform admins.
        #[arg(long, value_name = "NAME")]
        client: Option<String>,
        /// Display name; defaults to the e-mail's local part.
        #[arg(long)]
        name: Option<String>,
        /// Team by name; agents default to their client's or the provider's
        /// first team.
        #[arg(long)]
        team: Option<String>,
        /// Provider agents: basic or pro.
        #[arg(long)]
        tariff: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create an API token for a user and print it (shown only once).
    Create {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long)]
        name: String,
        /// Days until the token expires (default 365; 0: never).
        #[arg(long, value_name = "DAYS")]
        expires_in_days: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
enum ReplicationCommand {
    /// Seal a secret of the [replication] section (SFTP password, S3
    /// secret key) with the data directory's key; reads it from standard
    /// input and prints the value to put in the config (`sealed:…`).
    Seal {
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// `serve`'s replication flags (the rest of [replication] comes from the
/// config file or `ZEZARO_REPLICATION_*`).
#[derive(Debug, Clone, Args)]
struct ReplicationArgs {
    /// Replicate the store with Litestream to this kind of target: file,
    /// sftp or s3.
    #[arg(long, env = "ZEZARO_REPLICATION_TARGET", value_name = "TYPE")]
    replication_target: Option<String>,
    /// The replica: an absolute directory (file), the remote directory
    /// (sftp) or the key prefix (s3).
    #[arg(long, env = "ZEZARO_REPLICATION_PATH", value_name = "PATH")]
    replication_path: Option<String>,
    /// The litestream binary; default: found on PATH.
    #[arg(long, env = "ZEZARO_REPLICATION_LITESTREAM", value_name = "FILE")]
    litestream: Option<PathBuf>,
    /// The rclone binary that copies attachments to sftp and s3 replicas;
    /// default: found on PATH.
    #[arg(long, env = "ZEZARO_REPLICATION_RCLONE", value_name = "FILE")]
    rclone: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
struct StoreArgs {
    /// Data directory (store, attachments); default ./data
    #[arg(long, env = "ZEZARO_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// TOML config file.
    #[arg(long, env = "ZEZARO_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Mail servers in private or local networks that mailboxes may use,
    /// and the only ones for plain text: host names and networks,
    /// comma-separated (e.g. `localhost,10.0.0.0/8`).
    #[arg(long, env = "ZEZARO_MAIL_ALLOWED_HOSTS", value_name = "LIST")]
    mail_allowed_hosts: Option<String>,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| "expected admin, client-admin, project-lead or agent".to_string())
}

/// A failure with the message a person sees.
struct Failure(String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(err: E) -> Self {
        Failure(err.to_string())
    }
}

pub fn main() -> ExitCode {
    crate::db::files::private_umask();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve {
            store,
            listen,
            demo,
            trusted_proxies,
            replication,
        } => serve(store, listen, demo, trusted_proxies, replication),
        Command::User {
            command:
                UserCommand::Create {
                    store,
                    email,
                    role,
                    client,
                    name,
                    team,
                    tariff,
                },
        } => create_user(store, email, role, client, name, team, tariff),
        Command::Token {
            command:
                TokenCommand::Create {
                    store,
                    email,
                    name,
                    expires_in_days,
                },
        } => create_token(store, email, name, expires_in_days),
        Command::Migrate { store } => migrate(store),
        Command::Check { store } => check(store),
        Command::Export { store, client, out } => export(store, client, out),
        Command::Demo {
            store,
            cases,
            messages,
            seed,
        } => demo(store, cases, messages, seed),
        Command::Backup {
            store,
            out,
            key_file,
            no_compress,
        } => backup(store, out, key_file, no_compress),
        Command::Restore {
            store,
            from_replica: Some(replica),
            at,
            secret_key,
            force,
            ..
        } => restore_from_replica(store, replica, at, secret_key, force),
        Command::Restore {
            store,
            from,
            key_file,
            secret_key,
            force,
            ..
        } => match from {
            Some(from) => restore(store, from, key_file, secret_key, force),
            None => Err(Failure(
                "restore needs --from FILE or --from-replica CONFIG".into(),
            )),
        },
        Command::Replication {
            command: ReplicationCommand::Seal { store },
        } => seal_secret(store),
        Command::Openapi => openapi(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("zezaro: {message}");
            ExitCode::FAILURE
        }
    }
}

fn openapi() -> Result<(), Failure> {
    use utoipa::OpenApi;
    let doc = crate::http::ApiDoc::openapi().to_pretty_json()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{doc}")?;
    Ok(())
}

fn config(store: &StoreArgs, listen: Option<String>) -> Result<Config, Failure> {
    Ok(Config::resolve(Overrides {
        config_file: store.config.clone(),
        data_dir: store.data_dir.clone(),
        listen,
        mail_allowed_hosts: store.mail_allowed_hosts.clone(),
        ..Overrides::default()
    })?)
}

fn init_logging(filter: &str) {
    use std::io::IsTerminal;
    // The scheduler crate narrates every job at info level.
    let filter =
        tracing_subscriber::EnvFilter::try_new(format!("tokio_cron_scheduler=warn,{filter}"))
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal())
        .with_target(false)
        .try_init();
}

fn serve(
    store: StoreArgs,
    listen: Option<String>,
    demo: bool,
    trusted_proxies: Option<Nets>,
    replication: ReplicationArgs,
) -> Result<(), Failure> {
    let mut config = Config::resolve(Overrides {
        config_file: store.config.clone(),
        data_dir: store.data_dir.clone(),
        listen,
        mail_allowed_hosts: store.mail_allowed_hosts.clone(),
        trusted_proxies: None,
        replication: crate::replication::settings::Flags {
            target: replication.replication_target,
            path: replication.replication_path,
            litestream: replication.litestream,
            rclone: replication.rclone,
        },
    })?;
    if let Some(nets) = trusted_proxies {
        config.trusted_proxies = nets.0;
    }
    init_logging(&config.log);
    let data_dir = config.data_dir.clone();
    actix_web::rt::System::new().block_on(async move {
        let server = start(
            config,
            crate::http::server::StartOptions {
                signals: true,
                demo,
            },
        )
        .await?;
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "zezaro {} — data in {}",
            env!("CARGO_PKG_VERSION"),
            data_dir.display()
        )?;
        if demo {
            if server.demo_seeded {
                writeln!(
                    out,
                    "Demo logins (password \"{}\"):",
                    crate::demo::DEMO_PASSWORD
                )?;
                for login in crate::demo::LOGINS {
                    writeln!(out, "  {:<36} {}", login.email, login.what)?;
                }
            } else {
                writeln!(
                    out,
                    "--demo: the store holds data already; no demo data was added."
                )?;
            }
        }
        writeln!(out, "Listening on {}", server.url)?;
        out.flush()?;
        drop(out);
        server.wait().await?;
        Ok(())
    })
}

fn open_store(store: &StoreArgs) -> Result<Db, Failure> {
    let config = config(store, None)?;
    crate::db::files::create_private_dir_all(&config.data_dir).map_err(|e| {
        Failure(format!(
            "cannot use data directory {}: {e}",
            config.data_dir.display()
        ))
    })?;
    let (db, report) = Db::open(&config.data_dir)?;
    for name in report.applied {
        eprintln!("applied migration {name}");
    }
    Ok(db)
}

fn read_password() -> Result<String, Failure> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        eprint!("Password (input is visible; or pipe it in): ");
        std::io::stderr().flush()?;
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    Ok(input.trim_end_matches(['\r', '\n']).to_string())
}

fn create_user(
    store: StoreArgs,
    email: String,
    role: Role,
    client: Option<String>,
    name: Option<String>,
    team: Option<String>,
    tariff: Option<String>,
) -> Result<(), Failure> {
    let tariff = match tariff.as_deref() {
        Some(t) => Some(
            crate::users::Tariff::parse(t)
                .ok_or_else(|| Failure("--tariff must be basic or pro".into()))?,
        ),
        None => None,
    };
    let password = read_password()?;
    let db = open_store(&store)?;
    let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_string());
    let prepared = crate::users::service::prepare(
        &Principal::operator(),
        crate::users::NewUser {
            email,
            name,
            role,
            client_id: None,
            team_id: None,
            tariff,
            password: Some(password),
            locale: None,
        },
    )
    .map_err(|e| Failure(e.to_string()))?;
    let user = db.write_blocking(move |tx| {
        let mut prepared = prepared;
        let op = Principal::operator();
        prepared.client_id = match &client {
            Some(name) => Some(
                crate::clients::store::by_name(tx, name)?
                    .ok_or_else(|| Failure(format!("no client named {name:?}")))?
                    .id,
            ),
            None => None,
        };
        let (visibility, provider) = crate::auth::policy::team_visibility(&op);
        let teams = crate::teams::store::list(tx, &visibility, provider)?;
        let fits = |t: &&crate::teams::Team| t.client_id == prepared.client_id;
        prepared.team_id = match (&team, role) {
            (Some(team_name), _) => Some(
                teams
                    .iter()
                    .filter(fits)
                    .find(|t| t.name.eq_ignore_ascii_case(team_name))
                    .ok_or_else(|| Failure(format!("no team named {team_name:?} for this user")))?
                    .id,
            ),
            (None, Role::Agent) => teams.iter().find(fits).map(|t| t.id),
            _ => None,
        };
        crate::users::service::create(tx, &op, prepared).map_err(|e| Failure(e.to_string()))
    })?;
    println!(
        "created user {} ({}, id {})",
        user.email,
        user.role.as_str(),
        user.id
    );
    Ok(())
}

fn create_token(
    store: StoreArgs,
    email: String,
    name: String,
    expires_in_days: Option<u32>,
) -> Result<(), Failure> {
    let db = open_store(&store)?;
    let created = db.write_blocking(|tx| {
        let user = crate::users::store::by_email(tx, &email.trim().to_lowercase())?
            .ok_or_else(|| Failure(format!("no user with e-mail {email}")))?;
        crate::auth::service::create_token(
            tx,
            &crate::audit::Actor::cli(),
            user.id,
            crate::auth::model::NewToken {
                name,
                expires_in_days,
            },
        )
        .map_err(|e| Failure(e.to_string()))
    })?;
    println!("{}", created.token);
    Ok(())
}

fn migrate(store: StoreArgs) -> Result<(), Failure> {
    let config = config(&store, None)?;
    let _lock = crate::db::lock_data_dir(&config.data_dir)?;
    let (db, report) = Db::open(&config.data_dir)?;
    for name in &report.applied {
        println!("applied {name}");
    }
    println!(
        "store {} is at schema version {}",
        db.path().display(),
        report.version
    );
    Ok(())
}

fn export(store: StoreArgs, client: String, out: PathBuf) -> Result<(), Failure> {
    let config = config(&store, None)?;
    let path = config.data_dir.join(crate::db::STORE_FILE);
    if !path.exists() {
        return Err(Failure(format!("no store at {}", path.display())));
    }
    let conn = crate::export::archive::open_snapshot_connection(&path)?;
    let found = crate::clients::store::by_name(&conn, &client)?
        .ok_or_else(|| Failure(format!("no client named {client:?}")))?;
    let work_dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let started = std::time::Instant::now();
    let progress = crate::export::Progress::default();
    let manifest = crate::export::archive::write(
        &conn,
        &crate::blobs::BlobStore::new(&config.data_dir),
        found.id,
        &out,
        &work_dir,
        &progress,
    )?;
    let rows: u64 = manifest.files.iter().map(|f| f.rows).sum();
    println!(
        "exported client {:?}: {} files, {rows} rows, {} stored files ({} missing) to {} in {:.1} s",
        manifest.client.name,
        manifest.files.len(),
        manifest.blobs.count,
        manifest.blobs.missing.len(),
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn check(store: StoreArgs) -> Result<(), Failure> {
    let config = config(&store, None)?;
    let path = config.data_dir.join(crate::db::STORE_FILE);
    if !path.exists() {
        return Err(Failure(format!("no store at {}", path.display())));
    }
    let (db, _) = Db::open(&config.data_dir)?;
    let problems = crate::db::check(&db)?;
    if problems.is_empty() {
        println!(
            "ok: {} passes integrity, foreign-key, migration and case-count checks",
            path.display()
        );
        Ok(())
    } else {
        for problem in &problems {
            println!("{problem}");
        }
        Err(Failure(format!(
            "{} problem(s) found in {}",
            problems.len(),
            path.display()
        )))
    }
}

fn backup_key(
    given: Option<PathBuf>,
    config: &Config,
) -> Result<Option<crate::backup::BackupKey>, Failure> {
    match given.or_else(|| config.backup_key_file.clone()) {
        Some(path) => Ok(Some(crate::backup::BackupKey::from_file(&path)?)),
        None => Ok(None),
    }
}

/// Progress on stderr, one line per phase and tenth.
fn progress_printer() -> impl Fn(&str, f64) + Sync {
    let last = std::sync::Mutex::new((String::new(), -1i64));
    move |phase: &str, fraction: f64| {
        let tenth = (fraction * 10.0).floor() as i64;
        let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
        if last.0 != phase || last.1 != tenth {
            *last = (phase.to_string(), tenth);
            eprintln!("{phase}: {:.0} %", fraction * 100.0);
        }
    }
}

fn backup(
    store: StoreArgs,
    out: PathBuf,
    key_file: Option<PathBuf>,
    no_compress: bool,
) -> Result<(), Failure> {
    // No lock and a read-only store: a running server keeps going.
    let config = config(&store, None)?;
    let key = backup_key(key_file, &config)?;
    let options = crate::backup::archive::Options {
        compress: !no_compress,
        key: key.clone(),
        ..crate::backup::archive::Options::default()
    };
    let started = std::time::Instant::now();
    let progress = progress_printer();
    // Beside a running server: requests go first.
    crate::backup::lower_priority();
    let manifest = crate::backup::archive::create(&config.data_dir, &out, &options, &progress)?;
    if let Err(err) = crate::backup::archive::verify(&out, key.as_ref(), &progress) {
        let _ = std::fs::remove_file(&out);
        return Err(Failure(format!(
            "the backup did not verify and was removed: {err}"
        )));
    }
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    println!(
        "wrote and verified {} ({:.1} MB{}) in {:.1} s: {} cases (up to id {}), {} attachments; secret.key is not included",
        out.display(),
        size as f64 / 1e6,
        if key.is_some() { ", encrypted" } else { "" },
        started.elapsed().as_secs_f64(),
        manifest.snapshot.cases,
        manifest.snapshot.max_case_id,
        manifest.attachments.len()
    );
    Ok(())
}

fn restore(
    store: StoreArgs,
    from: PathBuf,
    key_file: Option<PathBuf>,
    secret_key: Option<PathBuf>,
    force: bool,
) -> Result<(), Failure> {
    let config = config(&store, None)?;
    let options = crate::backup::restore::RestoreOptions {
        force,
        key: backup_key(key_file, &config)?,
        secret_key,
        backup_dir: Some(config.backup_directory()),
    };
    let progress = progress_printer();
    let restored = crate::backup::restore::restore(&config.data_dir, &from, &options, &progress)?;
    println!(
        "restored {} into {}: {} cases (up to id {}), {} attachments; the store passes the check",
        from.display(),
        config.data_dir.display(),
        restored.manifest.snapshot.cases,
        restored.manifest.snapshot.max_case_id,
        restored.manifest.attachments.len()
    );
    if restored.reapplied.is_empty() {
        println!("erasures made after this backup (erasure ledger): none to re-apply");
    } else {
        println!(
            "re-applied {} erasure(s) made after this backup (GDPR Art. 17, from the erasure ledger):",
            restored.reapplied.len()
        );
        for erasure in &restored.reapplied {
            println!(
                "  client {}, contact {}: {} ({} contacts, {} cases, {} messages)",
                erasure.client_id,
                erasure.contact_id,
                erasure.mode.as_str(),
                erasure.contacts_erased,
                erasure.cases_affected,
                erasure.messages_affected
            );
        }
    }
    if !restored.secret_key_present {
        eprintln!(
            "note: no secret.key in {}: copy the original data directory's secret.key there (or pass --secret-key) before starting, or mailbox passwords must be entered again",
            config.data_dir.display()
        );
    }
    Ok(())
}

fn demo(store: StoreArgs, cases: u64, messages: u32, seed: u64) -> Result<(), Failure> {
    let config = config(&store, None)?;
    let _lock = crate::db::lock_data_dir(&config.data_dir)?;
    let options = crate::demo::generate::Options {
        cases,
        messages,
        seed,
    };
    let report = crate::demo::generate::generate(&config.data_dir, &options, &mut |line| {
        eprintln!("{line}")
    })?;
    println!(
        "generated {} cases, {} messages, {} contacts, {} organizations, {} time entries in {:.1} s",
        report.cases,
        report.messages,
        report.contacts,
        report.organizations,
        report.time_entries,
        report.seconds
    );
    println!(
        "store {}: {:.1} MB",
        config.data_dir.join(crate::db::STORE_FILE).display(),
        report.store_bytes as f64 / 1_000_000.0
    );
    Ok(())
}

fn restore_from_replica(
    store: StoreArgs,
    replica: PathBuf,
    at: Option<String>,
    secret_key: Option<PathBuf>,
    force: bool,
) -> Result<(), Failure> {
    if force {
        return Err(Failure(
            "--force does not apply to --from-replica: restore into a new, empty directory".into(),
        ));
    }
    // The data directory comes from --data-dir (or the environment), the
    // replica from the [replication] section of CONFIG.
    let config = config(&store, None)?;
    let source = Config::resolve(Overrides {
        config_file: Some(replica.clone()),
        ..Overrides::default()
    })?;
    let settings = source.replication.ok_or_else(|| {
        Failure(format!(
            "{} has no [replication] section with a target",
            replica.display()
        ))
    })?;
    let restored = crate::replication::restore::restore(
        &settings,
        &config.data_dir,
        at.as_deref(),
        secret_key.as_deref(),
        &config.backup_directory(),
    )?;
    println!(
        "restored the replica ({}) into {}{}: {} cases, {} attachment files copied, {} blobs verified; the store passes the check",
        settings.target.kind(),
        config.data_dir.display(),
        at.map(|t| format!(" as of {t}")).unwrap_or_default(),
        restored.cases,
        restored.blob_files,
        restored.blobs_checked,
    );
    if restored.reapplied > 0 {
        println!(
            "re-applied {} erasure(s) from the erasure ledger",
            restored.reapplied
        );
    }
    if !config
        .data_dir
        .join(crate::mail::secrets::KEY_FILE)
        .exists()
    {
        eprintln!(
            "note: no secret.key in {}: copy the original data directory's secret.key there (or pass --secret-key) before starting, or mailbox passwords must be entered again",
            config.data_dir.display()
        );
    }
    Ok(())
}

fn seal_secret(store: StoreArgs) -> Result<(), Failure> {
    let config = config(&store, None)?;
    crate::db::files::create_private_dir_all(&config.data_dir)?;
    let sealer = crate::mail::secrets::Sealer::load_or_create(&config.data_dir)?;
    let secret = read_password()?;
    if secret.is_empty() {
        return Err(Failure("nothing to seal: the secret is empty".into()));
    }
    let sealed = sealer.seal(crate::replication::settings::SEAL_CONTEXT, &secret)?;
    println!("{}", crate::replication::settings::sealed_form(&sealed));
    Ok(())
}
