//! Attachments of a case: the content is stored once by hash (see
//! `blobs`); rows name it per case, with a cleaned file name and type.

use crate::ids::CaseId;
use rusqlite::{Connection, OptionalExtension, params};

use super::error::CaseError;
use super::model::Attachment;
use super::service::visible_case;
use crate::auth::Principal;
use crate::blobs::{BlobStore, Location, Stored};
use crate::db::now;
use crate::validation::Invalid;

/// What a download needs.
pub struct Download {
    pub filename: String,
    pub content_type: String,
    pub sha256: String,
    /// Where the content's bytes are (`None`: no valid place recorded).
    pub location: Option<Location>,
}

/// A file name safe to store and to send back: no path, no control
/// characters, at most 200 characters.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':'))
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "attachment".into()
    } else {
        cleaned
    }
}

/// `type/subtype` in lower case, or `application/octet-stream`.
pub fn clean_content_type(value: Option<&str>) -> String {
    let mime = value
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
    };
    match mime.split_once('/') {
        Some((kind, sub)) if token(kind) && token(sub) => mime,
        _ => "application/octet-stream".into(),
    }
}

/// An attachment of the case that `user_id` added and no message has taken
/// yet, with this content, name and type: a text module inserted twice in
/// one draft attaches its files once (src/text_modules).
pub fn unsent_copy(
    conn: &Connection,
    case_id: CaseId,
    user_id: crate::ids::UserId,
    sha256: &str,
    filename: &str,
    content_type: &str,
) -> Result<Option<Attachment>, CaseError> {
    Ok(conn
        .prepare_cached(
            "SELECT id, size FROM attachments
             WHERE case_id = ?1 AND uploaded_by = ?2 AND message_id IS NULL
               AND sha256 = ?3 AND filename = ?4 AND content_type = ?5
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(
            params![case_id, user_id, sha256, filename, content_type],
            |row| {
                let id: i64 = row.get(0)?;
                Ok(Attachment {
                    id,
                    filename: filename.to_string(),
                    content_type: content_type.to_string(),
                    size: row.get(1)?,
                    url: format!("/api/v1/attachments/{id}"),
                })
            },
        )
        .optional()?)
}

/// Types a browser may show inline without risk: plain images. Everything
/// else is always downloaded.
pub fn inline_safe(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

pub fn add(
    conn: &Connection,
    who: &Principal,
    case_id: CaseId,
    stored: &Stored,
    filename: &str,
    content_type: &str,
) -> Result<Attachment, CaseError> {
    visible_case(conn, who, case_id)?;
    let at = now();
    crate::blobs::store::insert_row(conn, stored)?;
    conn.prepare_cached(
        "INSERT INTO attachments (case_id, sha256, filename, content_type, size, uploaded_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        case_id,
        stored.sha256,
        filename,
        content_type,
        stored.size as i64,
        who.user_id,
        at
    ])?;
    let id = conn.last_insert_rowid();
    super::store::insert_history(
        conn,
        case_id,
        who.user_id,
        "attachment",
        None,
        Some(filename),
    )?;
    Ok(Attachment {
        id,
        filename: filename.to_string(),
        content_type: content_type.to_string(),
        size: stored.size as i64,
        url: format!("/api/v1/attachments/{id}"),
    })
}

/// Attaches uploaded, not yet sent files of the case to a message.
pub fn attach_to_message(
    conn: &Connection,
    case_id: CaseId,
    message_id: i64,
    ids: &[i64],
) -> Result<(), CaseError> {
    let mut stmt = conn.prepare_cached(
        "UPDATE attachments SET message_id = ?3 WHERE id = ?1 AND case_id = ?2 AND message_id IS NULL",
    )?;
    for &id in ids {
        if stmt.execute(params![id, case_id, message_id])? == 0 {
            return Err(Invalid::new(
                "attachment_ids",
                format!("attachment {id} is not an unsent file of this case"),
            )
            .into());
        }
    }
    Ok(())
}

/// The attachment if `who` sees its case, with where its content is (found
/// in the same read, so it names the content the row names).
pub fn for_download(
    conn: &Connection,
    blobs: &BlobStore,
    who: &Principal,
    id: i64,
) -> Result<Download, CaseError> {
    let row: Option<(CaseId, Download)> = conn
        .prepare_cached(
            "SELECT case_id, filename, content_type, sha256 FROM attachments WHERE id = ?1",
        )?
        .query_row([id], |row| {
            Ok((
                row.get(0)?,
                Download {
                    filename: row.get(1)?,
                    content_type: row.get(2)?,
                    sha256: row.get(3)?,
                    location: None,
                },
            ))
        })
        .optional()?;
    let (case_id, mut download) = row.ok_or(CaseError::NotFound)?;
    visible_case(conn, who, case_id)?;
    download.location = crate::blobs::store::locate(conn, blobs, &download.sha256)?;
    Ok(download)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_types_are_cleaned() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(
            clean_filename("C:\\Users\\x\\Rechnung März.pdf"),
            "Rechnung März.pdf"
        );
        assert_eq!(clean_filename("a\u{0}b\r\n.txt"), "ab.txt");
        assert_eq!(clean_filename("..."), "attachment");
        assert_eq!(clean_filename("\"quoted\".pdf"), "quoted.pdf");
        assert_eq!(
            clean_content_type(Some("Image/PNG; charset=x")),
            "image/png"
        );
        assert_eq!(clean_content_type(Some("text/html")), "text/html");
        assert_eq!(
            clean_content_type(Some("nonsense")),
            "application/octet-stream"
        );
        assert_eq!(clean_content_type(None), "application/octet-stream");
        assert!(
            inline_safe("image/png") && !inline_safe("text/html") && !inline_safe("image/svg+xml")
        );
    }
}
