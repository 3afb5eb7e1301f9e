//! Sending a file of the blob store as an answer: streamed off the async
//! threads, only the content's own bytes (never the rest of a pack),
//! sandboxed and not sniffed. Case attachments, knowledge files and
//! text-module files all go out this way.

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::Bytes;

use super::ApiError;
use crate::blobs::{BlobStore, Location};

/// Sends the content at `location` under `filename`. `inline`: shown in the
/// browser instead of downloaded (callers allow it for plain images only).
/// `what` names the file in the log when its content is missing.
pub async fn send_stored(
    blobs: BlobStore,
    location: Location,
    filename: &str,
    content_type: &str,
    inline: bool,
    what: String,
) -> Result<HttpResponse, ApiError> {
    let missing = move |err: std::io::Error| {
        ApiError::new(
            actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the file's content is missing",
        )
        .with_cause(format_args!("{what}: content missing: {err}"))
    };
    let (handle, size) = tokio::task::spawn_blocking(move || blobs.open(&location))
        .await
        .map_err(|err| missing.clone()(std::io::Error::other(err)))?
        .map_err(missing)?;
    let handle = tokio::io::AsyncReadExt::take(tokio::fs::File::from_std(handle), size);
    let disposition = header::ContentDisposition {
        disposition: if inline {
            header::DispositionType::Inline
        } else {
            header::DispositionType::Attachment
        },
        parameters: vec![header::DispositionParam::FilenameExt(
            header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: filename.as_bytes().to_vec(),
            },
        )],
    };
    let stream = futures_util::stream::unfold(handle, |mut handle| async move {
        use tokio::io::AsyncReadExt;
        let mut buffer = vec![0u8; 64 * 1024];
        match handle.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok::<_, std::io::Error>(Bytes::from(buffer)), handle))
            }
            Err(err) => Some((Err(err), handle)),
        }
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type.to_string()))
        .insert_header(disposition)
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'",
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .streaming(stream))
}
