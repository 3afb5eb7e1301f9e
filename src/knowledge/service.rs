//! The knowledge base's rules: who may read and change what
//! (`policy::knowledge_reader`), the version states, audit entries.

use crate::ids::{ClientId, ProjectId};
use rusqlite::Connection;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::error::KnowledgeError;
use super::model::{
    Article, ArticlePatch, ArticleQuery, ArticleSummary, Category, CategoryPatch, KnowledgeSearch,
    Language, NewArticle, NewCategory, NewVersion, Preview, PreviewInput, SearchHit, Translation,
    Version, VersionState, VersionSummary, Visibility,
};
use super::render;
use super::store::{self, ArticleRow, NewVersionRow, ReadScope, SearchFilter};
use crate::audit::{self, Actor};
use crate::auth::Principal;
use crate::auth::policy::{self, Denied, KnowledgeReader};
use crate::cases::events::{Announcements, Event, KnowledgeEvent};
use crate::search::fold;
use crate::search::query::{self, Field};
use crate::search::stats::PhraseCounts;
use crate::validation::{Invalid, required_text};

const MAX_BODY_CHARS: usize = 200_000;
const MAX_TAGS: usize = 20;

fn reader(
    conn: &Connection,
    who: &Principal,
    client_id: ClientId,
) -> Result<KnowledgeReader, KnowledgeError> {
    let reader = policy::knowledge_reader(who, client_id)?;
    // A platform admin passes the policy for any id; a missing client is
    // 404 for them too.
    if who.is_admin() && crate::clients::store::get(conn, client_id)?.is_none() {
        return Err(Denied::NotFound.into());
    }
    Ok(reader)
}

/// Editors only: 404 for a foreign client, 403 for its readers.
fn editor(conn: &Connection, who: &Principal, client_id: ClientId) -> Result<(), KnowledgeError> {
    match reader(conn, who, client_id)? {
        KnowledgeReader::Editor => Ok(()),
        KnowledgeReader::Reader { .. } => Err(Denied::Forbidden.into()),
    }
}

/// A hidden client answers as the missing object `missing`.
fn hidden_as(missing: KnowledgeError) -> impl FnOnce(KnowledgeError) -> KnowledgeError {
    move |err| match err {
        KnowledgeError::Denied(Denied::NotFound) => missing,
        other => other,
    }
}

fn scope(reader: &KnowledgeReader) -> ReadScope {
    match reader {
        KnowledgeReader::Editor => ReadScope::All,
        KnowledgeReader::Reader { projects, edits } => ReadScope::Published {
            projects: projects.clone(),
            edits: edits.clone(),
        },
    }
}

// ---- categories ------------------------------------------------------------

pub fn categories(
    conn: &Connection,
    who: &Principal,
    client_id: ClientId,
) -> Result<Vec<Category>, KnowledgeError> {
    reader(conn, who, client_id)?;
    Ok(store::categories(conn, client_id)?)
}

/// A category of the client, for a parent or an article's place.
fn own_category(
    conn: &Connection,
    client_id: ClientId,
    id: i64,
    field: &'static str,
) -> Result<Category, KnowledgeError> {
    store::category(conn, id)?
        .filter(|c| c.client_id == client_id)
        .ok_or_else(|| Invalid::new(field, "no such category").into())
}

pub fn create_category(
    conn: &Connection,
    who: &Principal,
    input: NewCategory,
) -> Result<Category, KnowledgeError> {
    editor(conn, who, input.client_id)?;
    let name = required_text("name", &input.name, 120)?;
    if let Some(parent) = input.parent_id {
        own_category(conn, input.client_id, parent, "parent_id")?;
    }
    // The server places a new category last among its siblings: a client
    // counting siblings from a list it loaded earlier may count wrong.
    let position = match input.position {
        Some(position) => position,
        None => store::next_category_position(conn, input.client_id, input.parent_id)?,
    };
    let id = store::insert_category(conn, input.client_id, input.parent_id, &name, position)?;
    store::category(conn, id)?.ok_or(KnowledgeError::CategoryNotFound)
}

