use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};

use super::model::{
    NewTextModule, RenderedTextModule, TextModule, TextModulePatch, TextModulePick,
    TextModuleQuery, TextModuleUsage, TextModuleVersion, TextModuleVersionSummary,
};
use super::service;
use crate::auth::Principal;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(remove)
        .service(publish)
        .service(unpublish)
        .service(undelete)
        .service(usage)
        .service(versions)
        .service(version)
        .service(restore)
        .service(upload_attachment)
        .service(download_attachment)
        .service(remove_attachment)
        .service(case_picks)
        .service(render);
}

/// A client's text modules by shortcut: for editors (client admin, project
/// leads) in every state with usage counts, for agents the published ones
/// of their projects. `deleted=true`: the deleted ones (client admins).
#[utoipa::path(get, path = "/api/v1/text-modules", tag = "knowledge", params(TextModuleQuery),
    responses((status = 200, body = ItemList<TextModule>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/text-modules")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    params: web::Query<TextModuleQuery>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let items = state
        .db
        .read(move |conn| service::list(conn, &who, &params))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// A new text module, as a draft (editors).
#[utoipa::path(post, path = "/api/v1/text-modules", tag = "knowledge", request_body = NewTextModule,
    responses((status = 201, body = TextModule), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "shortcut-taken"), (status = 422, body = ProblemBody)))]
#[post("/text-modules")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<NewTextModule>,
) -> Result<HttpResponse, ApiError> {
    let module = state
        .db
        .write(move |tx| service::create(tx, &who, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(module))
}

#[utoipa::path(get, path = "/api/v1/text-modules/{id}", tag = "knowledge",
    responses((status = 200, body = TextModule), (status = 404, body = ProblemBody)))]
#[get("/text-modules/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let module = state
        .db
        .read(move |conn| service::get(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(module))
}

/// Changes a module; a published one stays published and the open
/// workspaces get the change at once.
#[utoipa::path(patch, path = "/api/v1/text-modules/{id}", tag = "knowledge", request_body = TextModulePatch,
    responses((status = 200, body = TextModule), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "shortcut-taken"), (status = 422, body = ProblemBody)))]
#[patch("/text-modules/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<TextModulePatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let module = state
        .cases
        .write(&state.db, move |tx, events| {
            service::update(tx, &who, id, body.into_inner(), events)
        })
        .await?;
    Ok(HttpResponse::Ok().json(module))
}

/// Deletes the module (soft; the client admin can bring it back; audited).
#[utoipa::path(delete, path = "/api/v1/text-modules/{id}", tag = "knowledge",
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/text-modules/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .cases
        .write(&state.db, move |tx, events| {
            service::delete(tx, &who, id, events)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Publishes the module: every agent of its projects has it at once (live
/// event; audited).
#[utoipa::path(post, path = "/api/v1/text-modules/{id}/publish", tag = "knowledge",
    responses((status = 200, body = TextModule), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[post("/text-modules/{id}/publish")]
pub async fn publish(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let module = state
        .cases
        .write(&state.db, move |tx, events| {
            service::publish(tx, &who, id, events)
        })
        .await?;
    Ok(HttpResponse::Ok().json(module))
}

/// Takes the module back to a draft (live event; audited).
#[utoipa::path(post, path = "/api/v1/text-modules/{id}/unpublish", tag = "knowledge",
    responses((status = 200, body = TextModule), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "not-published")))]
#[post("/text-modules/{id}/unpublish")]
pub async fn unpublish(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let module = state
        .cases
        .write(&state.db, move |tx, events| {
            service::unpublish(tx, &who, id, events)
        })
        .await?;
    Ok(HttpResponse::Ok().json(module))
}

/// Brings a deleted module back in its state (client admins; audited).
#[utoipa::path(post, path = "/api/v1/text-modules/{id}/undelete", tag = "knowledge",
    responses((status = 200, body = TextModule), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "shortcut-taken")))]
#[post("/text-modules/{id}/undelete")]
pub async fn undelete(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let module = state
        .cases
        .write(&state.db, move |tx, events| {
            service::undelete(tx, &who, id, events)
        })
        .await?;
    Ok(HttpResponse::Ok().json(module))
}

