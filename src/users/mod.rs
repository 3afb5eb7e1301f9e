//! Users: platform admins, client admins, project leads and agents (the
//! client's own or the provider's, with their tariff).

mod error;
pub mod handlers;
mod model;
pub mod service;
pub mod store;

pub use error::UserError;
pub use handlers::configure;
pub use model::{Locale, NewUser, Tariff, User, UserPatch, UserQuery};
