use actix_web::{HttpResponse, delete, get, post, put, web};

use super::model::{
    Calendar, CalendarInput, CalendarQuery, CaseSla, HolidayOut, HolidayQuery, Policy, PolicyInput,
    PolicyQuery,
};
use super::service;
use crate::auth::Principal;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::ids::CaseId;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_calendars)
        .service(create_calendar)
        .service(get_calendar)
        .service(update_calendar)
        .service(delete_calendar)
        .service(calendar_holidays)
        .service(list_policies)
        .service(create_policy)
        .service(get_policy)
        .service(update_policy)
        .service(delete_policy)
        .service(case_sla);
}

/// A client's business calendars (client admins; project leads read).
#[utoipa::path(get, path = "/api/v1/calendars", tag = "calendars", params(CalendarQuery),
    responses((status = 200, body = ItemList<Calendar>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/calendars")]
pub async fn list_calendars(
    state: web::Data<AppState>,
    who: Principal,
    params: web::Query<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let client_id = params.into_inner().client_id;
    let items = state
        .db
        .read(move |conn| service::list_calendars(conn, &who, client_id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

#[utoipa::path(post, path = "/api/v1/calendars", tag = "calendars", request_body = CalendarInput,
    responses((status = 201, body = Calendar), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "name-taken"), (status = 422, body = ProblemBody)))]
#[post("/calendars")]
pub async fn create_calendar(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<CalendarInput>,
) -> Result<HttpResponse, ApiError> {
    let found = state
        .db
        .write(move |tx| service::create_calendar(tx, &who, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(found))
}

#[utoipa::path(get, path = "/api/v1/calendars/{id}", tag = "calendars",
    responses((status = 200, body = Calendar), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/calendars/{id}")]
pub async fn get_calendar(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state
        .db
        .read(move |conn| service::get_calendar(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Replaces a calendar; the deadlines of the open cases that use it are
/// recomputed after the answer, in the background (short batches, other
/// writes go between); `recompute_pending` is true until they are.
#[utoipa::path(put, path = "/api/v1/calendars/{id}", tag = "calendars", request_body = CalendarInput,
    responses((status = 200, body = Calendar), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "name-taken"), (status = 422, body = ProblemBody)))]
#[put("/calendars/{id}")]
pub async fn update_calendar(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<CalendarInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state
        .db
        .write(move |tx| service::update_calendar(tx, &who, id, body.into_inner()))
        .await?;
    crate::sla::job::wake_recompute(&state.services);
    Ok(HttpResponse::Ok().json(found))
}

#[utoipa::path(delete, path = "/api/v1/calendars/{id}", tag = "calendars",
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "calendar-in-use")))]
#[delete("/calendars/{id}")]
pub async fn delete_calendar(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .write(move |tx| service::delete_calendar(tx, &who, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The public holidays the calendar counts in a year (its federal state's).
#[utoipa::path(get, path = "/api/v1/calendars/{id}/holidays", tag = "calendars", params(HolidayQuery),
    responses((status = 200, body = ItemList<HolidayOut>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[get("/calendars/{id}/holidays")]
pub async fn calendar_holidays(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    params: web::Query<HolidayQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let year = params.into_inner().year;
    let items = state
        .db
        .read(move |conn| service::calendar_holidays(conn, &who, id, year))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// A project's SLA policies in evaluation order (client admins; the
/// project's lead reads).
#[utoipa::path(get, path = "/api/v1/sla-policies", tag = "sla", params(PolicyQuery),
    responses((status = 200, body = ItemList<Policy>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/sla-policies")]
pub async fn list_policies(
    state: web::Data<AppState>,
    who: Principal,
    params: web::Query<PolicyQuery>,
) -> Result<HttpResponse, ApiError> {
    let project_id = params.into_inner().project_id;
    let items = state
        .db
        .read(move |conn| service::list_policies(conn, &who, project_id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// A new SLA policy; applies to cases created from now on.
#[utoipa::path(post, path = "/api/v1/sla-policies", tag = "sla", request_body = PolicyInput,
    responses((status = 201, body = Policy), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "name-taken"), (status = 422, body = ProblemBody)))]
#[post("/sla-policies")]
pub async fn create_policy(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<PolicyInput>,
) -> Result<HttpResponse, ApiError> {
    let found = state
        .db
        .write(move |tx| service::create_policy(tx, &who, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(found))
}

#[utoipa::path(get, path = "/api/v1/sla-policies/{id}", tag = "sla",
    responses((status = 200, body = Policy), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/sla-policies/{id}")]
pub async fn get_policy(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state
        .db
        .read(move |conn| service::get_policy(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

#[utoipa::path(put, path = "/api/v1/sla-policies/{id}", tag = "sla", request_body = PolicyInput,
    responses((status = 200, body = Policy), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "name-taken"), (status = 422, body = ProblemBody)))]
#[put("/sla-policies/{id}")]
pub async fn update_policy(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<PolicyInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state
        .db
        .write(move |tx| service::update_policy(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

#[utoipa::path(delete, path = "/api/v1/sla-policies/{id}", tag = "sla",
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/sla-policies/{id}")]
pub async fn delete_policy(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .write(move |tx| service::delete_policy(tx, &who, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A case's SLA clocks: every target with its deadline and result.
#[utoipa::path(get, path = "/api/v1/cases/{id}/sla", tag = "sla",
    params(("id" = i64, Path)),
    responses((status = 200, body = CaseSla), (status = 404, body = ProblemBody)))]
#[get("/cases/{id}/sla")]
pub async fn case_sla(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CaseId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state
        .db
        .read(move |conn| service::case_sla(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}
