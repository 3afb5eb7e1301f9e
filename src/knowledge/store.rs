use crate::ids::{CaseId, ClientId, ProjectId, UserId};

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::model::{
    ArticleSummary, Attachment, Category, Editor, Language, SearchHit, TitleInLanguage, Use,
    UseHow, Version, VersionState, VersionSummary, Visibility,
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

/// The position after the last child of `parent_id` (the top level: `None`).
pub fn next_category_position(
    conn: &Connection,
    client_id: ClientId,
    parent_id: Option<i64>,
) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT coalesce(max(position) + 1, 0) FROM kb_categories
             WHERE client_id = ?1 AND parent_id IS ?2",
        )?
        .query_row(params![client_id, parent_id], |row| row.get(0))?)
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
    /// Published ones not limited to projects or limited to one of
    /// `projects`; and in any state those limited to projects all in
    /// `edits` (an agent granted editing there).
    Published {
        projects: Vec<ProjectId>,
        edits: Vec<ProjectId>,
    },
}

fn json_ids(ids: &[ProjectId]) -> Value {
    Value::Text(serde_json::to_string(ids).unwrap_or_else(|_| "[]".into()))
}

impl ReadScope {
    /// Only published articles readable in these projects.
    pub fn published_in(projects: Vec<ProjectId>) -> ReadScope {
        ReadScope::Published {
            projects,
            edits: Vec::new(),
        }
    }

    /// SQL condition on the article `a` and its arguments.
    fn condition(&self) -> Option<(String, Vec<Value>)> {
        match self {
            ReadScope::All => None,
            ReadScope::Published { projects, edits } => {
                let mut sql = String::from(
                    "((EXISTS (SELECT 1 FROM kb_article_versions pv WHERE pv.article_id = a.id AND pv.state = 'published')
                       AND (a.limited = 0
                            OR EXISTS (SELECT 1 FROM kb_article_projects ap WHERE ap.article_id = a.id
                                       AND ap.project_id IN (SELECT value FROM json_each(?)))))",
                );
                let mut args = vec![json_ids(projects)];
                if !edits.is_empty() {
                    sql.push_str(
                        " OR (a.limited = 1
                              AND EXISTS (SELECT 1 FROM kb_article_projects ae WHERE ae.article_id = a.id)
                              AND NOT EXISTS (SELECT 1 FROM kb_article_projects ae WHERE ae.article_id = a.id
                                              AND ae.project_id NOT IN (SELECT value FROM json_each(?)))))",
                    );
                    args.push(json_ids(edits));
                } else {
                    sql.push(')');
                }
                Some((sql, args))
            }
        }
    }

    /// Whether a published article (limited or not, to these projects)
    /// may be read.
    pub fn admits(&self, limited: bool, limits: &[ProjectId]) -> bool {
        match self {
            ReadScope::All => true,
            ReadScope::Published { projects, .. } => {
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
    if let Some((condition, more)) = scope.condition() {
        sql.push_str(" AND ");
        sql.push_str(&condition);
        args.extend(more);
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

/// The columns of `kb_article_versions v`, and the names of the users who
/// saved, submitted and published the version (for the badges "who, when").
const VERSION_COLUMNS: &str = "v.id, v.article_id, v.language, v.number, v.title, v.body_md,
    v.body_html, v.state, v.created_by, v.created_at, v.submitted_by, v.submitted_at,
    v.published_by, v.published_at, v.restored_from,
    (SELECT name FROM users WHERE id = v.created_by),
    (SELECT name FROM users WHERE id = v.submitted_by),
    (SELECT name FROM users WHERE id = v.published_by)";

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
        created_by_name: row.get(15)?,
        submitted_by_name: row.get(16)?,
        published_by_name: row.get(17)?,
    })
}

pub fn version(conn: &Connection, id: i64) -> StoreResult<Option<Version>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {VERSION_COLUMNS} FROM kb_article_versions v WHERE v.id = ?1"
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
            "SELECT {VERSION_COLUMNS} FROM kb_article_versions v
             WHERE v.article_id = ?1 AND v.language = ?2 ORDER BY v.number DESC LIMIT 1"
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
            "SELECT {VERSION_COLUMNS} FROM kb_article_versions v
             WHERE v.article_id = ?1 AND v.language = ?2 AND v.state = 'published'"
        ))?
        .query_row(params![article_id, language.as_str()], version_from_row)
        .optional()?)
}

