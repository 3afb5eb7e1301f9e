use crate::ids::{ContactId, ProjectId};
use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, post, put, web};

use super::model::{
    EraseInput, Erasure, ErasureQuery, RetentionInput, RetentionOutcome, RetentionRule,
};
use super::{access, erase, retention};
use crate::auth::{Principal, policy};
use crate::db::StoreError;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(subject_export)
        .service(erase_contact)
        .service(erasures)
        .service(retention_preview)
        .service(get_retention)
        .service(put_retention)
        .service(delete_retention);
}

/// GDPR Art. 15/20: everything stored about the contact as one JSON
/// document (master data, custom values, cases with messages, attachment
/// list, processing record), as a download. Recorded in the audit log.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/data-export", tag = "gdpr",
    params(("id" = i64, Path)),
    responses((status = 200, description = "JSON document", content_type = "application/json"),
        (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/contacts/{id}/data-export")]
pub async fn subject_export(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ContactId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let export = state
        .db
        .write(move |tx| access::subject_export(tx, &who, id))
        .await?;
    let body = serde_json::to_vec_pretty(&export).map_err(|e| {
        tracing::error!(error = %e, "serialising a data subject export");
        ApiError::from(StoreError::Task(e.to_string()))
    })?;
    let stamp: String = export
        .exported_at
        .chars()
        .filter(char::is_ascii_digit)
        .take(8)
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header(header::ContentDisposition {
            disposition: header::DispositionType::Attachment,
            parameters: vec![header::DispositionParam::Filename(format!(
                "contact-{id}-data-{stamp}.json"
            ))],
        })
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(body))
}

/// GDPR Art. 17: erases the contact (and contacts merged into it) and the
/// personal data of their cases — `anonymize` keeps the cases without it,
/// `delete` deletes them; every message the person sent or was sent in
/// the client's other cases goes too (with raw mail and attachments). Files
/// no longer used are removed from disk, and the client's export archives
/// are deleted (they hold the person). Answers the record of the erasure
/// (never the erased data).
#[utoipa::path(post, path = "/api/v1/contacts/{id}/erase", tag = "gdpr", request_body = EraseInput,
    params(("id" = i64, Path)),
    responses((status = 200, body = Erasure), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[post("/contacts/{id}/erase")]
pub async fn erase_contact(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ContactId>,
    body: ValidJson<EraseInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mode = body.into_inner().mode;
    let done = state
        .db
        .write(move |tx| erase::erase_contact(tx, &who, id, mode))
        .await?;
    // After the commit: the ledger line, the client's export archives, the
    // erased files, the WAL.
    let erasure = super::service::after_erasure(
        &state.db,
        &state.config.data_dir,
        state.erasures.clone(),
        Some(state.exports.clone()),
        done,
    )
    .await?;
    Ok(HttpResponse::Ok().json(erasure))
}

/// Records of erasures (who, when, which contact id, mode), newest first.
#[utoipa::path(get, path = "/api/v1/gdpr/erasures", tag = "gdpr", params(ErasureQuery),
    responses((status = 200, body = ItemList<Erasure>), (status = 403, body = ProblemBody)))]
#[get("/gdpr/erasures")]
pub async fn erasures(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<ErasureQuery>,
) -> Result<HttpResponse, ApiError> {
    let visibility = policy::audit_visibility(&who)?;
    let client_id = query.into_inner().client_id;
    let items = state
        .db
        .read(move |conn| erase::list(conn, &visibility, client_id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// The project's retention rule; `null` when none is set (an empty state,
/// not an error: the project page asks for it on every visit).
#[utoipa::path(get, path = "/api/v1/projects/{id}/retention", tag = "gdpr",
    params(("id" = i64, Path)),
    responses((status = 200, body = Option<RetentionRule>, description = "The rule, or `null` when none is set"), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/retention")]
pub async fn get_retention(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let rule = state
        .db
        .read(move |conn| retention::get(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(rule))
}

/// Sets the rule: closed cases older than `months` are anonymized or
/// deleted by the daily job.
#[utoipa::path(put, path = "/api/v1/projects/{id}/retention", tag = "gdpr", request_body = RetentionInput,
    params(("id" = i64, Path)),
    responses((status = 200, body = RetentionRule), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[put("/projects/{id}/retention")]
pub async fn put_retention(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
    body: ValidJson<RetentionInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let rule = state
        .db
        .write(move |tx| retention::put(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(rule))
}

#[utoipa::path(delete, path = "/api/v1/projects/{id}/retention", tag = "gdpr",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/projects/{id}/retention")]
pub async fn delete_retention(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .write(move |tx| retention::delete(tx, &who, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Dry run: what the retention job would do now in this project.
#[utoipa::path(get, path = "/api/v1/projects/{id}/retention/preview", tag = "gdpr",
    params(("id" = i64, Path)),
    responses((status = 200, body = RetentionOutcome), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/retention/preview")]
pub async fn retention_preview(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let outcome = state
        .db
        .read(move |conn| retention::preview(conn, &who, id, chrono::Utc::now()))
        .await?;
    Ok(HttpResponse::Ok().json(outcome))
}
