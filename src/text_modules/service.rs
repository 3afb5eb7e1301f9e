//! The rules of text modules: who reads and edits them (the knowledge
//! policy, `policy::knowledge_reader`), publishing, soft delete, filling
//! placeholders for a case, counting usage, live events after commit.

use rusqlite::Connection;
use serde_json::json;

use super::error::TextModuleError;
use super::model::{
    Language, NewTextModule, RenderedTextModule, State, TextModule, TextModulePatch,
    TextModulePick, TextModuleQuery, TextModuleUsage, TextModuleVersion, TextModuleVersionFile,
    TextModuleVersionSummary,
};
use super::placeholders::{self, Values};
use super::store::{self, FileRef, ModuleRow, NewRow, Snapshot};
use crate::audit::{self, Actor};
use crate::auth::Principal;
use crate::auth::policy::{self, Denied, KnowledgeReader};
use crate::blobs::Stored;
use crate::cases::Attachment;
use crate::cases::events::{Announcements, Event, KnowledgeEvent};
use crate::ids::{CaseId, ClientId, ProjectId};
use crate::validation::{Invalid, required_text};

pub const MAX_SHORTCUT_CHARS: usize = 40;
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 20_000;
pub const MAX_ATTACHMENTS: usize = 10;
/// How much of the body the picker shows.
pub const PREVIEW_CHARS: i64 = 80;
/// How many versions the history lists (the newest).
pub const MAX_LISTED_VERSIONS: i64 = 500;

fn reader(
    conn: &Connection,
    who: &Principal,
    client_id: ClientId,
) -> Result<KnowledgeReader, TextModuleError> {
    let reader = policy::knowledge_reader(who, client_id)?;
    // A platform admin passes the policy for any id; a missing client is
    // 404 for them too.
    if who.is_admin() && crate::clients::store::get(conn, client_id)?.is_none() {
        return Err(Denied::NotFound.into());
    }
    Ok(reader)
}

fn editor(conn: &Connection, who: &Principal, client_id: ClientId) -> Result<(), TextModuleError> {
    match reader(conn, who, client_id)? {
        KnowledgeReader::Editor => Ok(()),
        KnowledgeReader::Reader { .. } => Err(Denied::Forbidden.into()),
    }
}

/// Whether a module with these limits serves one of `projects`.
fn serves(limited: bool, limits: &[ProjectId], projects: &[ProjectId]) -> bool {
    !limited || limits.iter().any(|p| projects.contains(p))
}

/// A live module the principal may read: editors every state, agents the
/// published ones of their projects. Anything else is 404.
fn readable(
    conn: &Connection,
    who: &Principal,
    id: i64,
) -> Result<(ModuleRow, KnowledgeReader), TextModuleError> {
    let row = store::get(conn, id)?
        .filter(|r| r.deleted_at.is_none())
        .ok_or(TextModuleError::NotFound)?;
    let reader = reader(conn, who, row.client_id).map_err(|_| TextModuleError::NotFound)?;
    if let KnowledgeReader::Reader { projects, .. } = &reader {
        let limits = store::projects(conn, id)?;
        if row.state != State::Published || !serves(row.limited, &limits, projects) {
            return Err(TextModuleError::NotFound);
        }
    }
    Ok((row, reader))
}

/// A live module the principal may edit: 404 if they cannot see it, 403 if
/// they only read it.
fn editable(conn: &Connection, who: &Principal, id: i64) -> Result<ModuleRow, TextModuleError> {
    match readable(conn, who, id)? {
        (row, KnowledgeReader::Editor) => Ok(row),
        (_, KnowledgeReader::Reader { .. }) => Err(Denied::Forbidden.into()),
    }
}

fn thirty_days_ago() -> String {
    (chrono::Utc::now().date_naive() - chrono::Days::new(29)).to_string()
}

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