/// Insertions per agent and day, newest first (editors).
#[utoipa::path(get, path = "/api/v1/text-modules/{id}/usage", tag = "knowledge",
    responses((status = 200, body = ItemList<TextModuleUsage>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/text-modules/{id}/usage")]
pub async fn usage(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| service::usage(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// The module's history, newest first: every save kept what the module then
/// was (editors).
#[utoipa::path(get, path = "/api/v1/text-modules/{id}/versions", tag = "knowledge",
    responses((status = 200, body = ItemList<TextModuleVersionSummary>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/text-modules/{id}/versions")]
pub async fn versions(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| service::versions(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// One version in full (editors).
#[utoipa::path(get, path = "/api/v1/text-modules/{id}/versions/{number}", tag = "knowledge",
    responses((status = 200, body = TextModuleVersion), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/text-modules/{id}/versions/{number}")]
pub async fn version(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, number) = path.into_inner();
    let version = state
        .db
        .read(move |conn| service::version(conn, &who, id, number))
        .await?;
    Ok(HttpResponse::Ok().json(version))
}

/// Makes an old version the module's content again, as a new version
/// (editors; audited; a published module's change is live at once).
#[utoipa::path(post, path = "/api/v1/text-modules/{id}/versions/{number}/restore", tag = "knowledge",
    responses((status = 200, body = TextModule), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "shortcut-taken")))]
#[post("/text-modules/{id}/versions/{number}/restore")]
pub async fn restore(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, number) = path.into_inner();
    let module = state
        .cases
        .write(&state.db, move |tx, events| {
            service::restore(tx, &who, id, number, events)
        })
        .await?;
    Ok(HttpResponse::Ok().json(module))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ModuleUploadParams {
    /// The file's name.
    pub filename: String,
}

/// Adds a file to the module (the request body is the file; its
/// Content-Type is kept). Inserting the module attaches it to the reply.
#[utoipa::path(post, path = "/api/v1/text-modules/{id}/attachments", tag = "knowledge", params(ModuleUploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = TextModule), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 413, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/text-modules/{id}/attachments")]
pub async fn upload_attachment(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    params: web::Query<ModuleUploadParams>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    // Nobody stores files on a module they may not edit.
    let checker = who.clone();
    state
        .db
        .read(move |conn| service::check_editable(conn, &checker, id))
        .await?;
    let content_type = crate::cases::attachments::clean_content_type(
        req.headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
    );
    let filename = crate::cases::attachments::clean_filename(&params.filename);
    let stored = crate::blobs::BlobStore::new(&state.config.data_dir)
        .store_stream(payload, state.config.max_attachment_bytes)
        .await?;
    let module = state
        .cases
        .write(&state.db, move |tx, events| {
            service::add_attachment(tx, &who, id, &stored, &filename, &content_type, events)
        })
        .await?;
    Ok(HttpResponse::Ok().json(module))
}

/// Downloads one of the module's files (whoever reads the module).
#[utoipa::path(get, path = "/api/v1/text-modules/{id}/attachments/{attachment_id}", tag = "knowledge",
    responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = ProblemBody)))]
#[get("/text-modules/{id}/attachments/{attachment_id}")]
pub async fn download_attachment(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, attachment_id) = path.into_inner();
    let blobs = crate::blobs::BlobStore::new(&state.config.data_dir);
    let reader = blobs.clone();
    let (file, location) = state
        .db
        .read(move |conn| {
            let (file, sha256) = service::attachment_for_download(conn, &who, id, attachment_id)?;
            let location = crate::blobs::store::locate(conn, &reader, &sha256)?;
            Ok::<_, super::TextModuleError>((file, location))
        })
        .await?;
    let location = location.ok_or_else(|| {
        ApiError::new(
            actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the file's content is missing",
        )
    })?;
    crate::http::files::send_stored(
        blobs,
        location,
        &file.filename,
        &file.content_type,
        false,
        format!("text module {id} file {attachment_id}"),
    )
    .await
}

#[utoipa::path(delete, path = "/api/v1/text-modules/{id}/attachments/{attachment_id}", tag = "knowledge",
    responses((status = 200, body = TextModule), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/text-modules/{id}/attachments/{attachment_id}")]
pub async fn remove_attachment(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, attachment_id) = path.into_inner();
    let module = state
        .cases
        .write(&state.db, move |tx, events| {
            service::remove_attachment(tx, &who, id, attachment_id, events)
        })
        .await?;
    Ok(HttpResponse::Ok().json(module))
}

/// The published text modules for the case's project, all at once (the
/// composer filters them as the agent types `::`).
#[utoipa::path(get, path = "/api/v1/cases/{id}/text-modules", tag = "knowledge",
    responses((status = 200, body = ItemList<TextModulePick>), (status = 404, body = ProblemBody)))]
#[get("/cases/{id}/text-modules")]
pub async fn case_picks(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| service::picks(conn, &who, id.into()))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// Fills the module's placeholders for the case, attaches its files to the
/// case (send their ids with the reply) and counts the use.
#[utoipa::path(post, path = "/api/v1/cases/{id}/text-modules/{module_id}/render", tag = "knowledge",
    responses((status = 200, body = RenderedTextModule), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "not-published / not-for-project")))]
#[post("/cases/{id}/text-modules/{module_id}/render")]
pub async fn render(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (case_id, module_id) = path.into_inner();
    let rendered = state
        .db
        .write(move |tx| service::render(tx, &who, case_id.into(), module_id))
        .await?;
    Ok(HttpResponse::Ok().json(rendered))
}
