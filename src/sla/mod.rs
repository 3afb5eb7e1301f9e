//! Issue 15, first slice (docs/workflows.md): business calendars and SLAs.
//! `holidays.rs` and `calendar.rs` are pure (German public holidays per
//! state; business-time arithmetic); the rest are the usual domain files.

pub mod calendar;
pub mod holidays;
