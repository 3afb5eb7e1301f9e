//! SQL of the knowledge base. No permission checks here (see service.rs).

use crate::ids::{ClientId, ProjectId, UserId};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::model::{
    ArticleSummary, Category, Language, SearchHit, TitleInLanguage, Version, VersionState,
    VersionSummary, Visibility,
};
use crate::db::{StoreResult, now};

// ---- categories ------------------------------------------------------------

const CATEGORY_COLUMNS: &str = "id, client_id, parent_id, name, position, created_at, updated_at";

fn category_from_row(row: &Row) -> rusqlite::Result<Category> {
    Ok(Category {
        id: row.get(0)?,
        client_id: row.get(1)?,
        parent_id: row.get(2)?,
        name: row.get(3)?,
        position: row.get(4)?,
        created_at: row.get(5)?,
        updated_at: row.get(6)?,
    })
}

pub fn category(conn: &Connection, id: i64) -> StoreResult<Option<Category>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {CATEGORY_COLUMNS} FROM kb_categories WHERE id = ?1"
        ))?
        .query_row([id], category_from_row)
        .optional()?)
}

/// A client's categories, parents before children is not guaranteed:
/// ordered by parent, position and name (the UI builds the tree).
pub fn categories(conn: &Connection, client_id: ClientId) -> StoreResult<Vec<Category>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CATEGORY_COLUMNS} FROM kb_categories WHERE client_id = ?1
         ORDER BY coalesce(parent_id, 0), position, name COLLATE NOCASE, id"
    ))?;
    let rows = stmt.query_map([client_id], category_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn insert_category(
    conn: &Connection,
    client_id: ClientId,
    parent_id: Option<i64>,
    name: &str,
    position: i64,
) -> StoreResult<i64> {
    let at = now();
    conn.prepare_cached(
        "INSERT INTO kb_categories (client_id, parent_id, name, position, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    )?
    .execute(params![client_id, parent_id, name, position, at])?;
    Ok(conn.last_insert_rowid())
}

pub fn update_category(conn: &Connection, category: &Category) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE kb_categories SET parent_id = ?2, name = ?3, position = ?4, updated_at = ?5
         WHERE id = ?1",
    )?
    .execute(params![
        category.id,
        category.parent_id,
        category.name,
        category.position,
        now()
    ])?;
    Ok(())
}

/// The category's ancestors, nearest first.
pub fn ancestors(conn: &Connection, id: i64) -> StoreResult<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "WITH RECURSIVE up(id, depth) AS (
             SELECT parent_id, 1 FROM kb_categories WHERE id = ?1
             UNION ALL
             SELECT c.parent_id, up.depth + 1 FROM kb_categories c JOIN up ON c.id = up.id
             WHERE up.depth < 64
         )
         SELECT id FROM up WHERE id IS NOT NULL ORDER BY depth",
    )?;
    let rows = stmt.query_map([id], |row| row.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Sub-categories or articles not deleted.
pub fn category_in_use(conn: &Connection, id: i64) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM kb_categories WHERE parent_id = ?1)
                 OR EXISTS (SELECT 1 FROM kb_articles WHERE category_id = ?1 AND deleted_at IS NULL)",
        )?
        .query_row([id], |row| row.get(0))?)
}

/// Deletes an empty category; deleted articles in it lose it.
pub fn delete_category(conn: &Connection, id: i64) -> StoreResult<()> {
    conn.prepare_cached("UPDATE kb_articles SET category_id = NULL WHERE category_id = ?1")?
        .execute([id])?;
    conn.prepare_cached("DELETE FROM kb_categories WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

// ---- articles --------------------------------------------------------------

/// The language-independent frame of a live (not deleted) article.
#[derive(Debug, Clone)]
pub struct ArticleRow {
    pub id: i64,
    pub client_id: ClientId,
    pub category_id: Option<i64>,
    pub visibility: Visibility,
    /// Only for the projects in `kb_article_projects`.
    pub limited: bool,
    pub created_at: String,
    pub updated_at: String,
}

pub fn article(conn: &Connection, id: i64) -> StoreResult<Option<ArticleRow>> {
    article_in(conn, id, false)
}

/// A soft-deleted article.
pub fn deleted_article(conn: &Connection, id: i64) -> StoreResult<Option<ArticleRow>> {
    article_in(conn, id, true)
}

fn article_in(conn: &Connection, id: i64, deleted: bool) -> StoreResult<Option<ArticleRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, client_id, category_id, visibility, limited, created_at, updated_at
             FROM kb_articles WHERE id = ?1 AND (deleted_at IS NOT NULL) = ?2",
        )?
        .query_row(params![id, deleted], |row| {
            Ok(ArticleRow {
                id: row.get(0)?,
                client_id: row.get(1)?,
                category_id: row.get(2)?,
                visibility: row.get(3)?,
                limited: row.get(4)?,
                created_at: row.get(5)?,
                updated_at: row.get(6)?,
            })
        })
        .optional()?)
}

