//! Spam protection for the public forms, in memory: rate limits per client
//! address and per form, a signed render token with the render time (a form
//! sent back faster than a person can type is a bot) and a random id (the
//! store remembers used ids: a token is good for one submission), the
//! optional proof-of-work, and counters of what was caught.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// Submissions one client address may send in `ADDRESS_WINDOW`.
pub const PER_ADDRESS: u32 = 5;
pub const ADDRESS_WINDOW: Duration = Duration::from_secs(10 * 60);
/// Cases one form may create in `FORM_WINDOW`, from all addresses together;
/// past it, submissions are held for review instead of filed.
pub const PER_FORM: u32 = 200;
pub const FORM_WINDOW: Duration = Duration::from_secs(60 * 60);
/// Default shortest time between showing the form and sending it.
pub const MIN_FILL_TIME: Duration = Duration::from_secs(3);
/// A rendered form's token is good for this long.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// Bound on remembered keys, so a flood of addresses cannot grow memory.
const MAX_KEYS: usize = 100_000;

/// What the signed render time says about a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCheck {
    Ok,
    /// Missing, forged or for another form.
    Invalid,
    /// Sent back faster than a person could fill it in.
    TooFast,
    /// Older than `TOKEN_LIFETIME`: show a fresh form.
    Expired,
}

/// Longest proof-of-work answer accepted.
const MAX_POW_NONCE: usize = 32;

/// The proof-of-work: SHA-256 of `{token}:{nonce}` starts with `bits` zero
/// bits. The form page's script (`form.js`) finds such a nonce; a sender
/// needs about 2^bits hashes, the server one.
pub fn pow_ok(token: &str, nonce: &str, bits: u8) -> bool {
    if bits == 0 {
        return true;
    }
    let nonce = nonce.trim();
    if nonce.is_empty()
        || nonce.len() > MAX_POW_NONCE
        || !nonce.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return false;
    }
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        format!("{}:{nonce}", token.trim()).as_bytes(),
    );
    leading_zero_bits(digest.as_ref()) >= u32::from(bits)
}

fn leading_zero_bits(bytes: &[u8]) -> u32 {
    let mut bits = 0;
    for byte in bytes {
        if *byte == 0 {
            bits += 8;
        } else {
            return bits + byte.leading_zeros();
        }
    }
    bits
}

pub struct FormGuard {
    key: hmac::Key,
    min_fill_ms: AtomicU64,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
    spam: Mutex<HashMap<String, u64>>,
}

impl Default for FormGuard {
    fn default() -> Self {
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &SystemRandom::new())
            .expect("system random source");
        FormGuard {
            key,
            min_fill_ms: AtomicU64::new(MIN_FILL_TIME.as_millis() as u64),
            windows: Mutex::new(HashMap::new()),
            spam: Mutex::new(HashMap::new()),
        }
    }
}

fn unix_ms() -> u64 {
    chrono::Utc::now().timestamp_millis().max(0) as u64
}

impl FormGuard {
    /// Changes the shortest fill-in time (tests; `0` turns the check off).
    pub fn set_min_fill_time(&self, min: Duration) {
        self.min_fill_ms
            .store(min.as_millis() as u64, Ordering::Relaxed);
    }

    /// The hidden field's value for a form rendered now.
    pub fn token(&self, public_id: &str) -> String {
        self.token_at(public_id, unix_ms())
    }

