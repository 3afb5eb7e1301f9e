//! Organizations (Firmen) in a client's customer database: the companies
//! the client's contacts work for.

mod error;
pub mod handlers;
pub mod model;
pub mod service;
pub mod store;

pub use error::OrganizationError;
pub use handlers::configure;
pub use model::{NewOrganization, Organization, OrganizationPage, OrganizationPatch};
