use actix_web::{HttpResponse, get, web};

use super::model::{AuditPage, AuditQuery};
use super::store;
use crate::auth::{Principal, policy};
use crate::http::ApiError;
use crate::paging;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list);
}

/// The audit log, newest first; platform admins see all, client admins
/// their client's entries.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = crate::http::ProblemBody)))]
#[get("/audit")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let visibility = policy::audit_visibility(&who)?;
    let query = query.into_inner();
    let limit = paging::limit(query.limit);
    let items = state
        .db
        .read(move |conn| store::list(conn, &visibility, &query, limit).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(AuditPage::of(items, limit)))
}
