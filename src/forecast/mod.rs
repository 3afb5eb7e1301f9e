//! Issue 18 (docs/architecture.md, "Forecast and staffing"): the client's
//! monthly planned volumes per project and channel (versions, deadlines),
//! weekday and intraday profiles learned from the project's own cases,
//! actual against forecast with deviation corridors (deviations past the
//! agreed limit recorded by the daily job `forecast.daily`), and the
//! staffing per interval and day: calls by Erlang C or A ([`erlang`]),
//! written channels by workload, against the planned seats.

pub mod day;
pub mod erlang;
mod error;
pub mod handlers;
pub mod model;
pub mod profile;
pub mod service;
pub mod staffing;
pub mod store;

pub use error::ForecastError;
pub use handlers::configure;

/// Key of the daily job in the service registry.
pub const SERVICE: &str = "forecast.daily";
