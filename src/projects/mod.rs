//! Projects: a client's service projects, and who works in them
//! (memberships, with the Team Pro exclusivity rule).

mod error;
pub mod handlers;
mod model;
pub mod service;
pub mod store;

pub use error::ProjectError;
pub use handlers::configure;
pub use model::{Member, MemberInput, NewProject, Project, ProjectPatch};
