use actix_web::{HttpRequest, HttpResponse, get, post, put, web};

use super::public::{self, Outcome, PublicFormInfo, PublicSubmission, SubmissionReceipt};
use super::{WebForm, WebFormInput};
use crate::auth::Principal;
use crate::http::{ApiError, ProblemBody, ValidJson};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_one)
        .service(update)
        .service(rotate)
        .service(public_info)
        .service(public_submit);
}

fn with_counts(state: &AppState, mut form: WebForm) -> WebForm {
    if let Some(public_id) = &form.public_id {
        form.spam_caught = state.webforms.spam_count(public_id);
    }
    form
}

/// The project's web form; members read it, its managers change it.
#[utoipa::path(get, path = "/api/v1/projects/{id}/webform", tag = "webforms",
    responses((status = 200, body = WebForm), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/webform")]
pub async fn get_one(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let form = state
        .db
        .read(move |conn| super::get(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(with_counts(&state, form)))
}

/// Sets the web form up; the first save creates its public address.
#[utoipa::path(put, path = "/api/v1/projects/{id}/webform", tag = "webforms", request_body = WebFormInput,
    responses((status = 200, body = WebForm), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[put("/projects/{id}/webform")]
pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<WebFormInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let form = state
        .db
        .write(move |tx| super::put(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(with_counts(&state, form)))
}

/// Issues a new public address; the old one answers 404 from now on.
#[utoipa::path(post, path = "/api/v1/projects/{id}/webform/rotate", tag = "webforms",
    responses((status = 200, body = WebForm), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[post("/projects/{id}/webform/rotate")]
pub async fn rotate(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let form = state
        .db
        .write(move |tx| super::rotate(tx, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(with_counts(&state, form)))
}

/// Public, no sign-in: a form's texts and the `token` to send back with
/// the submission (for forms built by scripts on other sites).
#[utoipa::path(get, path = "/api/v1/public/forms/{public_id}", tag = "webforms", security(()),
    responses((status = 200, body = PublicFormInfo), (status = 404, body = ProblemBody)))]
#[get("/public/forms/{public_id}")]
pub async fn public_info(
    state: web::Data<AppState>,
    public_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let public_id = public_id.into_inner();
    let lookup = public_id.clone();
    let form = state
        .db
        .read(move |conn| super::public_form(conn, &lookup))
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(PublicFormInfo {
            token: state.webforms.token(&public_id),
            title: form.title,
            intro: form.intro,
        }))
}

/// Public, no sign-in: sends a form. The same rules as the HTML form at
/// `/f/{public_id}`: the `token` from the GET must be at least a few seconds
/// old, `website` must stay empty, and each address may send 5 forms in 10
/// minutes (429 with `Retry-After`). Submissions caught as spam are answered
/// like accepted ones.
#[utoipa::path(post, path = "/api/v1/public/forms/{public_id}", tag = "webforms", security(()),
    request_body = PublicSubmission,
    responses((status = 201, body = SubmissionReceipt), (status = 404, body = ProblemBody),
        (status = 413, body = ProblemBody), (status = 422, body = ProblemBody), (status = 429, body = ProblemBody)))]
#[post("/public/forms/{public_id}")]
pub async fn public_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    public_id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let public_id = public_id.into_inner();
    let body = public::read_json(&req, payload.into_inner()).await?;
    match public::process(&state, &req, &public_id, body).await? {
        Outcome::Accepted { receipt, .. } => Ok(HttpResponse::Created().json(receipt)),
        Outcome::NotFound => Err(ApiError::not_found()),
        Outcome::Throttled(seconds) => Err(public::throttled(seconds)),
        Outcome::Expired { .. } => Err(public::expired()),
        Outcome::Invalid { errors, .. } => Err(public::invalid_problem(&errors)),
    }
}
