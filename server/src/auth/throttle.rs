//! Throttling of failed sign-ins, per account and per client address.
//!
//! After `max_per_account` failures for one account, or `max_per_address`
//! from one address, within `window`, further attempts for it are refused
//! until the window has passed since the last failure. Only failures count:
//! a successful login clears the account's record and is never slowed.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Why a sign-in attempt is refused before its password is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocked {
    /// Too many failures for this account.
    Account { retry_after: Duration },
    /// Too many failures from this address.
    Address { retry_after: Duration },
}

#[derive(Clone, Copy)]
struct Limits {
    max_per_account: u32,
    max_per_address: u32,
    window: Duration,
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// The failure records.
pub struct LoginThrottle {
    limits: parking_lot::RwLock<Limits>,
    accounts: Mutex<HashMap<String, Failures>>,
    addresses: Mutex<HashMap<IpAddr, Failures>>,
}

impl Default for LoginThrottle {
    /// 10 failures per account and 50 per address within 5 minutes, as
    /// Rocket.Chat's `Accounts_Block_Failed_Login_*` defaults.
    fn default() -> Self {
        LoginThrottle::new(10, 50, Duration::from_secs(300))
    }
}

impl LoginThrottle {
    /// A throttle with these limits.
    pub fn new(max_per_account: u32, max_per_address: u32, window: Duration) -> LoginThrottle {
        LoginThrottle {
            limits: parking_lot::RwLock::new(Limits {
                max_per_account,
                max_per_address,
                window,
            }),
            accounts: Mutex::new(HashMap::new()),
            addresses: Mutex::new(HashMap::new()),
        }
    }

    /// Changes the limits; records kept so far are judged by the new ones.
    pub fn set_limits(&self, max_per_account: u32, max_per_address: u32, window: Duration) {
        *self.limits.write() = Limits {
            max_per_account,
            max_per_address,
            window,
        };
    }

    /// Whether an attempt for `account` from `address` may go ahead.
    pub fn check(&self, account: &str, address: IpAddr) -> Result<(), Blocked> {
        let now = Instant::now();
        let key = account.to_lowercase();
        let limits = *self.limits.read();
        if let Some(retry_after) = Self::blocked(
            &self.accounts,
            &key,
            limits.max_per_account,
            limits.window,
            now,
        ) {
            return Err(Blocked::Account { retry_after });
        }
        if let Some(retry_after) = Self::blocked(
            &self.addresses,
            &address,
            limits.max_per_address,
            limits.window,
            now,
        ) {
            return Err(Blocked::Address { retry_after });
        }
        Ok(())
    }

    /// Records a failed attempt.
    pub fn failed(&self, account: &str, address: IpAddr) {
        let now = Instant::now();
        self.bump(&self.accounts, account.to_lowercase(), now);
        self.bump(&self.addresses, address, now);
    }

    /// Records a success: the account's failures are forgotten.
    pub fn succeeded(&self, account: &str) {
        self.accounts.lock().remove(&account.to_lowercase());
    }

    fn blocked<K: std::hash::Hash + Eq>(
        map: &Mutex<HashMap<K, Failures>>,
        key: &K,
        max: u32,
        window: Duration,
        now: Instant,
    ) -> Option<Duration> {
        let map = map.lock();
        let failures = map.get(key)?;
        let elapsed = now.duration_since(failures.last);
        (failures.count >= max && elapsed < window).then(|| window - elapsed)
    }

    fn bump<K: std::hash::Hash + Eq>(
        &self,
        map: &Mutex<HashMap<K, Failures>>,
        key: K,
        now: Instant,
    ) {
        let window = self.limits.read().window;
        let mut map = map.lock();
        if map.len() > 100_000 {
            // Forget expired records so an attacker cycling names cannot grow this forever.
            map.retain(|_, f| now.duration_since(f.last) < window);
        }
        let entry = map.entry(key).or_insert(Failures {
            count: 0,
            last: now,
        });
        if now.duration_since(entry.last) >= window {
            entry.count = 0;
        }
        entry.count += 1;
        entry.last = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const AWAY: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));

    #[test]
    fn an_account_is_blocked_after_its_limit_of_failures() {
        let throttle = LoginThrottle::new(3, 100, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(throttle.check("Ada", HOME).is_ok());
            throttle.failed("Ada", HOME);
        }
        assert!(matches!(
            throttle.check("ada", AWAY),
            Err(Blocked::Account { .. })
        ));
        assert!(throttle.check("grace", HOME).is_ok());
    }

    #[test]
    fn an_address_is_blocked_across_accounts() {
        let throttle = LoginThrottle::new(100, 2, Duration::from_secs(60));
        throttle.failed("a", AWAY);
        throttle.failed("b", AWAY);
        assert!(matches!(
            throttle.check("c", AWAY),
            Err(Blocked::Address { .. })
        ));
        assert!(throttle.check("c", HOME).is_ok());
    }

    #[test]
    fn success_clears_the_account() {
        let throttle = LoginThrottle::new(2, 100, Duration::from_secs(60));
        throttle.failed("ada", HOME);
        throttle.succeeded("ada");
        throttle.failed("ada", HOME);
        assert!(throttle.check("ada", HOME).is_ok());
    }

    #[test]
    fn the_block_lifts_after_the_window() {
        let throttle = LoginThrottle::new(1, 100, Duration::from_millis(0));
        throttle.failed("ada", HOME);
        assert!(throttle.check("ada", HOME).is_ok());
    }
}
