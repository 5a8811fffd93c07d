//! What the in-memory chat answers each capability, one `impl` per
//! capability's bridge trait.

use std::collections::BTreeSet;

use async_trait::async_trait;

use super::{KV_MAX_KEYS, MemoryBridge, Notification, ScheduledJob, bot_ref, now_ms};
use crate::bridge::{AppStatusListener, BridgeError, Origin};
use crate::capabilities::kv::KvBridge;
use crate::capabilities::message_read::MessageReadBridge;
use crate::capabilities::message_write::MessageWriteBridge;
use crate::capabilities::room_read::RoomReadBridge;
use crate::capabilities::scheduler::SchedulerBridge;
use crate::capabilities::settings::SettingsBridge;
use crate::capabilities::user_read::UserReadBridge;
use crate::model::{
    Message, MessageEdit, OutgoingMessage, Room, RoomKind, Schedule, SettingValue, User, UserRef,
};

#[async_trait]
impl MessageReadBridge for MemoryBridge {
    async fn message(&self, id: &str) -> Result<Option<Message>, BridgeError> {
        Ok(self.with_message(id, Message::clone))
    }

    async fn room_history(
        &self,
        room: &str,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<Message>, BridgeError> {
        let chat = self.chat.lock();
        Ok(chat
            .messages
            .iter()
            .rev()
            .filter(|m| m.room_id == room && before.is_none_or(|b| m.created_at < b))
            .take(limit as usize)
            .cloned()
            .collect())
    }
}

#[async_trait]
impl MessageWriteBridge for MemoryBridge {
    async fn message_room(&self, id: &str) -> Result<Option<String>, BridgeError> {
        Ok(self.with_message(id, |m| m.room_id.clone()))
    }

    async fn send_message(
        &self,
        origin: &Origin,
        message: OutgoingMessage,
    ) -> Result<String, BridgeError> {
        if !self
            .chat
            .lock()
            .rooms
            .iter()
            .any(|r| r.id == message.room_id)
        {
            return Err(BridgeError::NotFound(format!("room `{}`", message.room_id)));
        }
        let sender = bot_ref(&origin.app_id);
        let mut draft = self.draft(
            sender,
            &message.room_id,
            &message.text,
            Some(&origin.app_id),
        );
        draft.thread_id = message.thread_id;
        draft.alias = message.alias;
        draft.attachments = message.attachments;
        Ok(self.run_pipeline(draft, origin.depth).await?.id)
    }

    async fn update_message(
        &self,
        origin: &Origin,
        id: &str,
        edit: MessageEdit,
    ) -> Result<(), BridgeError> {
        let mut chat = self.chat.lock();
        let message = chat
            .messages
            .iter_mut()
            .find(|m| m.id == id)
            .ok_or_else(|| BridgeError::NotFound(format!("message `{id}`")))?;
        if message.app_id.as_deref() != Some(origin.app_id.as_str()) {
            return Err(BridgeError::Denied(
                "an app may only update its own messages".into(),
            ));
        }
        message.apply(edit);
        message.edited_at = Some(now_ms());
        Ok(())
    }

    async fn notify_user(
        &self,
        origin: &Origin,
        room: &str,
        user: &str,
        text: &str,
    ) -> Result<(), BridgeError> {
        self.chat.lock().notifications.push(Notification {
            app_id: origin.app_id.clone(),
            room_id: room.to_string(),
            user_id: user.to_string(),
            text: text.to_string(),
        });
        Ok(())
    }

    async fn direct_room(&self, origin: &Origin, user: &str) -> Result<String, BridgeError> {
        let bot = bot_ref(&origin.app_id);
        let mut chat = self.chat.lock();
        let other = chat
            .users
            .iter()
            .find(|u| u.id == user)
            .map(User::to_ref)
            .ok_or_else(|| BridgeError::NotFound(format!("user `{user}`")))?;
        let id = format!("{}{}", bot.id, other.id);
        if !chat.rooms.iter().any(|r| r.id == id) {
            chat.rooms.push(Room {
                id: id.clone(),
                name: other.username.clone(),
                kind: RoomKind::Direct,
                topic: None,
                description: None,
                creator: Some(bot.clone()),
                read_only: false,
                archived: false,
                member_count: 2,
                created_at: now_ms(),
            });
            chat.members
                .insert(id.clone(), BTreeSet::from([bot.id, other.id]));
        }
        Ok(id)
    }
}

#[async_trait]
impl RoomReadBridge for MemoryBridge {
    async fn room(&self, id: &str) -> Result<Option<Room>, BridgeError> {
        Ok(self.chat.lock().rooms.iter().find(|r| r.id == id).cloned())
    }

    async fn room_by_name(&self, name: &str) -> Result<Option<Room>, BridgeError> {
        Ok(self
            .chat
            .lock()
            .rooms
            .iter()
            .find(|r| r.name == name)
            .cloned())
    }