pub fn insert_article(
    conn: &Connection,
    client_id: ClientId,
    category_id: Option<i64>,
    visibility: Visibility,
    user_id: Option<UserId>,
) -> StoreResult<i64> {
    let at = now();
    conn.prepare_cached(
        "INSERT INTO kb_articles (client_id, category_id, visibility, created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    )?
    .execute(params![
        client_id,
        category_id,
        visibility.as_str(),
        user_id,
        at
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn update_article(
    conn: &Connection,
    id: i64,
    category_id: Option<i64>,
    visibility: Visibility,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE kb_articles SET category_id = ?2, visibility = ?3, updated_at = ?4 WHERE id = ?1",
    )?
    .execute(params![id, category_id, visibility.as_str(), now()])?;
    Ok(())
}

pub fn touch_article(conn: &Connection, id: i64) -> StoreResult<()> {
    conn.prepare_cached("UPDATE kb_articles SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![id, now()])?;
    Ok(())
}

/// Soft delete; the versions stay, the search rows go.
pub fn delete_article(conn: &Connection, id: i64, user_id: Option<UserId>) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE kb_articles SET deleted_at = ?2, deleted_by = ?3 WHERE id = ?1 AND deleted_at IS NULL",
    )?
    .execute(params![id, now(), user_id])?;
    conn.prepare_cached(
        "DELETE FROM kb_search WHERE rowid IN
             (SELECT id FROM kb_article_versions WHERE article_id = ?1 AND state = 'published')",
    )?
    .execute([id])?;
    Ok(())
}

/// Brings a soft-deleted article back, with its published versions in the
/// search index again.
pub fn undelete_article(conn: &Connection, id: i64) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE kb_articles SET deleted_at = NULL, deleted_by = NULL, updated_at = ?2 WHERE id = ?1",
    )?
    .execute(params![id, now()])?;
    reindex_article(conn, id)
}

pub fn tags(conn: &Connection, article_id: i64) -> StoreResult<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT tag FROM kb_article_tags WHERE article_id = ?1 ORDER BY tag")?;
    let rows = stmt.query_map([article_id], |row| row.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn set_tags(conn: &Connection, article_id: i64, tags: &[String]) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM kb_article_tags WHERE article_id = ?1")?
        .execute([article_id])?;
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO kb_article_tags (article_id, tag) VALUES (?1, ?2)",
    )?;
    for tag in tags {
        insert.execute(params![article_id, tag])?;
    }
    Ok(())
}

pub fn projects(conn: &Connection, article_id: i64) -> StoreResult<Vec<ProjectId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT project_id FROM kb_article_projects WHERE article_id = ?1 ORDER BY project_id",
    )?;
    let rows = stmt.query_map([article_id], |row| row.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Limits the article to these projects; none: all projects of the client.
pub fn set_projects(conn: &Connection, article_id: i64, projects: &[ProjectId]) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM kb_article_projects WHERE article_id = ?1")?
        .execute([article_id])?;
    conn.prepare_cached("UPDATE kb_articles SET limited = ?2 WHERE id = ?1")?
        .execute(params![article_id, !projects.is_empty()])?;
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO kb_article_projects (article_id, project_id) VALUES (?1, ?2)",
    )?;
    for project in projects {
        insert.execute(params![article_id, project])?;
    }
    Ok(())
}

