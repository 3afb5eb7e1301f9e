use actix_web::{HttpResponse, delete, get, post, put, web};

use super::model::{
    DryRun, DryRunInput, MarkedRead, NotificationPage, NotificationQuery, Reorder, Rule, RuleInput,
    RuleQuery, RuleRun, RuleVersion,
};
use super::{notify, service};
use crate::auth::Principal;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::ids::CaseId;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_rules)
        .service(create_rule)
        .service(reorder_rules)
        .service(dry_run)
        .service(get_rule)
        .service(update_rule)
        .service(delete_rule)
        .service(rule_versions)
        .service(restore_rule_version)
        .service(activate_rule)
        .service(deactivate_rule)
        .service(case_rule_runs)
        .service(list_notifications)
        .service(read_all_notifications)
        .service(read_notification);
}

/// A client's rules in evaluation order (client admins; project leads read
/// the rules of their projects).
#[utoipa::path(get, path = "/api/v1/rules", tag = "rules", params(RuleQuery),
    responses((status = 200, body = ItemList<Rule>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/rules")]
pub async fn list_rules(
    state: web::Data<AppState>,
    who: Principal,
    params: web::Query<RuleQuery>,
) -> Result<HttpResponse, ApiError> {
    let client_id = params.into_inner().client_id;
    let items = state
        .db
        .read(move |conn| service::list(conn, &who, client_id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// Creates a rule, inactive, with its first version.
#[utoipa::path(post, path = "/api/v1/rules", tag = "rules", request_body = RuleInput,
    responses((status = 201, body = Rule), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[post("/rules")]
pub async fn create_rule(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<RuleInput>,
) -> Result<HttpResponse, ApiError> {
    let rule = state
        .db
        .write(move |tx| service::create(tx, &who, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(rule))
}

/// Puts the client's rules in a new evaluation order (every rule once).
#[utoipa::path(put, path = "/api/v1/rules/order", tag = "rules", params(RuleQuery), request_body = Reorder,
    responses((status = 200, body = ItemList<Rule>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[put("/rules/order")]
pub async fn reorder_rules(
    state: web::Data<AppState>,
    who: Principal,
    params: web::Query<RuleQuery>,
    body: ValidJson<Reorder>,
) -> Result<HttpResponse, ApiError> {
    let client_id = params.into_inner().client_id;
    let items = state
        .db
        .write(move |tx| service::reorder(tx, &who, client_id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// Which rules would fire on a case and what they would change; nothing
/// is changed (the engine runs on a savepoint that is rolled back).
#[utoipa::path(post, path = "/api/v1/rules/dry-run", tag = "rules", request_body = DryRunInput,
    responses((status = 200, body = DryRun), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[post("/rules/dry-run")]
pub async fn dry_run(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<DryRunInput>,
) -> Result<HttpResponse, ApiError> {
    let found = state
        .db
        .write(move |tx| service::dry_run(tx, &who, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

#[utoipa::path(get, path = "/api/v1/rules/{id}", tag = "rules",
    responses((status = 200, body = Rule), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/rules/{id}")]
pub async fn get_rule(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let rule = state
        .db
        .read(move |conn| service::get(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(rule))
}

/// Saves a new version of the rule (an active rule runs it at once).
#[utoipa::path(put, path = "/api/v1/rules/{id}", tag = "rules", request_body = RuleInput,
    responses((status = 200, body = Rule), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "rule-version-conflict"), (status = 422, body = ProblemBody)))]
#[put("/rules/{id}")]
pub async fn update_rule(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<RuleInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let rule = state
        .db
        .write(move |tx| service::update(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(rule))
}

#[utoipa::path(delete, path = "/api/v1/rules/{id}", tag = "rules",
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/rules/{id}")]
pub async fn delete_rule(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .write(move |tx| service::delete(tx, &who, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every version of the rule, newest first.
#[utoipa::path(get, path = "/api/v1/rules/{id}/versions", tag = "rules",
    responses((status = 200, body = ItemList<RuleVersion>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/rules/{id}/versions")]
pub async fn rule_versions(
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

/// Saves an older version again as the newest.
#[utoipa::path(post, path = "/api/v1/rules/{id}/versions/{version}/restore", tag = "rules",
    responses((status = 200, body = Rule), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[post("/rules/{id}/versions/{version}/restore")]
pub async fn restore_rule_version(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, version) = path.into_inner();
    let rule = state
        .db
        .write(move |tx| service::restore(tx, &who, id, version))
        .await?;
    Ok(HttpResponse::Ok().json(rule))
}

/// Activates the rule: it runs from the commit on.
#[utoipa::path(post, path = "/api/v1/rules/{id}/activate", tag = "rules",
    responses((status = 200, body = Rule), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[post("/rules/{id}/activate")]
pub async fn activate_rule(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let rule = state
        .db
        .write(move |tx| service::set_active(tx, &who, id, true))
        .await?;
    Ok(HttpResponse::Ok().json(rule))
}

#[utoipa::path(post, path = "/api/v1/rules/{id}/deactivate", tag = "rules",
    responses((status = 200, body = Rule), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[post("/rules/{id}/deactivate")]
pub async fn deactivate_rule(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let rule = state
        .db
        .write(move |tx| service::set_active(tx, &who, id, false))
        .await?;
    Ok(HttpResponse::Ok().json(rule))
}

/// The rules that ran on a case, newest first (whoever sees the case).
#[utoipa::path(get, path = "/api/v1/cases/{id}/rule-runs", tag = "rules",
    params(("id" = i64, Path)),
    responses((status = 200, body = ItemList<RuleRun>), (status = 404, body = ProblemBody)))]
#[get("/cases/{id}/rule-runs")]
pub async fn case_rule_runs(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CaseId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| service::runs_of_case(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// The caller's rule notifications, newest first, with the unread count
/// (only about cases the caller sees now).
#[utoipa::path(get, path = "/api/v1/notifications", tag = "rules", params(NotificationQuery),
    responses((status = 200, body = NotificationPage), (status = 401, body = ProblemBody)))]
#[get("/notifications")]
pub async fn list_notifications(
    state: web::Data<AppState>,
    who: Principal,
    params: web::Query<NotificationQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = params.into_inner();
    let page = state
        .db
        .read(move |conn| notify::list(conn, &who, &query))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Marks one of the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "rules",
    params(("id" = i64, Path)),
    responses((status = 200, body = MarkedRead), (status = 404, body = ProblemBody)))]
#[post("/notifications/{id}/read")]
pub async fn read_notification(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let marked = state
        .db
        .write(move |tx| notify::mark_read(tx, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(marked))
}

/// Marks all of the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "rules",
    responses((status = 200, body = MarkedRead), (status = 401, body = ProblemBody)))]
#[post("/notifications/read-all")]
pub async fn read_all_notifications(
    state: web::Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    let marked = state
        .db
        .write(move |tx| notify::mark_all_read(tx, &who))
        .await?;
    Ok(HttpResponse::Ok().json(marked))
}
