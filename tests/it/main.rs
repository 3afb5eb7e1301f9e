//! The integration tests, in one binary: one link instead of one per file.
//! Each module was a file `tests/NAME.rs`; run one module's tests with
//! `cargo test --test it NAME::` (e.g. `cargo test --test it cases::`).

#[path = "../common/mod.rs"]
mod common;

mod api_contract;
mod api_hardening;
mod audit;
mod auth_hardening;
mod authz_matrix;
mod backup;
mod blob_packs;
mod case_counts;
mod case_history;
mod cases;
mod cli;
mod contacts;
mod crash;
mod distribution;
mod erasure_canary;
mod export;
mod fields;
mod forecast;
mod gdpr;
mod generate;
mod instructions;
mod knowledge;
mod knowledge_more;
mod knowledge_preview;
mod knowledge_projects;
mod list_plans;
mod mail_ingest;
mod mail_outbound;
mod my_figures;
mod phone_lookup;
mod platform_mail;
mod replication;
mod routing;
mod rule_actions;
mod rules;
mod search_backlog;
mod search_fold;
mod search_pairs;
mod services;
mod sla;
mod smoke;
mod store_contention;
mod structure;
mod text_module_versions;
mod text_modules;
mod training;
mod training_admin;
mod webforms;
mod webhooks;
mod workforce;