/// A category the principal may see; a foreign one is 404.
fn visible_category(
    conn: &Connection,
    who: &Principal,
    id: i64,
) -> Result<Category, KnowledgeError> {
    let category = store::category(conn, id)?.ok_or(KnowledgeError::CategoryNotFound)?;
    reader(conn, who, category.client_id).map_err(hidden_as(KnowledgeError::CategoryNotFound))?;
    Ok(category)
}

pub fn update_category(
    conn: &Connection,
    who: &Principal,
    id: i64,
    patch: CategoryPatch,
) -> Result<Category, KnowledgeError> {
    let mut category = visible_category(conn, who, id)?;
    editor(conn, who, category.client_id)?;
    if let Some(name) = &patch.name {
        category.name = required_text("name", name, 120)?;
    }
    if let Some(parent) = patch.parent_id {
        if let Some(parent) = parent {
            own_category(conn, category.client_id, parent, "parent_id")?;
            if parent == id || store::ancestors(conn, parent)?.contains(&id) {
                return Err(KnowledgeError::CategoryCycle);
            }
        }
        if category.parent_id != parent && patch.position.is_none() {
            category.position = store::next_category_position(conn, category.client_id, parent)?;
        }
        category.parent_id = parent;
    }
    if let Some(position) = patch.position {
        category.position = position;
    }
    store::update_category(conn, &category)?;
    store::category(conn, id)?.ok_or(KnowledgeError::CategoryNotFound)
}

pub fn delete_category(conn: &Connection, who: &Principal, id: i64) -> Result<(), KnowledgeError> {
    let category = visible_category(conn, who, id)?;
    editor(conn, who, category.client_id)?;
    if store::category_in_use(conn, id)? {
        return Err(KnowledgeError::CategoryNotEmpty);
    }
    store::delete_category(conn, id)?;
    audit::record(
        conn,
        &Actor::from(who),
        "knowledge.category.delete",
        "kb_category",
        Some(id),
        Some(category.client_id),
        json!({ "name": category.name }),
    )?;
    Ok(())
}

// ---- articles --------------------------------------------------------------

/// A live article the principal may read, and how they read it. A reader
/// never learns of an article they may not read (404).
fn readable(
    conn: &Connection,
    who: &Principal,
    id: i64,
) -> Result<(ArticleRow, KnowledgeReader), KnowledgeError> {
    let row = store::article(conn, id)?.ok_or(KnowledgeError::ArticleNotFound)?;
    let reader =
        reader(conn, who, row.client_id).map_err(hidden_as(KnowledgeError::ArticleNotFound))?;
    if let KnowledgeReader::Reader { .. } = reader {
        let limits = store::projects(conn, id)?;
        // A granted agent sees every state of what they edit.
        if reader.edits_article(row.limited, &limits) {
            return Ok((row, reader));
        }
        let mut published = false;
        for language in Language::ALL {
            published |= store::published(conn, id, language)?.is_some();
        }
        if !published || !scope(&reader).admits(row.limited, &limits) {
            return Err(KnowledgeError::ArticleNotFound);
        }
    }
    Ok((row, reader))
}

/// A live article the principal may edit: 404 if they cannot see it, 403
/// if they only read it (`policy::edit_knowledge_article`).
fn editable(
    conn: &Connection,
    who: &Principal,
    id: i64,
) -> Result<(ArticleRow, KnowledgeReader), KnowledgeError> {
    let (row, reader) = readable(conn, who, id)?;
    let limits = store::projects(conn, id)?;
    policy::edit_knowledge_article(who, row.client_id, row.limited, &limits)?;
    Ok((row, reader))
}

/// A live article the principal may read (404 otherwise).
pub fn readable_article(
    conn: &Connection,
    who: &Principal,
    id: i64,
) -> Result<ArticleRow, KnowledgeError> {
    readable(conn, who, id).map(|(row, _)| row)
}

/// A live article the principal may edit (404 if unseen, 403 if read only).
pub fn editable_article(
    conn: &Connection,
    who: &Principal,
    id: i64,
) -> Result<ArticleRow, KnowledgeError> {
    editable(conn, who, id).map(|(row, _)| row)
}