/// Which of `ids` are projects of the client.
pub fn client_projects(
    conn: &Connection,
    client_id: ClientId,
    ids: &[ProjectId],
) -> StoreResult<Vec<ProjectId>> {
    let ids_json = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM projects WHERE client_id = ?1 AND id IN (SELECT value FROM json_each(?2))",
    )?;
    let rows = stmt.query_map(params![client_id, ids_json], |row| row.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Which articles a list or search shows.
#[derive(Debug, Clone)]
pub enum ReadScope {
    /// Every live article (an editor).
    All,
    /// Published ones not limited to projects or limited to one of these.
    Published(Vec<ProjectId>),
}

impl ReadScope {
    /// SQL condition on the article `a` and its argument.
    fn condition(&self) -> Option<(String, Value)> {
        match self {
            ReadScope::All => None,
            ReadScope::Published(projects) => Some((
                "EXISTS (SELECT 1 FROM kb_article_versions pv WHERE pv.article_id = a.id AND pv.state = 'published')
                 AND (a.limited = 0
                      OR EXISTS (SELECT 1 FROM kb_article_projects ap WHERE ap.article_id = a.id
                                 AND ap.project_id IN (SELECT value FROM json_each(?))))"
                    .into(),
                Value::Text(serde_json::to_string(projects).unwrap_or_else(|_| "[]".into())),
            )),
        }
    }

    /// Whether an article (limited or not, to these projects) may be read.
    pub fn admits(&self, limited: bool, limits: &[ProjectId]) -> bool {
        match self {
            ReadScope::All => true,
            ReadScope::Published(projects) => {
                !limited || limits.iter().any(|p| projects.contains(p))
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub fn list_articles(
    conn: &Connection,
    client_id: ClientId,
    scope: &ReadScope,
    deleted: bool,
    category_id: Option<i64>,
    tag: Option<&str>,
    before_id: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<ArticleSummary>> {
    let mut sql = String::from(
        "SELECT a.id, a.client_id, a.category_id, a.visibility, a.updated_at
         FROM kb_articles a WHERE a.client_id = ? AND (a.deleted_at IS NOT NULL) = ?",
    );
    let mut args = vec![Value::from(client_id), Value::Integer(i64::from(deleted))];
    if let Some((condition, arg)) = scope.condition() {
        sql.push_str(" AND ");
        sql.push_str(&condition);
        args.push(arg);
    }
    if let Some(category_id) = category_id {
        sql.push_str(" AND a.category_id = ?");
        args.push(Value::from(category_id));
    }
    if let Some(tag) = tag {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM kb_article_tags t WHERE t.article_id = a.id AND t.tag = ?)",
        );
        args.push(Value::Text(tag.to_string()));
    }
    if let Some(before_id) = before_id {
        sql.push_str(" AND a.id < ?");
        args.push(Value::from(before_id));
    }
    sql.push_str(&format!(" ORDER BY a.id DESC LIMIT {limit}"));
    let mut stmt = conn.prepare_cached(&sql)?;
    let frames: Vec<(i64, ClientId, Option<i64>, Visibility, String)> = stmt
        .query_map(params_from_iter(args.iter()), |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let editor = matches!(scope, ReadScope::All);
    let mut out = Vec::with_capacity(frames.len());
    for (id, client_id, category_id, visibility, updated_at) in frames {
        let mut titles = Vec::new();
        for language in Language::ALL {
            let published = published(conn, id, language)?;
            let head = if editor {
                head(conn, id, language)?
            } else {
                None
            };
            // A reader sees the published title only; an editor the newest.
            let title = match (&head, &published) {
                (Some(h), _) if editor => h.title.clone(),
                (_, Some(p)) => p.title.clone(),
                _ => continue,
            };
            titles.push(TitleInLanguage {
                language,
                title,
                published: published.is_some(),
                pending: head.map(|h| h.state),
            });
        }
        out.push(ArticleSummary {
            id,
            client_id,
            category_id,
            visibility,
            tags: tags(conn, id)?,
            updated_at,
            titles,
        });
    }
    Ok(out)
}

// ---- versions --------------------------------------------------------------

const VERSION_COLUMNS: &str = "id, article_id, language, number, title, body_md, body_html, state,
    created_by, created_at, submitted_by, submitted_at, published_by, published_at, restored_from";

fn version_from_row(row: &Row) -> rusqlite::Result<Version> {
    Ok(Version {
        id: row.get(0)?,
        article_id: row.get(1)?,
        language: row.get(2)?,
        number: row.get(3)?,
        title: row.get(4)?,
        body_md: row.get(5)?,
        body_html: row.get(6)?,
        state: row.get(7)?,
        created_by: row.get(8)?,
        created_at: row.get(9)?,
        submitted_by: row.get(10)?,
        submitted_at: row.get(11)?,
        published_by: row.get(12)?,
        published_at: row.get(13)?,
        restored_from: row.get(14)?,
    })
}

pub fn version(conn: &Connection, id: i64) -> StoreResult<Option<Version>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {VERSION_COLUMNS} FROM kb_article_versions WHERE id = ?1"
        ))?
        .query_row([id], version_from_row)
        .optional()?)
}

/// The newest version in the language, if it is a draft or in review.
pub fn head(
    conn: &Connection,
    article_id: i64,
    language: Language,
) -> StoreResult<Option<Version>> {
    let newest = conn
        .prepare_cached(&format!(
            "SELECT {VERSION_COLUMNS} FROM kb_article_versions
             WHERE article_id = ?1 AND language = ?2 ORDER BY number DESC LIMIT 1"
        ))?
        .query_row(params![article_id, language.as_str()], version_from_row)
        .optional()?;
    Ok(newest.filter(|v| matches!(v.state, VersionState::Draft | VersionState::Review)))
}

/// The id of the newest version in the language.
pub fn newest_id(
    conn: &Connection,
    article_id: i64,
    language: Language,
) -> StoreResult<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM kb_article_versions WHERE article_id = ?1 AND language = ?2
             ORDER BY number DESC LIMIT 1",
        )?
        .query_row(params![article_id, language.as_str()], |row| row.get(0))
        .optional()?)
}

