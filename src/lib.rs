//! zezaro: a self-hosted customer-service platform in one binary.
//!
//! Layout: one module per domain (`clients`, `projects`, `users`, `teams`,
//! `audit`, `auth`), each with its model, store queries, service logic and
//! HTTP handlers; shared infrastructure in `db`, `http`, `config`, `state`.

pub mod audit;
pub mod auth;
pub mod cli;
pub mod clients;
pub mod config;
pub mod db;
pub mod demo;
pub mod http;
pub mod projects;
pub mod scheduler;
pub mod state;
pub mod teams;
pub mod users;
pub mod validation;
