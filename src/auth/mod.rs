//! Authentication (passwords, sessions, API tokens, CSRF, login throttling)
//! and the authorization policy.

pub mod authenticate;
pub mod cache;
mod error;
pub mod handlers;
pub mod model;
pub mod password;
pub mod policy;
pub mod service;
pub mod store;
pub mod strength;
mod throttle;
pub mod tokens;

pub use authenticate::SESSION_COOKIE;
pub use cache::PrincipalCache;
pub use error::AuthError;
pub use handlers::configure;
pub use model::{Me, MemberRole, Membership, Principal, Role};
pub use throttle::LoginThrottle;