/// Whether the reader edits this article.
fn edits(
    conn: &Connection,
    reader: &KnowledgeReader,
    row: &ArticleRow,
) -> Result<bool, KnowledgeError> {
    Ok(match reader {
        KnowledgeReader::Editor => true,
        KnowledgeReader::Reader { .. } => {
            reader.edits_article(row.limited, &store::projects(conn, row.id)?)
        }
    })
}

pub fn list_articles(
    conn: &Connection,
    who: &Principal,
    q: &ArticleQuery,
) -> Result<Vec<ArticleSummary>, KnowledgeError> {
    let reader = reader(conn, who, q.client_id)?;
    let deleted = q.deleted.unwrap_or(false);
    if deleted {
        policy::restore_knowledge(who, q.client_id)?;
    }
    let tag = q.tag.as_deref().map(|t| t.trim().to_lowercase());
    Ok(store::list_articles(
        conn,
        q.client_id,
        &scope(&reader),
        deleted,
        q.category_id,
        tag.as_deref(),
        q.before_id,
        q.limit.unwrap_or(100).clamp(1, 200),
    )?)
}

pub fn get_article(conn: &Connection, who: &Principal, id: i64) -> Result<Article, KnowledgeError> {
    let (row, reader) = readable(conn, who, id)?;
    assemble(conn, row, &reader)
}

fn assemble(
    conn: &Connection,
    row: ArticleRow,
    reader: &KnowledgeReader,
) -> Result<Article, KnowledgeError> {
    let editor = edits(conn, reader, &row)?;
    let mut translations = Vec::with_capacity(Language::ALL.len());
    for language in Language::ALL {
        translations.push(Translation {
            language,
            published: store::published(conn, row.id, language)?,
            head: if editor {
                store::head(conn, row.id, language)?
            } else {
                None
            },
        });
    }
    Ok(Article {
        id: row.id,
        client_id: row.client_id,
        category_id: row.category_id,
        visibility: row.visibility,
        limited: editor && row.limited,
        tags: store::tags(conn, row.id)?,
        project_ids: if editor {
            store::projects(conn, row.id)?
        } else {
            Vec::new()
        },
        created_at: row.created_at,
        updated_at: row.updated_at,
        translations,
        can_edit: editor,
    })
}

fn normalize_tags(tags: &[String]) -> Result<Vec<String>, Invalid> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() || tag.chars().count() > 40 || tag.chars().any(char::is_control) {
            return Err(Invalid::new("tags", "each tag must be 1–40 characters"));
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    if out.len() > MAX_TAGS {
        return Err(Invalid::new("tags", "at most 20 tags"));
    }
    out.sort();
    Ok(out)
}

fn checked_projects(
    conn: &Connection,
    client_id: ClientId,
    ids: &[ProjectId],
) -> Result<Vec<ProjectId>, KnowledgeError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let own = store::client_projects(conn, client_id, &ids)?;
    if own.len() != ids.len() {
        return Err(Invalid::new("project_ids", "no such project of the client").into());
    }
    Ok(ids)
}

struct Content {
    title: String,
    body_md: String,
    body_html: String,
}

fn content(title: &str, body: &str) -> Result<Content, Invalid> {
    let title = required_text("title", title, 200)?;
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(Invalid::new("body", "must be at most 200000 characters"));
    }
    Ok(Content {
        title,
        body_md: body.to_string(),
        body_html: render::to_html(body),
    })
}

/// The editor's preview: the body rendered as a save would render it. Any
/// reader of the client may ask (agents write suggestions); nothing is
/// stored.
pub fn preview(
    conn: &Connection,
    who: &Principal,
    input: &PreviewInput,
) -> Result<Preview, KnowledgeError> {
    reader(conn, who, input.client_id)?;
    if input.body.chars().count() > MAX_BODY_CHARS {
        return Err(Invalid::new("body", "must be at most 200000 characters").into());
    }
    Ok(Preview {
        html: render::to_html(&input.body),
    })
}

/// What a new article or a save answers: the article and the version saved.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ArticleSaved)]
pub struct Saved {
    pub article_id: i64,
    /// A draft from an editor; from an agent a suggestion, in review.
    pub version: Version,
}

