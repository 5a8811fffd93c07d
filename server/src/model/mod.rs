//! Capsule's chat records: users, rooms, subscriptions and messages.
//!
//! They serialize to the JSON shapes of Rocket.Chat's documents (`_id`,
//! `t`, `u`, `ts`, ...), so the REST API returns them as they are and the
//! stores keep them as documents. Ids are newtypes; dates are
//! [`Timestamp`]s.

mod ids;
mod message;
mod room;
mod subscription;
mod time;
mod user;

pub use ids::{MessageId, RoomId, UserId, random_id};
pub use message::{Mention, Message, MessageKind, Reaction, RoomMention, Star};
pub use room::{Room, RoomKind, RoomRole, direct_room_id};
pub use subscription::Subscription;
pub use time::{Timestamp, ejson};
pub use user::{Email, Presence, User, UserKind, UserRef};