pub fn published(
    conn: &Connection,
    article_id: i64,
    language: Language,
) -> StoreResult<Option<Version>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {VERSION_COLUMNS} FROM kb_article_versions
             WHERE article_id = ?1 AND language = ?2 AND state = 'published'"
        ))?
        .query_row(params![article_id, language.as_str()], version_from_row)
        .optional()?)
}

/// The history, newest first.
pub fn versions(conn: &Connection, article_id: i64) -> StoreResult<Vec<VersionSummary>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {VERSION_COLUMNS} FROM kb_article_versions WHERE article_id = ?1
         ORDER BY language, number DESC"
    ))?;
    let rows = stmt.query_map([article_id], version_from_row)?;
    Ok(rows
        .map(|r| {
            r.map(|v| VersionSummary {
                id: v.id,
                language: v.language,
                number: v.number,
                title: v.title,
                state: v.state,
                created_by: v.created_by,
                created_at: v.created_at,
                published_by: v.published_by,
                published_at: v.published_at,
                restored_from: v.restored_from,
            })
        })
        .collect::<Result<_, _>>()?)
}

pub struct NewVersionRow<'a> {
    pub article_id: i64,
    pub language: Language,
    pub title: &'a str,
    pub body_md: &'a str,
    pub body_html: &'a str,
    pub state: VersionState,
    pub user_id: Option<UserId>,
    pub restored_from: Option<i64>,
}

/// Saves a new version (the next number in its language); earlier drafts
/// and review versions of the language are archived.
pub fn insert_version(conn: &Connection, v: &NewVersionRow) -> StoreResult<i64> {
    conn.prepare_cached(
        "UPDATE kb_article_versions SET state = 'archived'
         WHERE article_id = ?1 AND language = ?2 AND state IN ('draft', 'review')",
    )?
    .execute(params![v.article_id, v.language.as_str()])?;
    let at = now();
    let review = v.state == VersionState::Review;
    conn.prepare_cached(
        "INSERT INTO kb_article_versions
             (article_id, language, number, title, body_md, body_html, state, created_by, created_at,
              submitted_by, submitted_at, restored_from)
         VALUES (?1, ?2,
                 (SELECT coalesce(max(number), 0) + 1 FROM kb_article_versions
                  WHERE article_id = ?1 AND language = ?2),
                 ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        v.article_id,
        v.language.as_str(),
        v.title,
        v.body_md,
        v.body_html,
        v.state.as_str(),
        v.user_id,
        at,
        review.then_some(v.user_id),
        review.then(|| at.clone()),
        v.restored_from,
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn submit(conn: &Connection, version_id: i64, user_id: Option<UserId>) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE kb_article_versions SET state = 'review', submitted_by = ?2, submitted_at = ?3
         WHERE id = ?1",
    )?
    .execute(params![version_id, user_id, now()])?;
    Ok(())
}

/// Publishes the version; the one published before in its language is
/// archived, and the search index follows.
pub fn publish(
    conn: &Connection,
    version: &Version,
    user_id: Option<UserId>,
    tags: &[String],
) -> StoreResult<()> {
    unpublish(conn, version.article_id, version.language)?;
    conn.prepare_cached(
        "UPDATE kb_article_versions SET state = 'published', published_by = ?2, published_at = ?3
         WHERE id = ?1",
    )?
    .execute(params![version.id, user_id, now()])?;
    index(conn, version.id, &version.title, &version.body_md, tags)
}

/// Archives the published version of the language, if any; returns its id.
pub fn unpublish(
    conn: &Connection,
    article_id: i64,
    language: Language,
) -> StoreResult<Option<i64>> {
    let Some(current) = published(conn, article_id, language)? else {
        return Ok(None);
    };
    conn.prepare_cached("UPDATE kb_article_versions SET state = 'archived' WHERE id = ?1")?
        .execute([current.id])?;
    conn.prepare_cached("DELETE FROM kb_search WHERE rowid = ?1")?
        .execute([current.id])?;
    Ok(Some(current.id))
}

fn index(
    conn: &Connection,
    version_id: i64,
    title: &str,
    body_md: &str,
    tags: &[String],
) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM kb_search WHERE rowid = ?1")?
        .execute([version_id])?;
    conn.prepare_cached(
        "INSERT INTO kb_search (rowid, title, body, tags) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        version_id,
        title,
        super::render::to_text(body_md),
        tags.join(" ")
    ])?;
    Ok(())
}

