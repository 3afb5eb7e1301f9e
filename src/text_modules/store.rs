//! SQL of the text modules (migration 0022).

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::model::{
    Language, State, TextModuleAttachment, TextModulePick, TextModuleUsage, UsageCounts,
};
use crate::db::{StoreResult, now};
use crate::ids::{ClientId, ProjectId, UserId};

/// A module's row, without its projects, attachments and usage.
#[derive(Debug, Clone)]
pub struct ModuleRow {
    pub id: i64,
    pub client_id: ClientId,
    pub shortcut: String,
    pub language: Language,
    pub title: String,
    pub body: String,
    pub state: State,
    pub limited: bool,
    pub created_by: Option<UserId>,
    pub created_at: String,
    pub updated_by: Option<UserId>,
    pub updated_at: String,
    pub published_by: Option<UserId>,
    pub published_at: Option<String>,
    pub deleted_at: Option<String>,
}

const COLUMNS: &str = "m.id, m.client_id, m.shortcut, m.language, m.title, m.body, m.state,
    m.limited, m.created_by, m.created_at, m.updated_by, m.updated_at, m.published_by,
    m.published_at, m.deleted_at";

fn from_row(row: &Row) -> rusqlite::Result<ModuleRow> {
    let language: String = row.get(3)?;
    let state: String = row.get(6)?;
    Ok(ModuleRow {
        id: row.get(0)?,
        client_id: row.get(1)?,
        shortcut: row.get(2)?,
        language: Language::parse(&language).unwrap_or(Language::De),
        title: row.get(4)?,
        body: row.get(5)?,
        state: State::parse(&state).unwrap_or(State::Draft),
        limited: row.get(7)?,
        created_by: row.get(8)?,
        created_at: row.get(9)?,
        updated_by: row.get(10)?,
        updated_at: row.get(11)?,
        published_by: row.get(12)?,
        published_at: row.get(13)?,
        deleted_at: row.get(14)?,
    })
}

/// A module, deleted or not.
pub fn get(conn: &Connection, id: i64) -> StoreResult<Option<ModuleRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM text_modules m WHERE m.id = ?1"
        ))?
        .query_row([id], from_row)
        .optional()?)
}

/// A client's modules, live or deleted, by shortcut.
pub fn list(conn: &Connection, client_id: ClientId, deleted: bool) -> StoreResult<Vec<ModuleRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM text_modules m
         WHERE m.client_id = ?1 AND (m.deleted_at IS NOT NULL) = ?2
         ORDER BY m.shortcut, m.language, m.id"
    ))?;
    let rows = stmt.query_map(params![client_id, deleted], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Whether another live module of the client has the shortcut in the language.
pub fn shortcut_taken(
    conn: &Connection,
    client_id: ClientId,
    language: Language,
    shortcut: &str,
    except: Option<i64>,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM text_modules WHERE client_id = ?1 AND language = ?2 AND shortcut = ?3
             AND deleted_at IS NULL AND id IS NOT ?4",
        )?
        .exists(params![client_id, language.as_str(), shortcut, except])?)
}

pub struct NewRow<'a> {
    pub client_id: ClientId,
    pub shortcut: &'a str,
    pub language: Language,
    pub title: &'a str,
    pub body: &'a str,
    pub limited: bool,
    pub by: Option<UserId>,
}

pub fn insert(conn: &Connection, row: &NewRow) -> StoreResult<i64> {
    let at = now();
    conn.prepare_cached(
        "INSERT INTO text_modules (client_id, shortcut, language, title, body, state, limited,
             created_by, created_at, updated_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'draft', ?6, ?7, ?8, ?7, ?8)",
    )?
    .execute(params![
        row.client_id,
        row.shortcut,
        row.language.as_str(),
        row.title,
        row.body,
        row.limited,
        row.by,
        at
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn update(conn: &Connection, row: &ModuleRow, by: Option<UserId>) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE text_modules SET shortcut = ?2, language = ?3, title = ?4, body = ?5,
             limited = ?6, updated_by = ?7, updated_at = ?8
         WHERE id = ?1",
    )?
    .execute(params![
        row.id,
        row.shortcut,
        row.language.as_str(),
        row.title,
        row.body,
        row.limited,
        by,
        now()
    ])?;
    Ok(())
}

