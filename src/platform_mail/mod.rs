//! The platform's own mail (issue 17): the platform sender (one SMTP
//! account, set by the platform admin, its password sealed like mailbox
//! passwords), invitations and "forgot password" as one-time links to set
//! a password (only the token's SHA-256 is stored), and the
//! `platform.mail` service that sends them with retries.

mod error;
pub mod handlers;
pub mod model;
pub mod service;
pub mod store;
pub mod throttle;
pub mod worker;

pub use error::PlatformMailError;
pub use handlers::configure;
pub use throttle::ResetThrottle;