/// After a change of tags: the published versions' search rows again.
pub fn reindex_article(conn: &Connection, article_id: i64) -> StoreResult<()> {
    let tags = tags(conn, article_id)?;
    for language in Language::ALL {
        if let Some(v) = published(conn, article_id, language)? {
            index(conn, v.id, &v.title, &v.body_md, &tags)?;
        }
    }
    Ok(())
}

/// Versions waiting in review in a client's live articles, oldest first.
pub fn in_review(conn: &Connection, client_id: ClientId, limit: u32) -> StoreResult<Vec<Version>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM kb_article_versions v JOIN kb_articles a ON a.id = v.article_id
         WHERE a.client_id = ?1 AND a.deleted_at IS NULL AND v.state = 'review'
         ORDER BY v.submitted_at, v.id LIMIT ?2",
        VERSION_COLUMNS
            .split(',')
            .map(|c| format!("v.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    let rows = stmt.query_map(params![client_id, limit], version_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---- search ----------------------------------------------------------------

pub struct SearchFilter<'a> {
    pub client_id: ClientId,
    pub scope: &'a ReadScope,
    pub category_id: Option<i64>,
    pub tags: &'a [String],
    pub language: Option<Language>,
}

/// Published versions matching the FTS5 expression, best first (bm25 with
/// the title weighing most), within the filter.
pub fn search(
    conn: &Connection,
    fts: &str,
    filter: &SearchFilter,
    limit: u32,
) -> StoreResult<Vec<SearchHit>> {
    let mut sql = String::from(
        "SELECT v.id, v.article_id, a.category_id, v.language, v.title,
                snippet(kb_search, -1, '«', '»', '…', 12)
         FROM kb_search
         JOIN kb_article_versions v ON v.id = kb_search.rowid
         JOIN kb_articles a ON a.id = v.article_id
         WHERE kb_search MATCH ? AND v.state = 'published'
           AND a.client_id = ? AND a.deleted_at IS NULL",
    );
    let mut args = vec![Value::Text(fts.to_string()), Value::from(filter.client_id)];
    if let Some((condition, arg)) = filter.scope.condition() {
        sql.push_str(" AND ");
        sql.push_str(&condition);
        args.push(arg);
    }
    if let Some(category_id) = filter.category_id {
        sql.push_str(" AND a.category_id = ?");
        args.push(Value::from(category_id));
    }
    for tag in filter.tags {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM kb_article_tags t WHERE t.article_id = a.id AND t.tag = ?)",
        );
        args.push(Value::Text(tag.clone()));
    }
    if let Some(language) = filter.language {
        sql.push_str(" AND v.language = ?");
        args.push(Value::Text(language.as_str().into()));
    }
    sql.push_str(&format!(
        " ORDER BY bm25(kb_search, 5.0, 1.0, 2.0), v.id DESC LIMIT {limit}"
    ));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows: Vec<(i64, i64, Option<i64>, Language, String, String)> = stmt
        .query_map(params_from_iter(args.iter()), |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut hits = Vec::with_capacity(rows.len());
    for (version_id, article_id, category_id, language, title, snippet) in rows {
        hits.push(SearchHit {
            article_id,
            version_id,
            category_id,
            language,
            title,
            tags: tags(conn, article_id)?,
            snippet,
        });
    }
    Ok(hits)
}