/// Marks a change without changing the text (attachments added or removed).
pub fn touch(conn: &Connection, id: i64, by: Option<UserId>) -> StoreResult<()> {
    conn.prepare_cached("UPDATE text_modules SET updated_by = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, by, now()])?;
    Ok(())
}

pub fn set_state(conn: &Connection, id: i64, state: State, by: Option<UserId>) -> StoreResult<()> {
    let at = now();
    match state {
        State::Published => conn
            .prepare_cached(
                "UPDATE text_modules SET state = 'published', published_by = ?2, published_at = ?3
                 WHERE id = ?1",
            )?
            .execute(params![id, by, at])?,
        State::Draft => conn
            .prepare_cached(
                "UPDATE text_modules SET state = 'draft', updated_by = ?2, updated_at = ?3
                 WHERE id = ?1",
            )?
            .execute(params![id, by, at])?,
    };
    Ok(())
}

pub fn set_deleted(
    conn: &Connection,
    id: i64,
    deleted: bool,
    by: Option<UserId>,
) -> StoreResult<()> {
    if deleted {
        conn.prepare_cached(
            "UPDATE text_modules SET deleted_at = ?2, deleted_by = ?3 WHERE id = ?1",
        )?
        .execute(params![id, now(), by])?;
    } else {
        conn.prepare_cached(
            "UPDATE text_modules SET deleted_at = NULL, deleted_by = NULL WHERE id = ?1",
        )?
        .execute([id])?;
    }
    Ok(())
}

// ---- projects ---------------------------------------------------------------

pub fn projects(conn: &Connection, id: i64) -> StoreResult<Vec<ProjectId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT project_id FROM text_module_projects WHERE module_id = ?1 ORDER BY project_id",
    )?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn set_projects(conn: &Connection, id: i64, project_ids: &[ProjectId]) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM text_module_projects WHERE module_id = ?1")?
        .execute([id])?;
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO text_module_projects (module_id, project_id) VALUES (?1, ?2)",
    )?;
    for project in project_ids {
        insert.execute(params![id, project])?;
    }
    Ok(())
}

// ---- attachments --------------------------------------------------------------

fn attachment_row(row: &Row) -> rusqlite::Result<TextModuleAttachment> {
    Ok(TextModuleAttachment {
        id: row.get(0)?,
        filename: row.get(1)?,
        content_type: row.get(2)?,
        size: row.get(3)?,
        created_at: row.get(4)?,
    })
}

pub fn attachments(conn: &Connection, id: i64) -> StoreResult<Vec<TextModuleAttachment>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, filename, content_type, size, created_at FROM text_module_attachments
         WHERE module_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([id], attachment_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// An attachment of the module with its content's hash.
pub fn attachment(
    conn: &Connection,
    module_id: i64,
    id: i64,
) -> StoreResult<Option<(TextModuleAttachment, String)>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, filename, content_type, size, created_at, sha256
             FROM text_module_attachments WHERE module_id = ?1 AND id = ?2",
        )?
        .query_row(params![module_id, id], |row| {
            Ok((attachment_row(row)?, row.get(5)?))
        })
        .optional()?)
}