/// Editors create a draft; an agent of the client suggests an article
/// (its first version is in review, for an editor to publish).
pub fn create_article(
    conn: &Connection,
    who: &Principal,
    input: NewArticle,
) -> Result<Saved, KnowledgeError> {
    let reader = reader(conn, who, input.client_id)?;
    if let Some(category) = input.category_id {
        own_category(conn, input.client_id, category, "category_id")?;
    }
    let tags = normalize_tags(&input.tags)?;
    let projects = checked_projects(conn, input.client_id, &input.project_ids)?;
    let content = content(&input.title, &input.body)?;
    let draft = reader.edits_article(!projects.is_empty(), &projects);
    let id = store::insert_article(
        conn,
        input.client_id,
        input.category_id,
        input.visibility.unwrap_or(Visibility::Internal),
        who.user_id,
    )?;
    store::set_tags(conn, id, &tags)?;
    store::set_projects(conn, id, &projects)?;
    let version = insert(conn, who, draft, id, input.language, &content, None)?;
    Ok(Saved {
        article_id: id,
        version,
    })
}

/// A new version: a draft from whoever edits the article, otherwise a
/// suggestion in review.
fn insert(
    conn: &Connection,
    who: &Principal,
    draft: bool,
    article_id: i64,
    language: Language,
    content: &Content,
    restored_from: Option<i64>,
) -> Result<Version, KnowledgeError> {
    let state = if draft {
        VersionState::Draft
    } else {
        VersionState::Review
    };
    let id = store::insert_version(
        conn,
        &NewVersionRow {
            article_id,
            language,
            title: &content.title,
            body_md: &content.body_md,
            body_html: &content.body_html,
            state,
            user_id: who.user_id,
            restored_from,
        },
    )?;
    store::touch_article(conn, article_id)?;
    store::version(conn, id)?.ok_or(KnowledgeError::VersionNotFound)
}

pub fn update_article(
    conn: &Connection,
    who: &Principal,
    id: i64,
    patch: ArticlePatch,
) -> Result<Article, KnowledgeError> {
    let (row, reader) = editable(conn, who, id)?;
    let category_id = match patch.category_id {
        Some(Some(category)) => {
            Some(own_category(conn, row.client_id, category, "category_id")?.id)
        }
        Some(None) => None,
        None => row.category_id,
    };
    let visibility = patch.visibility.unwrap_or(row.visibility);
    store::update_article(conn, id, category_id, visibility)?;
    if let Some(tags) = &patch.tags {
        store::set_tags(conn, id, &normalize_tags(tags)?)?;
        store::reindex_article(conn, id)?;
    }
    if let Some(projects) = &patch.project_ids {
        let projects = checked_projects(conn, row.client_id, projects)?;
        // A granted agent keeps the article within their projects.
        if !reader.edits_article(!projects.is_empty(), &projects) {
            return Err(Denied::Forbidden.into());
        }
        store::set_projects(conn, id, &projects)?;
    }
    let row = store::article(conn, id)?.ok_or(KnowledgeError::ArticleNotFound)?;
    assemble(conn, row, &reader)
}

pub fn delete_article(conn: &Connection, who: &Principal, id: i64) -> Result<(), KnowledgeError> {
    let (row, _) = editable(conn, who, id)?;
    // Granted agents edit and publish; deleting stays with the editors.
    editor(conn, who, row.client_id)?;
    store::delete_article(conn, id, who.user_id)?;
    audit::record(
        conn,
        &Actor::from(who),
        "knowledge.article.delete",
        "kb_article",
        Some(id),
        Some(row.client_id),
        json!({}),
    )?;
    Ok(())
}

/// Brings a deleted article back (client admins), with what was published.
pub fn undelete_article(
    conn: &Connection,
    who: &Principal,
    id: i64,
) -> Result<Article, KnowledgeError> {
    let row = store::deleted_article(conn, id)?.ok_or(KnowledgeError::ArticleNotFound)?;
    // Readers never see deleted articles: 404 as if it never existed.
    match reader(conn, who, row.client_id).map_err(hidden_as(KnowledgeError::ArticleNotFound))? {
        KnowledgeReader::Editor => policy::restore_knowledge(who, row.client_id)?,
        KnowledgeReader::Reader { .. } => return Err(KnowledgeError::ArticleNotFound),
    }
    store::undelete_article(conn, id)?;
    audit::record(
        conn,
        &Actor::from(who),
        "knowledge.article.undelete",
        "kb_article",
        Some(id),
        Some(row.client_id),
        json!({}),
    )?;
    let row = store::article(conn, id)?.ok_or(KnowledgeError::ArticleNotFound)?;
    assemble(conn, row, &KnowledgeReader::Editor)
}

