//! Connection caps: how many connections the server holds in all and per
//! client address, and the ticket each admitted connection holds until it
//! closes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use parking_lot::Mutex;

/// Counts open connections and admits new ones under the caps.
#[derive(Clone)]
pub struct Admission {
    shared: Arc<Shared>,
}

struct Shared {
    max_total: usize,
    max_per_address: usize,
    counts: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
    /// Connections closed since [`Admission::take_closed`] last looked.
    closed: usize,
}

/// Why a connection was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The server holds its most connections in all.
    #[error("the server holds its limit of {0} open connections")]
    Total(usize),
    /// The client's address holds its most connections.
    #[error("this address holds its limit of {0} open connections")]
    PerAddress(usize),
}

/// An admitted connection's place; dropping it frees the place.
pub struct Ticket {
    shared: Arc<Shared>,
    address: IpAddr,
}

impl Admission {
    /// Caps of `max_total` connections in all and `max_per_address` from
    /// one address.
    pub fn new(max_total: usize, max_per_address: usize) -> Admission {
        Admission {
            shared: Arc::new(Shared {
                max_total,
                max_per_address,
                counts: Mutex::new(Counts::default()),
            }),
        }
    }

    /// A ticket for a connection from `address`, or why there is none.
    pub fn admit(&self, address: IpAddr) -> Result<Ticket, Refusal> {
        let mut counts = self.shared.counts.lock();
        if counts.total >= self.shared.max_total {
            return Err(Refusal::Total(self.shared.max_total));
        }
        let from_address = counts.by_address.entry(address).or_insert(0);
        if *from_address >= self.shared.max_per_address {
            return Err(Refusal::PerAddress(self.shared.max_per_address));
        }
        *from_address += 1;
        counts.total += 1;
        metrics::gauge!("capsule_http_connections").set(counts.total as f64);
        Ok(Ticket {
            shared: self.shared.clone(),
            address,
        })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.shared.counts.lock().total
    }

    /// Connections closed since the last call.
    pub fn take_closed(&self) -> usize {
        std::mem::take(&mut self.shared.counts.lock().closed)
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut counts = self.shared.counts.lock();
        counts.total -= 1;
        counts.closed += 1;
        metrics::gauge!("capsule_http_connections").set(counts.total as f64);
        if let Some(from_address) = counts.by_address.get_mut(&self.address) {
            *from_address -= 1;
            if *from_address == 0 {
                counts.by_address.remove(&self.address);
            }
        }
        // A wave of connections leaves a large, empty table behind.
        if counts.by_address.is_empty() && counts.by_address.capacity() > 1024 {
            counts.by_address = HashMap::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn an_address_over_its_cap_is_refused_until_one_of_its_connections_closes() {
        let admission = Admission::new(10, 2);
        let first = admission.admit(address(1)).unwrap();
        let _second = admission.admit(address(1)).unwrap();
        assert_eq!(
            admission.admit(address(1)).err(),
            Some(Refusal::PerAddress(2))
        );
        assert!(
            admission.admit(address(2)).is_ok(),
            "another address is not capped"
        );
        drop(first);
        assert!(admission.admit(address(1)).is_ok());
    }

    #[test]
    fn the_total_cap_refuses_every_address() {
        let admission = Admission::new(2, 5);
        let _a = admission.admit(address(1)).unwrap();
        let b = admission.admit(address(2)).unwrap();
        assert_eq!(admission.admit(address(3)).err(), Some(Refusal::Total(2)));
        drop(b);
        assert_eq!(admission.open(), 1);
        assert_eq!(admission.take_closed(), 1);
        assert_eq!(admission.take_closed(), 0);
    }
}