/// The history, newest first.
pub fn versions(conn: &Connection, article_id: i64) -> StoreResult<Vec<VersionSummary>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {VERSION_COLUMNS} FROM kb_article_versions v WHERE v.article_id = ?1
         ORDER BY v.language, v.number DESC"
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
                created_by_name: v.created_by_name,
                created_at: v.created_at,
                published_by: v.published_by,
                published_by_name: v.published_by_name,
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
        "SELECT {VERSION_COLUMNS} FROM kb_article_versions v JOIN kb_articles a ON a.id = v.article_id
         WHERE a.client_id = ?1 AND a.deleted_at IS NULL AND v.state = 'review'
         ORDER BY v.submitted_at, v.id LIMIT ?2"
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
    /// Only articles of the help center (`visibility = 'public'`).
    pub public_only: bool,
    /// How many of the newest matches are ranked (`SEARCH_WINDOW` for a
    /// search).
    pub window: u32,
    /// How many rows match each phrase of the expression, in order, where
    /// the caller knows (`search::stats`); otherwise the ranking counts them
    /// itself when the expression has several phrases.
    pub phrase_counts: Option<&'a [i64]>,
}

/// The published versions' full-text table (rowid = version id).
pub const SEARCH_TABLE: &str = "kb_search";

/// The weights of `kb_search`'s columns: the title weighs most, then the
/// tags, then the text.
const COLUMN_WEIGHTS: &str = "5.0, 1.0, 2.0";

/// Matches ranked per search, at most: the newest this many matching
/// published versions within the filter are ranked, the rest is not.
pub const SEARCH_WINDOW: u32 = 2_000;

/// Published versions matching the FTS5 expression, best first
/// (`zezaro_rank`: bm25 with the title weighing most), within the filter.
///
/// Two passes, like the case search (`cases::store::search`): the first
/// walks the matches newest first within the filter and ranks only the
/// newest `filter.window` of them (bm25 over every match of a common word,
/// with the joins and a snippet per match, cost 200 ms and more at 50,000
/// articles); the second reads the page's rows with their snippets, within
/// their rowid range. A query with fewer matches than the window is ranked
/// exactly. The join to the versions goes through a narrow index (see
/// migration 0028).
pub fn search(
    conn: &Connection,
    fts: &str,
    filter: &SearchFilter,
    limit: u32,
) -> StoreResult<Vec<SearchHit>> {
    crate::search::rank::ensure(conn)?;
    let counts = filter.phrase_counts.unwrap_or_default();
    let mut conditions = String::new();
    // The counts are the rank's arguments, before the MATCH's.
    let mut args: Vec<Value> = counts.iter().map(|c| Value::Integer(*c)).collect();
    args.push(Value::Text(fts.to_string()));
    args.push(Value::from(filter.client_id));
    if let Some((condition, more)) = filter.scope.condition() {
        conditions.push_str(" AND ");
        conditions.push_str(&condition);
        args.extend(more);
    }
    if let Some(category_id) = filter.category_id {
        conditions.push_str(" AND a.category_id = ?");
        args.push(Value::Integer(category_id));
    }
    for tag in filter.tags {
        conditions.push_str(
            " AND EXISTS (SELECT 1 FROM kb_article_tags t WHERE t.article_id = a.id AND t.tag = ?)",
        );
        args.push(Value::Text(tag.clone()));
    }
    if let Some(language) = filter.language {
        conditions.push_str(" AND v.language = ?");
        args.push(Value::Text(language.as_str().into()));
    }
    if filter.public_only {
        conditions.push_str(" AND a.visibility = 'public'");
    }
    let ranked: Vec<i64> = conn
        .prepare_cached(&format!(
            "SELECT id FROM (
                 SELECT kb_search.rowid AS id, zezaro_rank(kb_search, {COLUMN_WEIGHTS}{given}) AS score
                 FROM kb_search
                 JOIN kb_article_versions v INDEXED BY kb_article_versions_searched
                   ON v.id = kb_search.rowid
                 JOIN kb_articles a ON a.id = v.article_id
                 WHERE kb_search MATCH ? AND v.state = 'published'
                   AND a.client_id = ? AND a.deleted_at IS NULL{conditions}
                 ORDER BY kb_search.rowid DESC LIMIT {window})
             ORDER BY score, id DESC LIMIT {limit}",
            window = filter.window.max(limit),
            given = ", ?".repeat(counts.len()),
        ))?
        .query_map(params_from_iter(args.iter()), |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    if ranked.is_empty() {
        return Ok(Vec::new());
    }
    // The page's rows with their snippets (only theirs are made).
    let mut stmt = conn.prepare_cached(
        "SELECT v.id, v.article_id, a.category_id, v.language, v.title,
                snippet(kb_search, -1, '«', '»', '…', 12)
         FROM kb_search
         JOIN kb_article_versions v ON v.id = kb_search.rowid
         JOIN kb_articles a ON a.id = v.article_id
         WHERE kb_search MATCH ?1 AND kb_search.rowid BETWEEN ?3 AND ?4
           AND +kb_search.rowid IN (SELECT value FROM json_each(?2))",
    )?;
    let ids = serde_json::to_string(&ranked).unwrap_or_else(|_| "[]".into());
    // The rowid range lets FTS5 walk only that part of a common word's
    // matches (the window's), not all of them.
    let low = ranked.iter().min().copied().unwrap_or(0);
    let high = ranked.iter().max().copied().unwrap_or(0);
    let mut found: std::collections::HashMap<i64, SearchHit> = std::collections::HashMap::new();
    let rows = stmt.query_map(params![fts, ids, low, high], |row| {
        let language: String = row.get(3)?;
        Ok(SearchHit {
            version_id: row.get(0)?,
            article_id: row.get(1)?,
            category_id: row.get(2)?,
            language: Language::parse(&language).unwrap_or(Language::De),
            title: row.get(4)?,
            tags: Vec::new(),
            snippet: row.get(5)?,
        })
    })?;
    for hit in rows {
        let hit = hit?;
        found.insert(hit.version_id, hit);
    }
    let mut hits = Vec::with_capacity(ranked.len());
    for id in ranked {
        if let Some(mut hit) = found.remove(&id) {
            hit.tags = tags(conn, hit.article_id)?;
            hits.push(hit);
        }
    }
    Ok(hits)
}

