//! Room roles: owners, moderators and leaders.

use super::*;

impl Chat {
    /// `actor` gives or takes a room role. Owners are set by owners and
    /// admins; moderators and leaders by those who manage the room.
    pub async fn set_room_role(
        &self,
        actor: &User,
        room: &RoomRef,
        user: &User,
        role: RoomRole,
        give: bool,
    ) -> Result<(), ChatError> {
        let view = self.view_room(actor, room).await?;
        let allowed = match role {
            RoomRole::Owner => view.access.own,
            _ => view.access.manage,
        };
        if !allowed {
            return Err(ChatError::not_allowed(format!(
                "you are not allowed to set {}s in this room",
                role.name()
            )));
        }
        refuse_archived(&view.room)?;
        let mut sub = self
            .store
            .subscription(&view.room.id, &user.id)
            .await?
            .ok_or_else(|| {
                ChatError::invalid(
                    "error-user-not-in-room",
                    format!("{} is not in this room", user.username),
                )
            })?;
        let has = sub.has_role(role);
        if give == has {
            return Err(ChatError::invalid(
                role_error(role, give),
                format!(
                    "{} {} {} of this room",
                    user.username,
                    if give { "is already" } else { "is not" },
                    role.name()
                ),
            ));
        }
        if !give && role == RoomRole::Owner && self.owner_count(&view.room.id).await? == 1 {
            return Err(ChatError::invalid(
                "error-remove-last-owner",
                "This is the last owner. Please set a new owner before removing this one.",
            ));
        }
        if give {
            sub.roles.push(role);
        } else {
            sub.roles.retain(|r| *r != role);
        }
        sub.updated_at = Timestamp::now();
        self.store.update_subscription(&sub).await?;
        let kind = if give {
            MessageKind::RoleAdded
        } else {
            MessageKind::RoleRemoved
        };
        if view.room.sys_mes {
            let mut message = Message::system(&view.room.id, actor.to_ref(), kind, &user.username);
            message.role = Some(role.name().to_owned());
            self.store.insert_message(&message).await?;
        }
        Ok(())
    }
}

/// Rocket.Chat's `errorType` for giving a role someone has, or taking one
/// they lack.
fn role_error(role: RoomRole, give: bool) -> &'static str {
    match (role, give) {
        (RoomRole::Owner, true) => "error-user-already-owner",
        (RoomRole::Owner, false) => "error-user-not-owner",
        (RoomRole::Moderator, true) => "error-user-already-moderator",
        (RoomRole::Moderator, false) => "error-user-not-moderator",
        (RoomRole::Leader, true) => "error-user-already-leader",
        (RoomRole::Leader, false) => "error-user-not-leader",
    }
}