    async fn room_members(
        &self,
        room: &str,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<UserRef>, BridgeError> {
        let chat = self.chat.lock();
        let ids = chat
            .members
            .get(room)
            .ok_or_else(|| BridgeError::NotFound(format!("room `{room}`")))?;
        let mut members: Vec<UserRef> = chat
            .users
            .iter()
            .filter(|u| ids.contains(&u.id))
            .map(User::to_ref)
            .collect();
        members.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(members
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect())
    }
}

#[async_trait]
impl UserReadBridge for MemoryBridge {
    async fn user(&self, id: &str) -> Result<Option<User>, BridgeError> {
        Ok(self.chat.lock().users.iter().find(|u| u.id == id).cloned())
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>, BridgeError> {
        Ok(self
            .chat
            .lock()
            .users
            .iter()
            .find(|u| u.username == username)
            .cloned())
    }

    async fn user_utc_offset(&self, id: &str) -> Result<Option<i32>, BridgeError> {
        Ok(self.chat.lock().utc_offsets.get(id).copied())
    }
}

#[async_trait]
impl KvBridge for MemoryBridge {
    async fn kv_get(&self, app_id: &str, key: &str) -> Result<Option<Vec<u8>>, BridgeError> {
        Ok(self.kv(app_id, key))
    }

    async fn kv_set(&self, app_id: &str, key: &str, value: Vec<u8>) -> Result<(), BridgeError> {
        let mut chat = self.chat.lock();
        let entry = (app_id.to_string(), key.to_string());
        if !chat.kv.contains_key(&entry)
            && chat.kv.keys().filter(|(app, _)| app == app_id).count() >= KV_MAX_KEYS
        {
            return Err(BridgeError::QuotaExceeded(format!(
                "an app may store at most {KV_MAX_KEYS} keys"
            )));
        }
        chat.kv.insert(entry, value);
        Ok(())
    }

    async fn kv_delete(&self, app_id: &str, key: &str) -> Result<bool, BridgeError> {
        Ok(self
            .chat
            .lock()
            .kv
            .remove(&(app_id.to_string(), key.to_string()))
            .is_some())
    }

    async fn kv_compare_and_set(
        &self,
        app_id: &str,
        key: &str,
        expected: Option<Vec<u8>>,
        new: Option<Vec<u8>>,
    ) -> Result<bool, BridgeError> {
        let mut chat = self.chat.lock();
        let entry = (app_id.to_string(), key.to_string());
        if chat.kv.get(&entry) != expected.as_ref() {
            return Ok(false);
        }
        match new {
            Some(value) => {
                if expected.is_none()
                    && chat.kv.keys().filter(|(app, _)| app == app_id).count() >= KV_MAX_KEYS
                {
                    return Err(BridgeError::QuotaExceeded(format!(
                        "an app may store at most {KV_MAX_KEYS} keys"
                    )));
                }
                chat.kv.insert(entry, value);
            }
            None => {
                chat.kv.remove(&entry);
            }
        }
        Ok(true)
    }

    async fn kv_list(
        &self,
        app_id: &str,
        prefix: &str,
        start_after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, BridgeError> {
        let chat = self.chat.lock();
        Ok(chat
            .kv
            .keys()
            .filter(|(app, key)| {
                app == app_id
                    && key.starts_with(prefix)
                    && start_after.is_none_or(|s| key.as_str() > s)
            })
            .take(limit as usize)
            .map(|(_, key)| key.clone())
            .collect())
    }
}

#[async_trait]
impl SettingsBridge for MemoryBridge {
    async fn settings(&self, app_id: &str) -> Result<Vec<(String, SettingValue)>, BridgeError> {
        Ok(self
            .chat
            .lock()
            .settings
            .get(app_id)
            .cloned()
            .unwrap_or_default())
    }
}

#[async_trait]
impl SchedulerBridge for MemoryBridge {
    async fn schedule_job(
        &self,
        app_id: &str,
        name: &str,
        when: Schedule,
        payload: Vec<u8>,
    ) -> Result<String, BridgeError> {
        let mut chat = self.chat.lock();
        let id = chat.id("j");
        chat.jobs.push(ScheduledJob {
            id: id.clone(),
            app_id: app_id.to_string(),
            name: name.to_string(),
            when,
            payload,
        });
        Ok(id)
    }

    async fn cancel_job(&self, app_id: &str, job_id: &str) -> Result<bool, BridgeError> {
        let mut chat = self.chat.lock();
        let before = chat.jobs.len();
        chat.jobs
            .retain(|j| !(j.id == job_id && j.app_id == app_id));
        Ok(chat.jobs.len() != before)
    }
}

/// Status changes are the embedder's concern; a test reads them from the
/// runtime's `health`.
impl AppStatusListener for MemoryBridge {}
