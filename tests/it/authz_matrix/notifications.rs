//! The notification rows of the matrix (matrix.txt, "rule notifications"):
//! every signed-in user reads and marks their own; another user's
//! notification is not found, whoever asks.

use reqwest::StatusCode;
use serde_json::{Value, json};
use zezaro::db::StoreError;

use super::{ANON, Ctx, p, role_email};

/// Tom (Team Basic, Bergblick only) is no matrix column: his notifications
/// are foreign to every role.
const TOM: &str = "tom.berger@zezaro.example";

impl Ctx {
    /// A fresh unread notification of `email` about the first case they see.
    async fn scratch_notification(&self, email: &str) -> i64 {
        let api = self.ts.token_client(email);
        let (_, page) = api.get(&p("/cases?limit=1")).await;
        let case = page["items"][0]["id"]
            .as_i64()
            .expect("a case the user sees");
        let email = email.to_string();
        self.ts
            .server
            .state
            .db
            .write_blocking(move |tx| {
                Ok::<_, StoreError>(tx.query_row(
                    "INSERT INTO rule_notifications (user_id, case_id, rule_id, text, created_at)
                     SELECT id, ?2, NULL, 'Matrix', strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                     FROM users WHERE email = ?1 RETURNING id",
                    rusqlite::params![email, case],
                    |r| r.get::<_, i64>(0),
                )?)
            })
            .expect("notification")
    }

    pub(super) async fn notifications(
        &self,
        endpoint: &str,
        target: &str,
        role: usize,
    ) -> (StatusCode, Value) {
        let api = &self.apis[role];
        match endpoint {
            "GET /notifications" => api.get(&p("/notifications")).await,
            "POST /notifications/read-all" => {
                api.post(&p("/notifications/read-all"), json!({})).await
            }
            "POST /notifications/{id}/read" => {
                let owner = match (target, role) {
                    ("own", ANON) => super::ADMIN,
                    ("own", _) => role_email(role),
                    _ => TOM,
                };
                let id = self.scratch_notification(owner).await;
                api.post(&p(format!("/notifications/{id}/read")), json!({}))
                    .await
            }
            other => panic!("no such notification endpoint: {other}"),
        }
    }
}
