//! A short-lived cache of authenticated principals, so that a request does
//! not pay a store round trip just to learn who is calling.
//!
//! An entry is used only while no write to the tables it comes from has
//! been committed since it was loaded (`Db::generation`) and for at most `TTL`: a revoked token, ended
//! session, changed role or membership takes effect with the next request.
//! The TTL bounds staleness from writes by other processes (the CLI).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::model::Principal;

/// Every table a principal is derived from.
pub const PRINCIPAL_TABLES: &[&str] = &[
    "users",
    "sessions",
    "api_tokens",
    "project_members",
    "knowledge_editors",
    "projects",
    "clients",
    "teams",
    // A project's plan limits its provider agents (`provider_share`): a new
    // or removed plan holds from the next request.
    "distribution_plans",
];

const TTL: Duration = Duration::from_secs(5);
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub struct PrincipalCache {
    entries: Mutex<HashMap<String, Entry>>,
}

struct Entry {
    principal: Principal,
    generation: u64,
    loaded: Instant,
}

impl PrincipalCache {
    /// `key` identifies the credential (kind and hash), never the secret.
    pub fn get(&self, key: &str, generation: u64) -> Option<Principal> {
        let entries = self.lock();
        let entry = entries.get(key)?;
        (entry.generation == generation && entry.loaded.elapsed() < TTL)
            .then(|| entry.principal.clone())
    }

    /// `generation` must be read before the principal was loaded.
    pub fn insert(&self, key: String, principal: Principal, generation: u64) {
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| e.generation == generation && e.loaded.elapsed() < TTL);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                principal,
                generation,
                loaded: Instant::now(),
            },
        );
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    #[test]
    fn entries_die_with_any_write() {
        let cache = PrincipalCache::default();
        let mut p = Principal::operator();
        p.role = Role::Agent;
        cache.insert("t:abc".into(), p, 7);
        assert!(cache.get("t:abc", 7).is_some());
        assert!(cache.get("t:abc", 8).is_none(), "a write happened since");
        assert!(cache.get("t:other", 7).is_none());
    }
}
