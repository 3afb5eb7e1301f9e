use actix_web::{HttpResponse, delete, get, post, put, web};

use super::model::{
    Delivery, DeliveryQuery, TestEventInput, Webhook, WebhookInput, WebhookQuery, WebhookWithSecret,
};
use super::{service, worker};
use crate::auth::Principal;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(test_webhook)
        .service(list_deliveries)
        .service(resend_delivery);
}

/// A client's webhooks (client admins and the platform admin).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", params(WebhookQuery),
    responses((status = 200, body = ItemList<Webhook>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    who: Principal,
    params: web::Query<WebhookQuery>,
) -> Result<HttpResponse, ApiError> {
    let client_id = params.into_inner().client_id;
    let items = state
        .db
        .read(move |conn| service::list(conn, &who, client_id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// A new webhook. The answer carries the signing secret, once.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = WebhookInput,
    responses((status = 201, body = WebhookWithSecret), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "name-taken"),
        (status = 422, body = ProblemBody, description = "bad-url, host-not-allowed, plain-http-not-allowed, or a field")))]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<WebhookInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    // Who may, before the target is looked up (no DNS probing by others).
    let client_id = input.client_id.or(who.client_id);
    if let Some(c) = client_id {
        crate::auth::policy::manage_webhooks(&who, c)
            .map_err(|denied| ApiError::from(super::WebhookError::from(denied)))?;
    }
    service::check_target(&input.url, &state.config.mail_allowed_hosts).await?;
    let sealer = state.sealer.clone();
    let created = state
        .db
        .write(move |tx| service::create(tx, &who, &sealer, input))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    responses((status = 200, body = Webhook), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
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

/// Replaces a webhook. With `secret` or `new_secret` the answer carries the
/// new secret, once; otherwise the secret stays and is not shown.
#[utoipa::path(put, path = "/api/v1/webhooks/{id}", tag = "webhooks", request_body = WebhookInput,
    responses((status = 200, body = WebhookWithSecret, description = "`secret` only when it was changed"),
        (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "name-taken"),
        (status = 422, body = ProblemBody, description = "bad-url, host-not-allowed, plain-http-not-allowed, or a field")))]
#[put("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<WebhookInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let input = body.into_inner();
    // Who may, before the target is looked up.
    let probe = who.clone();
    state
        .db
        .read(move |conn| service::get(conn, &probe, id))
        .await?;
    service::check_target(&input.url, &state.config.mail_allowed_hosts).await?;
    let sealer = state.sealer.clone();
    let (webhook, secret) = state
        .db
        .write(move |tx| service::update(tx, &who, &sealer, id, input))
        .await?;
    Ok(HttpResponse::Ok().json(WebhookWithSecret { webhook, secret }))
}

/// Deletes a webhook and its deliveries.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
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

/// Queues a `test` event for the webhook (also when it is inactive).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks", request_body = TestEventInput,
    responses((status = 202, body = Delivery), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/webhooks/{id}/test")]
pub async fn test_webhook(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<TestEventInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let input = body.into_inner();
    let delivery = state
        .db
        .write(move |tx| service::send_test(tx, &who, id, input))
        .await?;
    worker::wake(&state.services);
    Ok(HttpResponse::Accepted().json(delivery))
}

/// A webhook's deliveries, newest first: state, attempts, the last status
/// and time (never the answer's body).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", params(DeliveryQuery),
    responses((status = 200, body = ItemList<Delivery>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    params: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let limit = params.into_inner().limit;
    let items = state
        .db
        .read(move |conn| service::deliveries(conn, &who, id, limit))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// Sends a delivery's body again, as a new delivery.
#[utoipa::path(post, path = "/api/v1/webhook-deliveries/{id}/resend", tag = "webhooks",
    responses((status = 202, body = Delivery), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[post("/webhook-deliveries/{id}/resend")]
pub async fn resend_delivery(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let delivery = state
        .db
        .write(move |tx| service::resend(tx, &who, id))
        .await?;
    worker::wake(&state.services);
    Ok(HttpResponse::Accepted().json(delivery))
}
