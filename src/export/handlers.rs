use crate::ids::ClientId;
use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, post, web};
use serde_json::json;

use super::error::ExportError;
use super::jobs::ExportJob;
use crate::audit::{self, Actor};
use crate::auth::{Principal, policy};
use crate::blobs::BlobStore;
use crate::http::{ApiError, ItemList, ProblemBody};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(start)
        .service(list)
        .service(download)
        .service(get_one)
        .service(remove);
}

/// Starts a full export of the client (its projects, users, customer
/// database, cases with threads, history, time records, attachments, audit
/// log …) as one tar.gz; answers the job to watch. Client admins (own
/// client) and platform admins.
#[utoipa::path(post, path = "/api/v1/clients/{id}/exports", tag = "export",
    params(("id" = i64, Path)),
    responses((status = 202, body = ExportJob), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
#[post("/clients/{id}/exports")]
pub async fn start(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ClientId>,
) -> Result<HttpResponse, ApiError> {
    let client_id = id.into_inner();
    policy::export_client(&who, client_id)?;
    let name = state
        .db
        .write(move |tx| {
            let client = crate::clients::store::get(tx, client_id)?.ok_or(ExportError::NotFound)?;
            audit::record(
                tx,
                &Actor::from(&who),
                "client.export",
                "client",
                Some(client_id.get()),
                Some(client_id),
                json!({}),
            )?;
            Ok::<_, ExportError>(client.name)
        })
        .await?;
    let job = state.exports.start(
        state.db.path().to_path_buf(),
        BlobStore::new(&state.config.data_dir),
        client_id,
        &name,
    )?;
    Ok(HttpResponse::Accepted().json(job))
}

/// The client's export jobs, newest first.
#[utoipa::path(get, path = "/api/v1/clients/{id}/exports", tag = "export",
    params(("id" = i64, Path)),
    responses((status = 200, body = ItemList<ExportJob>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/clients/{id}/exports")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ClientId>,
) -> Result<HttpResponse, ApiError> {
    let client_id = id.into_inner();
    policy::export_client(&who, client_id)?;
    Ok(HttpResponse::Ok().json(ItemList {
        items: state.exports.list(client_id),
    }))
}

/// One export job: state and progress (rows written of the estimated
/// total).
#[utoipa::path(get, path = "/api/v1/clients/{id}/exports/{job}", tag = "export",
    params(("id" = i64, Path)),
    responses((status = 200, body = ExportJob), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/clients/{id}/exports/{job}")]
pub async fn get_one(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(ClientId, String)>,
) -> Result<HttpResponse, ApiError> {
    let (client_id, job) = path.into_inner();
    policy::export_client(&who, client_id)?;
    let job = state.exports.get(client_id, &job)?;
    Ok(HttpResponse::Ok().json(state.exports.view(&job)))
}

/// The finished archive (`application/gzip`), streamed.
#[utoipa::path(get, path = "/api/v1/clients/{id}/exports/{job}/download", tag = "export",
    params(("id" = i64, Path)),
    responses((status = 200, description = "the tar.gz archive"), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 409, body = ProblemBody),
        (status = 410, body = ProblemBody, description = "The server deleted the archive: it expired, or a contact of the client was erased")))]
#[get("/clients/{id}/exports/{job}/download")]
pub async fn download(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(ClientId, String)>,
) -> Result<HttpResponse, ApiError> {
    let (client_id, job) = path.into_inner();
    policy::export_client(&who, client_id)?;
    let job = state.exports.get(client_id, &job)?;
    if let Some(reason) = job.removed() {
        return Err(ExportError::Removed(reason).into());
    }
    if !job.is_done() {
        return Err(ExportError::NotReady.into());
    }
    let file = tokio::fs::File::open(&job.path)
        .await
        .map_err(|_| ExportError::NotFound)?;
    let size = file.metadata().await.map(|m| m.len()).ok();
    let stream = futures_util::stream::unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut buffer = vec![0u8; 64 * 1024];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok::<_, std::io::Error>(web::Bytes::from(buffer)), file))
            }
            Err(err) => Some((Err(err), file)),
        }
    });
    let disposition = header::ContentDisposition {
        disposition: header::DispositionType::Attachment,
        parameters: vec![header::DispositionParam::Filename(job.file_name.clone())],
    };
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, "application/gzip"))
        .insert_header(disposition)
        .insert_header((header::CACHE_CONTROL, "private, no-store"));
    if let Some(size) = size {
        response.no_chunking(size);
    }
    Ok(response.streaming(stream))
}

/// Cancels a running export or deletes the finished archive.
#[utoipa::path(delete, path = "/api/v1/clients/{id}/exports/{job}", tag = "export",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/clients/{id}/exports/{job}")]
pub async fn remove(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(ClientId, String)>,
) -> Result<HttpResponse, ApiError> {
    let (client_id, job) = path.into_inner();
    policy::export_client(&who, client_id)?;
    state.exports.delete(client_id, &job)?;
    Ok(HttpResponse::NoContent().finish())
}
