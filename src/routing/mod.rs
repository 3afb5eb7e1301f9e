//! Issue 15 (docs/workflows.md, "Routing to agents"): per project and
//! channel how new cases reach agents (pull, round-robin, least-loaded);
//! per agent an availability, skills and a capacity per channel; a durable
//! queue of the cases no one could take yet. `service::route_case` runs in
//! the case's own write transaction (the single writer makes "check
//! capacity, assign" exact); `job` marks idle agents away.

mod error;
pub mod handlers;
pub mod job;
pub mod model;
pub mod service;
pub mod store;

pub use error::RoutingError;
pub use handlers::configure;
pub use service::{RouteOutcome, route_case, route_loaded};
