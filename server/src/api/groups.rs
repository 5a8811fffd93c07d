//! `groups.*` endpoints: private groups, with the handlers `channels.*`
//! uses (see `channels::area`).
//!
//! A private group is visible only to its members and to admins: to
//! anyone else every `groups.*` call about it, and any `channels.*` or
//! `im.*` call naming it, answers `error-room-not-found`, exactly as for a
//! group that does not exist.
//!
//! Where Rocket.Chat answers 404 to `groups.list` for a user in no group,
//! Capsule answers an empty list.

use super::channels::area::*;
use super::routes::{Access, Routes};

pub fn routes() -> Routes {
    type G = Groups;
    Routes::new("groups")
        .post("/api/v1/groups.create", "Create a private group (`name`, `members`, `readOnly`)", Access::User, create::<G>)
        .get("/api/v1/groups.info", "A private group by `roomId` or `roomName` (members and admins)", Access::User, info::<G>)
        .get("/api/v1/groups.list", "The private groups the caller is a member of", Access::User, list_joined::<G>)
        .get("/api/v1/groups.listAll", "Every private group (admins)", Access::Admin, list_all::<G>)
        .get(
            "/api/v1/groups.history",
            "Messages of a private group, newest first (`latest`, `oldest`, `inclusive`, `offset`, `count`)",
            Access::User,
            history::<G>,
        )
        .get("/api/v1/groups.messages", "A page of a group's messages (`mentionIds`, `starredIds`, `pinned`, `query.msg`)", Access::User, messages::<G>)
        .get("/api/v1/groups.members", "A page of a group's members (`filter`, `status[]`, `sort` by `username`)", Access::User, members::<G>)
        .get("/api/v1/groups.roles", "The members of a group holding room roles", Access::User, roles::<G>)
        .get("/api/v1/groups.moderators", "The moderators of a group", Access::User, moderators::<G>)
        .get("/api/v1/groups.counters", "The caller's (or, for admins, `userId`'s) counters in a group", Access::User, counters::<G>)
        .post("/api/v1/groups.invite", "Add users (`userId`, `userIds`, `username`, `usernames`) to a group", Access::User, invite::<G>)
        .post("/api/v1/groups.kick", "Remove a user (`userId` or `username`) from a group", Access::User, kick::<G>)
        .post("/api/v1/groups.leave", "Leave a group (the last owner must hand over first)", Access::User, leave::<G>)
        .post("/api/v1/groups.rename", "Rename a group (`name`)", Access::User, rename::<G>)
        .post("/api/v1/groups.archive", "Archive a group (owners and admins)", Access::User, archive::<G>)
        .post("/api/v1/groups.unarchive", "Unarchive a group (owners and admins)", Access::User, unarchive::<G>)
        .post("/api/v1/groups.setTopic", "Set a group's topic (`topic`)", Access::User, set_topic::<G>)
        .post("/api/v1/groups.setDescription", "Set a group's description (`description`)", Access::User, set_description::<G>)
        .post("/api/v1/groups.setAnnouncement", "Set a group's announcement (`announcement`)", Access::User, set_announcement::<G>)
        .post("/api/v1/groups.setType", "Make a group public (`type`: `c`) or private (`p`)", Access::User, set_type::<G>)
        .post("/api/v1/groups.setReadOnly", "Make a group read-only (`readOnly`)", Access::User, set_read_only::<G>)
        .post("/api/v1/groups.addOwner", "Make a member an owner", Access::User, set_role::<G, AddOwner>)
        .post("/api/v1/groups.removeOwner", "Take a member's owner role (not the last owner's)", Access::User, set_role::<G, RemoveOwner>)
        .post("/api/v1/groups.addModerator", "Make a member a moderator", Access::User, set_role::<G, AddModerator>)
        .post("/api/v1/groups.removeModerator", "Take a member's moderator role", Access::User, set_role::<G, RemoveModerator>)
        .post("/api/v1/groups.addLeader", "Make a member a leader", Access::User, set_role::<G, AddLeader>)
        .post("/api/v1/groups.removeLeader", "Take a member's leader role", Access::User, set_role::<G, RemoveLeader>)
        .post("/api/v1/groups.delete", "Delete a group with its messages (owners and admins)", Access::User, delete::<G>)
        .post("/api/v1/groups.open", "Show a group in the caller's room list", Access::User, open::<G>)
        .post("/api/v1/groups.close", "Hide a group from the caller's room list", Access::User, close::<G>)
}