/// The files of a module with their hashes, for attaching them to a case.
pub fn attachment_blobs(
    conn: &Connection,
    module_id: i64,
) -> StoreResult<Vec<(TextModuleAttachment, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, filename, content_type, size, created_at, sha256
         FROM text_module_attachments WHERE module_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([module_id], |row| Ok((attachment_row(row)?, row.get(5)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn insert_attachment(
    conn: &Connection,
    module_id: i64,
    sha256: &str,
    filename: &str,
    content_type: &str,
    size: i64,
    by: Option<UserId>,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO text_module_attachments (module_id, sha256, filename, content_type, size,
             created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        module_id,
        sha256,
        filename,
        content_type,
        size,
        by,
        now()
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn delete_attachment(conn: &Connection, module_id: i64, id: i64) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM text_module_attachments WHERE module_id = ?1 AND id = ?2")?
        .execute(params![module_id, id])?
        > 0)
}

// ---- usage ----------------------------------------------------------------------

/// Counts one insertion by `user_id` today (UTC).
pub fn count_use(conn: &Connection, module_id: i64, user_id: UserId, day: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO text_module_usage (module_id, user_id, day, count) VALUES (?1, ?2, ?3, 1)
         ON CONFLICT (module_id, user_id, day) DO UPDATE SET count = count + 1",
    )?
    .execute(params![module_id, user_id, day])?;
    Ok(())
}

pub fn usage_counts(conn: &Connection, module_id: i64, since: &str) -> StoreResult<UsageCounts> {
    Ok(conn
        .prepare_cached(
            "SELECT COALESCE(SUM(count), 0),
                    COALESCE(SUM(CASE WHEN day >= ?2 THEN count ELSE 0 END), 0),
                    MAX(day)
             FROM text_module_usage WHERE module_id = ?1",
        )?
        .query_row(params![module_id, since], |row| {
            Ok(UsageCounts {
                total: row.get(0)?,
                last_30_days: row.get(1)?,
                last_used_on: row.get(2)?,
            })
        })?)
}

/// Per agent and day, newest first.
pub fn usage(conn: &Connection, module_id: i64) -> StoreResult<Vec<TextModuleUsage>> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.user_id, COALESCE(x.name, ''), u.day, u.count
         FROM text_module_usage u LEFT JOIN users x ON x.id = u.user_id
         WHERE u.module_id = ?1 ORDER BY u.day DESC, x.name, u.user_id LIMIT 1000",
    )?;
    let rows = stmt.query_map([module_id], |row| {
        Ok(TextModuleUsage {
            user_id: row.get(0)?,
            user_name: row.get(1)?,
            day: row.get(2)?,
            count: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---- the picker -------------------------------------------------------------------

/// The published live modules of a client that serve `project_id` (not
/// limited, or limited to it), by shortcut. One query: the picker loads a
/// client's whole list at once.
pub fn picks(
    conn: &Connection,
    client_id: ClientId,
    project_id: ProjectId,
    preview_chars: i64,
) -> StoreResult<Vec<TextModulePick>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.shortcut, m.language, m.title, substr(m.body, 1, ?3),
                (SELECT COUNT(*) FROM text_module_attachments a WHERE a.module_id = m.id)
         FROM text_modules m
         WHERE m.client_id = ?1 AND m.state = 'published' AND m.deleted_at IS NULL
           AND (m.limited = 0 OR EXISTS (SELECT 1 FROM text_module_projects p
                                         WHERE p.module_id = m.id AND p.project_id = ?2))
         ORDER BY m.shortcut, m.language",
    )?;
    let rows = stmt.query_map(params![client_id, project_id, preview_chars], |row| {
        let language: String = row.get(2)?;
        Ok(TextModulePick {
            id: row.get(0)?,
            shortcut: row.get(1)?,
            language: Language::parse(&language).unwrap_or(Language::De),
            title: row.get(3)?,
            preview: row.get(4)?,
            attachments: row.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---- versions (migration 0026) ------------------------------------------------------

/// A file of a module or of one of its versions, by content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    pub sha256: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
}

impl FileRef {
    /// Two files are the same file when content, name and type agree.
    pub fn same(&self, other: &FileRef) -> bool {
        self.sha256 == other.sha256
            && self.filename == other.filename
            && self.content_type == other.content_type
    }
}

/// What a version holds: the module's content after one save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub shortcut: String,
    pub language: Language,
    pub title: String,
    pub body: String,
    pub limited: bool,
    pub project_ids: Vec<ProjectId>,
    pub files: Vec<FileRef>,
}

#[derive(Debug, Clone)]
pub struct VersionRow {
    pub id: i64,
    pub number: i64,
    pub snapshot: Snapshot,
    pub saved_by: Option<UserId>,
    pub saved_by_name: Option<String>,
    pub saved_at: String,
    pub restored_from: Option<i64>,
}

/// The module's files with their content hashes, in order.
pub fn file_refs(conn: &Connection, module_id: i64) -> StoreResult<Vec<FileRef>> {
    Ok(attachment_blobs(conn, module_id)?
        .into_iter()
        .map(|(file, sha256)| FileRef {
            sha256,
            filename: file.filename,
            content_type: file.content_type,
            size: file.size,
        })
        .collect())
}

pub fn newest_version_number(conn: &Connection, module_id: i64) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COALESCE(MAX(number), 0) FROM text_module_versions WHERE module_id = ?1",
        )?
        .query_row([module_id], |row| row.get(0))?)
}

/// Appends a version; returns its number.
pub fn insert_version(
    conn: &Connection,
    module_id: i64,
    snapshot: &Snapshot,
    by: Option<UserId>,
    restored_from: Option<i64>,
) -> StoreResult<i64> {
    let number = newest_version_number(conn, module_id)? + 1;
    let projects = serde_json::to_string(&snapshot.project_ids).unwrap_or_else(|_| "[]".into());
    conn.prepare_cached(
        "INSERT INTO text_module_versions (module_id, number, shortcut, language, title, body,
             limited, project_ids, saved_by, saved_at, restored_from)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        module_id,
        number,
        snapshot.shortcut,
        snapshot.language.as_str(),
        snapshot.title,
        snapshot.body,
        snapshot.limited,
        projects,
        by,
        now(),
        restored_from
    ])?;
    let version_id = conn.last_insert_rowid();
    let mut file = conn.prepare_cached(
        "INSERT INTO text_module_version_files (version_id, position, sha256, filename,
             content_type, size)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (position, f) in snapshot.files.iter().enumerate() {
        file.execute(params![
            version_id,
            position as i64,
            f.sha256,
            f.filename,
            f.content_type,
            f.size
        ])?;
    }
    Ok(number)
}

const VERSION_COLUMNS: &str = "v.id, v.number, v.shortcut, v.language, v.title, v.body,
    v.limited, v.project_ids, v.saved_by, u.name, v.saved_at, v.restored_from";

fn version_row(row: &Row) -> rusqlite::Result<VersionRow> {
    let projects: String = row.get(7)?;
    let project_ids: Vec<ProjectId> = serde_json::from_str(&projects).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(VersionRow {
        id: row.get(0)?,
        number: row.get(1)?,
        snapshot: Snapshot {
            shortcut: row.get(2)?,
            language: row.get(3)?,
            title: row.get(4)?,
            body: row.get(5)?,
            limited: row.get(6)?,
            project_ids,
            files: Vec::new(),
        },
        saved_by: row.get(8)?,
        saved_by_name: row.get(9)?,
        saved_at: row.get(10)?,
        restored_from: row.get(11)?,
    })
}

fn version_files(conn: &Connection, version_id: i64) -> StoreResult<Vec<FileRef>> {
    let mut stmt = conn.prepare_cached(
        "SELECT sha256, filename, content_type, size FROM text_module_version_files
         WHERE version_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([version_id], |row| {
        Ok(FileRef {
            sha256: row.get(0)?,
            filename: row.get(1)?,
            content_type: row.get(2)?,
            size: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One version with its files (`number` 0 or absent: none).
pub fn version(conn: &Connection, module_id: i64, number: i64) -> StoreResult<Option<VersionRow>> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {VERSION_COLUMNS} FROM text_module_versions v
             LEFT JOIN users u ON u.id = v.saved_by
             WHERE v.module_id = ?1 AND v.number = ?2"
        ))?
        .query_row(params![module_id, number], version_row)
        .optional()?;
    let Some(mut row) = row else {
        return Ok(None);
    };
    row.snapshot.files = version_files(conn, row.id)?;
    Ok(Some(row))
}

/// The newest `limit` versions, newest first, with their file counts (not
/// the files).
pub fn versions(
    conn: &Connection,
    module_id: i64,
    limit: i64,
) -> StoreResult<Vec<(VersionRow, i64)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {VERSION_COLUMNS},
                (SELECT COUNT(*) FROM text_module_version_files f WHERE f.version_id = v.id)
         FROM text_module_versions v LEFT JOIN users u ON u.id = v.saved_by
         WHERE v.module_id = ?1 ORDER BY v.number DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![module_id, limit], |row| {
        Ok((version_row(row)?, row.get(12)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
