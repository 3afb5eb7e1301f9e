//! Clients (Auftraggeber): the companies whose customer service runs here.

mod error;
pub mod handlers;
mod model;
pub mod service;
pub mod store;

pub use error::ClientError;
pub use handlers::configure;
pub use model::{Client, ClientInput};
