use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};

use super::attachments::Download;
use super::model::{
    Article, ArticlePatch, ArticleQuery, ArticleSummary, Attachment, AttachmentDownload,
    AttachmentUpload, Category, CategoryPatch, ClientParams, Editor, HelpCenterSwitch,
    KnowledgeProject, KnowledgeProjectDetail, KnowledgeSearch, NewArticle, NewCategory, NewUse,
    NewVersion, Preview, PreviewInput, SearchHit, Suggestion, Unpublish, Use, Version,
    VersionSummary,
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
        .service(preview)
        .service(upload_attachment)
        .service(list_attachments)
        .service(download_attachment)
        .service(delete_attachment)
        .service(list_knowledge_projects)
        .service(knowledge_project)
        .service(switch_help_center)
        .service(list_editors)
        .service(grant_editor)
        .service(revoke_editor)
        .service(case_suggestions)
        .service(record_use)
        .service(case_uses);
}

/// A client's knowledge-base categories (flat; `parent_id` makes the tree).
#[utoipa::path(get, path = "/api/v1/knowledge/categories", tag = "knowledge", params(ClientParams),
    responses((status = 200, body = ItemList<Category>), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[get("/knowledge/categories")]
pub async fn list_categories(
    state: web::Data<AppState>,
    who: Principal,
    params: web::Query<ClientParams>,
) -> Result<HttpResponse, ApiError> {
    let client_id = params.client(&who).map_err(super::KnowledgeError::from)?;
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
    let stats = state.search_stats.clone();
    let items = state
        .db
        .read(move |conn| service::search(conn, &who, &params, &stats))
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
        .cases
        .write(&state.db, move |tx, events| {
            service::delete_article(tx, &who, id)?;
            service::announce_article(tx, events, id, "withdrawn")
        })
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
        .cases
        .write(&state.db, move |tx, events| {
            let version = service::publish(tx, &who, id, version_id)?;
            service::announce_article(tx, events, id, "published")?;
            Ok::<_, super::KnowledgeError>(version)
        })
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
        .cases
        .write(&state.db, move |tx, events| {
            let article = service::unpublish(tx, &who, id, language)?;
            service::announce_article(tx, events, id, "withdrawn")?;
            Ok::<_, super::KnowledgeError>(article)
        })
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
        .cases
        .write(&state.db, move |tx, events| {
            let article = service::undelete_article(tx, &who, id)?;
            service::announce_article(tx, events, id, "published")?;
            Ok::<_, super::KnowledgeError>(article)
        })
        .await?;
    Ok(HttpResponse::Ok().json(article))
}

/// The versions waiting in review (agents' suggestions, submitted drafts),
/// oldest first (editors).
#[utoipa::path(get, path = "/api/v1/knowledge/review", tag = "knowledge", params(ClientParams),
    responses((status = 200, body = ItemList<Version>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[get("/knowledge/review")]
pub async fn review_queue(
    state: web::Data<AppState>,
    who: Principal,
    params: web::Query<ClientParams>,
) -> Result<HttpResponse, ApiError> {
    let client_id = params.client(&who).map_err(super::KnowledgeError::from)?;
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

// ---- attachments -----------------------------------------------------------

/// Uploads a file to the article (the request body is the file; its
/// Content-Type is kept; the size limit of case attachments). Whoever
/// edits the article; an image is shown in the article with
/// `![text](/api/v1/knowledge/attachments/{id})`.
#[utoipa::path(post, path = "/api/v1/knowledge/articles/{id}/attachments", tag = "knowledge", params(AttachmentUpload),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Attachment), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 413, body = ProblemBody)))]
#[post("/knowledge/articles/{id}/attachments")]
pub async fn upload_attachment(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    params: web::Query<AttachmentUpload>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let checker = who.clone();
    state
        .db
        .read(move |conn| super::attachments::may_add(conn, &checker, id))
        .await?;
    let content_type = crate::cases::attachments::clean_content_type(
        req.headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
    );
    let filename = crate::cases::attachments::clean_filename(&params.filename);
    let stored = crate::blobs::BlobStore::new(&state.config.data_dir)
        .store_stream(payload, state.config.max_attachment_bytes)
        .await?;
    let attachment = state
        .db
        .write(move |tx| super::attachments::add(tx, &who, id, &stored, &filename, &content_type))
        .await?;
    Ok(HttpResponse::Created().json(attachment))
}

/// The article's files (whoever reads the article).
#[utoipa::path(get, path = "/api/v1/knowledge/articles/{id}/attachments", tag = "knowledge",
    responses((status = 200, body = ItemList<Attachment>), (status = 404, body = ProblemBody)))]
#[get("/knowledge/articles/{id}/attachments")]
pub async fn list_attachments(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| super::attachments::list(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// A file of an article, for whoever reads the article. Plain images are
/// shown inline (they are the articles' images); anything else is a
/// download; sandboxed, its type not sniffed.
#[utoipa::path(get, path = "/api/v1/knowledge/attachments/{id}", tag = "knowledge", params(AttachmentDownload),
    responses((status = 200, description = "the file"), (status = 404, body = ProblemBody)))]
#[get("/knowledge/attachments/{id}")]
pub async fn download_attachment(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    params: web::Query<AttachmentDownload>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let blobs = crate::blobs::BlobStore::new(&state.config.data_dir);
    let reader = blobs.clone();
    let file = state
        .db
        .read(move |conn| super::attachments::for_download(conn, &reader, &who, id))
        .await?;
    send_file(blobs, file, params.inline != Some(false), id).await
}

/// Removes a file from its article (whoever edits the article; audited).
#[utoipa::path(delete, path = "/api/v1/knowledge/attachments/{id}", tag = "knowledge",
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[delete("/knowledge/attachments/{id}")]
pub async fn delete_attachment(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let orphans = state
        .db
        .write(move |tx| super::attachments::remove(tx, &who, id))
        .await?;
    if !orphans.is_empty() {
        // The content no longer named by anything, after the commit.
        let data_dir = state.config.data_dir.clone();
        state
            .db
            .read(move |conn| {
                crate::gdpr::erase::remove_files(conn, &data_dir, &orphans);
                Ok::<_, crate::db::StoreError>(())
            })
            .await?;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Sends an article's file: inline only for plain images when asked, else
/// as a download.
pub async fn send_file(
    blobs: crate::blobs::BlobStore,
    mut file: Download,
    inline: bool,
    id: i64,
) -> Result<HttpResponse, ApiError> {
    let location = file.location.take().ok_or_else(ApiError::not_found)?;
    let inline = inline && crate::cases::attachments::inline_safe(&file.content_type);
    crate::http::files::send_stored(
        blobs,
        location,
        &file.filename,
        &file.content_type,
        inline,
        format!("knowledge attachment {id}"),
    )
    .await
}

// ---- editing granted per project -------------------------------------------

/// The agents granted editing of the articles limited to the project (for
/// whoever manages its members).
#[utoipa::path(get, path = "/api/v1/knowledge/projects/{id}/editors", tag = "knowledge",
    responses((status = 200, body = ItemList<Editor>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/knowledge/projects/{id}/editors")]
pub async fn list_editors(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| super::editors::list(conn, &who, id.into()))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// Grants an agent of the project editing and publishing of the articles
/// limited to it (audited; idempotent).
#[utoipa::path(put, path = "/api/v1/knowledge/projects/{id}/editors/{user_id}", tag = "knowledge",
    responses((status = 200, body = Editor), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[put("/knowledge/projects/{id}/editors/{user_id}")]
pub async fn grant_editor(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, user_id) = path.into_inner();
    let editor = state
        .cases
        .write(&state.db, move |tx, events| {
            super::editors::grant(tx, events, &who, id.into(), user_id.into())
        })
        .await?;
    Ok(HttpResponse::Ok().json(editor))
}

/// Revokes it (audited).
#[utoipa::path(delete, path = "/api/v1/knowledge/projects/{id}/editors/{user_id}", tag = "knowledge",
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[delete("/knowledge/projects/{id}/editors/{user_id}")]
pub async fn revoke_editor(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, user_id) = path.into_inner();
    state
        .cases
        .write(&state.db, move |tx, events| {
            super::editors::revoke(tx, events, &who, id.into(), user_id.into())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---- the projects' knowledge settings ---------------------------------------

/// The client's projects whose knowledge settings the caller manages
/// (client admin: all; a lead: the projects they lead), each with its
/// agents' count, how many edit, and its help center.
#[utoipa::path(get, path = "/api/v1/knowledge/projects", tag = "knowledge", params(ClientParams),
    responses((status = 200, body = ItemList<KnowledgeProject>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[get("/knowledge/projects")]
pub async fn list_knowledge_projects(
    state: web::Data<AppState>,
    who: Principal,
    params: web::Query<ClientParams>,
) -> Result<HttpResponse, ApiError> {
    let client_id = params.client(&who).map_err(super::KnowledgeError::from)?;
    let items = state
        .db
        .read(move |conn| super::projects::list(conn, &who, client_id))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// One project's knowledge settings and its agents, each with whether they
/// edit its knowledge (for whoever manages its members).
#[utoipa::path(get, path = "/api/v1/knowledge/projects/{id}", tag = "knowledge",
    responses((status = 200, body = KnowledgeProjectDetail), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
#[get("/knowledge/projects/{id}")]
pub async fn knowledge_project(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let detail = state
        .db
        .read(move |conn| super::projects::detail(conn, &who, id.into()))
        .await?;
    Ok(HttpResponse::Ok().json(detail))
}

/// Switches the project's public help center (`/help/{key}`) on or off
/// (client admin and platform admins; audited `knowledge.help_center.on` /
/// `.off`). Off, its pages answer 404 like an unknown key.
#[utoipa::path(put, path = "/api/v1/knowledge/projects/{id}/help-center", tag = "knowledge",
    request_body = HelpCenterSwitch,
    responses((status = 200, body = KnowledgeProject), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
#[put("/knowledge/projects/{id}/help-center")]
pub async fn switch_help_center(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<HelpCenterSwitch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let enabled = body.into_inner().enabled;
    let project = state
        .db
        .write(move |tx| super::projects::switch_help_center(tx, &who, id.into(), enabled))
        .await?;
    Ok(HttpResponse::Ok().json(project))
}

// ---- suggestions beside a case, uses ----------------------------------------

/// Up to five published articles for the case (its subject and first
/// message against the knowledge search), best first; only articles
/// readable in the case's project.
#[utoipa::path(get, path = "/api/v1/cases/{id}/knowledge-suggestions", tag = "knowledge",
    responses((status = 200, body = ItemList<Suggestion>), (status = 404, body = ProblemBody)))]
#[get("/cases/{id}/knowledge-suggestions")]
pub async fn case_suggestions(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let stats = state.search_stats.clone();
    let items = state
        .db
        .read(move |conn| super::suggest::suggestions(conn, &who, id.into(), &stats))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}

/// Records that an article was used in the case (a link or its text in a
/// reply), for reports.
#[utoipa::path(post, path = "/api/v1/cases/{id}/knowledge-uses", tag = "knowledge", request_body = NewUse,
    responses((status = 201, body = Use), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
#[post("/cases/{id}/knowledge-uses")]
pub async fn record_use(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ValidJson<NewUse>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let used = state
        .db
        .write(move |tx| super::suggest::record_use(tx, &who, id.into(), &body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(used))
}

/// The articles used in the case, oldest first.
#[utoipa::path(get, path = "/api/v1/cases/{id}/knowledge-uses", tag = "knowledge",
    responses((status = 200, body = ItemList<Use>), (status = 404, body = ProblemBody)))]
#[get("/cases/{id}/knowledge-uses")]
pub async fn case_uses(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db
        .read(move |conn| super::suggest::uses(conn, &who, id.into()))
        .await?;
    Ok(HttpResponse::Ok().json(ItemList { items }))
}