/// The full module; limits and usage only for editors.
fn full(
    conn: &Connection,
    row: ModuleRow,
    reader: &KnowledgeReader,
) -> Result<TextModule, TextModuleError> {
    let editor = matches!(reader, KnowledgeReader::Editor);
    let (project_ids, usage) = if editor {
        (
            store::projects(conn, row.id)?,
            store::usage_counts(conn, row.id, &thirty_days_ago())?,
        )
    } else {
        (Vec::new(), Default::default())
    };
    Ok(TextModule {
        id: row.id,
        client_id: row.client_id,
        unknown_placeholders: placeholders::unknown_in(&row.body),
        attachments: store::attachments(conn, row.id)?,
        shortcut: row.shortcut,
        language: row.language,
        title: row.title,
        body: row.body,
        state: row.state,
        limited: editor && row.limited,
        project_ids,
        usage,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_by: row.updated_by,
        updated_at: row.updated_at,
        published_by: row.published_by,
        published_at: row.published_at,
        deleted_at: row.deleted_at,
    })
}

// ---- validation ---------------------------------------------------------------

/// Letters (any script), digits, `-`, `_`, `.`; lower case.
pub fn shortcut(value: &str) -> Result<String, Invalid> {
    let value = required_text("shortcut", value, MAX_SHORTCUT_CHARS)?.to_lowercase();
    let value = value.strip_prefix("::").unwrap_or(&value).to_string();
    if value.is_empty()
        || !value
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(Invalid::new(
            "shortcut",
            "only letters, digits, '-', '_' and '.' (no spaces)",
        ));
    }
    Ok(value)
}

