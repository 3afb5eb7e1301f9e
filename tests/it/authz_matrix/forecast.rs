//! The forecast rows of the matrix (matrix.txt, "forecast"): reads and the
//! relearning of profiles on the demo projects; saves of the volumes and
//! the settings on a fresh project of the named client (made by the
//! admin), so the demo's versions stay as the other rows expect.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Ctx, p};

fn settings() -> Value {
    json!({"interval_minutes": 15, "deadline_day": 10, "horizon_months": 3,
           "normal_percent": 5, "limit_percent": 15, "service_level_percent": 85,
           "answer_seconds": 15, "patience_seconds": 60, "max_occupancy_percent": 90,
           "shrinkage_percent": 25, "response_minutes": 120, "fte_minutes": 450,
           "aht_overrides": []})
}

impl Ctx {
    /// A fresh project of the named client, made by the admin.
    async fn forecast_project(&self, target: &str) -> i64 {
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
                json!({"client_id": client, "name": format!("Matrix Forecast {n}"),
                        "key": format!("F{n}")}),
            ),
        )
        .await["id"]
            .as_i64()
            .expect("project id")
    }

    pub(super) async fn forecast(
        &self,
        endpoint: &str,
        target: &str,
        role: usize,
    ) -> (StatusCode, Value) {
        let api = &self.apis[role];
        let read = |rest: &str| {
            p(format!(
                "/projects/{}/forecast{rest}",
                self.fx.project(target)
            ))
        };
        match endpoint {
            "GET /projects/{id}/forecast" => api.get(&read("")).await,
            "GET /projects/{id}/forecast/versions" => api.get(&read("/versions")).await,
            "GET /projects/{id}/forecast/settings" => api.get(&read("/settings")).await,
            "GET /projects/{id}/forecast/profiles" => api.get(&read("/profiles")).await,
            "GET /projects/{id}/forecast/actuals" => api.get(&read("/actuals")).await,
            "GET /projects/{id}/forecast/deviations" => api.get(&read("/deviations")).await,
            "GET /projects/{id}/forecast/staffing" => api.get(&read("/staffing")).await,
            "GET /projects/{id}/forecast/staffing/day" => {
                api.get(&read("/staffing/day?date=2026-03-02")).await
            }
            "POST /projects/{id}/forecast/profiles/learn" => {
                api.post(&read("/profiles/learn"), json!({})).await
            }
            "PUT /projects/{id}/forecast" => {
                let project = self.forecast_project(target).await;
                api.put(
                    &p(format!("/projects/{project}/forecast")),
                    json!({"expected_version": 0, "note": "Matrix", "entries": []}),
                )
                .await
            }
            "PUT /projects/{id}/forecast/settings" => {
                let project = self.forecast_project(target).await;
                api.put(
                    &p(format!("/projects/{project}/forecast/settings")),
                    settings(),
                )
                .await
            }
            other => panic!("no such matrix endpoint: {other}"),
        }
    }
}
