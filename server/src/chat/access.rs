//! Who may read, write and manage a room.
//!
//! | room | read | post | manage (rename, topic, kick, roles, archive) |
//! | --- | --- | --- | --- |
//! | public channel | anyone signed in | members | owners, moderators, admins |
//! | private group | members, admins | members | owners, moderators, admins |
//! | direct messages | members | members | nobody (admins may delete) |
//!
//! Admins may read and manage any channel or group (moderation), but not
//! read other people's direct messages, and they post only where they are
//! members. A read-only room takes posts from owners, moderators and admins
//! only; an archived room takes none.

use crate::model::{Room, RoomKind, RoomRole, Subscription, User};

/// What one user may do in one room, worked out from the room, their
/// membership and their global roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    pub member: bool,
    pub read: bool,
    pub post: bool,
    /// Edit the room's settings, remove members, set moderators.
    pub manage: bool,
    /// Owner-level: delete the room, set owners.
    pub own: bool,
}

impl Access {
    /// The access of `user` (member through `subscription`, if any) to `room`.
    pub fn of(user: &User, room: &Room, subscription: Option<&Subscription>) -> Access {
        let member = subscription.is_some();
        let admin = user.is_admin();
        let role = |r| subscription.is_some_and(|s| s.has_role(r));
        let owner = role(RoomRole::Owner);
        let moderator = role(RoomRole::Moderator);
        let read = match room.kind {
            RoomKind::Channel => true,
            RoomKind::PrivateGroup => member || admin,
            RoomKind::Direct => member,
        };
        let direct = room.kind == RoomKind::Direct;
        let manage = !direct && (owner || moderator || admin);
        let post = member && !room.archived && (!room.ro || owner || moderator || admin);
        Access {
            member,
            read,
            post,
            manage,
            own: !direct && (owner || admin),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UserKind;

    fn setup(kind: RoomKind) -> (User, User, Room, Subscription) {
        let member = User::new("m", "", &["user"], UserKind::User);
        let admin = User::new("a", "", &["admin", "user"], UserKind::User);
        let room = Room::new(kind, "r", None);
        let sub = Subscription::new(&room.id, kind, "r", member.to_ref());
        (member, admin, room, sub)
    }

    #[test]
    fn admins_read_groups_but_not_direct_messages() {
        let (_, admin, group, _) = setup(RoomKind::PrivateGroup);
        assert!(Access::of(&admin, &group, None).read);
        let (_, admin, dm, _) = setup(RoomKind::Direct);
        assert!(!Access::of(&admin, &dm, None).read);
    }

    #[test]
    fn read_only_rooms_take_posts_from_moderators_only() {
        let (member, _, mut room, mut sub) = setup(RoomKind::Channel);
        room.ro = true;
        assert!(!Access::of(&member, &room, Some(&sub)).post);
        sub.roles.push(RoomRole::Moderator);
        assert!(Access::of(&member, &room, Some(&sub)).post);
    }

    #[test]
    fn archived_rooms_take_no_posts() {
        let (member, _, mut room, sub) = setup(RoomKind::Channel);
        room.archived = true;
        assert!(!Access::of(&member, &room, Some(&sub)).post);
        assert!(Access::of(&member, &room, Some(&sub)).read);
    }
}
