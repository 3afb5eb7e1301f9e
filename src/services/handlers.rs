use actix_web::{HttpResponse, get, post, web};

use super::error::ServiceError;
use super::model::{Action, ServiceStatus};
use super::service;
use crate::auth::{Principal, policy};
use crate::http::{ApiError, ItemList, ProblemBody};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(control);
}

#[utoipa::path(get, path = "/api/v1/services", tag = "services",
    responses((status = 200, body = ItemList<ServiceStatus>), (status = 403, body = ProblemBody)))]
#[get("/services")]
pub async fn list(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    policy::manage_services(&who).map_err(ServiceError::from)?;
    Ok(HttpResponse::Ok().json(ItemList {
        items: state.services.list(),
    }))
}

/// `start`, `stop`, `pause`, `resume`, `restart` or `run` (once, now).
#[utoipa::path(post, path = "/api/v1/services/{key}/{action}", tag = "services",
    params(("key" = String, Path), ("action" = String, Path, description = "start, stop, pause, resume, restart or run")),
    responses((status = 200, body = ServiceStatus), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
#[post("/services/{key}/{action}")]
pub async fn control(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (key, action) = path.into_inner();
    policy::manage_services(&who).map_err(ServiceError::from)?;
    let registry = state.services.clone();
    let registered = registry.contains(&key);
    if action == "run" && registered && registry.status(&key).map_err(ServiceError::from)?.busy {
        return Err(ServiceError::Busy.into());
    }
    let stored_key = key.clone();
    let hook = registry.state_hook(&key);
    let action = state
        .db
        .write(move |tx| service::control(tx, &who, &stored_key, registered, &action, hook))
        .await?;
    match action {
        Action::Run => registry.run_now(&key),
        Action::Restart => registry.restart(&key),
        other => match other.desired() {
            Some(desired) => registry.set_desired(&key, desired),
            None => Ok(()),
        },
    }
    .map_err(ServiceError::from)?;
    Ok(HttpResponse::Ok().json(registry.status(&key).map_err(ServiceError::from)?))
}