// ---- versions --------------------------------------------------------------

/// The versions waiting in review in a client's articles (editors), oldest
/// first: agents' suggestions and submitted drafts.
pub fn review_queue(
    conn: &Connection,
    who: &Principal,
    client_id: ClientId,
) -> Result<Vec<Version>, KnowledgeError> {
    editor(conn, who, client_id)?;
    Ok(store::in_review(conn, client_id, 500)?)
}

/// Saves a new version: a draft from an editor, a suggestion (in review)
/// from an agent who reads the article.
pub fn save_version(
    conn: &Connection,
    who: &Principal,
    article_id: i64,
    input: NewVersion,
) -> Result<Saved, KnowledgeError> {
    let (row, reader) = readable(conn, who, article_id)?;
    let draft = edits(conn, &reader, &row)?;
    let content = content(&input.title, &input.body)?;
    if let Some(based_on) = input.based_on
        && store::newest_id(conn, article_id, input.language)? != Some(based_on)
    {
        return Err(KnowledgeError::VersionConflict);
    }
    let version = insert(conn, who, draft, article_id, input.language, &content, None)?;
    Ok(Saved {
        article_id,
        version,
    })
}

pub fn versions(
    conn: &Connection,
    who: &Principal,
    article_id: i64,
) -> Result<Vec<VersionSummary>, KnowledgeError> {
    editable(conn, who, article_id)?;
    Ok(store::versions(conn, article_id)?)
}

fn version_of(
    conn: &Connection,
    article_id: i64,
    version_id: i64,
) -> Result<Version, KnowledgeError> {
    store::version(conn, version_id)?
        .filter(|v| v.article_id == article_id)
        .ok_or(KnowledgeError::VersionNotFound)
}

pub fn get_version(
    conn: &Connection,
    who: &Principal,
    article_id: i64,
    version_id: i64,
) -> Result<Version, KnowledgeError> {
    editable(conn, who, article_id)?;
    version_of(conn, article_id, version_id)
}

/// The version, if it is its language's head (newest, draft or review).
fn current(
    conn: &Connection,
    article_id: i64,
    version_id: i64,
    doing: &'static str,
) -> Result<Version, KnowledgeError> {
    let version = version_of(conn, article_id, version_id)?;
    match store::head(conn, article_id, version.language)? {
        Some(head) if head.id == version.id => Ok(version),
        _ => Err(KnowledgeError::NotCurrent(doing)),
    }
}

pub fn submit(
    conn: &Connection,
    who: &Principal,
    article_id: i64,
    version_id: i64,
) -> Result<Version, KnowledgeError> {
    editable(conn, who, article_id)?;
    let version = current(conn, article_id, version_id, "submitted for review")?;
    if version.state != VersionState::Draft {
        return Err(KnowledgeError::NotCurrent("submitted for review"));
    }
    store::submit(conn, version_id, who.user_id)?;
    store::touch_article(conn, article_id)?;
    store::version(conn, version_id)?.ok_or(KnowledgeError::VersionNotFound)
}

pub fn publish(
    conn: &Connection,
    who: &Principal,
    article_id: i64,
    version_id: i64,
) -> Result<Version, KnowledgeError> {
    let (row, _) = editable(conn, who, article_id)?;
    let version = current(conn, article_id, version_id, "published")?;
    let tags = store::tags(conn, article_id)?;
    store::publish(conn, &version, who.user_id, &tags)?;
    store::touch_article(conn, article_id)?;
    audit::record(
        conn,
        &Actor::from(who),
        "knowledge.article.publish",
        "kb_article",
        Some(article_id),
        Some(row.client_id),
        json!({
            "version_id": version.id,
            "language": version.language.as_str(),
            "number": version.number,
            "title": version.title,
        }),
    )?;
    store::version(conn, version_id)?.ok_or(KnowledgeError::VersionNotFound)
}

