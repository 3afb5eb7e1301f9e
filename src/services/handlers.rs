use actix_web::{HttpRequest, HttpResponse, get, post, web};

use super::error::ServiceError;
use super::metrics::{MetricsError, store_bytes};
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

/// Whether the request may read the metrics.
fn allowed(req: &HttpRequest, token: Option<&str>) -> bool {
    if let Some(expected) = token.filter(|t| !t.is_empty()) {
        let sent = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if crate::auth::tokens::secrets_equal(sent.trim(), expected) {
            return true;
        }
    }
    let proxied =
        req.headers().contains_key("x-forwarded-for") || req.headers().contains_key("forwarded");
    let loopback = req.peer_addr().is_some_and(|a| a.ip().is_loopback());
    loopback && !proxied
}

/// Prometheus text format; see the module docs for who may read it.
#[utoipa::path(get, path = "/metrics", tag = "system", security(()),
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain"),
        (status = 403, body = crate::http::ProblemBody)))]
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if !allowed(&req, state.config.metrics_token.as_deref()) {
        return Err(MetricsError::Forbidden.into());
    }
    let path = state.db.path().to_path_buf();
    let attachments: i64 = state
        .db
        .read(|conn| {
            Ok::<_, crate::db::StoreError>(conn.query_row(
                "SELECT COALESCE(SUM(size), 0) FROM blobs",
                [],
                |row| row.get(0),
            )?)
        })
        .await?;
    let mut body = state.metrics.render(
        &state.services.list(),
        store_bytes(&path),
        attachments.max(0) as u64,
    );
    if let Some(replication) = &state.replication {
        body.push_str(&super::metrics::render_replication(&replication.status()));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}
