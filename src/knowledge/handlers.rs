use actix_web::{HttpResponse, delete, get, patch, post, web};

use super::model::{
    Article, ArticlePatch, ArticleQuery, ArticleSummary, Category, CategoryPatch, ClientParams,
    KnowledgeSearch, NewArticle, NewCategory, NewVersion, Preview, PreviewInput, SearchHit,
    Unpublish, Version, VersionSummary,
};
use super::service::{self, Saved};
use crate::auth::Principal;
use crate::http::{ApiError, ItemList, ProblemBody, ValidJson};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_categories)
        .service(create_category)
        .service(update_category)
        .service(delete_category)
        .service(search_articles)
        .service(list_articles)
        .service(create_article)
        .service(get_article)
        .service(update_article)
        .service(delete_article)
        .service(list_versions)
        .service(save_version)
        .service(get_version)
        .service(submit_version)
        .service(publish_version)
        .service(restore_version)
        .service(unpublish)
        .service(undelete_article)
        .service(review_queue)
        .service(preview);
}

/// A client's knowledge-base categories (flat; `parent_id` makes the tree).
#[utoipa::path(get, path = "/api/v1/knowledge/categories", tag = "knowledge", params(ClientParams),
    responses((status = 200, body = ItemList<Category>), (status = 404, body = ProblemBody)))]
