//! Starting the HTTP server on a data directory: lock, store, routes.

use std::fs::File;
use std::net::SocketAddr;

use actix_web::dev::{ServerHandle, Service};
use actix_web::http::header::{self, HeaderValue};
use actix_web::{App, HttpResponse, HttpServer, middleware, web};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

use super::assets;
use super::openapi::ApiDoc;
use super::problem::ApiError;
use crate::config::Config;
use crate::db::{self, Db, StoreError};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data directory cannot be used or is locked by another process.
    #[error(transparent)]
    DataDir(#[from] crate::db::LockError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Secrets(#[from] crate::mail::secrets::SecretError),
    #[error("{0}")]
    Other(String),
}

pub struct RunningServer {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:8080`
    pub url: String,
    pub state: AppState,
    /// With `demo`: whether the demo data is present (false when the store
    /// held other data already).
    pub demo_seeded: bool,
    handle: ServerHandle,
    signals: bool,
    task: actix_web::rt::task::JoinHandle<std::io::Result<()>>,
    _lock: File,
}

impl RunningServer {
    /// Runs until the server stops; with `signals`, SIGINT or SIGTERM stop
    /// it gracefully.
    pub async fn wait(mut self) -> std::io::Result<()> {
        if self.signals {
            tokio::select! {
                result = &mut self.task => return join_result(result),
                _ = shutdown_signal() => {
                    tracing::info!("stopping on signal");
                    self.stop().await;
                    return Ok(());
                }
            }
        }
        join_result(self.task.await)
    }

    /// Graceful stop: live event streams end, in-flight requests finish.
    pub async fn stop(self) {
        self.state.cases.close();
        // The mail in flight (if any) finishes; queued rows wait for the next start.
        self.state.outbox.stop().await;
        self.state.mail.stop_all();
        // Litestream ships what it has (SIGTERM, then a wait) before the
        // services stop.
        if let Some(replication) = &self.state.replication {
            replication.stop().await;
        }
        self.state.services.shutdown();
        self.handle.stop(true).await;
        let _ = self.task.await;
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct StartOptions {
    /// Let the server handle SIGINT/SIGTERM (the binary); tests turn it off.
    pub signals: bool,
    /// Seed the demo data into an empty store first.
    pub demo: bool,
}

/// Opens the store in the data directory and starts serving. Bind to port 0
/// for a free port; the chosen address is in the result.
pub async fn start(mut config: Config, options: StartOptions) -> Result<RunningServer, StartError> {
    let open_files = raise_open_file_limit();
    if config.event_streams_total.is_none() {
        config.event_streams_total = Some(event_streams_for(open_files));
    }
    tracing::debug!(
        open_files,
        event_streams_total = config.event_streams_total,
        event_streams_per_user = config.event_streams_per_user,
        "limits"
    );
    let data_dir = config.data_dir.clone();
    // Under replication Litestream checkpoints the WAL (db::Checkpoints).
    let checkpoints = match &config.replication {
        Some(settings) => crate::db::Checkpoints::Litestream(
            crate::replication::litestream::wal_drain(settings, &config.data_dir),
        ),
        None => crate::db::Checkpoints::Own,
    };
    let (lock, db, sealer, demo_seeded) =
        tokio::task::spawn_blocking(move || -> Result<_, StartError> {
            let lock = crate::db::lock_data_dir(&data_dir)?;
            let (db, report) = Db::open_with(&data_dir, checkpoints)?;
            let sealer = crate::mail::secrets::Sealer::load_or_create(&data_dir)?;
            for name in &report.applied {
                tracing::info!(migration = %name, "applied migration");
            }
            // Before anything ingests: a pack no row names is a crash's leftover.
            let blobs = crate::blobs::BlobStore::new(&data_dir);
            match db.read_blocking(|conn| {
                Ok::<_, crate::db::StoreError>(crate::blobs::pack::remove_orphans(conn, &blobs))
            })? {
                Ok(removed) => {
                    for path in removed {
                        tracing::warn!(path = %path.display(), "removed the pack of a batch that was never filed");
                    }
                }
                Err(err) => tracing::warn!(error = %err, "cannot look for unfiled packs"),
            }
            // Full-text rows put off by a write load the last run ended in.
            let indexed = crate::search::backlog::resume(&db)?;
            if indexed > 0 {
                tracing::info!(indexed, "indexed what the search backlog held");
            }
            let demo_seeded = if options.demo {
                crate::demo::seed(&db).map_err(|e| StartError::Other(e.to_string()))?
            } else {
                false
            };
            Ok((lock, db, sealer, demo_seeded))
        })
        .await
        .map_err(|err| StartError::Other(err.to_string()))??;

    let workers = config.workers;
    let listen = config.listen.clone();
    // Replication (replication/): Litestream's config, the blobs' copy to
    // the replica from now on, and the supervised child as a service.
    let replicator = match config.replication.clone() {
        Some(settings) => {
            let replicator =
                crate::replication::Replicator::prepare(settings, &config.data_dir, &sealer)
                    .map_err(StartError::Other)?;
            crate::blobs::BlobStore::set_mirror(&config.data_dir, Some(replicator.blob_mirror()))
                .map_err(|err| StartError::Other(format!("replication: {err}")))?;
            Some(replicator)
        }
        None => {
            crate::blobs::BlobStore::set_mirror(&config.data_dir, None)
                .map_err(|err| StartError::Other(format!("replication: {err}")))?;
            None
        }
    };
    let mut state = AppState::new(db.clone(), config, sealer);
    if let Some(replicator) = replicator {
        replicator
            .register(&state.services)
            .map_err(|err| StartError::Other(format!("replication: {err}")))?;
        state.replication = Some(replicator);
    }
    crate::scheduler::register_builtin(
        &state.services,
        &state.backups,
        &state.exports,
        &state.cases,
    )
    .map_err(|err| StartError::Other(format!("background services: {err}")))?;
    crate::workforce::job::register(&state.services, &state.cases)
        .map_err(|err| StartError::Other(format!("background services: {err}")))?;
    crate::workforce::monitor::spawn(state.monitor.clone(), state.cases.clone(), state.db.clone());
    // Erasures the ledger lacks (a crash between a commit and its line).
    match crate::gdpr::service::sync_ledger(&state.db, state.erasures.clone()).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            erasures = n,
            "wrote erasures missing from the erasure ledger"
        ),
        Err(err) => tracing::error!(error = %err, "cannot check the erasure ledger"),
    }
    let backup_dir = state.backups.dir().to_path_buf();
    let removed =
        tokio::task::spawn_blocking(move || crate::backup::archive::remove_leftovers(&backup_dir))
            .await
            .unwrap_or_default();
    for path in removed {
        tracing::warn!(path = %path.display(), "removed the leftover of an interrupted backup");
    }
    crate::mail::outbound::worker::register(
        &state.services,
        crate::mail::outbound::worker::Sending {
            db: state.db.clone(),
            hub: state.cases.clone(),
            sealer: state.sealer.clone(),
            blobs: crate::blobs::BlobStore::new(&state.config.data_dir),
            allowed_hosts: state.config.mail_allowed_hosts.clone(),
            outbox: state.outbox.clone(),
        },
    )
    .map_err(|err| StartError::Other(format!("the mail sender: {err}")))?;
    crate::webhooks::worker::register(
        &state.services,
        crate::webhooks::worker::Sending {
            db: state.db.clone(),
            sealer: state.sealer.clone(),
            allowed_hosts: state.config.mail_allowed_hosts.clone(),
        },
    )
    .map_err(|err| StartError::Other(format!("the webhook sender: {err}")))?;
    crate::rules::jobs::register(
        &state.services,
        &state.cases,
        crate::rules::jobs::Mailing {
            db: state.db.clone(),
            sealer: state.sealer.clone(),
            allowed_hosts: state.config.mail_allowed_hosts.clone(),
            public_url: state.config.public_url.clone(),
        },
    )
    .map_err(|err| StartError::Other(format!("the rules' services: {err}")))?;
    crate::platform_mail::worker::register(&state.services, state.platform_mail.clone())
        .map_err(|err| StartError::Other(format!("the platform mail sender: {err}")))?;
    state.mail.sync_all().await;
    let data = web::Data::new(state.clone());
    // Serialised once and shared: a copy of the document per worker cost
    // about 10 MB of memory each.
    let openapi = web::Bytes::from(
        ApiDoc::openapi()
            .to_json()
            .map_err(|err| StartError::Other(format!("the OpenAPI document: {err}")))?,
    );
    let mut server = HttpServer::new(move || {
        let openapi = openapi.clone();
        App::new()
            .app_data(data.clone())
            .app_data(web::QueryConfig::default().error_handler(|err, _| {
                ApiError::new(
                    actix_web::http::StatusCode::BAD_REQUEST,
                    "invalid-query",
                    err.to_string(),
                )
                .into()
            }))
            .app_data(web::PathConfig::default().error_handler(|_, req| {
                // `PATCH /cases/bulk` reaches `PATCH /cases/{id}`: the
                // document's own path for it says which methods it takes.
                super::contract::method_not_allowed(req.path(), req.method().as_str())
                    .unwrap_or_else(ApiError::not_found)
                    .into()
            }))
            .wrap_fn(|req, srv| {
                // Query parameters held to the document's limits, for every
                // operation alike.
                let checked = match req.match_pattern() {
                    Some(pattern) if !req.query_string().is_empty() => {
                        super::contract::check_query(
                            &pattern,
                            req.method().as_str(),
                            req.query_string(),
                        )
                    }
                    _ => Ok(()),
                };
                let pending = match checked {
                    Ok(()) => Ok(srv.call(req)),
                    Err(problem) => Err(req.error_response(problem)),
                };
                async move {
                    match pending {
                        Ok(response) => Ok(response.await?.map_into_left_body()),
                        Err(refused) => Ok(refused.map_into_right_body()),
                    }
                }
            })
            .wrap(middleware::Compress::default())
            .wrap_fn(|req, srv| {
                let https = req.connection_info().scheme() == "https";
                let docs = req.path().starts_with("/api/docs");
                let framable = req.path().starts_with("/f/");
                let response = srv.call(req);
                async move {
                    let mut response = response.await?;
                    add_security_headers(response.headers_mut(), https, docs, framable);
                    Ok(response)
                }
            })
            .wrap_fn(|req, srv| {
                // Counted for /metrics by route pattern, never the raw path.
                let started = std::time::Instant::now();
                let metrics = req
                    .app_data::<web::Data<AppState>>()
                    .map(|s| s.metrics.clone());
                let method = req.method().to_string();
                let response = srv.call(req);
                async move {
                    let response = response.await?;
                    if let Some(metrics) = metrics {
                        let route = response
                            .request()
                            .match_pattern()
                            .unwrap_or_else(|| "other".into());
                        metrics.observe(
                            &method,
                            &route,
                            response.status().as_u16(),
                            started.elapsed().as_secs_f64(),
                        );
                    }
                    Ok(response)
                }
            })
            // GET and HEAD only; anything else is a 405, not the UI page.
            .service(
                web::resource("/healthz")
                    .route(web::get().to(health))
                    .route(web::head().to(health))
                    .default_service(web::to(fallback)),
            )
            .service(
                web::resource("/metrics")
                    .route(web::get().to(crate::services::handlers::metrics))
                    .route(web::head().to(crate::services::handlers::metrics))
                    .default_service(web::to(fallback)),
            )
            .route(
                "/api/v1/openapi.json",
                web::get().to(move || {
                    let body = openapi.clone();
                    async move {
                        HttpResponse::Ok()
                            .content_type(header::ContentType::json())
                            .body(body)
                    }
                }),
            )
            .service(
                SwaggerUi::new("/api/docs/{_:.*}")
                    .config(utoipa_swagger_ui::Config::from("/api/v1/openapi.json")),
            )
            .service(
                web::scope("/api/v1")
                    .configure(crate::auth::configure)
                    .configure(crate::clients::configure)
                    .configure(crate::projects::configure)
                    .configure(crate::users::configure)
                    .configure(crate::platform_mail::configure)
                    .configure(crate::teams::configure)
                    .configure(crate::audit::configure)
                    .configure(crate::contacts::configure)
                    .configure(crate::organizations::configure)
                    .configure(crate::cases::configure)
                    .configure(crate::topics::configure)
                    .configure(crate::fields::configure)
                    .configure(crate::search::configure)
                    .configure(crate::webforms::configure)
                    .configure(crate::services::configure)
                    .configure(crate::backup::configure)
                    .configure(crate::mail::outbound::handlers::configure)
                    .configure(crate::mail::configure)
                    .configure(crate::export::configure)
                    .configure(crate::gdpr::configure)
                    .configure(crate::knowledge::configure)
                    .configure(crate::instructions::configure)
                    .configure(crate::training::configure)
                    .configure(crate::text_modules::configure)
                    .configure(crate::sla::configure)
                    .configure(crate::rules::configure)
                    .configure(crate::webhooks::configure)
                    .configure(crate::distribution::configure)
                    .configure(crate::routing::configure)
                    .configure(crate::forecast::configure)
                    .configure(crate::workforce::configure)
                    .default_service(web::to(fallback)),
            )
            .configure(crate::webforms::public::handlers::configure_pages)
            .configure(crate::knowledge::help::handlers::configure_pages)
            .default_service(web::to(ui_or_fallback))
    });
    if let Some(workers) = workers {
        server = server.workers(workers.max(1));
    }
    // Signals are handled in `wait`, so that event streams end first.
    server = server.disable_signals();
    let server = server.bind(&listen).map_err(|source| StartError::Bind {
        addr: listen.clone(),
        source,
    })?;
    let addr = *server
        .addrs()
        .first()
        .ok_or_else(|| StartError::Other(format!("{listen}: no address to listen on")))?;
    let server = server.run();
    let handle = server.handle();
    let task = actix_web::rt::spawn(server);
    Ok(RunningServer {
        addr,
        url: format!("http://{addr}"),
        state,
        demo_seeded,
        handle,
        signals: options.signals,
        task,
        _lock: lock,
    })
}

/// Raises the soft limit of open files to the hard one (systemd's default
/// soft limit is 1,024, its hard limit far higher) and returns the soft
/// limit now in force. Every connection, event stream, store and
/// attachment file is an open file.
#[allow(unsafe_code)]
pub fn raise_open_file_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            } else {
                tracing::warn!(
                    soft = limit.rlim_cur,
                    hard = limit.rlim_max,
                    "cannot raise the open-file limit"
                );
            }
        }
    }
    if limit.rlim_cur == libc::RLIM_INFINITY {
        u64::MAX
    } else {
        limit.rlim_cur
    }
}

/// Event streams in all for an open-file limit: half of what remains after
/// a reserve for the store, mail, backups and ordinary requests.
pub fn event_streams_for(open_files: u64) -> usize {
    let spare = open_files.saturating_sub(512) / 2;
    usize::try_from(spare)
        .unwrap_or(usize::MAX)
        .clamp(16, 50_000)
}

/// No route took the request: 405 with `Allow` where the document has
/// the path under other methods, else 404, as problem details.
async fn fallback(req: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    match super::contract::method_not_allowed(req.path(), req.method().as_str()) {
        Some(problem) => Err(problem),
        None => Err(ApiError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "not-found",
            "no such API endpoint",
        )),
    }
}

/// The UI's pages are read-only: GET and HEAD; any other method outside the
/// API is a 405.
async fn ui_or_fallback(req: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    use actix_web::http::Method;
    if req.method() == Method::GET || req.method() == Method::HEAD {
        return Ok(assets::serve(req).await);
    }
    if let Some(problem) = super::contract::method_not_allowed(req.path(), req.method().as_str()) {
        return Err(problem);
    }
    Err(ApiError::new(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        format!("{} is not allowed here; use GET, HEAD", req.method()),
    )
    .allow("GET, HEAD"))
}

fn join_result(
    result: Result<std::io::Result<()>, actix_web::rt::task::JoinError>,
) -> std::io::Result<()> {
    result.unwrap_or_else(|err| Err(std::io::Error::other(err.to_string())))
}

async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}

/// Strict CSP for the app; the API browser (Swagger UI) needs inline styles.
/// The public web forms (`/f/`) may be framed by any site.
fn add_security_headers(headers: &mut header::HeaderMap, https: bool, docs: bool, framable: bool) {
    let csp = if framable {
        // `script-src 'self'`: the proof-of-work solver /f/form.js, no inline code.
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors *; form-action 'self'"
    } else if docs {
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    } else {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    };
    let fixed = [
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            header::HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
        (
            header::HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
    ];
    for (name, value) in fixed {
        // A handler's own, stricter policy (downloads: sandbox) stays.
        if name == header::CONTENT_SECURITY_POLICY && headers.contains_key(&name) {
            continue;
        }
        headers.insert(name, HeaderValue::from_static(value));
    }
    if framable {
        // The CSP's frame-ancestors rules; X-Frame-Options cannot say "any".
        headers.remove(header::X_FRAME_OPTIONS);
        headers.insert(
            header::HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        );
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `degraded`
    pub status: &'static str,
    pub version: &'static str,
    pub store: StoreHealth,
    /// Background services in state `failed` (then the status is
    /// `degraded` and the answer 503).
    pub failed_services: Vec<FailedService>,
    /// Replication with Litestream, when on (a failed child shows in
    /// `failed_services` as `replication`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub replication: Option<crate::replication::ReplicationStatus>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FailedService {
    pub key: String,
    pub label: String,
    pub consecutive_failures: u32,
    pub last_error: Option<String>,
    pub next_run_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StoreHealth {
    /// `ok` or `unavailable`
    pub state: &'static str,
    pub schema_version: Option<i64>,
    pub error: Option<String>,
}

/// Liveness, store state and failed background services; 503 when the
/// store cannot be read or a service failed.
#[utoipa::path(get, path = "/healthz", tag = "system", security(()),
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let version = env!("CARGO_PKG_VERSION");
    let failed_services: Vec<FailedService> = state
        .services
        .failed()
        .into_iter()
        .map(|s| FailedService {
            key: s.key,
            label: s.label,
            consecutive_failures: s.consecutive_failures,
            last_error: s.last_error,
            next_run_at: s.next_run_at,
        })
        .collect();
    let replication = state.replication.as_ref().map(|r| r.status());
    match state.db.read(db::applied_version).await {
        Ok(schema_version) if failed_services.is_empty() => HttpResponse::Ok().json(Health {
            status: "ok",
            version,
            failed_services,
            replication: replication.clone(),
            store: StoreHealth {
                state: "ok",
                schema_version: Some(schema_version),
                error: None,
            },
        }),
        Ok(schema_version) => HttpResponse::ServiceUnavailable().json(Health {
            status: "degraded",
            version,
            failed_services,
            replication: replication.clone(),
            store: StoreHealth {
                state: "ok",
                schema_version: Some(schema_version),
                error: None,
            },
        }),
        Err(err) => HttpResponse::ServiceUnavailable().json(Health {
            status: "degraded",
            version,
            failed_services,
            replication: replication.clone(),
            store: StoreHealth {
                state: "unavailable",
                schema_version: None,
                error: Some(err.to_string()),
            },
        }),
    }
}
