use crate::ids::ProjectId;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::public::{self, Outcome, PublicFormInfo, PublicSubmission, SubmissionReceipt};
use super::{HeldSubmission, WebForm, WebFormInput};
use crate::auth::Principal;
use crate::http::{ApiError, ProblemBody, ValidJson};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_one)
        .service(update)
        .service(rotate)
        .service(held)
        .service(release)
        .service(discard)
        .service(public_info)
        .service(public_submit);
}

/// The held submissions of a project's form.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldList {
    pub items: Vec<HeldSubmission>,
}

fn with_counts(state: &AppState, mut form: WebForm) -> WebForm {
    if let Some(public_id) = &form.public_id {
        form.spam_caught = state.webforms.spam_count(public_id);
    }
    form
}

/// The project's web form; members read it, its managers change it.
#[utoipa::path(get, path = "/api/v1/projects/{id}/webform", tag = "webforms",
    params(("id" = i64, Path)),
    responses((status = 200, body = WebForm), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/webform")]
pub async fn get_one(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
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
    params(("id" = i64, Path)),
    responses((status = 200, body = WebForm), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[put("/projects/{id}/webform")]
pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
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
    params(("id" = i64, Path)),
    responses((status = 200, body = WebForm), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[post("/projects/{id}/webform/rotate")]
pub async fn rotate(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let form = state
        .db
        .write(move |tx| super::rotate(tx, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(with_counts(&state, form)))
}

/// Submissions held for review because the form was over its hourly
/// limit, oldest first; everybody who works in the project sees them.
#[utoipa::path(get, path = "/api/v1/projects/{id}/webform/held", tag = "webforms",
    params(("id" = i64, Path)),
    responses((status = 200, body = HeldList), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/webform/held")]
pub async fn held(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| super::held(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(HeldList { items }))
}

/// Files a held submission as a case of the form (audited as
/// `webform.release`); the confirmation mail goes out now if the form
/// sends one.
#[utoipa::path(post, path = "/api/v1/projects/{id}/webform/held/{held_id}/release", tag = "webforms",
    params(("id" = i64, Path), ("held_id" = i64, Path)),
    responses((status = 201, body = crate::cases::Case), (status = 404, body = ProblemBody)))]
#[post("/projects/{id}/webform/held/{held_id}/release")]
pub async fn release(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(ProjectId, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, held_id) = path.into_inner();
    let case = state
        .cases
        .write(&state.db, move |tx, announce| {
            let (case, client_id) = super::release(tx, &who, id, held_id)?;
            announce.case("created", &case, client_id, &who);
            Ok::<_, super::WebFormError>(case)
        })
        .await?;
    state.outbox.wake();
    Ok(HttpResponse::Created().json(case))
}

/// Drops a held submission (audited as `webform.discard`).
#[utoipa::path(delete, path = "/api/v1/projects/{id}/webform/held/{held_id}", tag = "webforms",
    params(("id" = i64, Path), ("held_id" = i64, Path)),
    responses((status = 204), (status = 404, body = ProblemBody)))]
#[delete("/projects/{id}/webform/held/{held_id}")]
pub async fn discard(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(ProjectId, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, held_id) = path.into_inner();
    state
        .db
        .write(move |tx| super::discard(tx, &who, id, held_id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
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
            pow_bits: form.pow_bits,
        }))
}

/// Public, no sign-in: sends a form. The same rules as the HTML form at
/// `/f/{public_id}`: the `token` from the GET must be at least a few seconds
/// old and is good for one submission (`form-expired` after), `website`
/// must stay empty, `pow` must answer the proof-of-work when the form asks
/// for one (`pow_bits`), and each address may send 5 forms in 10 minutes
/// (429 with `Retry-After`). Past the form's hourly limit a submission is
/// held for review (202, `held`). Submissions caught as spam are answered
/// like accepted ones.
#[utoipa::path(post, path = "/api/v1/public/forms/{public_id}", tag = "webforms", security(()),
    request_body = PublicSubmission,
    responses((status = 201, body = SubmissionReceipt), (status = 202, body = SubmissionReceipt, description = "held for review"),
        (status = 404, body = ProblemBody),
        (status = 413, body = ProblemBody), (status = 422, body = ProblemBody), (status = 429, body = ProblemBody)))]
#[post("/public/forms/{public_id}")]
pub async fn public_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    public_id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let public_id = public_id.into_inner();
    let body = public::handlers::read_json(&req, payload.into_inner()).await?;
    let outcome = public::process(
        &state.db,
        &state.webforms,
        &state.cases,
        &state.outbox,
        public::handlers::client_address(&req),
        &public_id,
        body,
    )
    .await?;
    match outcome {
        Outcome::Accepted { receipt, .. } if receipt.held => {
            Ok(HttpResponse::Accepted().json(receipt))
        }
        Outcome::Accepted { receipt, .. } => Ok(HttpResponse::Created().json(receipt)),
        Outcome::PowMissing { .. } => Err(public::handlers::pow_missing()),
        Outcome::NotFound => Err(ApiError::not_found()),
        Outcome::Throttled(seconds) => Err(public::handlers::throttled(seconds)),
        Outcome::Expired { .. } => Err(public::handlers::expired()),
        Outcome::Invalid { errors, .. } => Err(public::handlers::invalid_problem(&errors)),
    }
}
