//! The distribution rows of the matrix (matrix.txt, "distribution"): reads
//! on the demo projects; a save on a fresh project of the named client
//! (made by the admin), since a plan limits what the provider's agents see
//! in its project and would change the other rows.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Ctx, p};

fn plan() -> Value {
    json!({"entries": [{"topic_id": null, "channel": "email", "team": "provider-basic",
                        "share_percent": 100}],
           "overflow": [], "open_cases": "leave", "expected_version": 0})
}

impl Ctx {
    /// A fresh project of the named client, made by the admin.
    async fn fresh_project(&self, target: &str) -> i64 {
        let n = self.next();
        let client = match target {
            "nord" => self.fx.client("nord"),
            "berg" => self.fx.client("berg"),
            _ => self.fx.client("acme"),
        };
        self.admin(
            Method::POST,
            &p("/projects"),
            Some(
                json!({"client_id": client, "name": format!("Matrix Verteilung {n}"),
                        "key": format!("D{n}")}),
            ),
        )
        .await["id"]
            .as_i64()
            .expect("project id")
    }

    pub(super) async fn distribution(
        &self,
        endpoint: &str,
        target: &str,
        role: usize,
    ) -> (StatusCode, Value) {
        let api = &self.apis[role];
        match endpoint {
            "GET /projects/{id}/distribution" => {
                api.get(&p(format!(
                    "/projects/{}/distribution",
                    self.fx.project(target)
                )))
                .await
            }
            "GET /projects/{id}/distribution/versions" => {
                api.get(&p(format!(
                    "/projects/{}/distribution/versions",
                    self.fx.project(target)
                )))
                .await
            }
            "PUT /projects/{id}/distribution" => {
                let project = self.fresh_project(target).await;
                api.put(&p(format!("/projects/{project}/distribution")), plan())
                    .await
            }
            "DELETE /projects/{id}/distribution" => {
                let project = self.fresh_project(target).await;
                let saved = self
                    .admin(
                        Method::PUT,
                        &p(format!("/projects/{project}/distribution")),
                        Some(plan()),
                    )
                    .await;
                assert_eq!(saved["plan"]["version"], 1, "{saved}");
                api.delete(&p(format!("/projects/{project}/distribution")))
                    .await
            }
            other => panic!("no such matrix endpoint: {other}"),
        }
    }
}
