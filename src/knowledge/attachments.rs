//! Files of an article (inline images, downloads). The content is stored
//! once by hash in the blob store, as case attachments are; a row names it
//! per article. Whoever reads the article reads its files; whoever edits
//! it adds and removes them.

use crate::ids::{ClientId, ProjectId};
use rusqlite::Connection;
use serde_json::json;

use super::error::KnowledgeError;
use super::model::Attachment;
use super::service::{editable_article, readable_article};
use super::store::{self, NewAttachmentRow};
use crate::audit::{self, Actor};
use crate::auth::Principal;
use crate::blobs::{BlobStore, Location, Stored};

/// What a download needs.
pub struct Download {
    pub filename: String,
    pub content_type: String,
    /// Where the content's bytes are (`None`: no valid place recorded).
    pub location: Option<Location>,
}

/// Checked before the upload's bytes are stored: nobody stores files on an
/// article they may not edit.
pub fn may_add(conn: &Connection, who: &Principal, article_id: i64) -> Result<(), KnowledgeError> {
    editable_article(conn, who, article_id).map(|_| ())
}

pub fn add(
    conn: &Connection,
    who: &Principal,
    article_id: i64,
    stored: &Stored,
    filename: &str,
    content_type: &str,
) -> Result<Attachment, KnowledgeError> {
    let row = editable_article(conn, who, article_id)?;
    crate::blobs::store::insert_row(conn, stored)?;
    let id = store::insert_attachment(
        conn,
        &NewAttachmentRow {
            client_id: row.client_id,
            article_id,
            sha256: &stored.sha256,
            filename,
            content_type,
            size: stored.size as i64,
            user_id: who.user_id,
        },
    )?;
    store::touch_article(conn, article_id)?;
    Ok(store::attachment(conn, id)?
        .ok_or(KnowledgeError::AttachmentNotFound)?
        .attachment)
}

pub fn list(
    conn: &Connection,
    who: &Principal,
    article_id: i64,
) -> Result<Vec<Attachment>, KnowledgeError> {
    readable_article(conn, who, article_id)?;
    Ok(store::attachments(conn, article_id)?)
}

/// Removes the file; returns the contents no longer named by anything, to
/// be removed from the disk after the commit.
pub fn remove(conn: &Connection, who: &Principal, id: i64) -> Result<Vec<Stored>, KnowledgeError> {
    let row = store::attachment(conn, id)?.ok_or(KnowledgeError::AttachmentNotFound)?;
    editable_article(conn, who, row.attachment.article_id).map_err(|err| match err {
        KnowledgeError::ArticleNotFound => KnowledgeError::AttachmentNotFound,
        other => other,
    })?;
    store::delete_attachment(conn, id)?;
    audit::record(
        conn,
        &Actor::from(who),
        "knowledge.attachment.delete",
        "kb_attachment",
        Some(id),
        Some(row.client_id),
        json!({ "article_id": row.attachment.article_id, "filename": row.attachment.filename }),
    )?;
    Ok(crate::gdpr::erase::drop_unreferenced_blobs(
        conn,
        std::slice::from_ref(&row.sha256),
    )?)
}

/// The file if `who` reads its article, with where its content is.
pub fn for_download(
    conn: &Connection,
    blobs: &BlobStore,
    who: &Principal,
    id: i64,
) -> Result<Download, KnowledgeError> {
    let row = store::attachment(conn, id)?.ok_or(KnowledgeError::AttachmentNotFound)?;
    readable_article(conn, who, row.attachment.article_id).map_err(|err| match err {
        KnowledgeError::ArticleNotFound => KnowledgeError::AttachmentNotFound,
        other => other,
    })?;
    download(conn, blobs, row)
}

fn download(
    conn: &Connection,
    blobs: &BlobStore,
    row: store::AttachmentRow,
) -> Result<Download, KnowledgeError> {
    Ok(Download {
        location: crate::blobs::store::locate(conn, blobs, &row.sha256)?,
        filename: row.attachment.filename,
        content_type: row.attachment.content_type,
    })
}

/// A file of a help-center article (public, published, not limited to
/// other projects) of this project, for anybody.
pub fn for_help_center(
    conn: &Connection,
    blobs: &BlobStore,
    client_id: ClientId,
    project_id: ProjectId,
    id: i64,
) -> Result<Download, KnowledgeError> {
    let row = store::attachment(conn, id)?
        .filter(|row| row.client_id == client_id)
        .ok_or(KnowledgeError::AttachmentNotFound)?;
    if store::public_article(conn, client_id, project_id, row.attachment.article_id)?.is_empty() {
        return Err(KnowledgeError::AttachmentNotFound);
    }
    download(conn, blobs, row)
}
