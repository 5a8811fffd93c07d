//! Throttling of failed sign-ins, per client address and per account,
//! so that guessing is slowed without locking the owner out.
//!
//! - **Per address**: after `max_per_address` failures from one address
//!   (for any accounts) within `window`, every attempt from it is refused
//!   until `window` has passed since its last failure.
//! - **Per account**: once an account has `max_per_account` failures
//!   within `window` (from all addresses together), it is *guarded*: an
//!   attempt for it from an address that has itself failed for it within
//!   `window` is refused; an address with no failure for it may still
//!   try. So an attacker's wrong passwords never refuse the owner's right
//!   one from the owner's own address, while each attacking address gets
//!   no further guesses at the account.
//!
//! IPv6 addresses count by their /64 prefix, the block one subscriber
//! usually holds, so that one attacker cannot pose as billions of
//! addresses. A success forgets that address's failures for the account
//! (the owner's typos), never other addresses' (an attacker's). Why this
//! design, against Rocket.Chat's and OWASP's, is in `docs/security.md`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Records kept at most per map before expired ones are swept, so an
/// attacker cycling names or addresses cannot grow them without bound.
const SWEEP_ABOVE: usize = 100_000;
/// Addresses remembered per account; past this the oldest is forgotten.
const ADDRESSES_PER_ACCOUNT: usize = 4096;

/// Why a sign-in attempt is refused before its password is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocked {
    /// The account is guarded and this address has failed for it.
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

/// Where failures are counted from: an IPv4 address, or an IPv6 /64.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Source(IpAddr);

impl From<IpAddr> for Source {
    fn from(address: IpAddr) -> Source {
        match address.to_canonical() {
            IpAddr::V6(v6) => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                Source(IpAddr::V6(prefix.into()))
            }
            v4 => Source(v4),
        }
    }
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    /// The failures still counted at `now`.
    fn live(&self, window: Duration, now: Instant) -> u32 {
        if now.duration_since(self.last) < window {
            self.count
        } else {
            0
        }
    }

    /// How long until they stop counting.
    fn remaining(&self, window: Duration, now: Instant) -> Duration {
        window.saturating_sub(now.duration_since(self.last))
    }

    fn bump(&mut self, window: Duration, now: Instant) {
        self.count = self.live(window, now) + 1;
        self.last = now;
    }
}

