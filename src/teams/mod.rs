//! Teams: each client's own team(s) and the service provider's teams.

mod error;
pub mod handlers;
mod model;
pub mod service;
pub mod store;

pub use error::TeamError;
pub use handlers::configure;
pub use model::{NewTeam, Team, TeamKind, TeamPatch};
