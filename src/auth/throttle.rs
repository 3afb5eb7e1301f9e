//! Login throttling: failed attempts are counted per account and per client
//! address in a fixed 15-minute window; over the limit, logins are refused
//! before the password is even checked.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Bound on remembered keys, so a flood of addresses cannot grow memory.
const MAX_KEYS: usize = 100_000;

pub struct LoginThrottle {
    per_account: u32,
    per_address: u32,
    failures: Mutex<HashMap<String, (Instant, u32)>>,
}

impl LoginThrottle {
    pub fn new(per_account: u32, per_address: u32) -> Self {
        LoginThrottle {
            per_account,
            per_address,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds)` to wait when either key is over its limit.
    pub fn check(&self, account: &str, address: Option<&str>) -> Result<(), u64> {
        let now = Instant::now();
        let failures = self.lock();
        let mut wait = 0;
        for (key, limit) in self.keys(account, address) {
            if let Some((start, count)) = failures.get(&key) {
                let elapsed = now.duration_since(*start);
                if elapsed < WINDOW && *count >= limit {
                    wait = wait.max((WINDOW - elapsed).as_secs().max(1));
                }
            }
        }
        if wait > 0 { Err(wait) } else { Ok(()) }
    }

    pub fn record_failure(&self, account: &str, address: Option<&str>) {
        let now = Instant::now();
        let mut failures = self.lock();
        if failures.len() >= MAX_KEYS {
            failures.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        for (key, _) in self.keys(account, address) {
            let entry = failures.entry(key).or_insert((now, 0));
            if now.duration_since(entry.0) >= WINDOW {
                *entry = (now, 0);
            }
            entry.1 += 1;
        }
    }

    /// A successful login clears the account's count (not the address's).
    pub fn record_success(&self, account: &str) {
        self.lock().remove(&format!("account:{account}"));
    }

    fn keys(&self, account: &str, address: Option<&str>) -> Vec<(String, u32)> {
        let mut keys = vec![(format!("account:{account}"), self.per_account)];
        if let Some(address) = address {
            keys.push((format!("address:{address}"), self.per_address));
        }
        keys
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, u32)>> {
        self.failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_limit_per_account_and_address() {
        let t = LoginThrottle::new(3, 5);
        for _ in 0..3 {
            assert!(t.check("a@x.de", Some("1.1.1.1")).is_ok());
            t.record_failure("a@x.de", Some("1.1.1.1"));
        }
        assert!(t.check("a@x.de", Some("2.2.2.2")).is_err(), "account limit");
        assert!(t.check("b@x.de", Some("1.1.1.1")).is_ok());
        t.record_failure("b@x.de", Some("1.1.1.1"));
        t.record_failure("c@x.de", Some("1.1.1.1"));
        assert!(t.check("d@x.de", Some("1.1.1.1")).is_err(), "address limit");
        t.record_success("a@x.de");
        assert!(t.check("a@x.de", Some("3.3.3.3")).is_ok());
    }
}
