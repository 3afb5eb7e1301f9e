//! Login throttling by progressive delays, never a lock-out.
//!
//! Failed logins are counted per client address, per account, and per
//! (account, address) pair; a count is forgotten 15 minutes after its last
//! failure. Past its free attempts, a key makes each further attempt wait
//! for a delay that doubles with every failure (1 s, 2 s, 4 s … at most
//! `MAX_DELAY`); an attempt refused this way is answered before the
//! password is checked.
//!
//! The account's delay applies only to addresses that have themselves
//! failed for that account: an attacker hammering the admin account from
//! one address slows down there, while the admin signing in from another
//! address gets in at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(15 * 60);
const MAX_DELAY: Duration = Duration::from_secs(5 * 60);
/// Bound on remembered keys, so a flood of addresses cannot grow memory.
const MAX_KEYS: usize = 100_000;

struct Entry {
    failures: u32,
    last_failure: Instant,
    /// No attempt under this key before then.
    not_before: Instant,
}

pub struct LoginThrottle {
    per_account: u32,
    per_address: u32,
    entries: Mutex<HashMap<String, Entry>>,
}

/// The wait after the `failures`-th failure when `free` are allowed.
fn delay(failures: u32, free: u32) -> Duration {
    if failures < free.max(1) {
        return Duration::ZERO;
    }
    let doublings = (failures - free.max(1)).min(16);
    Duration::from_secs(1u64 << doublings).min(MAX_DELAY)
}

impl LoginThrottle {
    /// `per_account` / `per_address`: failures before delays start.
    pub fn new(per_account: u32, per_address: u32) -> Self {
        LoginThrottle {
            per_account,
            per_address,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds)` to wait before this attempt is allowed. An allowed
    /// attempt under a key that is past its free attempts takes that key's
    /// turn: parallel guesses wait in line.
    pub fn check(&self, account: &str, address: Option<&str>) -> Result<(), u64> {
        let now = Instant::now();
        let mut entries = self.lock();
        let keys = self.keys(account, address, &entries, now);
        let mut wait = Duration::ZERO;
        for (key, _) in &keys {
            if let Some(entry) = live(&entries, key, now) {
                wait = wait.max(entry.not_before.saturating_duration_since(now));
            }
        }
        if !wait.is_zero() {
            return Err(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        for (key, free) in keys {
            if let Some(entry) = entries.get_mut(&key) {
                let d = delay(entry.failures, free);
                if !d.is_zero() {
                    entry.not_before = now + d;
                }
            }
        }
        Ok(())
    }

    pub fn record_failure(&self, account: &str, address: Option<&str>) {
        let now = Instant::now();
        let mut entries = self.lock();
        if entries.len() >= MAX_KEYS {
            entries.retain(|_, e| now.duration_since(e.last_failure) < WINDOW);
        }
        let mut keys = vec![
            (format!("account:{account}"), self.per_account),
            // The pair has no delay of its own; it marks the address as
            // one that failed for this account.
            (pair_key(account, address), u32::MAX),
        ];
        if let Some(address) = address {
            keys.push((format!("address:{address}"), self.per_address));
        }
        for (key, free) in keys {
            let entry = entries.entry(key).or_insert(Entry {
                failures: 0,
                last_failure: now,
                not_before: now,
            });
            if now.duration_since(entry.last_failure) >= WINDOW {
                entry.failures = 0;
                entry.not_before = now;
            }
            entry.failures = entry.failures.saturating_add(1);
            entry.last_failure = now;
            entry.not_before = entry.not_before.max(now + delay(entry.failures, free));
        }
    }

    /// A successful login forgets this address's failures for the account;
    /// the account's and the address's counts run on.
    pub fn record_success(&self, account: &str, address: Option<&str>) {
        self.lock().remove(&pair_key(account, address));
    }

    /// The keys that govern an attempt, with their free attempts.
    fn keys(
        &self,
        account: &str,
        address: Option<&str>,
        entries: &HashMap<String, Entry>,
        now: Instant,
    ) -> Vec<(String, u32)> {
        let mut keys = Vec::new();
        if let Some(address) = address {
            keys.push((format!("address:{address}"), self.per_address));
        }
        let failed_here =
            address.is_none() || live(entries, &pair_key(account, address), now).is_some();
        if failed_here {
            keys.push((format!("account:{account}"), self.per_account));
        }
        keys
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn pair_key(account: &str, address: Option<&str>) -> String {
    format!("pair:{account}\u{0}{}", address.unwrap_or(""))
}

/// An entry whose failures are not yet forgotten.
fn live<'a>(entries: &'a HashMap<String, Entry>, key: &str, now: Instant) -> Option<&'a Entry> {
    entries
        .get(key)
        .filter(|e| now.duration_since(e.last_failure) < WINDOW)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        assert_eq!(delay(4, 5), Duration::ZERO);
        assert_eq!(delay(5, 5), Duration::from_secs(1));
        assert_eq!(delay(6, 5), Duration::from_secs(2));
        assert_eq!(delay(8, 5), Duration::from_secs(8));
        assert_eq!(delay(100, 5), MAX_DELAY);
    }

    #[test]
    fn the_attacking_address_waits_and_a_clean_address_does_not() {
        let t = LoginThrottle::new(3, 50);
        for _ in 0..3 {
            assert!(t.check("a@x.de", Some("1.1.1.1")).is_ok());
            t.record_failure("a@x.de", Some("1.1.1.1"));
        }
        assert!(t.check("a@x.de", Some("1.1.1.1")).is_err(), "slowed");
        assert!(t.check("a@x.de", Some("2.2.2.2")).is_ok(), "never failed");
        assert!(t.check("b@x.de", Some("1.1.1.1")).is_ok(), "other account");
        // Once 2.2.2.2 fails for the account, the account's delay counts there.
        t.record_failure("a@x.de", Some("2.2.2.2"));
        assert!(t.check("a@x.de", Some("2.2.2.2")).is_err());
        t.record_success("a@x.de", Some("2.2.2.2"));
        assert!(t.check("a@x.de", Some("2.2.2.2")).is_ok());
    }

    #[test]
    fn an_address_failing_across_accounts_is_slowed() {
        let t = LoginThrottle::new(5, 3);
        for n in 0..3 {
            t.record_failure(&format!("u{n}@x.de"), Some("1.1.1.1"));
        }
        assert!(t.check("fresh@x.de", Some("1.1.1.1")).is_err());
        assert!(t.check("fresh@x.de", Some("3.3.3.3")).is_ok());
    }
}