#[get("/knowledge/categories")]
pub async fn list_categories(
    state: web::Data<AppState>,
    who: Principal,
    params: web::Query<ClientParams>,
) -> Result<HttpResponse, ApiError> {
    let client_id = params.client_id;
    let items = state
        .db
        .read(move |conn| service::categories(conn, &who, client_id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

#[utoipa::path(post, path = "/api/v1/knowledge/categories", tag = "knowledge", request_body = NewCategory,
    responses((status = 201, body = Category), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/knowledge/categories")]
pub async fn create_category(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<NewCategory>,
) -> Result<HttpResponse, ApiError> {
    let category = state
        .db
        .write(move |tx| service::create_category(tx, &who, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(category))
}

#[utoipa::path(patch, path = "/api/v1/knowledge/categories/{id}", tag = "knowledge", request_body = CategoryPatch,
    responses((status = 200, body = Category), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[patch("/knowledge/categories/{id}")]
pub async fn update_category(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<CategoryPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let category = state
        .db
        .write(move |tx| service::update_category(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(category))
}

/// Deletes an empty category (no sub-categories, no articles).
#[utoipa::path(delete, path = "/api/v1/knowledge/categories/{id}", tag = "knowledge",
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "category-not-empty")))]
#[delete("/knowledge/categories/{id}")]
pub async fn delete_category(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .write(move |tx| service::delete_category(tx, &who, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Searches the published articles the caller may read, best first.
#[utoipa::path(get, path = "/api/v1/knowledge/search", tag = "knowledge", params(KnowledgeSearch),
    responses((status = 200, body = ItemList<SearchHit>), (status = 404, body = ProblemBody)))]
#[get("/knowledge/search")]
pub async fn search_articles(
    state: web::Data<AppState>,
    who: Principal,
    params: web::Query<KnowledgeSearch>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let items = state
        .db
        .read(move |conn| service::search(conn, &who, &params))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// A client's articles, newest first: for editors in every state, for
/// agents the published ones they may read.
#[utoipa::path(get, path = "/api/v1/knowledge/articles", tag = "knowledge", params(ArticleQuery),
    responses((status = 200, body = ItemList<ArticleSummary>), (status = 404, body = ProblemBody)))]
#[get("/knowledge/articles")]
pub async fn list_articles(
    state: web::Data<AppState>,
    who: Principal,
    params: web::Query<ArticleQuery>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let items = state
        .db
        .read(move |conn| service::list_articles(conn, &who, &params))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// A new article: a draft from an editor, a suggestion (in review) from an
/// agent of the client.
#[utoipa::path(post, path = "/api/v1/knowledge/articles", tag = "knowledge", request_body = NewArticle,
    responses((status = 201, body = Saved), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/knowledge/articles")]
pub async fn create_article(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<NewArticle>,
) -> Result<HttpResponse, ApiError> {
    let saved = state
        .db
        .write(move |tx| service::create_article(tx, &who, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(saved))
}

/// The article in both languages: the published version (`null`: missing
/// translation) and, for editors, a newer draft or review version.
#[utoipa::path(get, path = "/api/v1/knowledge/articles/{id}", tag = "knowledge",
    responses((status = 200, body = Article), (status = 404, body = ProblemBody)))]
#[get("/knowledge/articles/{id}")]
pub async fn get_article(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let article = state
        .db
        .read(move |conn| service::get_article(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(article))
}

#[utoipa::path(patch, path = "/api/v1/knowledge/articles/{id}", tag = "knowledge", request_body = ArticlePatch,
    responses((status = 200, body = Article), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[patch("/knowledge/articles/{id}")]
pub async fn update_article(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<ArticlePatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let article = state
        .db
        .write(move |tx| service::update_article(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(article))
}

/// Deletes the article (soft: its versions are kept; audited).
#[utoipa::path(delete, path = "/api/v1/knowledge/articles/{id}", tag = "knowledge",
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/knowledge/articles/{id}")]
pub async fn delete_article(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .write(move |tx| service::delete_article(tx, &who, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every version of the article, per language newest first (editors).
#[utoipa::path(get, path = "/api/v1/knowledge/articles/{id}/versions", tag = "knowledge",
    responses((status = 200, body = ItemList<VersionSummary>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/knowledge/articles/{id}/versions")]
pub async fn list_versions(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| service::versions(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// Saves a new version: a draft from an editor, a suggestion (in review)
/// from an agent who reads the article.
#[utoipa::path(post, path = "/api/v1/knowledge/articles/{id}/versions", tag = "knowledge", request_body = NewVersion,
    responses((status = 201, body = Saved), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "version-conflict"), (status = 422, body = ProblemBody)))]
#[post("/knowledge/articles/{id}/versions")]
pub async fn save_version(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<NewVersion>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let saved = state
        .db
        .write(move |tx| service::save_version(tx, &who, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(saved))
}

#[utoipa::path(get, path = "/api/v1/knowledge/articles/{id}/versions/{version_id}", tag = "knowledge",
    responses((status = 200, body = Version), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/knowledge/articles/{id}/versions/{version_id}")]
pub async fn get_version(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, version_id) = path.into_inner();
    let version = state
        .db
        .read(move |conn| service::get_version(conn, &who, id, version_id))
        .await?;
    Ok(HttpResponse::Ok().json(version))
}

/// Submits the newest draft for review.
#[utoipa::path(post, path = "/api/v1/knowledge/articles/{id}/versions/{version_id}/submit", tag = "knowledge",
    responses((status = 200, body = Version), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "version-not-current")))]
#[post("/knowledge/articles/{id}/versions/{version_id}/submit")]
pub async fn submit_version(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, version_id) = path.into_inner();
    let version = state
        .db
        .write(move |tx| service::submit(tx, &who, id, version_id))
        .await?;
    Ok(HttpResponse::Ok().json(version))
}

/// Publishes the newest draft or review version of its language; the one
/// published before is archived (audited).
#[utoipa::path(post, path = "/api/v1/knowledge/articles/{id}/versions/{version_id}/publish", tag = "knowledge",
    responses((status = 200, body = Version), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "version-not-current")))]
#[post("/knowledge/articles/{id}/versions/{version_id}/publish")]
pub async fn publish_version(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, version_id) = path.into_inner();
    let version = state
        .db
        .write(move |tx| service::publish(tx, &who, id, version_id))
        .await?;
    Ok(HttpResponse::Ok().json(version))
}

/// An old version's text as a new draft.
#[utoipa::path(post, path = "/api/v1/knowledge/articles/{id}/versions/{version_id}/restore", tag = "knowledge",
    responses((status = 201, body = Saved), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[post("/knowledge/articles/{id}/versions/{version_id}/restore")]
pub async fn restore_version(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, version_id) = path.into_inner();
    let saved = state
        .db
        .write(move |tx| service::restore(tx, &who, id, version_id))
        .await?;
    Ok(HttpResponse::Created().json(saved))
}

/// Takes the published version of a language offline (audited).
#[utoipa::path(post, path = "/api/v1/knowledge/articles/{id}/unpublish", tag = "knowledge", request_body = Unpublish,
    responses((status = 200, body = Article), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody, description = "not-published")))]
#[post("/knowledge/articles/{id}/unpublish")]
pub async fn unpublish(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<Unpublish>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let language = body.into_inner().language;
    let article = state
        .db
        .write(move |tx| service::unpublish(tx, &who, id, language))
        .await?;
    Ok(HttpResponse::Ok().json(article))
}

/// Brings a deleted article back (client admins; audited).
#[utoipa::path(post, path = "/api/v1/knowledge/articles/{id}/undelete", tag = "knowledge",
    responses((status = 200, body = Article), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[post("/knowledge/articles/{id}/undelete")]
pub async fn undelete_article(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let article = state
        .db
        .write(move |tx| service::undelete_article(tx, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(article))
}

/// The versions waiting in review (agents' suggestions, submitted drafts),
/// oldest first (editors).
#[utoipa::path(get, path = "/api/v1/knowledge/review", tag = "knowledge", params(ClientParams),
    responses((status = 200, body = ItemList<Version>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/knowledge/review")]
pub async fn review_queue(
    state: web::Data<AppState>,
    who: Principal,
    params: web::Query<ClientParams>,
) -> Result<HttpResponse, ApiError> {
    let client_id = params.client_id;
    let items = state
        .db
        .read(move |conn| service::review_queue(conn, &who, client_id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// Renders Markdown as a saved body would be (sanitised HTML), without
/// saving: the editor's preview. For everybody who may write or suggest an
/// article of the client.
#[utoipa::path(post, path = "/api/v1/knowledge/preview", tag = "knowledge", request_body = PreviewInput,
    responses((status = 200, body = Preview), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/knowledge/preview")]
pub async fn preview(
    state: web::Data<AppState>,
    who: Principal,
    body: ValidJson<PreviewInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let preview = state
        .db
        .read(move |conn| service::preview(conn, &who, &input))
        .await?;
    Ok(HttpResponse::Ok().json(preview))
}
