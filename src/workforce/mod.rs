//! Issue 18 (docs/architecture.md, "Workforce"): agent states and their
//! append-only log (`states`), productive time per agent, project and day
//! (`productive`), the clients' state settings and break reasons
//! (`settings`), seats and who fills them (`seats`), and the live monitor
//! with its interventions (`monitor`). `job` ends silent workspaces in
//! offline and after-work at the client's maximum.

mod error;
pub mod handlers;
pub mod job;
pub mod model;
pub mod monitor;
pub mod productive;
pub mod seats;
pub mod settings;
pub mod states;
pub mod store;

pub use error::WorkforceError;
pub use handlers::configure;
