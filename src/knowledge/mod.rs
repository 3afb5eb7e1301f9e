//! Knowledge (issue 14, docs/knowledge.md). This slice: the knowledge base
//! — categories (nested, ordered), articles with German and English
//! versions (every save a version; draft → review → published), tags,
//! project limits, Markdown rendered and sanitised on the server
//! (`render.rs`), and search over the published versions.

pub mod attachments;
pub mod editors;
mod error;
pub mod handlers;
pub mod help;
pub mod model;
pub mod projects;
pub mod render;
pub mod service;
pub mod store;
pub mod suggest;

pub use error::KnowledgeError;
pub use handlers::configure;
