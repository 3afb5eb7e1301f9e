//! Training (issue 14, docs/knowledge.md): courses made of ordered
//! knowledge articles and an optional multiple-choice check, assigned to
//! agents or teams with a due date; per agent: started, read per article,
//! passed or failed with score. The check is graded on the server; the
//! right answers never go to an agent.

mod error;
pub mod handlers;
pub mod model;
pub mod service;
pub mod store;

pub use error::TrainingError;
pub use handlers::configure;