fn body(value: &str) -> Result<String, Invalid> {
    let trimmed = value.trim_end();
    if trimmed.trim().is_empty() {
        return Err(Invalid::new("body", "must not be empty"));
    }
    if trimmed.chars().count() > MAX_BODY_CHARS {
        return Err(Invalid::new(
            "body",
            format!("must be at most {MAX_BODY_CHARS} characters"),
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Invalid::new("body", "must not contain control characters"));
    }
    Ok(trimmed.replace("\r\n", "\n"))
}

/// The projects, each the client's; sorted, each once.
fn own_projects(
    conn: &Connection,
    client_id: ClientId,
    ids: &[ProjectId],
) -> Result<Vec<ProjectId>, TextModuleError> {
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        let ok = crate::projects::store::get(conn, id)?.is_some_and(|p| p.client_id == client_id);
        if !ok {
            return Err(Invalid::new("project_ids", format!("no such project: {id}")).into());
        }
        out.push(id);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn check_shortcut_free(
    conn: &Connection,
    client_id: ClientId,
    language: Language,
    shortcut: &str,
    except: Option<i64>,
) -> Result<(), TextModuleError> {
    if store::shortcut_taken(conn, client_id, language, shortcut, except)? {
        return Err(TextModuleError::ShortcutTaken(shortcut.to_string()));
    }
    Ok(())
}

// ---- live events ------------------------------------------------------------

/// Tells the open workspaces of `project_ids` (empty: all of the client's)
/// after the commit. A limited module whose projects are all gone reaches
/// nobody but the editors' own screens, so nothing is sent.
fn announce(
    events: &mut Announcements,
    row: &ModuleRow,
    limited: bool,
    project_ids: Vec<ProjectId>,
    action: &'static str,
) {
    if limited && project_ids.is_empty() {
        return;
    }
    events.push(Event::Knowledge(KnowledgeEvent {
        kind: "text-module",
        id: row.id,
        action,
        client_id: row.client_id,
        project_ids: if limited { project_ids } else { Vec::new() },
    }));
}

fn audit(
    conn: &Connection,
    who: &Principal,
    action: &str,
    row: &ModuleRow,
) -> Result<(), TextModuleError> {
    audit::record(
        conn,
        &Actor::from(who),
        action,
        "text_module",
        Some(row.id),
        Some(row.client_id),
        json!({ "shortcut": row.shortcut, "language": row.language.as_str(), "title": row.title }),
    )?;
    Ok(())
}

// ---- reading ------------------------------------------------------------------

pub fn list(
    conn: &Connection,
    who: &Principal,
    query: &TextModuleQuery,
) -> Result<Vec<TextModule>, TextModuleError> {
    let reader = reader(conn, who, query.client_id)?;
    let deleted = query.deleted == Some(true);
    if deleted {
        policy::restore_knowledge(who, query.client_id)?;
    }
    let mut out = Vec::new();
    for row in store::list(conn, query.client_id, deleted)? {
        if let KnowledgeReader::Reader { projects, .. } = &reader
            && (row.state != State::Published
                || !serves(row.limited, &store::projects(conn, row.id)?, projects))
        {
            continue;
        }
        out.push(full(conn, row, &reader)?);
    }
    Ok(out)
}

pub fn get(conn: &Connection, who: &Principal, id: i64) -> Result<TextModule, TextModuleError> {
    let (row, reader) = readable(conn, who, id)?;
    full(conn, row, &reader)
}

pub fn usage(
    conn: &Connection,
    who: &Principal,
    id: i64,
) -> Result<Vec<TextModuleUsage>, TextModuleError> {
    editable(conn, who, id)?;
    Ok(store::usage(conn, id)?)
}

// ---- changing -----------------------------------------------------------------

pub fn create(
    conn: &Connection,
    who: &Principal,
    input: NewTextModule,
) -> Result<TextModule, TextModuleError> {
    editor(conn, who, input.client_id)?;
    let shortcut = shortcut(&input.shortcut)?;
    let title = required_text("title", &input.title, MAX_TITLE_CHARS)?;
    let body = body(&input.body)?;
    let projects = own_projects(conn, input.client_id, &input.project_ids)?;
    check_shortcut_free(conn, input.client_id, input.language, &shortcut, None)?;
    let id = store::insert(
        conn,
        &NewRow {
            client_id: input.client_id,
            shortcut: &shortcut,
            language: input.language,
            title: &title,
            body: &body,
            limited: !projects.is_empty(),
            by: who.user_id,
        },
    )?;
    store::set_projects(conn, id, &projects)?;
    record_version(conn, id, who, None)?;
    get(conn, who, id)
}

pub fn update(
    conn: &Connection,
    who: &Principal,
    id: i64,
    patch: TextModulePatch,
    events: &mut Announcements,
) -> Result<TextModule, TextModuleError> {
    let mut row = editable(conn, who, id)?;
    let old_limited = row.limited;
    let old_projects = store::projects(conn, id)?;
    if let Some(value) = &patch.shortcut {
        row.shortcut = shortcut(value)?;
    }
    if let Some(language) = patch.language {
        row.language = language;
    }
    if let Some(title) = &patch.title {
        row.title = required_text("title", title, MAX_TITLE_CHARS)?;
    }
    if let Some(text) = &patch.body {
        row.body = body(text)?;
    }
    let new_projects = match &patch.project_ids {
        Some(ids) => {
            let projects = own_projects(conn, row.client_id, ids)?;
            row.limited = !projects.is_empty();
            store::set_projects(conn, id, &projects)?;
            projects
        }
        None => old_projects.clone(),
    };
    check_shortcut_free(conn, row.client_id, row.language, &row.shortcut, Some(id))?;
    store::update(conn, &row, who.user_id)?;
    record_version(conn, id, who, None)?;
    if row.state == State::Published {
        // Who saw it before and who sees it now both reload.
        let limited = old_limited && row.limited;
        let mut projects = if !old_limited || !row.limited {
            Vec::new()
        } else {
            let mut all = old_projects;
            all.extend(new_projects);
            all
        };
        projects.sort_unstable();
        projects.dedup();
        announce(events, &row, limited, projects, "changed");
    }
    get(conn, who, id)
}

pub fn publish(
    conn: &Connection,
    who: &Principal,
    id: i64,
    events: &mut Announcements,
) -> Result<TextModule, TextModuleError> {
    let row = editable(conn, who, id)?;
    if row.state != State::Published {
        store::set_state(conn, id, State::Published, who.user_id)?;
        audit(conn, who, "text_module.publish", &row)?;
        announce(
            events,
            &row,
            row.limited,
            store::projects(conn, id)?,
            "published",
        );
    }
    get(conn, who, id)
}

pub fn unpublish(
    conn: &Connection,
    who: &Principal,
    id: i64,
    events: &mut Announcements,
) -> Result<TextModule, TextModuleError> {
    let row = editable(conn, who, id)?;
    if row.state != State::Published {
        return Err(TextModuleError::NotPublished);
    }
    store::set_state(conn, id, State::Draft, who.user_id)?;
    audit(conn, who, "text_module.unpublish", &row)?;
    announce(
        events,
        &row,
        row.limited,
        store::projects(conn, id)?,
        "withdrawn",
    );
    get(conn, who, id)
}

pub fn delete(
    conn: &Connection,
    who: &Principal,
    id: i64,
    events: &mut Announcements,
) -> Result<(), TextModuleError> {
    let row = editable(conn, who, id)?;
    store::set_deleted(conn, id, true, who.user_id)?;
    audit(conn, who, "text_module.delete", &row)?;
    if row.state == State::Published {
        announce(
            events,
            &row,
            row.limited,
            store::projects(conn, id)?,
            "withdrawn",
        );
    }
    Ok(())
}

/// Brings a deleted module back in the state it had (client admins).
pub fn undelete(
    conn: &Connection,
    who: &Principal,
    id: i64,
    events: &mut Announcements,
) -> Result<TextModule, TextModuleError> {
    let row = store::get(conn, id)?
        .filter(|r| r.deleted_at.is_some())
        .ok_or(TextModuleError::NotFound)?;
    reader(conn, who, row.client_id).map_err(|_| TextModuleError::NotFound)?;
    policy::restore_knowledge(who, row.client_id)?;
    check_shortcut_free(conn, row.client_id, row.language, &row.shortcut, Some(id))?;
    store::set_deleted(conn, id, false, None)?;
    audit(conn, who, "text_module.undelete", &row)?;
    if row.state == State::Published {
        announce(
            events,
            &row,
            row.limited,
            store::projects(conn, id)?,
            "published",
        );
    }
    get(conn, who, id)
}

// ---- versions -------------------------------------------------------------------

/// What the module is now, as a version would hold it.
fn snapshot(conn: &Connection, row: &ModuleRow) -> Result<Snapshot, TextModuleError> {
    Ok(Snapshot {
        shortcut: row.shortcut.clone(),
        language: row.language,
        title: row.title.clone(),
        body: row.body.clone(),
        limited: row.limited,
        project_ids: store::projects(conn, row.id)?,
        files: store::file_refs(conn, row.id)?,
    })
}

/// Keeps the module's present content as its newest version, after a save.
/// A save that changed nothing adds no version; a restore always does.
fn record_version(
    conn: &Connection,
    id: i64,
    who: &Principal,
    restored_from: Option<i64>,
) -> Result<(), TextModuleError> {
    let row = store::get(conn, id)?.ok_or(TextModuleError::NotFound)?;
    let now = snapshot(conn, &row)?;
    if restored_from.is_none() {
        let newest = store::newest_version_number(conn, id)?;
        if let Some(last) = store::version(conn, id, newest)?
            && same_content(&last.snapshot, &now)
        {
            return Ok(());
        }
    }
    store::insert_version(conn, id, &now, who.user_id, restored_from)?;
    Ok(())
}

/// Equal for the history: the files compared by content, name and type.
fn same_content(a: &Snapshot, b: &Snapshot) -> bool {
    a.shortcut == b.shortcut
        && a.language == b.language
        && a.title == b.title
        && a.body == b.body
        && a.limited == b.limited
        && a.project_ids == b.project_ids
        && a.files.len() == b.files.len()
        && a.files.iter().zip(&b.files).all(|(x, y)| x.same(y))
}

/// The files to delete from the module (by their index in `now`) and the
/// files to add, so that it has the files of `wanted`; files it has already
/// stay (and keep their ids).
pub fn file_changes<'a>(now: &[FileRef], wanted: &'a [FileRef]) -> (Vec<usize>, Vec<&'a FileRef>) {
    let mut kept = vec![false; now.len()];
    let mut add = Vec::new();
    for file in wanted {
        match (0..now.len()).find(|&i| !kept[i] && now[i].same(file)) {
            Some(i) => kept[i] = true,
            None => add.push(file),
        }
    }
    let remove = (0..now.len()).filter(|&i| !kept[i]).collect();
    (remove, add)
}

/// The module's history, newest first (editors).
pub fn versions(
    conn: &Connection,
    who: &Principal,
    id: i64,
) -> Result<Vec<TextModuleVersionSummary>, TextModuleError> {
    editable(conn, who, id)?;
    let newest = store::newest_version_number(conn, id)?;
    Ok(store::versions(conn, id, MAX_LISTED_VERSIONS)?
        .into_iter()
        .map(|(v, files)| TextModuleVersionSummary {
            current: v.number == newest,
            number: v.number,
            shortcut: v.snapshot.shortcut,
            language: v.snapshot.language,
            title: v.snapshot.title,
            files,
            saved_by: v.saved_by,
            saved_by_name: v.saved_by_name,
            saved_at: v.saved_at,
            restored_from: v.restored_from,
        })
        .collect())
}

/// One version in full (editors).
pub fn version(
    conn: &Connection,
    who: &Principal,
    id: i64,
    number: i64,
) -> Result<TextModuleVersion, TextModuleError> {
    editable(conn, who, id)?;
    let v = store::version(conn, id, number)?.ok_or(TextModuleError::VersionNotFound)?;
    let newest = store::newest_version_number(conn, id)?;
    Ok(TextModuleVersion {
        module_id: id,
        current: v.number == newest,
        number: v.number,
        shortcut: v.snapshot.shortcut,
        language: v.snapshot.language,
        title: v.snapshot.title,
        body: v.snapshot.body,
        limited: v.snapshot.limited,
        project_ids: v.snapshot.project_ids,
        attachments: v
            .snapshot
            .files
            .into_iter()
            .map(|f| TextModuleVersionFile {
                filename: f.filename,
                content_type: f.content_type,
                size: f.size,
            })
            .collect(),
        saved_by: v.saved_by,
        saved_by_name: v.saved_by_name,
        saved_at: v.saved_at,
        restored_from: v.restored_from,
    })
}

/// Makes an old version the module's content again, as a new version
/// (editors; audited). Projects deleted since are left out; the shortcut
/// must be free again. A published module stays published and the open
/// workspaces get the change at once.
pub fn restore(
    conn: &Connection,
    who: &Principal,
    id: i64,
    number: i64,
    events: &mut Announcements,
) -> Result<TextModule, TextModuleError> {
    let mut row = editable(conn, who, id)?;
    let old = store::version(conn, id, number)?.ok_or(TextModuleError::VersionNotFound)?;
    let old_limited = row.limited;
    let old_projects = store::projects(conn, id)?;
    let wanted = old.snapshot;
    check_shortcut_free(
        conn,
        row.client_id,
        wanted.language,
        &wanted.shortcut,
        Some(id),
    )?;
    let mut projects = Vec::with_capacity(wanted.project_ids.len());
    for &project in &wanted.project_ids {
        if crate::projects::store::get(conn, project)?.is_some_and(|p| p.client_id == row.client_id)
        {
            projects.push(project);
        }
    }
    row.shortcut = wanted.shortcut;
    row.language = wanted.language;
    row.title = wanted.title;
    row.body = wanted.body;
    row.limited = wanted.limited;
    store::set_projects(conn, id, &projects)?;
    store::update(conn, &row, who.user_id)?;
    let current = store::attachment_blobs(conn, id)?;
    let refs: Vec<FileRef> = current
        .iter()
        .map(|(file, sha256)| FileRef {
            sha256: sha256.clone(),
            filename: file.filename.clone(),
            content_type: file.content_type.clone(),
            size: file.size,
        })
        .collect();
    let (remove, add) = file_changes(&refs, &wanted.files);
    for i in remove {
        store::delete_attachment(conn, id, current[i].0.id)?;
    }
    for file in add {
        store::insert_attachment(
            conn,
            id,
            &file.sha256,
            &file.filename,
            &file.content_type,
            file.size,
            who.user_id,
        )?;
    }
    record_version(conn, id, who, Some(number))?;
    audit::record(
        conn,
        &Actor::from(who),
        "text_module.restore",
        "text_module",
        Some(row.id),
        Some(row.client_id),
        json!({ "shortcut": row.shortcut, "language": row.language.as_str(),
                "title": row.title, "version": number }),
    )?;
    if row.state == State::Published {
        let limited = old_limited && row.limited;
        let mut all = if limited {
            let mut all = old_projects;
            all.extend(projects);
            all
        } else {
            Vec::new()
        };
        all.sort_unstable();
        all.dedup();
        announce(events, &row, limited, all, "changed");
    }
    get(conn, who, id)
}

// ---- attachments ----------------------------------------------------------------

/// Who may upload to the module: checked before the upload is stored.
pub fn check_editable(conn: &Connection, who: &Principal, id: i64) -> Result<(), TextModuleError> {
    editable(conn, who, id).map(|_| ())
}

pub fn add_attachment(
    conn: &Connection,
    who: &Principal,
    id: i64,
    stored: &Stored,
    filename: &str,
    content_type: &str,
    events: &mut Announcements,
) -> Result<TextModule, TextModuleError> {
    let row = editable(conn, who, id)?;
    if store::attachments(conn, id)?.len() >= MAX_ATTACHMENTS {
        return Err(TextModuleError::TooManyAttachments(MAX_ATTACHMENTS));
    }
    crate::blobs::store::insert_row(conn, stored)?;
    store::insert_attachment(
        conn,
        id,
        &stored.sha256,
        filename,
        content_type,
        stored.size as i64,
        who.user_id,
    )?;
    store::touch(conn, id, who.user_id)?;
    record_version(conn, id, who, None)?;
    if row.state == State::Published {
        announce(
            events,
            &row,
            row.limited,
            store::projects(conn, id)?,
            "changed",
        );
    }
    get(conn, who, id)
}

pub fn remove_attachment(
    conn: &Connection,
    who: &Principal,
    id: i64,
    attachment_id: i64,
    events: &mut Announcements,
) -> Result<TextModule, TextModuleError> {
    let row = editable(conn, who, id)?;
    if !store::delete_attachment(conn, id, attachment_id)? {
        return Err(TextModuleError::AttachmentNotFound);
    }
    store::touch(conn, id, who.user_id)?;
    record_version(conn, id, who, None)?;
    if row.state == State::Published {
        announce(
            events,
            &row,
            row.limited,
            store::projects(conn, id)?,
            "changed",
        );
    }
    get(conn, who, id)
}

/// The attachment's metadata and content hash, for a download (readers of
/// the module).
pub fn attachment_for_download(
    conn: &Connection,
    who: &Principal,
    id: i64,
    attachment_id: i64,
) -> Result<(super::model::TextModuleAttachment, String), TextModuleError> {
    readable(conn, who, id)?;
    store::attachment(conn, id, attachment_id)?.ok_or(TextModuleError::AttachmentNotFound)
}

// ---- in a case ----------------------------------------------------------------

/// The published modules for the case's project (the composer's picker).
pub fn picks(
    conn: &Connection,
    who: &Principal,
    case_id: CaseId,
) -> Result<Vec<TextModulePick>, TextModuleError> {
    let case = crate::cases::service::visible_case(conn, who, case_id)?;
    let project =
        crate::projects::store::get(conn, case.project_id)?.ok_or(TextModuleError::CaseNotFound)?;
    Ok(store::picks(
        conn,
        project.client_id,
        project.id,
        PREVIEW_CHARS,
    )?)
}

/// The text a rule's `reply-with-text-module` action sends on `case`: the
/// module's published text with the placeholders filled as the case
/// screen fills them (`agent.name`: the case's assignee, else the
/// project's name). `Ok(Err(why))` when it cannot be sent: no such module
/// of the case's client, not published, not for the case's project, or a
/// placeholder without a value (a customer never gets `{{…}}`).
pub fn text_for_rule(
    conn: &Connection,
    case: &crate::cases::Case,
    module_id: i64,
) -> Result<Result<String, String>, TextModuleError> {
    let project =
        crate::projects::store::get(conn, case.project_id)?.ok_or(TextModuleError::CaseNotFound)?;
    let Some(row) = store::get(conn, module_id)?
        .filter(|r| r.deleted_at.is_none() && r.client_id == project.client_id)
    else {
        return Ok(Err(format!("no such text module {module_id}")));
    };
    if row.state != State::Published {
        return Ok(Err(format!("the text module {module_id} is not published")));
    }
    if !serves(row.limited, &store::projects(conn, row.id)?, &[project.id]) {
        return Ok(Err(format!(
            "the text module {module_id} is not for the case's project"
        )));
    }
    let agent = match case
        .assignee_name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        Some(name) => name.to_string(),
        None => project.name.clone(),
    };
    let values = case_values(conn, &agent, case, &project, row.language == Language::De)?;
    let filled = placeholders::fill(&row.body, &values);
    let missing: Vec<String> = filled.unknown.into_iter().chain(filled.empty).collect();
    if !missing.is_empty() {
        return Ok(Err(format!(
            "placeholders without a value for this case: {}",
            missing.join(", ")
        )));
    }
    Ok(Ok(filled.text))
}

