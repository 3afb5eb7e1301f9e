//! Issue 15 (docs/workflows.md, "Distribution between own team and
//! provider"): per project a plan of which team takes new cases of a topic
//! and channel, as deterministic shares, with overflow to the provider.
//! `service::team_for_new_case` runs inside a new case's write; a plan
//! change can move the project's open cases, in the background
//! (`mover`, batch by batch).

mod error;
pub mod handlers;
pub mod model;
pub mod mover;
pub mod service;
pub mod store;

pub use error::DistributionError;
pub use handlers::configure;
