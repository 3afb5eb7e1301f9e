//! The routing rows of the matrix (matrix.txt, "routing"): reads on the demo
//! projects and users; a mode change sets `pull` for letters (as in the
//! demo); an agent's settings are put back as the admin reads them (so
//! allowed cells change nothing); one's own availability is set `offline`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Ctx, p, role_email, user_target};

impl Ctx {
    pub(super) async fn routing(
        &self,
        endpoint: &str,
        target: &str,
        role: usize,
    ) -> (StatusCode, Value) {
        let api = &self.apis[role];
        let agent = |target: &str| {
            let email = if target == "self" {
                role_email(role)
            } else {
                user_target(target)
            };
            self.fx.user(email)
        };
        match endpoint {
            "GET /projects/{id}/routing" => {
                api.get(&p(format!("/projects/{}/routing", self.fx.project(target))))
                    .await
            }
            "GET /projects/{id}/routing/queue" => {
                api.get(&p(format!(
                    "/projects/{}/routing/queue",
                    self.fx.project(target)
                )))
                .await
            }
            "PUT /projects/{id}/routing/{channel}" => {
                api.put(
                    &p(format!(
                        "/projects/{}/routing/letter",
                        self.fx.project(target)
                    )),
                    json!({"mode": "pull"}),
                )
                .await
            }
            "GET /routing/agents/{id}" => {
                api.get(&p(format!("/routing/agents/{}", agent(target))))
                    .await
            }
            "PUT /routing/agents/{id}" => {
                let id = agent(target);
                let now = self
                    .admin(Method::GET, &p(format!("/routing/agents/{id}")), None)
                    .await;
                let skills: Vec<Value> = now["skills"]
                    .as_array()
                    .map(|s| {
                        s.iter()
                            .map(|s| {
                                let mut s = s.clone();
                                if let Some(o) = s.as_object_mut() {
                                    o.remove("topic_name");
                                }
                                s
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                api.put(
                    &p(format!("/routing/agents/{id}")),
                    json!({"skills": skills, "capacity": now["capacity"]}),
                )
                .await
            }
            "GET /routing/me" => api.get(&p("/routing/me")).await,
            "PUT /routing/me" => {
                api.put(&p("/routing/me"), json!({"state": "offline"}))
                    .await
            }
            "POST /routing/me/activity" => api.post(&p("/routing/me/activity"), json!({})).await,
            "GET /routing/settings" => api.get(&p("/routing/settings")).await,
            "PUT /routing/settings" => {
                api.put(&p("/routing/settings"), json!({"away_after_minutes": 10}))
                    .await
            }
            other => panic!("no such matrix endpoint: {other}"),
        }
    }
}
