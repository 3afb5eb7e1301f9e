//! Work instructions (issue 14, docs/knowledge.md): a client admin or a
//! project lead publishes an instruction to the agents of some projects and
//! teams; agents see it as a banner in the workspace at once (a live
//! `knowledge` event), dismiss an info one and acknowledge a
//! must-acknowledge one; editors see who acknowledged and who has not yet.

mod error;
pub mod handlers;
pub mod model;
pub mod service;
pub mod store;

pub use error::InstructionError;
pub use handlers::configure;