/// The failure records.
pub struct LoginThrottle {
    limits: parking_lot::RwLock<Limits>,
    /// Per account (lower-cased), its failures by source.
    accounts: Mutex<HashMap<String, HashMap<Source, Failures>>>,
    addresses: Mutex<HashMap<Source, Failures>>,
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
        let source = Source::from(address);
        let Limits {
            max_per_account,
            max_per_address,
            window,
        } = *self.limits.read();
        if let Some(failures) = self.addresses.lock().get(&source)
            && failures.live(window, now) >= max_per_address
        {
            return Err(Blocked::Address {
                retry_after: failures.remaining(window, now),
            });
        }
        let accounts = self.accounts.lock();
        let Some(sources) = accounts.get(&account.to_lowercase()) else {
            return Ok(());
        };
        let Some(own) = sources.get(&source).filter(|f| f.live(window, now) > 0) else {
            return Ok(());
        };
        let total: u32 = sources
            .values()
            .map(|f| f.live(window, now))
            .fold(0, u32::saturating_add);
        if total >= max_per_account {
            return Err(Blocked::Account {
                retry_after: own.remaining(window, now),
            });
        }
        Ok(())
    }

    /// Records a failed attempt for `account` from `address`.
    pub fn failed(&self, account: &str, address: IpAddr) {
        let now = Instant::now();
        let source = Source::from(address);
        let window = self.limits.read().window;
        {
            let mut addresses = self.addresses.lock();
            if addresses.len() > SWEEP_ABOVE {
                addresses.retain(|_, f| f.live(window, now) > 0);
            }
            addresses
                .entry(source)
                .or_insert(Failures {
                    count: 0,
                    last: now,
                })
                .bump(window, now);
        }
        let mut accounts = self.accounts.lock();
        if accounts.len() > SWEEP_ABOVE {
            accounts.retain(|_, sources| sources.values().any(|f| f.live(window, now) > 0));
        }
        let sources = accounts.entry(account.to_lowercase()).or_default();
        if sources.len() >= ADDRESSES_PER_ACCOUNT && !sources.contains_key(&source) {
            sources.retain(|_, f| f.live(window, now) > 0);
            if sources.len() >= ADDRESSES_PER_ACCOUNT
                && let Some(oldest) = sources.iter().min_by_key(|(_, f)| f.last).map(|(s, _)| *s)
            {
                sources.remove(&oldest);
            }
        }
        sources
            .entry(source)
            .or_insert(Failures {
                count: 0,
                last: now,
            })
            .bump(window, now);
    }

    /// Records a success for `account` from `address`: that address's
    /// failures for the account are forgotten; other addresses' stay.
    pub fn succeeded(&self, account: &str, address: IpAddr) {
        let mut accounts = self.accounts.lock();
        let key = account.to_lowercase();
        if let Some(sources) = accounts.get_mut(&key) {
            sources.remove(&Source::from(address));
            if sources.is_empty() {
                accounts.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const AWAY: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));

    fn attacker(n: u8) -> IpAddr {
        IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, n))
    }

    #[test]
    fn an_address_that_failed_for_a_guarded_account_is_refused() {
        let throttle = LoginThrottle::new(3, 100, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(throttle.check("Ada", AWAY).is_ok());
            throttle.failed("Ada", AWAY);
        }

        assert!(matches!(
            throttle.check("ada", AWAY),
            Err(Blocked::Account { .. })
        ));
        assert!(throttle.check("grace", AWAY).is_ok());
    }

    #[test]
    fn failures_from_other_addresses_do_not_refuse_the_owner() {
        let throttle = LoginThrottle::new(3, 100, Duration::from_secs(60));
        for n in 0..20 {
            throttle.failed("ada", attacker(n));
        }

        assert!(throttle.check("ada", HOME).is_ok());
        assert!(matches!(
            throttle.check("ada", attacker(7)),
            Err(Blocked::Account { .. })
        ));
    }

    #[test]
    fn a_fresh_address_gets_one_guess_at_a_guarded_account() {
        let throttle = LoginThrottle::new(3, 100, Duration::from_secs(60));
        for n in 0..3 {
            throttle.failed("ada", attacker(n));
        }

        assert!(throttle.check("ada", attacker(50)).is_ok());
        throttle.failed("ada", attacker(50));
        assert!(throttle.check("ada", attacker(50)).is_err());
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
    fn an_ipv6_subscriber_counts_as_one_address() {
        let throttle = LoginThrottle::new(100, 2, Duration::from_secs(60));
        throttle.failed("a", "2001:db8:1:2::1".parse().unwrap());
        throttle.failed("b", "2001:db8:1:2:ffff::9".parse().unwrap());

        assert!(
            throttle
                .check("c", "2001:db8:1:2::77".parse().unwrap())
                .is_err()
        );
        assert!(
            throttle
                .check("c", "2001:db8:1:3::1".parse().unwrap())
                .is_ok()
        );
    }

    #[test]
    fn success_forgets_only_its_own_addresses_failures() {
        let throttle = LoginThrottle::new(3, 100, Duration::from_secs(60));
        throttle.failed("ada", HOME);
        throttle.failed("ada", HOME);
        throttle.succeeded("ada", HOME);
        throttle.failed("ada", HOME);
        assert!(
            throttle.check("ada", HOME).is_ok(),
            "the owner's typos are forgotten"
        );

        for n in 0..3 {
            throttle.failed("ada", attacker(n));
        }
        throttle.succeeded("ada", HOME);
        assert!(
            throttle.check("ada", attacker(1)).is_err(),
            "the attacker's are not"
        );
    }

    #[test]
    fn the_block_lifts_after_the_window() {
        let throttle = LoginThrottle::new(1, 1, Duration::from_millis(0));
        throttle.failed("ada", HOME);
        assert!(throttle.check("ada", HOME).is_ok());
    }
}
