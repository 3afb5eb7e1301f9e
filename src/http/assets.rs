//! The web UI, built from `web/` by Vite and embedded in the binary.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "web/dist/"]
struct WebAssets;

/// Serves a file of the UI; unknown paths get `index.html`, so the UI's own
/// router handles them.
pub async fn serve(req: HttpRequest) -> HttpResponse {
    let path = req.path().trim_start_matches('/');
    if let Some(file) = (!path.is_empty()).then(|| WebAssets::get(path)).flatten() {
        // Vite puts content hashes in asset names: cache them for good.
        let cache = if path.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, file.metadata.mimetype()))
            .insert_header((header::CACHE_CONTROL, cache))
            .body(file.data.into_owned());
    }
    // A missing asset is a 404, not the app page.
    if path.starts_with("assets/") {
        return HttpResponse::NotFound().finish();
    }
    match WebAssets::get("index.html") {
        Some(index) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(index.data.into_owned()),
        None => HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("The web UI was not built into this binary (web/dist was empty at build time)."),
    }
}
