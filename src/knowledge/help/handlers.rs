//! The help center's pages (`/help/…`, outside `/api/v1`): HTML, no script.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{Page, language};
use crate::knowledge::KnowledgeError;
use crate::knowledge::model::Language;
use crate::state::AppState;

pub fn configure_pages(cfg: &mut web::ServiceConfig) {
    cfg.route("/help/help.css", web::get().to(stylesheet))
        .route("/help/{key}", web::get().to(index))
        .route("/help/{key}/search", web::get().to(search))
        .route("/help/{key}/articles/{id}", web::get().to(article))
        .route("/help/{key}/attachments/{id}", web::get().to(attachment));
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PageQuery {
    lang: Option<String>,
    q: Option<String>,
}

fn chosen_language(req: &HttpRequest, query: &PageQuery) -> Language {
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    language(query.lang.as_deref(), accept)
}

/// A malformed query string is read as none (a page, not an error).
fn page_query(req: &HttpRequest) -> PageQuery {
    serde_urlencoded::from_str(req.query_string()).unwrap_or_default()
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        // Unpublished articles must vanish at once.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::VARY, "Accept-Language"))
        .body(body)
}

fn answer(result: Result<Page, KnowledgeError>, language: Language) -> HttpResponse {
    match result {
        Ok(page) if page.found => html(StatusCode::OK, page.html),
        Ok(page) => html(StatusCode::NOT_FOUND, page.html),
        Err(err) => {
            tracing::error!(error = %err, "help center page failed");
            html(
                StatusCode::SERVICE_UNAVAILABLE,
                super::failure_page(language),
            )
        }
    }
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(super::STYLESHEET)
}

/// `GET /help/{key}`
async fn index(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> HttpResponse {
    let lang = chosen_language(&req, &page_query(&req));
    let key = key.into_inner();
    let result = state
        .db
        .read(move |conn| super::index(conn, &key, lang))
        .await;
    answer(result, lang)
}

/// `GET /help/{key}/search?q=`
async fn search(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> HttpResponse {
    let query = page_query(&req);
    let lang = chosen_language(&req, &query);
    let key = key.into_inner();
    let q = query.q.unwrap_or_default();
    let result = state
        .db
        .read(move |conn| super::search(conn, &key, &q, lang))
        .await;
    answer(result, lang)
}

/// `GET /help/{key}/articles/{id}`
async fn article(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let lang = chosen_language(&req, &page_query(&req));
    let (key, id) = path.into_inner();
    let Ok(id) = id.parse::<i64>() else {
        return html(StatusCode::NOT_FOUND, super::not_found_page(lang));
    };
    let result = state
        .db
        .read(move |conn| super::article(conn, &key, id, lang))
        .await;
    answer(result, lang)
}

/// `GET /help/{key}/attachments/{id}`: a file of a help-center article.
async fn attachment(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let lang = chosen_language(&req, &page_query(&req));
    let (key, id) = path.into_inner();
    let Ok(id) = id.parse::<i64>() else {
        return html(StatusCode::NOT_FOUND, super::not_found_page(lang));
    };
    let blobs = crate::blobs::BlobStore::new(&state.config.data_dir);
    let reader = blobs.clone();
    let found = state
        .db
        .read(move |conn| {
            let Some(c) = super::center(conn, &key)? else {
                return Err(KnowledgeError::AttachmentNotFound);
            };
            crate::knowledge::attachments::for_help_center(
                conn,
                &reader,
                c.client_id,
                c.project_id,
                id,
            )
        })
        .await;
    match found {
        Ok(file) => crate::knowledge::handlers::send_file(blobs, file, true, id)
            .await
            .unwrap_or_else(|err| actix_web::ResponseError::error_response(&err)),
        Err(KnowledgeError::AttachmentNotFound) => {
            html(StatusCode::NOT_FOUND, super::not_found_page(lang))
        }
        Err(err) => answer(Err(err), lang),
    }
}