    /// The token of a form rendered at `unix_ms` (milliseconds):
    /// `{unix_ms}.{random id}.{signature}`.
    pub fn token_at(&self, public_id: &str, unix_ms: u64) -> String {
        let mut nonce = [0u8; 12];
        SystemRandom::new()
            .fill(&mut nonce)
            .expect("system random source");
        let id = URL_SAFE_NO_PAD.encode(nonce);
        let tag = hmac::sign(&self.key, format!("{public_id}.{unix_ms}.{id}").as_bytes());
        format!("{unix_ms}.{id}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// The random id of a token and when it stops being valid (RFC 3339),
    /// to remember it as used. `None` for a malformed token.
    pub fn token_id(token: &str) -> Option<(String, String)> {
        let mut parts = token.trim().split('.');
        let at: i64 = parts.next()?.parse().ok()?;
        let id = parts.next()?.to_string();
        let until = at.checked_add(TOKEN_LIFETIME.as_millis() as i64 + 60_000)?;
        let until = chrono::DateTime::from_timestamp_millis(until)?;
        Some((
            id,
            until.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        ))
    }

    pub fn check_token(&self, public_id: &str, token: &str) -> TokenCheck {
        let mut parts = token.trim().split('.');
        let (Some(at), Some(id), Some(tag), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return TokenCheck::Invalid;
        };
        let (Ok(at), Ok(tag)) = (at.parse::<u64>(), URL_SAFE_NO_PAD.decode(tag)) else {
            return TokenCheck::Invalid;
        };
        if hmac::verify(&self.key, format!("{public_id}.{at}.{id}").as_bytes(), &tag).is_err() {
            return TokenCheck::Invalid;
        }
        let now = unix_ms();
        let age = now.saturating_sub(at);
        if at > now + 60_000 {
            TokenCheck::Invalid
        } else if age < self.min_fill_ms.load(Ordering::Relaxed) {
            TokenCheck::TooFast
        } else if age > TOKEN_LIFETIME.as_millis() as u64 {
            TokenCheck::Expired
        } else {
            TokenCheck::Ok
        }
    }

    /// `Err(seconds)` to wait when the address is over its limit.
    pub fn check_address(&self, address: &str) -> Result<(), u64> {
        let [(key, limit, window), _] = Self::keys(address, "");
        match self.wait(&key, limit, window) {
            0 => Ok(()),
            wait => Err(wait),
        }
    }

    /// Whether the form has created its `PER_FORM` cases in this window:
    /// further submissions are held for review (never refused, so that a
    /// flood does not close the form for real customers).
    pub fn form_full(&self, public_id: &str) -> bool {
        let [_, (key, limit, window)] = Self::keys("", public_id);
        self.wait(&key, limit, window) > 0
    }

    /// Seconds until `key`'s window ends when it is at its limit, else 0.
    fn wait(&self, key: &str, limit: u32, window: Duration) -> u64 {
        let now = Instant::now();
        let windows = self.lock();
        match windows.get(key) {
            Some((start, count)) => {
                let elapsed = now.duration_since(*start);
                if elapsed < window && *count >= limit {
                    (window - elapsed).as_secs().max(1)
                } else {
                    0
                }
            }
            None => 0,
        }
    }

    /// Counts one submission (accepted or caught as spam) against the
    /// address, and a created case against the form.
    pub fn record(&self, address: &str, public_id: &str, created: bool) {
        let now = Instant::now();
        let mut windows = self.lock();
        if windows.len() >= MAX_KEYS {
            windows.retain(|key, (start, _)| {
                let window = if key.starts_with("form:") {
                    FORM_WINDOW
                } else {
                    ADDRESS_WINDOW
                };
                now.duration_since(*start) < window
            });
        }
        for (key, _, window) in Self::keys(address, public_id) {
            if key.starts_with("form:") && !created {
                continue;
            }
            let entry = windows.entry(key).or_insert((now, 0));
            if now.duration_since(entry.0) >= window {
                *entry = (now, 0);
            }
            entry.1 += 1;
        }
    }

    /// Counts a submission to this form caught as spam.
    pub fn count_spam(&self, public_id: &str) {
        let mut spam = self.spam.lock().unwrap_or_else(|p| p.into_inner());
        if spam.len() < MAX_KEYS || spam.contains_key(public_id) {
            *spam.entry(public_id.to_string()).or_default() += 1;
        }
    }

    /// Submissions to this form caught as spam since the server started.
    pub fn spam_count(&self, public_id: &str) -> u64 {
        let spam = self.spam.lock().unwrap_or_else(|p| p.into_inner());
        spam.get(public_id).copied().unwrap_or(0)
    }

    fn keys(address: &str, public_id: &str) -> [(String, u32, Duration); 2] {
        [
            (format!("address:{address}"), PER_ADDRESS, ADDRESS_WINDOW),
            (format!("form:{public_id}"), PER_FORM, FORM_WINDOW),
        ]
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, u32)>> {
        self.windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_signed_and_timed() {
        let g = FormGuard::default();
        let fresh = g.token("abc");
        assert_eq!(g.check_token("abc", &fresh), TokenCheck::TooFast);
        let old = g.token_at("abc", unix_ms() - 10_000);
        assert_eq!(g.check_token("abc", &old), TokenCheck::Ok);
        assert_eq!(g.check_token("other", &old), TokenCheck::Invalid);
        let rest = old.split_once('.').unwrap().1;
        let forged = format!("{}.{rest}", unix_ms() - 20_000);
        assert_eq!(g.check_token("abc", &forged), TokenCheck::Invalid);
        // Each token has its own id, which names its lifetime.
        let (id, until) = FormGuard::token_id(&old).unwrap();
        assert_eq!(id, old.split('.').nth(1).unwrap());
        assert!(until > crate::db::now(), "{until}");
        assert_ne!(FormGuard::token_id(&g.token("abc")).unwrap().0, id);
        assert_eq!(g.check_token("abc", ""), TokenCheck::Invalid);
        let stale = g.token_at("abc", unix_ms() - 2 * TOKEN_LIFETIME.as_millis() as u64);
        assert_eq!(g.check_token("abc", &stale), TokenCheck::Expired);
        g.set_min_fill_time(Duration::ZERO);
        assert_eq!(g.check_token("abc", &g.token("abc")), TokenCheck::Ok);
        // Another process's key does not verify.
        assert_eq!(
            FormGuard::default().check_token("abc", &old),
            TokenCheck::Invalid
        );
    }

    #[test]
    fn limits_per_address_and_form() {
        let g = FormGuard::default();
        for _ in 0..PER_ADDRESS {
            assert!(g.check_address("1.1.1.1").is_ok());
            g.record("1.1.1.1", "f", true);
        }
        assert!(g.check_address("1.1.1.1").is_err());
        assert!(g.check_address("2.2.2.2").is_ok());
        assert!(!g.form_full("f"));
        for i in 0..PER_FORM {
            g.record(&format!("10.0.{}.{}", i / 200, i % 200), "g", true);
        }
        assert!(g.form_full("g"));
        assert!(g.check_address("3.3.3.3").is_ok());
        // Spam does not use up the form's allowance.
        for i in 0..PER_FORM {
            g.record(&format!("10.1.0.{i}"), "h", false);
        }
        assert!(!g.form_full("h"));
    }

    #[test]
    fn proof_of_work() {
        let token = "1700000000000.abc.def";
        assert!(pow_ok(token, "", 0));
        assert!(!pow_ok(token, "", 8));
        assert!(!pow_ok(token, "x y", 8));
        let nonce = (0u32..)
            .map(|n| n.to_string())
            .find(|n| pow_ok(token, n, 12))
            .unwrap();
        assert!(pow_ok(token, &nonce, 8));
        assert_eq!(leading_zero_bits(&[0, 0x10]), 11);
    }
}
