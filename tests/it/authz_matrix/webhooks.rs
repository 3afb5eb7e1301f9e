//! The webhook rows of the matrix (matrix.txt, "webhooks"): each cell on a
//! fresh webhook of the named client, made by the admin. The target is a
//! closed port on this machine (the test configuration's allow list opens
//! loopback), so queued test events fail fast and touch nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Ctx, p};

const URL: &str = "http://127.0.0.1:9/matrix";

impl Ctx {
    /// A fresh webhook of the client (by the admin).
    async fn scratch_webhook(&self, client: i64) -> i64 {
        let n = self.next();
        self.admin(
            Method::POST,
            &p("/webhooks"),
            Some(json!({"client_id": client, "name": format!("Matrix Webhook {n}"), "url": URL})),
        )
        .await["id"]
            .as_i64()
            .expect("webhook id")
    }

    /// A delivery of a fresh webhook of the client (a test event).
    async fn scratch_delivery(&self, client: i64) -> i64 {
        let hook = self.scratch_webhook(client).await;
        self.admin(
            Method::POST,
            &p(format!("/webhooks/{hook}/test")),
            Some(json!({})),
        )
        .await["id"]
            .as_i64()
            .expect("delivery id")
    }

    pub(super) async fn webhooks(
        &self,
        endpoint: &str,
        target: &str,
        role: usize,
    ) -> (StatusCode, Value) {
        let api = &self.apis[role];
        let n = self.next();
        let client = self.fx.client(target);
        match endpoint {
            "GET /webhooks" => api.get(&p(format!("/webhooks?client_id={client}"))).await,
            "POST /webhooks" => {
                api.post(
                    &p("/webhooks"),
                    json!({"client_id": client, "name": format!("Matrix neu {n}"), "url": URL}),
                )
                .await
            }
            "POST /webhook-deliveries/{id}/resend" => {
                let id = self.scratch_delivery(client).await;
                api.post(&p(format!("/webhook-deliveries/{id}/resend")), json!({}))
                    .await
            }
            _ => {
                let id = self.scratch_webhook(client).await;
                let path = p(format!("/webhooks/{id}"));
                match endpoint {
                    "GET /webhooks/{id}" => api.get(&path).await,
                    "GET /webhooks/{id}/deliveries" => {
                        api.get(&format!("{path}/deliveries")).await
                    }
                    "POST /webhooks/{id}/test" => {
                        api.post(&format!("{path}/test"), json!({})).await
                    }
                    "PUT /webhooks/{id}" => {
                        api.put(
                            &path,
                            json!({"name": format!("Matrix geändert {n}"), "url": URL, "active": false}),
                        )
                        .await
                    }
                    "DELETE /webhooks/{id}" => {
                        let result = api.delete(&path).await;
                        let gone = !self.exists(&path).await;
                        self.effect(endpoint, target, role, result.0, gone);
                        result
                    }
                    other => panic!("no such matrix endpoint: {other}"),
                }
            }
        }
    }
}