pub fn unpublish(
    conn: &Connection,
    who: &Principal,
    article_id: i64,
    language: Language,
) -> Result<Article, KnowledgeError> {
    let (row, reader) = editable(conn, who, article_id)?;
    let version_id =
        store::unpublish(conn, article_id, language)?.ok_or(KnowledgeError::NotPublished)?;
    store::touch_article(conn, article_id)?;
    audit::record(
        conn,
        &Actor::from(who),
        "knowledge.article.unpublish",
        "kb_article",
        Some(article_id),
        Some(row.client_id),
        json!({ "version_id": version_id, "language": language.as_str() }),
    )?;
    let row = store::article(conn, article_id)?.ok_or(KnowledgeError::ArticleNotFound)?;
    assemble(conn, row, &reader)
}

/// An old version's text as a new draft.
pub fn restore(
    conn: &Connection,
    who: &Principal,
    article_id: i64,
    version_id: i64,
) -> Result<Saved, KnowledgeError> {
    editable(conn, who, article_id)?;
    let old = version_of(conn, article_id, version_id)?;
    let content = Content {
        title: old.title,
        body_html: render::to_html(&old.body_md),
        body_md: old.body_md,
    };
    let version = insert(
        conn,
        who,
        true,
        article_id,
        old.language,
        &content,
        Some(version_id),
    )?;
    Ok(Saved {
        article_id,
        version,
    })
}

// ---- live events -----------------------------------------------------------

/// Announces a change of what readers see of an article (`published`,
/// `withdrawn`) to the workspaces of the projects it applies to; sent after
/// the commit (`CaseHub::write`). An article limited to no project left is
/// announced to nobody.
pub fn announce_article(
    conn: &Connection,
    events: &mut Announcements,
    article_id: i64,
    action: &'static str,
) -> Result<(), KnowledgeError> {
    let row = match store::article(conn, article_id)? {
        Some(row) => row,
        None => match store::deleted_article(conn, article_id)? {
            Some(row) => row,
            None => return Ok(()),
        },
    };
    let project_ids = if row.limited {
        let projects = store::projects(conn, article_id)?;
        if projects.is_empty() {
            return Ok(());
        }
        projects
    } else {
        Vec::new()
    };
    events.push(Event::Knowledge(KnowledgeEvent {
        kind: "article",
        id: article_id,
        action,
        client_id: row.client_id,
        project_ids,
    }));
    Ok(())
}

// ---- search ----------------------------------------------------------------

/// The case search's language over the published versions the principal
/// may read; `tag:` filters as in case search, other field filters do not
/// apply to articles and are ignored.
pub fn search(
    conn: &Connection,
    who: &Principal,
    params: &KnowledgeSearch,
    stats: &PhraseCounts,
) -> Result<Vec<SearchHit>, KnowledgeError> {
    let reader = reader(conn, who, params.client_id)?;
    let parsed = query::parse(&params.q);
    // German spellings folded as in the case search (search::fold).
    let Some((fts, phrases)) = fold::expression(conn, store::SEARCH_TABLE, &parsed.terms)? else {
        return Ok(Vec::new());
    };
    let mut tags: Vec<String> = parsed
        .filters
        .iter()
        .filter(|(field, _)| *field == Field::Tag)
        .map(|(_, tag)| tag.trim().to_lowercase())
        .collect();
    tags.extend(params.tag.as_deref().map(|t| t.trim().to_lowercase()));
    let scope = scope(&reader);
    // One phrase needs no counts (see search::rank).
    let counts = match phrases.len() {
        0 | 1 => None,
        _ => Some(stats.counts(conn, store::SEARCH_TABLE, &phrases)?),
    };
    Ok(store::search(
        conn,
        &fts,
        &SearchFilter {
            client_id: params.client_id,
            scope: &scope,
            category_id: params.category_id,
            tags: &tags,
            language: params.language,
            public_only: false,
            window: store::SEARCH_WINDOW,
            phrase_counts: counts.as_deref(),
        },
        params.limit.unwrap_or(25).clamp(1, 100),
    )?)
}