// ---- attachments -----------------------------------------------------------

/// An attachment with what its checks and download need.
#[derive(Debug, Clone)]
pub struct AttachmentRow {
    pub attachment: Attachment,
    pub client_id: ClientId,
    pub sha256: String,
}

const ATTACHMENT_COLUMNS: &str =
    "id, article_id, filename, content_type, size, created_by, created_at, client_id, sha256";

fn attachment_from_row(row: &Row) -> rusqlite::Result<AttachmentRow> {
    let id: i64 = row.get(0)?;
    Ok(AttachmentRow {
        attachment: Attachment {
            id,
            article_id: row.get(1)?,
            filename: row.get(2)?,
            content_type: row.get(3)?,
            size: row.get(4)?,
            url: format!("{}{id}", super::render::ATTACHMENT_PATH),
            created_by: row.get(5)?,
            created_at: row.get(6)?,
        },
        client_id: row.get(7)?,
        sha256: row.get(8)?,
    })
}

pub struct NewAttachmentRow<'a> {
    pub client_id: ClientId,
    pub article_id: i64,
    pub sha256: &'a str,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub user_id: Option<UserId>,
}

pub fn insert_attachment(conn: &Connection, a: &NewAttachmentRow) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO kb_attachments
             (client_id, article_id, sha256, filename, content_type, size, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        a.client_id,
        a.article_id,
        a.sha256,
        a.filename,
        a.content_type,
        a.size,
        a.user_id,
        now()
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn attachment(conn: &Connection, id: i64) -> StoreResult<Option<AttachmentRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM kb_attachments WHERE id = ?1"
        ))?
        .query_row([id], attachment_from_row)
        .optional()?)
}

pub fn attachments(conn: &Connection, article_id: i64) -> StoreResult<Vec<Attachment>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM kb_attachments WHERE article_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([article_id], attachment_from_row)?;
    rows.map(|r| r.map(|a| a.attachment).map_err(Into::into))
        .collect()
}

pub fn delete_attachment(conn: &Connection, id: i64) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM kb_attachments WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

// ---- editing grants --------------------------------------------------------

