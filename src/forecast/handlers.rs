use actix_web::{HttpResponse, get, post, put, web};

use super::model::{
    Actuals, DayIntervals, DayQuery, Deviation, Forecast, ForecastInput, MonthQuery, Profiles,
    Settings, SettingsInput, Staffing, Version,
};
use super::service;
use crate::auth::Principal;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::ids::ProjectId;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_forecast)
        .service(save_forecast)
        .service(forecast_versions)
        .service(get_settings)
        .service(save_settings)
        .service(get_profiles)
        .service(learn_profiles)
        .service(get_actuals)
        .service(get_deviations)
        .service(get_staffing)
        .service(get_staffing_day);
}

/// The project's planned volumes per month and channel, from two months
/// back to the planning horizon, with each month's deadline (client
/// admins; the project's lead reads).
#[utoipa::path(get, path = "/api/v1/projects/{id}/forecast", tag = "forecast",
    params(("id" = i64, Path)),
    responses((status = 200, body = Forecast), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/forecast")]
pub async fn get_forecast(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = chrono::Utc::now();
    let found = state
        .db
        .read(move |conn| service::get(conn, &who, id, now))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Saves a new version of the forecast (client admins): the cells given
/// over the current ones. Changing a month past its deadline answers 409
/// `forecast-deadline-passed` (the field names the cell); a month past the
/// horizon 422.
#[utoipa::path(put, path = "/api/v1/projects/{id}/forecast", tag = "forecast",
    params(("id" = i64, Path)), request_body = ForecastInput,
    responses((status = 200, body = Forecast), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "version-conflict, forecast-deadline-passed"),
        (status = 422, body = ProblemBody)))]
#[put("/projects/{id}/forecast")]
pub async fn save_forecast(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
    body: ValidJson<ForecastInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = chrono::Utc::now();
    let saved = state
        .db
        .write(move |tx| service::save(tx, &who, id, body.into_inner(), now))
        .await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// Every saved version of the forecast with all its cells, newest first.
#[utoipa::path(get, path = "/api/v1/projects/{id}/forecast/versions", tag = "forecast",
    params(("id" = i64, Path)),
    responses((status = 200, body = ItemList<Version>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/forecast/versions")]
pub async fn forecast_versions(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| service::versions(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// The forecast's settings: interval, deadline, corridors, service targets,
/// shrinkage, handling-time overrides (defaults until saved).
#[utoipa::path(get, path = "/api/v1/projects/{id}/forecast/settings", tag = "forecast",
    params(("id" = i64, Path)),
    responses((status = 200, body = Settings), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/forecast/settings")]
pub async fn get_settings(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state
        .db
        .read(move |conn| service::get_settings(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Replaces the forecast's settings (client admins).
#[utoipa::path(put, path = "/api/v1/projects/{id}/forecast/settings", tag = "forecast",
    params(("id" = i64, Path)), request_body = SettingsInput,
    responses((status = 200, body = Settings), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[put("/projects/{id}/forecast/settings")]
pub async fn save_settings(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
    body: ValidJson<SettingsInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let saved = state
        .db
        .write(move |tx| service::save_settings(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// The weekday and intraday profiles and handling times per channel:
/// learned from the project's cases (daily, or on demand), else the
/// documented default.
#[utoipa::path(get, path = "/api/v1/projects/{id}/forecast/profiles", tag = "forecast",
    params(("id" = i64, Path)),
    responses((status = 200, body = Profiles), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/forecast/profiles")]
pub async fn get_profiles(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state
        .db
        .read(move |conn| service::profiles(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Learns the profiles now from the last 84 days (client admins).
#[utoipa::path(post, path = "/api/v1/projects/{id}/forecast/profiles/learn", tag = "forecast",
    params(("id" = i64, Path)),
    responses((status = 200, body = Profiles), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[post("/projects/{id}/forecast/profiles/learn")]
pub async fn learn_profiles(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = chrono::Utc::now();
    let found = state
        .db
        .write(move |tx| service::learn(tx, &who, id, now))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Actual against forecast per day and channel of a month, with the
/// corridor of each deviation and the month's recorded deviations.
#[utoipa::path(get, path = "/api/v1/projects/{id}/forecast/actuals", tag = "forecast",
    params(("id" = i64, Path), MonthQuery),
    responses((status = 200, body = Actuals), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[get("/projects/{id}/forecast/actuals")]
pub async fn get_actuals(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
    query: web::Query<MonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let month = query.into_inner().month;
    let now = chrono::Utc::now();
    let found = state
        .db
        .read(move |conn| service::actuals(conn, &who, id, month.as_deref(), now))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Deviations past the agreed limit, recorded per complete month and
/// channel by the daily job (for billing), newest month first.
#[utoipa::path(get, path = "/api/v1/projects/{id}/forecast/deviations", tag = "forecast",
    params(("id" = i64, Path)),
    responses((status = 200, body = ItemList<Deviation>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/projects/{id}/forecast/deviations")]
pub async fn get_deviations(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| service::deviations(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// The month's staffing per day: required FTE and seats per channel
/// against the planned seats.
#[utoipa::path(get, path = "/api/v1/projects/{id}/forecast/staffing", tag = "forecast",
    params(("id" = i64, Path), MonthQuery),
    responses((status = 200, body = Staffing), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[get("/projects/{id}/forecast/staffing")]
pub async fn get_staffing(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
    query: web::Query<MonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let month = query.into_inner().month;
    let now = chrono::Utc::now();
    let found = state
        .db
        .read(move |conn| service::staffing(conn, &who, id, month.as_deref(), now))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// One day's staffing per interval and channel: volume, agents, staff to
/// schedule and, for calls, service level, ASA, occupancy, abandonment.
#[utoipa::path(get, path = "/api/v1/projects/{id}/forecast/staffing/day", tag = "forecast",
    params(("id" = i64, Path), DayQuery),
    responses((status = 200, body = DayIntervals), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[get("/projects/{id}/forecast/staffing/day")]
pub async fn get_staffing_day(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ProjectId>,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let date = query.into_inner().date;
    let found = state
        .db
        .read(move |conn| service::staffing_intervals(conn, &who, id, &date))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}
