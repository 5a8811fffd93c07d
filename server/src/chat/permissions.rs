//! Roles and permissions as Rocket.Chat's clients read them
//! (`permissions.listAll`, `roles.list`, DDP `permissions/get`): one
//! read-only table of Rocket.Chat's permission ids and the roles that hold
//! each one.
//!
//! Capsule decides what a user may do with the rules in [`super::access`]
//! and the chat operations, not by looking permissions up; this table
//! tells clients those same rules in Rocket.Chat's vocabulary, so the
//! mobile app shows the actions the server will accept and hides the rest.
//! Where Capsule's rule differs from Rocket.Chat's default grant, the
//! table follows Capsule (the tests below hold the two together); a
//! feature Capsule does not have (teams, discussions, uploads, livechat,
//! muting, ...) is granted to no role. The table is the default data of
//! stored, editable roles and permissions: it is written as plain records
//! ([`Role`], [`Permission`]) for that reason.

use crate::model::Timestamp;

/// Where a role applies: to a user everywhere, or to a member in one room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleScope {
    /// A global role, held in the user's `roles` (`admin`, `user`, `bot`).
    Users,
    /// A room role, held in the member's subscription (`owner`, ...).
    Subscriptions,
}

impl RoleScope {
    /// Rocket.Chat's name of the scope.
    pub fn name(self) -> &'static str {
        match self {
            RoleScope::Users => "Users",
            RoleScope::Subscriptions => "Subscriptions",
        }
    }
}

/// A role users or members hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Role {
    pub id: &'static str,
    pub scope: RoleScope,
    /// Shown beside the names of those who hold it; a global role with a
    /// description is "public" (`roles.getUsersInPublicRoles`).
    pub description: &'static str,
}

impl Role {
    /// Whether clients show who holds this role, as Rocket.Chat decides
    /// it: a global role with a description.
    pub fn is_public(&self) -> bool {
        self.scope == RoleScope::Users && !self.description.is_empty()
    }
}

/// A permission and the roles that hold it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permission {
    /// Rocket.Chat's permission id.
    pub id: &'static str,
    pub roles: &'static [&'static str],
}

/// When the table last changed: the `_updatedAt` of every permission, so
/// a client that synced since then (`updatedSince`) gets nothing new.
pub const TABLE_UPDATED_AT: Timestamp = Timestamp(1_796_601_600_000); // 2026-12-07T00:00:00Z

/// The roles Capsule has: Rocket.Chat's, less those of features Capsule
/// does not have (`app`, `guest`, `anonymous`, livechat).
pub const ROLES: &[Role] = &[
    Role {
        id: "admin",
        scope: RoleScope::Users,
        description: "Admin",
    },
    Role {
        id: "user",
        scope: RoleScope::Users,
        description: "",
    },
    Role {
        id: "bot",
        scope: RoleScope::Users,
        description: "",
    },
    Role {
        id: "owner",
        scope: RoleScope::Subscriptions,
        description: "Owner",
    },
    Role {
        id: "moderator",
        scope: RoleScope::Subscriptions,
        description: "Moderator",
    },
    Role {
        id: "leader",
        scope: RoleScope::Subscriptions,
        description: "Leader",
    },
];

const ADMIN: &[&str] = &["admin"];
const MANAGERS: &[&str] = &["admin", "owner", "moderator"];
const OWNERS: &[&str] = &["admin", "owner"];
const EVERYONE: &[&str] = &["admin", "user", "bot"];
const PEOPLE: &[&str] = &["admin", "user"];
const NOBODY: &[&str] = &[];

macro_rules! permissions {
    ($($id:literal => $roles:expr),* $(,)?) => {
        &[$(Permission { id: $id, roles: $roles }),*]
    };
}

