//! "Forgot password" requests, limited per entered address and per client
//! address with the login's progressive delays (auth/throttle.rs): every
//! request counts, a few are free within 15 minutes, then each further one
//! waits twice as long as the one before.

use crate::auth::LoginThrottle;

/// Free requests per entered address in the window.
const PER_ADDRESS: u32 = 3;
/// Free requests per client address in the window.
const PER_CLIENT: u32 = 10;

pub struct ResetThrottle {
    by_address: LoginThrottle,
    by_client: LoginThrottle,
}

impl Default for ResetThrottle {
    fn default() -> Self {
        ResetThrottle {
            by_address: LoginThrottle::new(PER_ADDRESS, PER_ADDRESS),
            by_client: LoginThrottle::new(PER_CLIENT, PER_CLIENT),
        }
    }
}

impl ResetThrottle {
    /// Counts a request for `email` from `client`; `Err(seconds)` to wait
    /// when it is one too many.
    pub fn take(&self, email: &str, client: Option<&str>) -> Result<(), u64> {
        self.by_address.check(email, None)?;
        if let Some(client) = client {
            self.by_client.check(client, None)?;
            self.by_client.record_failure(client, None);
        }
        self.by_address.record_failure(email, None);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_and_a_client_are_slowed_apart() {
        let t = ResetThrottle::default();
        for _ in 0..PER_ADDRESS {
            assert!(t.take("a@x.de", Some("1.1.1.1")).is_ok());
        }
        assert!(
            t.take("a@x.de", Some("2.2.2.2")).is_err(),
            "the address waits"
        );
        assert!(t.take("b@x.de", Some("2.2.2.2")).is_ok(), "another address");
        for n in 0..PER_CLIENT {
            let _ = t.take(&format!("u{n}@x.de"), Some("3.3.3.3"));
        }
        assert!(
            t.take("fresh@x.de", Some("3.3.3.3")).is_err(),
            "the client waits"
        );
    }
}
