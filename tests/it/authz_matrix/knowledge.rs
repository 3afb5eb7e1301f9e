//! The knowledge rows of the matrix (matrix.txt, "knowledge"): each cell
//! on fresh objects of the named client or project, made by the admin.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Ctx, items, p};

/// A 1×1 GIF.
const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

impl Ctx {
    /// A published, unlimited article of the client: (article, version).
    async fn kb_article(&self, client: i64, n: usize) -> (i64, i64) {
        let saved = self
            .admin(
                Method::POST,
                &p("/knowledge/articles"),
                Some(json!({"client_id": client, "language": "de",
                            "title": format!("Matrix Artikel {n}"), "body": "Matrixtext"})),
            )
            .await;
        let article = saved["article_id"].as_i64().expect("article_id");
        let version = id(&saved["version"]);
        self.admin(
            Method::POST,
            &p(format!(
                "/knowledge/articles/{article}/versions/{version}/publish"
            )),
            Some(json!({})),
        )
        .await;
        (article, version)
    }

    /// A new draft of the article (by the admin); its version id.
    async fn kb_draft(&self, article: i64) -> i64 {
        let saved = self
            .admin(
                Method::POST,
                &p(format!("/knowledge/articles/{article}/versions")),
                Some(json!({"language": "de", "title": "Matrix Entwurf", "body": "Neu"})),
            )
            .await;
        id(&saved["version"])
    }

