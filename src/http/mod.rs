//! Shared HTTP infrastructure: the server, problem details, JSON body
//! parsing, security headers, the embedded UI and the OpenAPI document.

mod assets;
pub mod client_ip;
pub(crate) mod contract;
mod errors;
mod extract;
pub mod files;
mod json;
mod openapi;
mod problem;
pub mod resource;
pub mod server;
mod text;

use serde::Serialize;
use utoipa::ToSchema;

pub use json::ValidJson;
pub(crate) use json::{body_limit, declared_len, mime_type, parse as parse_json, read_limited};
pub use openapi::ApiDoc;
pub use problem::{ApiError, ProblemBody};
pub use server::{RunningServer, StartError, start};
pub use text::CsvBody;

/// Every list answer: `{"items": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemList<T: ToSchema> {
    pub items: Vec<T>,
}
