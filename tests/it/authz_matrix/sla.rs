//! The calendar and SLA rows of the matrix (matrix.txt, "calendars and
//! SLAs"): each cell on fresh objects of the named client or project, made
//! by the admin.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Ctx, p};

impl Ctx {
    /// A fresh calendar of the client (by the admin).
    async fn scratch_calendar(&self, client: i64) -> i64 {
        let n = self.next();
        self.admin(
            Method::POST,
            &p("/calendars"),
            Some(
                json!({"client_id": client, "name": format!("Matrix Kalender {n}"), "state": "NW",
                        "hours": [{"weekday": 0, "start": "08:00", "end": "17:00"}]}),
            ),
        )
        .await["id"]
            .as_i64()
            .expect("calendar id")
    }

    /// A fresh policy of the project on a fresh calendar of its client.
    async fn scratch_policy(&self, project: i64, client: i64) -> i64 {
        let calendar = self.scratch_calendar(client).await;
        let n = self.next();
        self.admin(
            Method::POST,
            &p("/sla-policies"),
            Some(
                json!({"project_id": project, "name": format!("Matrix SLA {n}"),
                        "calendar_id": calendar, "resolution_minutes": 480}),
            ),
        )
        .await["id"]
            .as_i64()
            .expect("policy id")
    }

    fn client_of_project(&self, key: &str) -> i64 {
        match key {
            "NORD" => self.fx.client("nord"),
            "BERG" => self.fx.client("berg"),
            _ => self.fx.client("acme"),
        }
    }

    pub(super) async fn sla(
        &self,
        endpoint: &str,
        target: &str,
        role: usize,
    ) -> (StatusCode, Value) {
        let api = &self.apis[role];
        let n = self.next();
        match endpoint {
            "GET /calendars" => {
                api.get(&p(format!(
                    "/calendars?client_id={}",
                    self.fx.client(target)
                )))
                .await
            }
            "POST /calendars" => {
                api.post(
                    &p("/calendars"),
                    json!({"client_id": self.fx.client(target), "name": format!("Matrix neu {n}"),
                           "hours": [{"weekday": 1, "start": "09:00", "end": "12:00"}]}),
                )
                .await
            }
            "GET /calendars/{id}"
            | "PUT /calendars/{id}"
            | "DELETE /calendars/{id}"
            | "GET /calendars/{id}/holidays" => {
                let id = self.scratch_calendar(self.fx.client(target)).await;
                let path = p(format!("/calendars/{id}"));
                match endpoint {
                    "GET /calendars/{id}" => api.get(&path).await,
                    "GET /calendars/{id}/holidays" => {
                        api.get(&format!("{path}/holidays?year=2026")).await
                    }
                    "PUT /calendars/{id}" => {
                        api.put(
                            &path,
                            json!({"name": format!("Matrix geändert {n}"), "state": "BY",
                                   "hours": [{"weekday": 2, "start": "07:00", "end": "15:00"}]}),
                        )
                        .await
                    }
                    _ => {
                        let result = api.delete(&path).await;
                        let gone = !self.exists(&path).await;
                        self.effect(endpoint, target, role, result.0, gone);
                        result
                    }
                }
            }
            "GET /sla-policies" => {
                api.get(&p(format!(
                    "/sla-policies?project_id={}",
                    self.fx.project(target)
                )))
                .await
            }
            "POST /sla-policies" => {
                let calendar = self.scratch_calendar(self.client_of_project(target)).await;
                api.post(
                    &p("/sla-policies"),
                    json!({"project_id": self.fx.project(target), "name": format!("Matrix neu {n}"),
                           "calendar_id": calendar, "first_response_minutes": 60}),
                )
                .await
            }
            "GET /sla-policies/{id}" | "PUT /sla-policies/{id}" | "DELETE /sla-policies/{id}" => {
                let project = self.fx.project(target);
                let id = self
                    .scratch_policy(project, self.client_of_project(target))
                    .await;
                let path = p(format!("/sla-policies/{id}"));
                match endpoint {
                    "GET /sla-policies/{id}" => api.get(&path).await,
                    "PUT /sla-policies/{id}" => {
                        let (_, before) = self.setup.get(&path).await;
                        api.put(
                            &path,
                            json!({"project_id": project, "name": format!("Matrix geändert {n}"),
                                   "calendar_id": before["calendar_id"], "resolution_minutes": 960}),
                        )
                        .await
                    }
                    _ => {
                        let result = api.delete(&path).await;
                        let gone = !self.exists(&path).await;
                        self.effect(endpoint, target, role, result.0, gone);
                        result
                    }
                }
            }
            "GET /cases/{id}/sla" => {
                let case = self.scratch_case(target).await;
                api.get(&p(format!("/cases/{case}/sla"))).await
            }
            other => panic!("no such matrix endpoint: {other}"),
        }
    }
}
