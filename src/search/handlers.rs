use crate::ids::ProjectId;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::SearchResults;
use crate::auth::Principal;
use crate::http::{ApiError, ProblemBody};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(search);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Words (`pref*` for prefixes), "phrases" and filters: `status:`,
    /// `topic:`, `from:`, `channel:`, `tag:`, `assignee:` (`me`), `project:`.
    pub q: String,
    pub project_id: Option<ProjectId>,
    /// 1–100, default 25.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// Searches cases, contacts and organizations the caller may see.
#[utoipa::path(get, path = "/api/v1/search", tag = "cases", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 400, body = ProblemBody)))]
#[get("/search")]
pub async fn search(
    state: web::Data<AppState>,
    who: Principal,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let SearchParams {
        q,
        project_id,
        limit,
    } = params.into_inner();
    let limit = limit.unwrap_or(25).clamp(1, 100);
    let stats = state.search_stats.clone();
    let results = state
        .db
        .read(move |conn| super::search(conn, &who, &q, project_id, limit, &stats))
        .await?;
    Ok(HttpResponse::Ok().json(results))
}
