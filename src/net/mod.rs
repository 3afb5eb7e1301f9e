//! Outgoing connections to hosts that users name (mail servers now,
//! webhooks later): which addresses they may reach.

pub mod host_policy;
pub mod ip;

pub use host_policy::{HostPolicy, HostRefusal};
