//! zezaro: a self-hosted customer-service platform in one binary.
//!
//! Layout: one module per domain (`clients`, `projects`, `users`, `teams`,
//! `audit`, `auth`), each with its model, store queries, service logic and
//! HTTP handlers; shared infrastructure in `db`, `http`, `config`, `state`.

pub mod audit;
pub mod auth;
pub mod backup;
pub mod blobs;
pub mod cases;
pub mod channels;
pub mod cli;
pub mod clients;
pub mod config;
pub mod contacts;
pub mod customers;
pub mod db;
pub mod demo;
pub mod distribution;
pub mod export;
pub mod fields;
pub mod forecast;
pub mod gdpr;
pub mod http;
pub mod ids;
pub mod instructions;
pub mod knowledge;
pub mod mail;
pub mod net;
pub mod organizations;
pub mod paging;
pub mod platform_mail;
pub mod problem;
pub mod projects;
pub mod replication;
pub mod routing;
pub mod rules;
pub mod scheduler;
pub mod search;
pub mod services;
pub mod sla;
pub mod state;
pub mod teams;
pub mod text_modules;
pub mod topics;
pub mod training;
pub mod users;
pub mod validation;
pub mod webforms;
pub mod webhooks;
pub mod workforce;
