//! The deliveries of a case's outbound mail, and "retry now".

use crate::ids::CaseId;
use actix_web::{HttpResponse, get, post, web};

use super::Delivery;
use crate::auth::Principal;
use crate::http::{ApiError, ItemList, ProblemBody};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(retry);
}

/// The delivery state of every mail the case sent or queued (replies,
/// acknowledgments, confirmations), by outbound message.
#[utoipa::path(get, path = "/api/v1/cases/{id}/deliveries", tag = "cases",
    params(("id" = i64, Path)),
    responses((status = 200, body = ItemList<Delivery>), (status = 404, body = ProblemBody)))]
#[get("/cases/{id}/deliveries")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CaseId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| super::deliveries(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// Sends a failed or retrying mail again now.
#[utoipa::path(post, path = "/api/v1/cases/{id}/deliveries/{delivery_id}/retry", tag = "cases",
    params(("id" = i64, Path)),
    responses((status = 200, body = Delivery), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "delivery-not-retryable")))]
#[post("/cases/{id}/deliveries/{delivery_id}/retry")]
pub async fn retry(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(CaseId, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery_id) = path.into_inner();
    let delivery = state
        .db
        .write(move |tx| super::retry(tx, &who, id, delivery_id))
        .await?;
    state.outbox.wake();
    Ok(HttpResponse::Ok().json(delivery))
}
