use actix_web::{HttpResponse, delete, get, post, put, web};

use super::model::{
    Acknowledgments, Instruction, InstructionDraft, InstructionQuery, InstructionSettings,
    InstructionSettingsInput, MyInstruction, NewInstruction,
};
use super::service;
use crate::auth::Principal;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::ids::ClientId;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `mine` before `{id}`.
    cfg.service(mine)
        .service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(remove)
        .service(publish)
        .service(withdraw)
        .service(acknowledgments)
        .service(acknowledge)
        .service(dismiss)
        .service(settings)
        .service(set_settings);
}

/// The published instructions that apply to the caller now, with whether
/// the workspace shows each as a banner.
#[utoipa::path(get, path = "/api/v1/instructions/mine", tag = "knowledge",
    responses((status = 200, body = ItemList<MyInstruction>)))]
#[get("/instructions/mine")]
pub async fn mine(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let items = state.db.read(move |conn| service::mine(conn, &who)).await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// A client's work instructions, newest first (editors: client admins and
/// project leads).
#[utoipa::path(get, path = "/api/v1/instructions", tag = "knowledge", params(InstructionQuery),
    responses((status = 200, body = ItemList<Instruction>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/instructions")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    params: web::Query<InstructionQuery>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let items = state
        .db
        .read(move |conn| service::list(conn, &who, &params))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// A new work instruction, as a draft. A project lead names projects they
/// lead.
#[utoipa::path(post, path = "/api/v1/instructions", tag = "knowledge", request_body = NewInstruction,
    responses((status = 201, body = Instruction), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/instructions")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<NewInstruction>,
) -> Result<HttpResponse, ApiError> {
    let found = state
        .db
        .write(move |tx| service::create(tx, &who, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(found))
}

#[utoipa::path(get, path = "/api/v1/instructions/{id}", tag = "knowledge",
    responses((status = 200, body = Instruction), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/instructions/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state
        .db
        .read(move |conn| service::get(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Replaces a draft.
#[utoipa::path(put, path = "/api/v1/instructions/{id}", tag = "knowledge", request_body = InstructionDraft,
    responses((status = 200, body = Instruction), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "instruction-not-draft"), (status = 422, body = ProblemBody)))]
#[put("/instructions/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<InstructionDraft>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state
        .db
        .write(move |tx| service::update(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

#[utoipa::path(delete, path = "/api/v1/instructions/{id}", tag = "knowledge",
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/instructions/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .cases
        .write(&state.db, move |tx, announce| {
            service::delete(tx, &who, id, announce)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Publishes a draft; the agents it applies to see it at once.
#[utoipa::path(post, path = "/api/v1/instructions/{id}/publish", tag = "knowledge",
    responses((status = 200, body = Instruction), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "instruction-not-draft")))]
#[post("/instructions/{id}/publish")]
pub async fn publish(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state
        .cases
        .write(&state.db, move |tx, announce| {
            service::publish(tx, &who, id, announce)
        })
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

#[utoipa::path(post, path = "/api/v1/instructions/{id}/withdraw", tag = "knowledge",
    responses((status = 200, body = Instruction), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "instruction-not-published")))]
#[post("/instructions/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state
        .cases
        .write(&state.db, move |tx, announce| {
            service::withdraw(tx, &who, id, announce)
        })
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Who acknowledged and who of the agents it applies to has not yet.
#[utoipa::path(get, path = "/api/v1/instructions/{id}/acknowledgments", tag = "knowledge",
    responses((status = 200, body = Acknowledgments), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/instructions/{id}/acknowledgments")]
pub async fn acknowledgments(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state
        .db
        .read(move |conn| service::acknowledgments(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// The caller acknowledges an instruction that applies to them.
#[utoipa::path(post, path = "/api/v1/instructions/{id}/acknowledge", tag = "knowledge",
    responses((status = 200, body = MyInstruction), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "instruction-not-targeted")))]
#[post("/instructions/{id}/acknowledge")]
pub async fn acknowledge(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state
        .cases
        .write(&state.db, move |tx, announce| {
            service::acknowledge(tx, &who, id, announce)
        })
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Hides the banner: an info instruction for good, a must-acknowledge one
/// until the next sign-in or its `remind_hours`.
#[utoipa::path(post, path = "/api/v1/instructions/{id}/dismiss", tag = "knowledge",
    responses((status = 200, body = MyInstruction), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "instruction-not-targeted")))]
#[post("/instructions/{id}/dismiss")]
pub async fn dismiss(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state
        .db
        .write(move |tx| service::dismiss(tx, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// The client's defaults for work instructions (editors: client admin,
/// project leads of the client).
#[utoipa::path(get, path = "/api/v1/clients/{id}/instruction-settings", tag = "knowledge",
    params(("id" = i64, Path)),
    responses((status = 200, body = InstructionSettings), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/clients/{id}/instruction-settings")]
pub async fn settings(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ClientId>,
) -> Result<HttpResponse, ApiError> {
    let client_id = id.into_inner();
    let found = state
        .db
        .read(move |conn| service::settings(conn, &who, client_id))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Sets the client's default remind hours (client admin); instructions
/// without their own hours follow it at once. Audited.
#[utoipa::path(put, path = "/api/v1/clients/{id}/instruction-settings", tag = "knowledge",
    params(("id" = i64, Path)),
    request_body = InstructionSettingsInput,
    responses((status = 200, body = InstructionSettings), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[put("/clients/{id}/instruction-settings")]
pub async fn set_settings(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ClientId>,
    body: ValidJson<InstructionSettingsInput>,
) -> Result<HttpResponse, ApiError> {
    let client_id = id.into_inner();
    let found = state
        .db
        .write(move |tx| service::set_settings(tx, &who, client_id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}