/// Every permission id Capsule reports, sorted by id.
pub const PERMISSIONS: &[Permission] = permissions![
    "access-permissions" => ADMIN,
    "add-team-channel" => NOBODY,
    "add-user-to-any-c-room" => ADMIN,
    // Admins manage every group (Rocket.Chat grants this to nobody).
    "add-user-to-any-p-room" => ADMIN,
    "add-user-to-joined-room" => MANAGERS,
    "archive-room" => OWNERS,
    "assign-roles" => ADMIN,
    "auto-translate" => NOBODY,
    "call-management" => NOBODY,
    // Room owners may clean their room's history too.
    "clean-channel-history" => OWNERS,
    "convert-team" => NOBODY,
    "create-c" => EVERYONE,
    "create-d" => EVERYONE,
    "create-invite-links" => NOBODY,
    "create-p" => EVERYONE,
    "create-personal-access-tokens" => PEOPLE,
    "create-team" => NOBODY,
    "create-team-channel" => NOBODY,
    "create-team-group" => NOBODY,
    "create-user" => ADMIN,
    "delete-c" => OWNERS,
    "delete-d" => ADMIN,
    "delete-message" => MANAGERS,
    // Bots delete their own messages as people do.
    "delete-own-message" => EVERYONE,
    "delete-p" => OWNERS,
    "delete-team" => NOBODY,
    "delete-team-channel" => NOBODY,
    "delete-team-group" => NOBODY,
    "delete-user" => ADMIN,
    "edit-livechat-room-customfields" => NOBODY,
    "edit-message" => MANAGERS,
    "edit-omnichannel-contact" => NOBODY,
    "edit-other-user-active-status" => ADMIN,
    "edit-other-user-info" => ADMIN,
    "edit-other-user-password" => ADMIN,
    "edit-privileged-setting" => ADMIN,
    "edit-room" => MANAGERS,
    "edit-team-channel" => NOBODY,
    "edit-team-member" => NOBODY,
    // Deleting another's message as them: admins only.
    "force-delete-message" => ADMIN,
    "get-server-info" => ADMIN,
    "leave-c" => EVERYONE,
    "leave-p" => EVERYONE,
    "manage-apps" => ADMIN,
    "mention-all" => &["admin", "owner", "moderator", "user"],
    "mention-here" => &["admin", "owner", "moderator", "user"],
    "mobile-upload-file" => NOBODY,
    "move-room-to-team" => NOBODY,
    "mute-user" => NOBODY,
    "pin-message" => MANAGERS,
    "post-readonly" => MANAGERS,
    "remove-team-channel" => NOBODY,
    "remove-user" => MANAGERS,
    "set-leader" => MANAGERS,
    "set-moderator" => MANAGERS,
    "set-owner" => OWNERS,
    "set-react-when-readonly" => OWNERS,
    // Those who manage a room make it read-only (Rocket.Chat: owners).
    "set-readonly" => MANAGERS,
    "start-discussion" => NOBODY,
    "start-discussion-other-user" => NOBODY,
    "test-push-notifications" => NOBODY,
    "toggle-room-e2e-encryption" => NOBODY,
    "transfer-livechat-guest" => NOBODY,
    // Owners unarchive what they archived (Rocket.Chat: admins only).
    "unarchive-room" => OWNERS,
    "view-all-team-channels" => NOBODY,
    "view-all-teams" => NOBODY,
    "view-broadcast-member-list" => MANAGERS,
    "view-c-room" => EVERYONE,
    "view-canned-responses" => NOBODY,
    "view-d-room" => EVERYONE,
    "view-history" => PEOPLE,
    "view-other-user-channels" => ADMIN,
    "view-outside-room" => &["admin", "owner", "moderator", "user"],
    "view-p-room" => PEOPLE,
    "view-privileged-setting" => ADMIN,
    "view-room-administration" => ADMIN,
    "view-statistics" => ADMIN,
    "view-user-administration" => ADMIN,
];

/// The permission `id`, if Capsule reports it.
pub fn permission(id: &str) -> Option<&'static Permission> {
    PERMISSIONS.iter().find(|p| p.id == id)
}

/// The role `id`, if Capsule has it.
pub fn role(id: &str) -> Option<&'static Role> {
    ROLES.iter().find(|r| r.id == id)
}

/// The global roles clients show beside their holders' names.
pub fn public_roles() -> impl Iterator<Item = &'static Role> {
    ROLES.iter().filter(|r| r.is_public())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::Access;
    use crate::model::{Room, RoomKind, RoomRole, Subscription, User, UserKind};

    fn grants(permission_id: &str, role: &str) -> bool {
        permission(permission_id)
            .unwrap_or_else(|| panic!("{permission_id} is in the table"))
            .roles
            .contains(&role)
    }

    /// The access of a plain user holding `room_role` (or none) in a
    /// read-only channel.
    fn access(room_role: Option<RoomRole>) -> Access {
        let user = User::new("m", "", &["user"], UserKind::User);
        let mut room = Room::new(RoomKind::Channel, "r", None);
        room.ro = true;
        let mut sub = Subscription::new(&room.id, room.kind, "r", user.to_ref());
        sub.roles.extend(room_role);
        Access::of(&user, &room, Some(&sub))
    }

    #[test]
    fn ids_are_unique_sorted_and_name_known_roles() {
        for pair in PERMISSIONS.windows(2) {
            assert!(
                pair[0].id < pair[1].id,
                "{} before {}",
                pair[0].id,
                pair[1].id
            );
        }
        for p in PERMISSIONS {
            for r in p.roles {
                assert!(role(r).is_some(), "{} grants unknown role {r}", p.id);
            }
        }
    }

    #[test]
    fn room_permissions_follow_who_manages_and_owns_a_room() {
        for (room_role, name) in [
            (Some(RoomRole::Owner), "owner"),
            (Some(RoomRole::Moderator), "moderator"),
            (None, "user"),
        ] {
            let access = access(room_role);
            for id in [
                "edit-room",
                "remove-user",
                "delete-message",
                "set-moderator",
            ] {
                assert_eq!(grants(id, name), access.manage, "{id} for {name}");
            }
            for id in ["delete-c", "archive-room", "set-owner"] {
                assert_eq!(grants(id, name), access.own, "{id} for {name}");
            }
            assert_eq!(
                grants("post-readonly", name),
                access.post,
                "post-readonly for {name}"
            );
        }
        let admin = User::new("a", "", &["admin", "user"], UserKind::User);
        let room = Room::new(RoomKind::PrivateGroup, "g", None);
        let admin_access = Access::of(&admin, &room, None);
        assert!(admin_access.manage && admin_access.own);
        assert!(grants("edit-room", "admin") && grants("delete-p", "admin"));
    }

    #[test]
    fn only_the_admin_role_is_public_by_default() {
        let public: Vec<_> = public_roles().map(|r| r.id).collect();
        assert_eq!(public, ["admin"]);
    }
}
