//! Issue 15, first slice (docs/workflows.md): business calendars and SLAs.
//! `holidays.rs` and `calendar.rs` are pure (German public holidays per
//! state; business-time arithmetic); `clock.rs` moves a case's SLA clocks
//! with the case's own writes; `job.rs` marks warnings and breaches.

pub mod calendar;
pub mod clock;
mod error;
pub mod handlers;
pub mod holidays;
pub mod job;
pub mod model;
pub mod service;
pub mod store;

pub use error::SlaError;
pub use handlers::configure;
