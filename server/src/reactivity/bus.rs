//! The bus: publish a change, listen to a topic.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::RwLock;

use super::change::{Change, Event, Topic};

/// What a listener did with an event it was offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offer {
    /// Queued for delivery.
    Taken,
    /// Not wanted by this listener (another stream of the same topic).
    Ignored,
    /// The listener's queue is full: the event is dropped for it. The
    /// listener decides what that means (the real-time API disconnects a
    /// client that fell this far behind).
    Full,
    /// The listener is gone; the bus forgets it.
    Closed,
}

/// Where a listener's events go. `offer` is called on the publisher's
/// task, so it must not block or wait: queue and return.
pub trait Sink: Send + Sync + 'static {
    /// Takes (or refuses) one event.
    fn offer(&self, event: &Arc<Event>) -> Offer;
}

/// A listener's registration, to remove it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListenerId(u64);

/// The reactivity layer's interface: the write path publishes to it, the
/// real-time API listens on it. See the [module docs](super) for how a
/// cross-instance bus plugs in.
pub trait Bus: Send + Sync + 'static {
    /// Hands a committed change to every listener of its topic.
    fn publish(&self, change: Change);
    /// Starts delivering the events of `topic` to `sink`.
    fn listen(&self, topic: Topic, sink: Arc<dyn Sink>) -> ListenerId;
    /// Stops a listener; a no-op for one already gone.
    fn unlisten(&self, topic: &Topic, id: ListenerId);
}

type Listeners = Vec<(ListenerId, Arc<dyn Sink>)>;

/// The in-process bus: a table from topic to listeners, fanned out on the
/// publisher's task. Publishing takes a read lock, so publishers to
/// different rooms never wait for each other; only (un)listening writes.
#[derive(Default)]
pub struct LocalBus {
    topics: RwLock<HashMap<Topic, Listeners>>,
    next_id: AtomicU64,
}

impl LocalBus {
    /// An empty bus.
    pub fn new() -> LocalBus {
        LocalBus::default()
    }

    /// How many listeners `topic` has.
    pub fn listener_count(&self, topic: &Topic) -> usize {
        self.topics.read().get(topic).map_or(0, Vec::len)
    }
}

impl Bus for LocalBus {
    fn publish(&self, change: Change) {
        let topic = change.topic();
        let event = Arc::new(Event::new(change));
        let mut closed = Vec::new();
        if let Some(listeners) = self.topics.read().get(&topic) {
            for (id, sink) in listeners {
                // Full is the listener's business (it counts and acts on
                // its own drops); the bus only forgets closed listeners.
                if sink.offer(&event) == Offer::Closed {
                    closed.push(*id);
                }
            }
        }
        metrics::counter!("capsule_bus_events_total").increment(1);
        for id in closed {
            self.unlisten(&topic, id);
        }
    }

    fn listen(&self, topic: Topic, sink: Arc<dyn Sink>) -> ListenerId {
        let id = ListenerId(self.next_id.fetch_add(1, Ordering::Relaxed));
        self.topics
            .write()
            .entry(topic)
            .or_default()
            .push((id, sink));
        id
    }

    fn unlisten(&self, topic: &Topic, id: ListenerId) {
        let mut topics = self.topics.write();
        if let Some(listeners) = topics.get_mut(topic) {
            listeners.retain(|(each, _)| *each != id);
            if listeners.is_empty() {
                topics.remove(topic);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Message, RoomId, UserRef};
    use parking_lot::Mutex;

    /// A sink that records what it takes, up to `room` events.
    struct Recorder {
        room: usize,
        seen: Mutex<Vec<String>>,
        gone: bool,
    }

    impl Recorder {
        fn new(room: usize) -> Arc<Recorder> {
            Arc::new(Recorder {
                room,
                seen: Mutex::new(Vec::new()),
                gone: false,
            })
        }
    }

    impl Sink for Recorder {
        fn offer(&self, event: &Arc<Event>) -> Offer {
            if self.gone {
                return Offer::Closed;
            }
            let mut seen = self.seen.lock();
            if seen.len() == self.room {
                return Offer::Full;
            }
            if let Change::MessageInserted(m) = &event.change {
                seen.push(m.msg.clone());
            }
            Offer::Taken
        }
    }

    fn message(room: &str, text: &str) -> Change {
        let author = UserRef {
            id: "u1".into(),
            username: "alice".into(),
            name: None,
        };
        Change::MessageInserted(Message::new(&RoomId::from(room), author, text))
    }

    #[test]
    fn a_change_reaches_the_listeners_of_its_topic_only() {
        let bus = LocalBus::new();
        let here = Recorder::new(10);
        let elsewhere = Recorder::new(10);
        bus.listen(Topic::Room("r1".into()), here.clone());
        bus.listen(Topic::Room("r2".into()), elsewhere.clone());
        bus.publish(message("r1", "one"));
        bus.publish(message("r1", "two"));
        assert_eq!(*here.seen.lock(), ["one", "two"]);
        assert!(elsewhere.seen.lock().is_empty());
    }

    #[test]
    fn a_full_listener_does_not_stop_the_others() {
        let bus = LocalBus::new();
        let slow = Recorder::new(1);
        let fast = Recorder::new(10);
        bus.listen(Topic::Room("r1".into()), slow.clone());
        bus.listen(Topic::Room("r1".into()), fast.clone());
        for text in ["a", "b", "c"] {
            bus.publish(message("r1", text));
        }
        assert_eq!(*slow.seen.lock(), ["a"]);
        assert_eq!(*fast.seen.lock(), ["a", "b", "c"]);
    }

    #[test]
    fn closed_and_removed_listeners_are_forgotten() {
        let bus = LocalBus::new();
        let topic = Topic::Room("r1".into());
        let gone = Arc::new(Recorder {
            room: 10,
            seen: Mutex::new(Vec::new()),
            gone: true,
        });
        let kept = Recorder::new(10);
        bus.listen(topic.clone(), gone);
        let id = bus.listen(topic.clone(), kept.clone());
        bus.publish(message("r1", "x"));
        assert_eq!(bus.listener_count(&topic), 1);
        bus.unlisten(&topic, id);
        assert_eq!(bus.listener_count(&topic), 0);
        bus.publish(message("r1", "y"));
        assert_eq!(*kept.seen.lock(), ["x"]);
    }

    #[test]
    fn the_encoding_is_made_once_for_all_listeners() {
        let event = Event::new(message("r1", "x"));
        let mut calls = 0;
        for _ in 0..3 {
            event.encoded_with(|_| {
                calls += 1;
                bytes::Bytes::from_static(b"frame")
            });
        }
        assert_eq!(calls, 1);
    }
}
