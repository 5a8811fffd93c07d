//! Changing a room's settings: name, topic, description, announcement,
//! type, read-only, archived, default.

use super::*;
use crate::chat::limits;

impl Chat {
    /// `actor` changes a setting of a room they manage. Setting a value
    /// the room has already is allowed (and recorded again).
    pub async fn change_room(
        &self,
        actor: &User,
        room: &RoomRef,
        change: RoomChange,
    ) -> Result<Room, ChatError> {
        let view = self.view_room(actor, room).await?;
        self.apply_room_change(actor, view, change).await
    }

    /// Like [`Chat::change_room`], but setting a value the room has already
    /// is refused (`error-room-setting-unchanged`), as Rocket.Chat's
    /// `channels.setTopic` and its kin refuse it.
    pub async fn change_room_strict(
        &self,
        actor: &User,
        room: &RoomRef,
        change: RoomChange,
    ) -> Result<Room, ChatError> {
        let view = self.view_room(actor, room).await?;
        if view.access.manage && change.is_noop(&view.room) {
            return Err(ChatError::invalid(
                "error-room-setting-unchanged",
                format!(
                    "The {} {} is the same as what it would be changed to.",
                    kind_noun(view.room.kind),
                    change.setting_name()
                ),
            ));
        }
        self.apply_room_change(actor, view, change).await
    }

    async fn apply_room_change(
        &self,
        actor: &User,
        view: RoomView,
        change: RoomChange,
    ) -> Result<Room, ChatError> {
        let needs_owner = matches!(change, RoomChange::Archived(_) | RoomChange::Kind(_));
        if !(view.access.manage && (!needs_owner || view.access.own)) {
            return Err(ChatError::not_allowed(
                "you are not allowed to change this room's settings",
            ));
        }
        if view.room.kind == RoomKind::Direct {
            return Err(ChatError::not_allowed("direct messages have no settings"));
        }
        if !actor.is_admin() && matches!(change, RoomChange::Default(_)) {
            return Err(ChatError::not_allowed("only admins choose default rooms"));
        }
        check_archived_for(&view.room, &change)?;
        let retyped = matches!(change, RoomChange::Kind(k) if k != view.room.kind);
        let mut room = view.room;
        let (kind, text) = match change {
            RoomChange::Name(name) => {
                check_room_name(&name)?;
                room.name = Some(name.clone());
                room.fname = Some(name.clone());
                (Some(MessageKind::RoomRenamed), name)
            }
            RoomChange::Topic(topic) => {
                limits::TOPIC.check(&topic)?;
                room.topic = Some(topic.clone());
                (Some(MessageKind::TopicChanged), topic)
            }
            RoomChange::Description(text) => {
                limits::DESCRIPTION.check(&text)?;
                room.description = Some(text.clone());
                (Some(MessageKind::DescriptionChanged), text)
            }
            RoomChange::Announcement(text) => {
                limits::ANNOUNCEMENT.check(&text)?;
                room.announcement = Some(text.clone());
                (Some(MessageKind::AnnouncementChanged), text)
            }
            RoomChange::Kind(kind) => {
                if kind == RoomKind::Direct {
                    return Err(ChatError::invalid(
                        "error-invalid-room-type",
                        "a room cannot become a direct message",
                    ));
                }
                room.kind = kind;
                let text = if kind == RoomKind::Channel {
                    "public"
                } else {
                    "private"
                };
                (Some(MessageKind::TypeChanged), text.to_owned())
            }
            RoomChange::ReadOnly(ro) => {
                room.ro = ro;
                (None, String::new())
            }
            RoomChange::Archived(archived) => {
                room.archived = archived;
                let kind = if archived {
                    MessageKind::Archived
                } else {
                    MessageKind::Unarchived
                };
                (Some(kind), String::new())
            }
            RoomChange::Default(default) => {
                room.default = default;
                (None, String::new())
            }
        };
        room.updated_at = Timestamp::now();
        self.store.update_room(&room).await.map_err(|e| match e {
            StoreError::Conflict(_) => ChatError::invalid(
                "error-duplicate-channel-name",
                format!("A channel with name '{}' exists", room.display_name()),
            ),
            other => other.into(),
        })?;
        if let Some(name) = room
            .name
            .clone()
            .filter(|_| kind == Some(MessageKind::RoomRenamed))
        {
            self.store.rename_subscriptions(&room.id, &name).await?;
        }
        if retyped {
            self.retype_subscriptions(&room).await?;
        }
        if let (Some(kind), true) = (kind, room.sys_mes) {
            self.system_message(&room, actor, kind, &text).await?;
        }
        Ok(self.store.room(&room.id).await?.unwrap_or(room))
    }

    /// Gives every membership of `room` its new kind (after `setType`),
    /// so lists by kind and the room's access agree.
    async fn retype_subscriptions(&self, room: &Room) -> Result<(), ChatError> {
        let members = self
            .store
            .members(&room.id, &crate::store::Page::all())
            .await?;
        for mut sub in members.items {
            sub.kind = room.kind;
            sub.updated_at = Timestamp::now();
            self.store.update_subscription(&sub).await?;
        }
        Ok(())
    }
}

impl RoomChange {
    /// Whether the change would leave `room` as it is.
    pub fn is_noop(&self, room: &Room) -> bool {
        let text = |value: &Option<String>, new: &str| value.as_deref().unwrap_or("") == new;
        match self {
            RoomChange::Name(name) => room.name.as_deref() == Some(name.as_str()),
            RoomChange::Topic(topic) => text(&room.topic, topic),
            RoomChange::Description(description) => text(&room.description, description),
            RoomChange::Announcement(announcement) => text(&room.announcement, announcement),
            RoomChange::Kind(kind) => room.kind == *kind,
            RoomChange::ReadOnly(ro) => room.ro == *ro,
            RoomChange::Archived(archived) => room.archived == *archived,
            RoomChange::Default(default) => room.default == *default,
        }
    }

    /// The setting's name in Rocket.Chat's refusal messages.
    fn setting_name(&self) -> &'static str {
        match self {
            RoomChange::Name(_) => "name",
            RoomChange::Topic(_) => "topic",
            RoomChange::Description(_) => "description",
            RoomChange::Announcement(_) => "announcement",
            RoomChange::Kind(_) => "type",
            RoomChange::ReadOnly(_) => "read only setting",
            RoomChange::Archived(_) => "archived setting",
            RoomChange::Default(_) => "default setting",
        }
    }
}

/// An archived room takes only being unarchived; unarchiving a room that
/// is not archived is refused too.
fn check_archived_for(room: &Room, change: &RoomChange) -> Result<(), ChatError> {
    match change {
        RoomChange::Archived(false) if !room.archived => Err(ChatError::invalid(
            "error-room-not-archived",
            format!(
                "The {}, {}, is not archived",
                kind_noun(room.kind),
                room.display_name()
            ),
        )),
        RoomChange::Archived(false) => Ok(()),
        _ => refuse_archived(room),
    }
}
