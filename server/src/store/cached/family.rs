//! One family of cached records (users by id, rooms by id, ...), safe
//! against the race between a read that fills the cache and a write that
//! changes the record.
//!
//! Each key has a slot with a stamp (a number from one process-wide
//! counter, fresh on every change) and a count of writes in flight. A read
//! that misses takes the slot's stamp, reads the store, and keeps what it
//! read only if the stamp is unchanged and no write is in flight: so a
//! value read before a write committed can never be kept after it. A write
//! marks the slot in flight before it reaches the store and, once it is
//! done, patches or drops the cached value and stamps the slot again.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

static STAMPS: AtomicU64 = AtomicU64::new(1);

fn stamp() -> u64 {
    STAMPS.fetch_add(1, Ordering::Relaxed)
}

struct Slot<V> {
    value: Option<V>,
    stamp: u64,
    writes: u32,
}

/// A ticket from a miss, to hand back with what the store returned.
pub(super) struct Ticket {
    stamp: u64,
    usable: bool,
}

/// A ticket from the start of a write, to hand back when it is done.
#[must_use = "finish the write, or the key stays uncacheable"]
pub(super) struct WriteTicket<K> {
    key: Option<K>,
}

/// Cached values of one kind, at most `capacity` of them.
pub(super) struct Family<K, V> {
    slots: Mutex<HashMap<K, Slot<V>>>,
    /// Writes in flight that touch every key (a rename of all memberships
    /// of a room, deleting a user).
    sweeping: Mutex<u32>,
    capacity: usize,
}

impl<K: Hash + Eq + Clone, V: Clone> Family<K, V> {
    pub(super) fn new(capacity: usize) -> Family<K, V> {
        Family {
            slots: Mutex::new(HashMap::new()),
            sweeping: Mutex::new(0),
            capacity,
        }
    }

    /// The cached value, or a ticket to fill it with.
    pub(super) fn get(&self, key: &K) -> Result<V, Ticket> {
        let sweeping = *self.sweeping.lock() > 0;
        let mut slots = self.slots.lock();
        if let Some(slot) = slots.get(key) {
            if let Some(value) = &slot.value {
                return Ok(value.clone());
            }
            return Err(Ticket {
                stamp: slot.stamp,
                usable: slot.writes == 0 && !sweeping,
            });
        }
        if slots.len() >= self.capacity {
            // Crude but bounded: forget everything not being written.
            slots.retain(|_, slot| slot.writes > 0);
        }
        let stamp = stamp();
        slots.insert(
            key.clone(),
            Slot {
                value: None,
                stamp,
                writes: 0,
            },
        );
        Err(Ticket {
            stamp,
            usable: !sweeping,
        })
    }

    /// Keeps what a miss read, unless the key changed meanwhile.
    pub(super) fn fill(&self, key: &K, ticket: Ticket, value: &V) {
        if !ticket.usable || *self.sweeping.lock() > 0 {
            return;
        }
        let mut slots = self.slots.lock();
        if let Some(slot) = slots.get_mut(key)
            && slot.stamp == ticket.stamp
            && slot.writes == 0
        {
            slot.value = Some(value.clone());
        }
    }

    /// Marks a write to `key` as in flight.
    pub(super) fn start(&self, key: &K) -> WriteTicket<K> {
        let mut slots = self.slots.lock();
        let slot = slots.entry(key.clone()).or_insert(Slot {
            value: None,
            stamp: 0,
            writes: 0,
        });
        slot.writes += 1;
        slot.stamp = stamp();
        WriteTicket {
            key: Some(key.clone()),
        }
    }

    /// Ends a write: `patch` changes the cached value in place (when the
    /// write succeeded and its effect is known), or `None` drops it.
    pub(super) fn finish(&self, mut ticket: WriteTicket<K>, patch: Option<&dyn Fn(&mut V)>) {
        let Some(key) = ticket.key.take() else {
            return;
        };
        let mut slots = self.slots.lock();
        if let Some(slot) = slots.get_mut(&key) {
            slot.writes = slot.writes.saturating_sub(1);
            slot.stamp = stamp();
            match (patch, slot.value.as_mut()) {
                (Some(patch), Some(value)) => patch(value),
                _ => slot.value = None,
            }
        }
    }

    /// Marks a write that may touch every key as in flight.
    pub(super) fn start_sweep(&self) {
        *self.sweeping.lock() += 1;
        self.clear();
    }

    /// Ends such a write: everything cached is dropped.
    pub(super) fn finish_sweep(&self) {
        self.clear();
        let mut sweeping = self.sweeping.lock();
        *sweeping = sweeping.saturating_sub(1);
    }

    fn clear(&self) {
        let mut slots = self.slots.lock();
        for slot in slots.values_mut() {
            slot.value = None;
            slot.stamp = stamp();
        }
        slots.retain(|_, slot| slot.writes > 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_that_raced_a_write_is_not_kept() {
        let family: Family<&str, u32> = Family::new(10);
        let ticket = family.get(&"a").unwrap_err();
        let write = family.start(&"a");
        family.finish(write, None);
        family.fill(&"a", ticket, &1);
        assert!(family.get(&"a").is_err(), "the stale read was kept");
    }

    #[test]
    fn a_read_during_a_write_is_not_kept() {
        let family: Family<&str, u32> = Family::new(10);
        let write = family.start(&"a");
        let ticket = family.get(&"a").unwrap_err();
        family.fill(&"a", ticket, &1);
        family.finish(write, None);
        assert!(family.get(&"a").is_err());
    }

    #[test]
    fn a_clean_read_is_kept_and_patched_by_later_writes() {
        let family: Family<&str, u32> = Family::new(10);
        let ticket = family.get(&"a").unwrap_err();
        family.fill(&"a", ticket, &1);
        assert_eq!(family.get(&"a").ok(), Some(1));
        let write = family.start(&"a");
        family.finish(write, Some(&|v: &mut u32| *v += 1));
        assert_eq!(family.get(&"a").ok(), Some(2));
        let write = family.start(&"a");
        family.finish(write, None);
        assert!(family.get(&"a").is_err());
    }

    #[test]
    fn a_sweep_drops_everything_and_blocks_fills_meanwhile() {
        let family: Family<&str, u32> = Family::new(10);
        let ticket = family.get(&"a").unwrap_err();
        family.fill(&"a", ticket, &1);
        family.start_sweep();
        let ticket = family.get(&"a").unwrap_err();
        family.fill(&"a", ticket, &2);
        family.finish_sweep();
        assert!(family.get(&"a").is_err());
    }

    #[test]
    fn the_cache_stays_within_its_capacity() {
        let family: Family<u32, u32> = Family::new(4);
        for key in 0..100 {
            let ticket = family.get(&key).unwrap_err();
            family.fill(&key, ticket, &key);
        }
        assert!(family.slots.lock().len() <= 4);
    }
}
