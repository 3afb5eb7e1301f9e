//! The rule rows of the matrix (matrix.txt, "rules"): each cell on fresh
//! rules of the named client, made by the admin. The rules match no case
//! (a subject no case has), so activating them changes no other row.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Ctx, p};

fn rule_body(name: String) -> Value {
    json!({"name": name, "event": "case-created",
           "conditions": {"all": [{"field": "subject", "op": "is", "value": "Matrix: nie erfüllt"}]},
           "actions": [{"type": "add-tags", "tags": ["matrix"]}]})
}

impl Ctx {
    /// A fresh rule of the client (by the admin).
    async fn scratch_rule(&self, client: i64) -> i64 {
        let n = self.next();
        let mut body = rule_body(format!("Matrix Regel {n}"));
        body["client_id"] = json!(client);
        self.admin(Method::POST, &p("/rules"), Some(body)).await["id"]
            .as_i64()
            .expect("rule id")
    }

    pub(super) async fn rule_engine(
        &self,
        endpoint: &str,
        target: &str,
        role: usize,
    ) -> (StatusCode, Value) {
        let api = &self.apis[role];
        let n = self.next();
        let client = self.fx.client(target);
        match endpoint {
            "GET /rules" => api.get(&p(format!("/rules?client_id={client}"))).await,
            "POST /rules" => {
                let mut body = rule_body(format!("Matrix neu {n}"));
                body["client_id"] = json!(client);
                api.post(&p("/rules"), body).await
            }
            "PUT /rules/order" => {
                self.scratch_rule(client).await;
                let (_, list) = self
                    .setup
                    .get(&p(format!("/rules?client_id={client}")))
                    .await;
                let mut ids: Vec<i64> = list["items"]
                    .as_array()
                    .expect("rules")
                    .iter()
                    .filter_map(|r| r["id"].as_i64())
                    .collect();
                ids.reverse();
                api.put(
                    &p(format!("/rules/order?client_id={client}")),
                    json!({"rule_ids": ids}),
                )
                .await
            }
            "POST /rules/dry-run" => {
                let case = self.scratch_case(target).await;
                api.post(&p("/rules/dry-run"), json!({"case_id": case}))
                    .await
            }
            "GET /cases/{id}/rule-runs" => {
                let case = self.scratch_case(target).await;
                api.get(&p(format!("/cases/{case}/rule-runs"))).await
            }
            _ => {
                let id = self.scratch_rule(client).await;
                let path = p(format!("/rules/{id}"));
                match endpoint {
                    "GET /rules/{id}" => api.get(&path).await,
                    "GET /rules/{id}/versions" => api.get(&format!("{path}/versions")).await,
                    "PUT /rules/{id}" => {
                        api.put(&path, rule_body(format!("Matrix geändert {n}")))
                            .await
                    }
                    "POST /rules/{id}/versions/{version}/restore" => {
                        api.post(&format!("{path}/versions/1/restore"), json!({}))
                            .await
                    }
                    "POST /rules/{id}/activate" => {
                        api.post(&format!("{path}/activate"), json!({})).await
                    }
                    "POST /rules/{id}/deactivate" => {
                        api.post(&format!("{path}/deactivate"), json!({})).await
                    }
                    "DELETE /rules/{id}" => {
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