pub fn editors(conn: &Connection, project_id: ProjectId) -> StoreResult<Vec<Editor>> {
    let mut stmt = conn.prepare_cached(
        "SELECT k.project_id, k.user_id, u.name, u.email, k.granted_by, k.granted_at
         FROM knowledge_editors k JOIN users u ON u.id = k.user_id
         WHERE k.project_id = ?1 ORDER BY u.name COLLATE NOCASE, u.id",
    )?;
    let rows = stmt.query_map([project_id], |row| {
        Ok(Editor {
            project_id: row.get(0)?,
            user_id: row.get(1)?,
            name: row.get(2)?,
            email: row.get(3)?,
            granted_by: row.get(4)?,
            granted_at: row.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Grants editing (kept as it is when granted already); whether it is new.
pub fn grant(
    conn: &Connection,
    project_id: ProjectId,
    user_id: UserId,
    by: Option<UserId>,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "INSERT OR IGNORE INTO knowledge_editors (project_id, user_id, granted_by, granted_at)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![project_id, user_id, by, now()])?
        > 0)
}

/// Revokes editing; whether there was a grant.
pub fn revoke(conn: &Connection, project_id: ProjectId, user_id: UserId) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM knowledge_editors WHERE project_id = ?1 AND user_id = ?2")?
        .execute(params![project_id, user_id])?
        > 0)
}

// ---- suggestions and uses --------------------------------------------------

/// The text of a case's first message from the customer (else its first
/// message), for suggestions.
pub fn first_message_text(conn: &Connection, case_id: CaseId) -> StoreResult<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT body_text FROM messages WHERE case_id = ?1
             ORDER BY kind != 'inbound', id LIMIT 1",
        )?
        .query_row([case_id], |row| row.get(0))
        .optional()?)
}

pub fn insert_use(
    conn: &Connection,
    article_id: i64,
    version_id: Option<i64>,
    case_id: CaseId,
    user_id: Option<UserId>,
    how: UseHow,
) -> StoreResult<Use> {
    let at = now();
    conn.prepare_cached(
        "INSERT INTO kb_article_uses (article_id, version_id, case_id, user_id, at, how)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        article_id,
        version_id,
        case_id,
        user_id,
        at,
        how.as_str()
    ])?;
    Ok(Use {
        id: conn.last_insert_rowid(),
        article_id,
        version_id,
        case_id,
        user_id,
        at,
        how,
    })
}

pub fn uses_of_case(conn: &Connection, case_id: CaseId) -> StoreResult<Vec<Use>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, article_id, version_id, case_id, user_id, at, how
         FROM kb_article_uses WHERE case_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([case_id], |row| {
        let how: String = row.get(6)?;
        Ok(Use {
            id: row.get(0)?,
            article_id: row.get(1)?,
            version_id: row.get(2)?,
            case_id: row.get(3)?,
            user_id: row.get(4)?,
            at: row.get(5)?,
            how: UseHow::parse(&how).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    6,
                    rusqlite::types::Type::Text,
                    format!("unknown use {how:?}").into(),
                )
            })?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---- help center -----------------------------------------------------------

/// An active project by its key: (id, client id, name).
pub fn active_project_by_key(
    conn: &Connection,
    key: &str,
) -> StoreResult<Option<(ProjectId, ClientId, String)>> {
    Ok(conn
        .prepare_cached("SELECT id, client_id, name FROM projects WHERE key = ?1 AND active = 1")?
        .query_row([key], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?)
}

/// Articles of the help center: public, live, of the client, not limited
/// to other projects.
const PUBLIC_IN_PROJECT: &str =
    "a.client_id = ?1 AND a.deleted_at IS NULL AND a.visibility = 'public'
     AND (a.limited = 0 OR EXISTS (SELECT 1 FROM kb_article_projects ap
                                   WHERE ap.article_id = a.id AND ap.project_id = ?2))";

/// A published version in the help center: article id, category name,
/// language, title, body (HTML), published at.
#[derive(Debug, Clone)]
pub struct PublicVersion {
    pub article_id: i64,
    pub category: Option<String>,
    pub language: Language,
    pub title: String,
    pub body_html: String,
    pub published_at: Option<String>,
}

fn public_version_from_row(row: &Row) -> rusqlite::Result<PublicVersion> {
    let language: String = row.get(2)?;
    Ok(PublicVersion {
        article_id: row.get(0)?,
        category: row.get(1)?,
        language: Language::parse(&language).unwrap_or(Language::De),
        title: row.get(3)?,
        body_html: row.get(4)?,
        published_at: row.get(5)?,
    })
}

/// Every published version of the help center's articles (both languages),
/// by category and title.
pub fn public_versions(
    conn: &Connection,
    client_id: ClientId,
    project_id: ProjectId,
) -> StoreResult<Vec<PublicVersion>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT a.id, c.name, v.language, v.title, '', v.published_at
         FROM kb_articles a
         JOIN kb_article_versions v ON v.article_id = a.id AND v.state = 'published'
         LEFT JOIN kb_categories c ON c.id = a.category_id
         WHERE {PUBLIC_IN_PROJECT}
         ORDER BY c.position, c.name COLLATE NOCASE, v.title COLLATE NOCASE, a.id
         LIMIT 2000"
    ))?;
    let rows = stmt.query_map(params![client_id, project_id], public_version_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The published versions of one article of the help center.
pub fn public_article(
    conn: &Connection,
    client_id: ClientId,
    project_id: ProjectId,
    article_id: i64,
) -> StoreResult<Vec<PublicVersion>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT a.id, c.name, v.language, v.title, v.body_html, v.published_at
         FROM kb_articles a
         JOIN kb_article_versions v ON v.article_id = a.id AND v.state = 'published'
         LEFT JOIN kb_categories c ON c.id = a.category_id
         WHERE {PUBLIC_IN_PROJECT} AND a.id = ?3
         ORDER BY v.language"
    ))?;
    let rows = stmt.query_map(
        params![client_id, project_id, article_id],
        public_version_from_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---- the help center's switch and the projects' knowledge settings ---------

/// Whether the project's help center is switched on (no row: off).
pub fn help_center_enabled(conn: &Connection, project_id: ProjectId) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT enabled FROM kb_help_centers WHERE project_id = ?1")?
        .query_row([project_id], |row| row.get::<_, bool>(0))
        .optional()?
        .unwrap_or(false))
}

