use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, delete, get, post, web};

use super::error::BackupError;
use super::{BackupJob, BackupOverview, SERVICE_KEY};
use crate::audit::Actor;
use crate::auth::{Principal, policy};
use crate::http::{ApiError, ProblemBody};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(start)
        .service(job_status)
        .service(download)
        .service(remove);
}

/// The archives in the backup directory, the settings and the current job.
#[utoipa::path(get, path = "/api/v1/backups", tag = "backups",
    responses((status = 200, body = BackupOverview), (status = 403, body = ProblemBody)))]
#[get("/backups")]
pub async fn list(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    policy::manage_backups(&who).map_err(BackupError::from)?;
    let backups = state.backups.clone();
    let items = state.db.read(move |conn| backups.list(conn)).await?;
    Ok(HttpResponse::Ok().json(BackupOverview {
        settings: state.backups.settings(),
        job: state.backups.job(),
        items,
    }))
}

/// Starts a backup now; poll `GET /api/v1/backups/job` for its progress.
#[utoipa::path(post, path = "/api/v1/backups", tag = "backups",
    responses((status = 202, body = BackupJob), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody)))]
#[post("/backups")]
pub async fn start(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    policy::manage_backups(&who).map_err(BackupError::from)?;
    let job = state.backups.queue_manual()?;
    if state.services.run_now(SERVICE_KEY).is_err() {
        state.backups.unqueue(job.id);
        return Err(BackupError::Busy.into());
    }
    Ok(HttpResponse::Accepted().json(job))
}

/// The current (or last) backup job of this server; 404 when none ran.
#[utoipa::path(get, path = "/api/v1/backups/job", tag = "backups",
    responses((status = 200, body = BackupJob), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/backups/job")]
pub async fn job_status(
    state: web::Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    policy::manage_backups(&who).map_err(BackupError::from)?;
    let job = state.backups.job().ok_or(BackupError::NotFound)?;
    Ok(HttpResponse::Ok().json(job))
}

/// Downloads an archive; each download is in the audit log
/// (`backup.download`).
#[utoipa::path(get, path = "/api/v1/backups/{name}", tag = "backups",
    params(("name" = String, Path)),
    responses((status = 200, description = "the archive", content_type = "application/octet-stream"),
        (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/backups/{name}")]
pub async fn download(
    state: web::Data<AppState>,
    who: Principal,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    policy::manage_backups(&who).map_err(BackupError::from)?;
    let name = name.into_inner();
    let path = state.backups.path_of(&name).ok_or(BackupError::NotFound)?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| BackupError::NotFound)?;
    let size = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    // Audited before the first byte leaves; no entry, no download.
    let backups = state.backups.clone();
    let audited = name.clone();
    state
        .db
        .write(move |tx| backups.record_download(tx, &Actor::from(&who), &audited, size))
        .await?;
    let stream = futures_util::stream::unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut buffer = vec![0u8; 256 * 1024];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok::<_, std::io::Error>(Bytes::from(buffer)), file))
            }
            Err(err) => Some((Err(err), file)),
        }
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/octet-stream"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .no_chunking(size)
        .streaming(stream))
}

#[utoipa::path(delete, path = "/api/v1/backups/{name}", tag = "backups",
    params(("name" = String, Path)),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
#[delete("/backups/{name}")]
pub async fn remove(
    state: web::Data<AppState>,
    who: Principal,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    policy::manage_backups(&who).map_err(BackupError::from)?;
    let name = name.into_inner();
    let backups = state.backups.clone();
    state
        .db
        .write(move |tx| backups.delete(tx, &Actor::from(&who), &name))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
