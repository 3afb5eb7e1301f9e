//! Text modules (Textbausteine, issue 14, docs/knowledge.md): short answers
//! per client, limited to projects and a language, with `{{placeholders}}`
//! filled for a case when an agent inserts them (`::shortcut` in the
//! composer), attachments from the blob store, draft/published, soft
//! delete, usage per module, agent and day. Read and edited by the same
//! people as the knowledge base (`policy::knowledge_reader`).

mod error;
pub mod handlers;
pub mod model;
pub mod placeholders;
pub mod service;
pub mod store;

pub use error::TextModuleError;
pub use handlers::configure;