/// The switch: on or off, who changed it (name) and when (`None`: never set).
pub fn help_center_switch(
    conn: &Connection,
    project_id: ProjectId,
) -> StoreResult<Option<(bool, Option<String>, String)>> {
    Ok(conn
        .prepare_cached(
            "SELECT h.enabled, u.name, h.changed_at
             FROM kb_help_centers h LEFT JOIN users u ON u.id = h.changed_by
             WHERE h.project_id = ?1",
        )?
        .query_row([project_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?)
}

/// Switches the help center on or off; whether that changed anything.
pub fn set_help_center(
    conn: &Connection,
    project_id: ProjectId,
    enabled: bool,
    by: Option<UserId>,
) -> StoreResult<bool> {
    if help_center_switch(conn, project_id)?.is_some_and(|(on, _, _)| on == enabled) {
        return Ok(false);
    }
    conn.prepare_cached(
        "INSERT INTO kb_help_centers (project_id, enabled, changed_by, changed_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (project_id) DO UPDATE
         SET enabled = excluded.enabled, changed_by = excluded.changed_by,
             changed_at = excluded.changed_at",
    )?
    .execute(params![project_id, enabled, by, now()])?;
    Ok(true)
}

/// How many articles the project's help center would show (public,
/// published in some language, not limited to other projects).
pub fn public_article_count(
    conn: &Connection,
    client_id: ClientId,
    project_id: ProjectId,
) -> StoreResult<u32> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT COUNT(*) FROM kb_articles a
             WHERE {PUBLIC_IN_PROJECT}
               AND EXISTS (SELECT 1 FROM kb_article_versions v
                           WHERE v.article_id = a.id AND v.state = 'published')"
        ))?
        .query_row(params![client_id, project_id], |row| row.get(0))?)
}

/// An agent of a project and whether (since when, granted by whom) they
/// edit its knowledge: (user id, name, e-mail, granted at, granted by name).
pub type ProjectAgentRow = (UserId, String, String, Option<String>, Option<String>);

/// The project's agents (active users with the member role `agent`), by name.
pub fn project_agents(
    conn: &Connection,
    project_id: ProjectId,
) -> StoreResult<Vec<ProjectAgentRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.name, u.email, k.granted_at, g.name
         FROM project_members m
         JOIN users u ON u.id = m.user_id
         LEFT JOIN knowledge_editors k ON k.project_id = m.project_id AND k.user_id = m.user_id
         LEFT JOIN users g ON g.id = k.granted_by
         WHERE m.project_id = ?1 AND m.role = 'agent' AND u.active = 1
         ORDER BY u.name COLLATE NOCASE, u.id",
    )?;
    let rows = stmt.query_map([project_id], |row| {
        Ok((
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Agents of the project, and how many of them edit its knowledge.
pub fn agent_counts(conn: &Connection, project_id: ProjectId) -> StoreResult<(u32, u32)> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*), COUNT(k.user_id)
             FROM project_members m
             JOIN users u ON u.id = m.user_id
             LEFT JOIN knowledge_editors k ON k.project_id = m.project_id AND k.user_id = m.user_id
             WHERE m.project_id = ?1 AND m.role = 'agent' AND u.active = 1",
        )?
        .query_row([project_id], |row| Ok((row.get(0)?, row.get(1)?)))?)
}
