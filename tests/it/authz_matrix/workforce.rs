//! The workforce rows of the matrix (matrix.txt, "workforce"): reads on the
//! demo clients and projects; settings re-put as the admin reads them;
//! seats and assignments on scratch seats the admin builds right before;
//! corrections of the project's own agent; monitor interventions on a
//! fresh case (back to the queue) and the project's own agent (offline).

use reqwest::Method;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{ANNA, Ctx, JONAS, LEAD, PRO, TOM, p};

impl Ctx {
    /// The project's own agent of the matrix: Anna, Jonas, Tom (ACMEQA: the
    /// lead, an agent there).
    fn own_agent(&self, key: &str) -> i64 {
        self.fx.user(match key {
            "NORD" => JONAS,
            "BERG" => TOM,
            "ACMEQA" => LEAD,
            _ => ANNA,
        })
    }

    /// A Team Pro seat of the project, built by the admin.
    async fn scratch_seat(&self, key: &str) -> (i64, Value) {
        let n = self.next();
        let body = json!({"name": format!("Matrix {n}"), "tariff": "team-pro",
                          "valid_from": "2026-01-01"});
        let seat = self
            .admin(
                Method::POST,
                &p(format!("/projects/{}/seats", self.fx.project(key))),
                Some(body.clone()),
            )
            .await;
        (seat["id"].as_i64().expect("seat id"), body)
    }

    pub(super) async fn workforce(
        &self,
        endpoint: &str,
        target: &str,
        role: usize,
    ) -> (StatusCode, Value) {
        let api = &self.apis[role];
        let day = chrono::Utc::now().date_naive().to_string();
        let scope = |target: &str| {
            if target == "list" {
                format!("from={day}&to={day}")
            } else {
                format!("from={day}&to={day}&project_id={}", self.fx.project(target))
            }
        };
        match endpoint {
            "GET /workforce/me" => api.get(&p("/workforce/me")).await,
            "PUT /workforce/me" => {
                api.put(&p("/workforce/me"), json!({"state": "offline"}))
                    .await
            }
            "POST /workforce/me/heartbeat" => {
                api.post(&p("/workforce/me/heartbeat"), json!({})).await
            }
            "GET /clients/{id}/workforce-settings" => {
                api.get(&p(format!(
                    "/clients/{}/workforce-settings",
                    self.fx.client(target)
                )))
                .await
            }
            "PUT /clients/{id}/workforce-settings" => {
                let path = p(format!(
                    "/clients/{}/workforce-settings",
                    self.fx.client(target)
                ));
                let now = self.admin(Method::GET, &path, None).await;
                api.put(
                    &path,
                    json!({"after_work_max_seconds": now["after_work_max_seconds"],
                           "after_work_expiry": now["after_work_expiry"],
                           "productive_states": now["productive_states"],
                           "time_zone": now["time_zone"],
                           "break_reasons": now["break_reasons"]}),
                )
                .await
            }
            "GET /workforce/state-log" => {
                api.get(&p(format!("/workforce/state-log?{}", scope(target))))
                    .await
            }
            "GET /workforce/productive-time" => {
                api.get(&p(format!("/workforce/productive-time?{}", scope(target))))
                    .await
            }
            "POST /workforce/productive-time/corrections" => {
                api.post(
                    &p("/workforce/productive-time/corrections"),
                    json!({"user_id": self.own_agent(target), "project_id": self.fx.project(target),
                           "day": day, "seconds": 60, "reason": "Matrix"}),
                )
                .await
            }
            "GET /projects/{id}/seats" => {
                api.get(&p(format!("/projects/{}/seats", self.fx.project(target))))
                    .await
            }
            "POST /projects/{id}/seats" => {
                let n = self.next();
                api.post(
                    &p(format!("/projects/{}/seats", self.fx.project(target))),
                    json!({"name": format!("Matrix {n}"), "tariff": "team-pro",
                           "valid_from": "2026-01-01"}),
                )
                .await
            }
            "PUT /seats/{id}" => {
                let (seat, body) = self.scratch_seat(target).await;
                api.put(&p(format!("/seats/{seat}")), body).await
            }
            "DELETE /seats/{id}" => {
                let (seat, _) = self.scratch_seat(target).await;
                api.delete(&p(format!("/seats/{seat}"))).await
            }
            "POST /seats/{id}/assignments" => {
                let (seat, _) = self.scratch_seat(target).await;
                api.post(
                    &p(format!("/seats/{seat}/assignments")),
                    json!({"user_id": self.fx.user(PRO), "valid_from": "2026-02-01"}),
                )
                .await
            }
            "DELETE /seat-assignments/{id}" => {
                let (seat, _) = self.scratch_seat(target).await;
                let assigned = self
                    .admin(
                        Method::POST,
                        &p(format!("/seats/{seat}/assignments")),
                        Some(json!({"user_id": self.fx.user(PRO), "valid_from": "2026-02-01"})),
                    )
                    .await;
                let id = assigned["assignments"][0]["id"]
                    .as_i64()
                    .expect("assignment");
                api.delete(&p(format!("/seat-assignments/{id}"))).await
            }
            "GET /projects/{id}/monitor" => {
                api.get(&p(format!("/projects/{}/monitor", self.fx.project(target))))
                    .await
            }
            "POST /projects/{id}/monitor/reassign" => {
                let case = self.scratch_case(target).await;
                api.post(
                    &p(format!(
                        "/projects/{}/monitor/reassign",
                        self.fx.project(target)
                    )),
                    json!({"case_id": case, "assignee_id": null}),
                )
                .await
            }
            "PUT /projects/{id}/monitor/agents/{user_id}" => {
                api.put(
                    &p(format!(
                        "/projects/{}/monitor/agents/{}",
                        self.fx.project(target),
                        self.own_agent(target)
                    )),
                    json!({"state": "offline"}),
                )
                .await
            }
            "POST /projects/{id}/monitor/broadcast" => {
                api.post(
                    &p(format!(
                        "/projects/{}/monitor/broadcast",
                        self.fx.project(target)
                    )),
                    json!({"title": "Matrix", "body": "Bitte lesen."}),
                )
                .await
            }
            other => panic!("no such matrix endpoint: {other}"),
        }
    }
}