    async fn kb_file(&self, article: i64) -> i64 {
        let response = self
            .setup
            .raw(
                Method::POST,
                &p(format!(
                    "/knowledge/articles/{article}/attachments?filename=m.gif"
                )),
                Some(("image/gif", GIF.to_vec())),
                &[],
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        id(&response.json::<Value>().await.expect("json"))
    }

    /// A fresh case of the project (by key).
    async fn kb_case(&self, key: &str, n: usize) -> i64 {
        id(&self
            .admin(
                Method::POST,
                &p("/cases"),
                Some(json!({"project_id": self.fx.project(key),
                            "subject": format!("Matrix Artikel {n} Frage"), "channel": "email"})),
            )
            .await)
    }

    /// The agent granted editing in a project (ACME: Anna, NORD: Jonas,
    /// ACMEQA: the lead, an agent there).
    fn kb_grantee(&self, key: &str) -> i64 {
        self.fx.user(match key {
            "ACME" => super::ANNA,
            "NORD" => super::JONAS,
            _ => super::LEAD,
        })
    }

    pub(super) async fn knowledge(
        &self,
        endpoint: &str,
        target: &str,
        role: usize,
    ) -> (StatusCode, Value) {
        let api = &self.apis[role];
        let n = self.next();
        if endpoint == "GET /knowledge/projects" {
            let client = self.fx.client(target);
            return api
                .get(&p(format!("/knowledge/projects?client_id={client}")))
                .await;
        }
        if endpoint == "GET /knowledge/projects/{id}" {
            let project = self.fx.project(target);
            return api.get(&p(format!("/knowledge/projects/{project}"))).await;
        }
        if endpoint == "PUT /knowledge/projects/{id}/help-center" {
            let project = self.fx.project(target);
            let detail = p(format!("/knowledge/projects/{project}"));
            let enabled = |d: &Value| d["project"]["help_center"]["enabled"] == true;
            let before = enabled(&self.admin(Method::GET, &detail, None).await);
            let path = p(format!("/knowledge/projects/{project}/help-center"));
            let result = api.put(&path, json!({"enabled": !before})).await;
            let after = enabled(&self.admin(Method::GET, &detail, None).await);
            self.effect(endpoint, target, role, result.0, after != before);
            if after != before {
                self.admin(Method::PUT, &path, Some(json!({"enabled": before})))
                    .await;
            }
            return result;
        }
        if endpoint.contains("/editors") {
            let project = self.fx.project(target);
            let user = self.kb_grantee(target);
            let path = p(format!("/knowledge/projects/{project}/editors"));
            let granted = |list: &Value| items(list).iter().any(|e| e["user_id"] == user);
            return match endpoint {
                "GET /knowledge/projects/{id}/editors" => api.get(&path).await,
                "PUT /knowledge/projects/{id}/editors/{user_id}" => {
                    let result = api.put(&format!("{path}/{user}"), json!({})).await;
                    let list = self.admin(Method::GET, &path, None).await;
                    self.effect(endpoint, target, role, result.0, granted(&list));
                    if granted(&list) {
                        self.admin(Method::DELETE, &format!("{path}/{user}"), None)
                            .await;
                    }
                    result
                }
                _ => {
                    self.admin(Method::PUT, &format!("{path}/{user}"), Some(json!({})))
                        .await;
                    let result = api.delete(&format!("{path}/{user}")).await;
                    let list = self.admin(Method::GET, &path, None).await;
                    self.effect(endpoint, target, role, result.0, !granted(&list));
                    if granted(&list) {
                        self.admin(Method::DELETE, &format!("{path}/{user}"), None)
                            .await;
                    }
                    result
                }
            };
        }
        if endpoint.starts_with("GET /cases") || endpoint.starts_with("POST /cases") {
            let case = self.kb_case(target, n).await;
            let client = if target == "NORD" {
                self.fx.client("nord")
            } else {
                self.fx.client("acme")
            };
            return match endpoint {
                "GET /cases/{id}/knowledge-suggestions" => {
                    api.get(&p(format!("/cases/{case}/knowledge-suggestions")))
                        .await
                }
                "GET /cases/{id}/knowledge-uses" => {
                    api.get(&p(format!("/cases/{case}/knowledge-uses"))).await
                }
                _ => {
                    let (article, _) = self.kb_article(client, n).await;
                    let path = p(format!("/cases/{case}/knowledge-uses"));
                    let result = api
                        .post(
                            &path,
                            json!({"article_id": article, "language": "de", "how": "link"}),
                        )
                        .await;
                    let list = self.admin(Method::GET, &path, None).await;
                    self.effect(endpoint, target, role, result.0, !items(&list).is_empty());
                    result
                }
            };
        }
        let client = self.fx.client(target);
        let categories = p("/knowledge/categories");
        match endpoint {
            "GET /knowledge/categories" => api.get(&format!("{categories}?client_id={client}")).await,
            "POST /knowledge/categories" => {
                api.post(&categories, json!({"client_id": client, "name": format!("Matrix {n}")}))
                    .await
            }
            "PATCH /knowledge/categories/{id}" | "DELETE /knowledge/categories/{id}" => {
                let category = id(&self
                    .admin(
                        Method::POST,
                        &categories,
                        Some(json!({"client_id": client, "name": format!("Matrix {n}")})),
                    )
                    .await);
                let path = format!("{categories}/{category}");
                if endpoint.starts_with("PATCH") {
                    return api.patch(&path, json!({"name": format!("Matrix {n}b")})).await;
                }
                let result = api.delete(&path).await;
                let list = self
                    .admin(Method::GET, &format!("{categories}?client_id={client}"), None)
                    .await;
                let gone = !items(&list).iter().any(|c| c["id"] == category);
                self.effect(endpoint, target, role, result.0, gone);
                result
            }
            "GET /knowledge/search" => {
                api.get(&p(format!("/knowledge/search?client_id={client}&q=Matrixtext")))
                    .await
            }
            "GET /knowledge/articles" => {
                api.get(&p(format!("/knowledge/articles?client_id={client}"))).await
            }
            "POST /knowledge/articles" => {
                api.post(
                    &p("/knowledge/articles"),
                    json!({"client_id": client, "language": "de", "title": format!("Matrix {n}"), "body": "x"}),
                )
                .await
            }
            "GET /knowledge/review" => {
                api.get(&p(format!("/knowledge/review?client_id={client}"))).await
            }
            _ => self.knowledge_article(endpoint, target, role, client, n).await,
        }
    }

    /// The rows on one article (or its version, its file).
    async fn knowledge_article(
        &self,
        endpoint: &str,
        target: &str,
        role: usize,
        client: i64,
        n: usize,
    ) -> (StatusCode, Value) {
        let api = &self.apis[role];
        let (article, published) = self.kb_article(client, n).await;
        let path = p(format!("/knowledge/articles/{article}"));
        match endpoint {
            "GET /knowledge/articles/{id}" => api.get(&path).await,
            "PATCH /knowledge/articles/{id}" => api.patch(&path, json!({"tags": ["matrix"]})).await,
            "DELETE /knowledge/articles/{id}" => {
                let result = api.delete(&path).await;
                let gone = !self.exists(&path).await;
                self.effect(endpoint, target, role, result.0, gone);
                result
            }
            "GET /knowledge/articles/{id}/versions" => api.get(&format!("{path}/versions")).await,
            "POST /knowledge/articles/{id}/versions" => {
                api.post(
                    &format!("{path}/versions"),
                    json!({"language": "de", "title": "Matrix", "body": "Vorschlag"}),
                )
                .await
            }
            "GET /knowledge/articles/{id}/versions/{v}" => {
                api.get(&format!("{path}/versions/{published}")).await
            }
            "POST /knowledge/articles/{id}/versions/{v}/submit"
            | "POST /knowledge/articles/{id}/versions/{v}/publish" => {
                let draft = self.kb_draft(article).await;
                let action = endpoint.rsplit('/').next().unwrap_or_default();
                api.post(&format!("{path}/versions/{draft}/{action}"), json!({}))
                    .await
            }
            "POST /knowledge/articles/{id}/versions/{v}/restore" => {
                api.post(&format!("{path}/versions/{published}/restore"), json!({}))
                    .await
            }
            "POST /knowledge/articles/{id}/unpublish" => {
                api.post(&format!("{path}/unpublish"), json!({"language": "de"}))
                    .await
            }
            "POST /knowledge/articles/{id}/undelete" => {
                self.admin(Method::DELETE, &path, None).await;
                let result = api.post(&format!("{path}/undelete"), json!({})).await;
                let back = self.exists(&path).await;
                self.effect(endpoint, target, role, result.0, back);
                result
            }
            "POST /knowledge/articles/{id}/attachments" => {
                let response = api
                    .raw(
                        Method::POST,
                        &format!("{path}/attachments?filename=m.gif"),
                        Some(("image/gif", GIF.to_vec())),
                        &[],
                    )
                    .await;
                let status = response.status();
                (status, response.json().await.unwrap_or(Value::Null))
            }
            "GET /knowledge/articles/{id}/attachments" => {
                self.kb_file(article).await;
                api.get(&format!("{path}/attachments")).await
            }
            "GET /knowledge/attachments/{id}" => {
                let file = self.kb_file(article).await;
                let response = api
                    .raw(
                        Method::GET,
                        &p(format!("/knowledge/attachments/{file}")),
                        None,
                        &[],
                    )
                    .await;
                let status = response.status();
                let body = if status.is_success() {
                    Value::Null
                } else {
                    response.json().await.unwrap_or(Value::Null)
                };
                (status, body)
            }
            "DELETE /knowledge/attachments/{id}" => {
                let file = self.kb_file(article).await;
                let result = api
                    .delete(&p(format!("/knowledge/attachments/{file}")))
                    .await;
                let list = self
                    .admin(Method::GET, &format!("{path}/attachments"), None)
                    .await;
                let gone = !items(&list).iter().any(|f| f["id"] == file);
                self.effect(endpoint, target, role, result.0, gone);
                result
            }
            other => panic!("no such matrix endpoint: {other}"),
        }
    }
}