/// The placeholder values of one case, as `agent` inserts a module.
fn case_values(
    conn: &Connection,
    agent: &str,
    case: &crate::cases::Case,
    project: &crate::projects::Project,
    german: bool,
) -> Result<Values, TextModuleError> {
    let mut values = Values::default();
    values.set("case.ref", Some(case.reference.clone()));
    values.set("case.subject", Some(case.subject.clone()));
    values.set("agent.name", Some(agent.to_string()));
    values.set("project.name", Some(project.name.clone()));
    let contact = match case.contact_id {
        Some(id) => crate::contacts::store::get(conn, id)?,
        None => None,
    };
    values.set("contact.name", contact.as_ref().map(|c| c.name.clone()));
    values.set(
        "contact.first_name",
        contact
            .as_ref()
            .and_then(|c| placeholders::first_name(&c.name)),
    );
    // Custom fields: every key of the project's case mask and the client's
    // contact mask is known (empty without a value); stored keys count too.
    for field in crate::fields::service::case_mask(conn, project.id)?.iter() {
        let value = case.custom.get(&field.key);
        values.set(
            format!("case.custom.{}", field.key),
            value.and_then(|v| placeholders::custom_text(v, german)),
        );
    }
    if let Some(map) = case.custom.as_object() {
        for (key, value) in map {
            values.set(
                format!("case.custom.{key}"),
                placeholders::custom_text(value, german),
            );
        }
    }
    for field in crate::fields::service::contact_mask(conn, project.client_id)? {
        let value = contact.as_ref().and_then(|c| c.custom.get(&field.key));
        values.set(
            format!("contact.custom.{}", field.key),
            value.and_then(|v| placeholders::custom_text(v, german)),
        );
    }
    if let Some(map) = contact.as_ref().and_then(|c| c.custom.as_object()) {
        for (key, value) in map {
            values.set(
                format!("contact.custom.{key}"),
                placeholders::custom_text(value, german),
            );
        }
    }
    Ok(values)
}

/// Fills the module for the case, attaches its files to the case (not yet
/// to a message) and counts the use for `who` today.
pub fn render(
    conn: &Connection,
    who: &Principal,
    case_id: CaseId,
    module_id: i64,
) -> Result<RenderedTextModule, TextModuleError> {
    let case = crate::cases::service::visible_case(conn, who, case_id)?;
    let project =
        crate::projects::store::get(conn, case.project_id)?.ok_or(TextModuleError::CaseNotFound)?;
    let (row, _) = readable(conn, who, module_id)?;
    if row.client_id != project.client_id {
        // Another client's module is no module here.
        return Err(TextModuleError::NotFound);
    }
    if row.state != State::Published {
        return Err(TextModuleError::NotPublished);
    }
    if !serves(row.limited, &store::projects(conn, row.id)?, &[project.id]) {
        return Err(TextModuleError::NotForProject);
    }
    let values = case_values(
        conn,
        &who.name,
        &case,
        &project,
        row.language == Language::De,
    )?;
    let filled = placeholders::fill(&row.body, &values);
    let mut attachments = Vec::new();
    for (file, sha256) in store::attachment_blobs(conn, row.id)? {
        let stored = Stored {
            sha256,
            size: file.size.max(0) as u64,
            pack: None,
        };
        // Inserted again into the same draft: the file is attached already.
        let unsent = match who.user_id {
            Some(user_id) => crate::cases::attachments::unsent_copy(
                conn,
                case_id,
                user_id,
                &stored.sha256,
                &file.filename,
                &file.content_type,
            )?,
            None => None,
        };
        let added: Attachment = match unsent {
            Some(attachment) => attachment,
            None => crate::cases::attachments::add(
                conn,
                who,
                case_id,
                &stored,
                &file.filename,
                &file.content_type,
            )?,
        };
        attachments.push(added);
    }
    if let Some(user_id) = who.user_id {
        store::count_use(conn, row.id, user_id, &today())?;
    }
    Ok(RenderedTextModule {
        module_id: row.id,
        shortcut: row.shortcut,
        title: row.title,
        text: filled.text,
        unknown: filled.unknown,
        empty: filled.empty,
        attachments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(sha: &str, name: &str) -> FileRef {
        FileRef {
            sha256: sha.into(),
            filename: name.into(),
            content_type: "application/pdf".into(),
            size: 1,
        }
    }

    #[test]
    fn a_restore_keeps_the_files_it_has_and_adds_or_removes_the_rest() {
        let now = [file("a", "A.pdf"), file("b", "B.pdf"), file("a", "A.pdf")];
        let wanted = [file("a", "A.pdf"), file("c", "C.pdf")];
        let (remove, add) = file_changes(&now, &wanted);
        assert_eq!(remove, vec![1, 2], "B and the second A go");
        assert_eq!(add, vec![&wanted[1]], "C comes back");
        // Same content under another name is another file.
        let renamed = [file("a", "Neu.pdf")];
        let (remove, add) = file_changes(&[file("a", "A.pdf")], &renamed);
        assert_eq!((remove.len(), add.len()), (1, 1));
        let (remove, add) = file_changes(&now, &now);
        assert!(remove.is_empty() && add.is_empty());
    }

    #[test]
    fn content_compares_every_field_and_the_files_in_order() {
        let base = Snapshot {
            shortcut: "x".into(),
            language: Language::De,
            title: "T".into(),
            body: "B".into(),
            limited: false,
            project_ids: Vec::new(),
            files: vec![file("a", "A.pdf"), file("b", "B.pdf")],
        };
        let mut other = base.clone();
        assert!(same_content(&base, &other));
        other.files.reverse();
        assert!(!same_content(&base, &other));
        let mut limited = base.clone();
        limited.limited = true;
        assert!(!same_content(&base, &limited));
    }
}
