//! An in-memory chat that implements [`Bridge`]: rooms, users, messages,
//! per-app storage, settings, jobs and notifications in a few maps. It
//! serves the runtime's own tests and lets app developers test an app
//! without a server. Messages apps send go through the runtime's pipeline
//! exactly as the server's would.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use parking_lot::Mutex;

use crate::bridge::{Bridge, BridgeError, Origin};
use crate::dispatch::PreSend;
use crate::model::{
    Message, MessageEdit, OutgoingMessage, Room, RoomKind, Schedule, SettingValue, User, UserRef,
    UserStatus,
};
use crate::runtime::{Runtime, WeakRuntime};

/// A job an app scheduled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduledJob {
    pub id: String,
    pub app_id: String,
    pub name: String,
    pub when: Schedule,
    pub payload: Vec<u8>,
}

/// A message shown to one user only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub app_id: String,
    pub room_id: String,
    pub user_id: String,
    pub text: String,
}

/// Most keys one app may store.
const KV_MAX_KEYS: usize = 10_000;

#[derive(Default)]
struct Chat {
    users: Vec<User>,
    rooms: Vec<Room>,
    members: HashMap<String, BTreeSet<String>>,
    messages: Vec<Message>,
    kv: BTreeMap<(String, String), Vec<u8>>,
    settings: HashMap<String, Vec<(String, SettingValue)>>,
    jobs: Vec<ScheduledJob>,
    notifications: Vec<Notification>,
    /// Users' offsets from UTC in minutes, for those whose client told.
    utc_offsets: HashMap<String, i32>,
    next_id: u64,
}

impl Chat {
    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{}", self.next_id)
    }
}

/// The in-memory chat.
#[derive(Default)]
pub struct MemoryBridge {
    chat: Mutex<Chat>,
    runtime: OnceLock<WeakRuntime>,
}

/// The bot user an app's messages are sent as.
fn bot_ref(app_id: &str) -> UserRef {
    UserRef {
        id: format!("app.{app_id}"),
        username: format!("{app_id}.bot"),
        name: None,
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl MemoryBridge {
    /// An empty chat.
    pub fn new() -> MemoryBridge {
        MemoryBridge::default()
    }

    /// Connects the chat to the runtime whose pipeline app messages go through.
    pub fn attach(&self, runtime: &Runtime) {
        let _ = self.runtime.set(runtime.downgrade());
    }

    /// Adds a user and returns it.
    pub fn add_user(&self, username: &str) -> User {
        let mut chat = self.chat.lock();
        let user = User {
            id: chat.id("u"),
            username: username.to_string(),
            name: None,
            roles: vec!["user".into()],
            status: UserStatus::Online,
            is_bot: false,
        };
        chat.users.push(user.clone());
        user
    }

    /// Adds a public channel with the given members and returns it.
    pub fn add_room(&self, name: &str, members: &[&User]) -> Room {
        let mut chat = self.chat.lock();
        let room = Room {
            id: chat.id("r"),
            name: name.to_string(),
            kind: RoomKind::Channel,
            topic: None,
            description: None,
            creator: members.first().map(|u| u.to_ref()),
            read_only: false,
            archived: false,
            member_count: members.len() as u32,
            created_at: now_ms(),
        };
        chat.members.insert(
            room.id.clone(),
            members.iter().map(|u| u.id.clone()).collect(),
        );
        chat.rooms.push(room.clone());
        room
    }

    /// Records the offset from UTC (minutes) that `user`'s client reported.
    pub fn set_utc_offset(&self, user: &User, minutes: i32) {
        self.chat
            .lock()
            .utc_offsets
            .insert(user.id.clone(), minutes);
    }

    /// Sets one of an app's settings.
    pub fn set_setting(&self, app_id: &str, id: &str, value: SettingValue) {
        let mut chat = self.chat.lock();
        let settings = chat.settings.entry(app_id.to_string()).or_default();
        settings.retain(|(k, _)| k != id);
        settings.push((id.to_string(), value));
    }

    /// Posts a message as `user`, through the whole pipeline: pre-send
    /// hooks, storage, post-send hooks (in the background).
    pub async fn post(&self, user: &User, room: &Room, text: &str) -> Result<Message, String> {
        let message = self.draft(user.to_ref(), &room.id, text, None);
        self.run_pipeline(message, 0)
            .await
            .map_err(|e| e.to_string())
    }

    fn draft(&self, sender: UserRef, room_id: &str, text: &str, app_id: Option<&str>) -> Message {
        let id = self.chat.lock().id("m");
        Message {
            id,
            room_id: room_id.to_string(),
            sender,
            text: text.to_string(),
            thread_id: None,
            created_at: now_ms(),
            edited_at: None,
            attachments: Vec::new(),
            mentions: Vec::new(),
            alias: None,
            app_id: app_id.map(str::to_string),
        }
    }

    async fn run_pipeline(&self, message: Message, depth: u32) -> Result<Message, BridgeError> {
        let Some(runtime) = self.runtime.get().and_then(WeakRuntime::upgrade) else {
            self.chat.lock().messages.push(message.clone());
            return Ok(message);
        };
        match runtime.pre_send(message, depth).await {
            PreSend::Vetoed { app_id, reason } => Err(BridgeError::Denied(format!(
                "vetoed by `{app_id}`: {reason}"
            ))),
            PreSend::Accepted { message, .. } => {
                self.chat.lock().messages.push(message.clone());
                drop(runtime.post_send(message.clone(), depth));
                Ok(message)
            }
        }
    }

    /// A new message from `user` in `room` with a fresh id, not yet stored.
    ///
    /// With [`store`](Self::store) it lets a caller run the pipeline step
    /// by step (the app developers' test kit does, to await the post-send
    /// hooks that [`post`](Self::post) leaves running in the background).
    pub fn new_message(&self, user: &User, room: &Room, text: &str) -> Message {
        self.draft(user.to_ref(), &room.id, text, None)
    }

    /// Stores a message as it is, without running any hook.
    pub fn store(&self, message: Message) {
        self.chat.lock().messages.push(message);
    }

    /// Makes `user` a member of the room `room_id`; `false` when there is
    /// no such room or the user already was a member. Runs no hook: the
    /// caller tells the runtime ([`Runtime::user_joined`]) if it wants to.
    pub fn add_member(&self, room_id: &str, user: &User) -> bool {
        let mut chat = self.chat.lock();
        let Some(members) = chat.members.get_mut(room_id) else {
            return false;
        };
        if !members.insert(user.id.clone()) {
            return false;
        }
        let count = members.len() as u32;
        if let Some(room) = chat.rooms.iter_mut().find(|r| r.id == room_id) {
            room.member_count = count;
        }
        true
    }

    /// Every stored message of a room, oldest first.
    pub fn messages(&self, room_id: &str) -> Vec<Message> {
        self.chat
            .lock()
            .messages
            .iter()
            .filter(|m| m.room_id == room_id)
            .cloned()
            .collect()
    }

    /// A value of an app's key-value store.
    pub fn kv(&self, app_id: &str, key: &str) -> Option<Vec<u8>> {
        self.chat
            .lock()
            .kv
            .get(&(app_id.to_string(), key.to_string()))
            .cloned()
    }

    /// How many keys an app has stored.
    pub fn kv_len(&self, app_id: &str) -> usize {
        self.chat
            .lock()
            .kv
            .keys()
            .filter(|(app, _)| app == app_id)
            .count()
    }

    /// Jobs apps scheduled.
    pub fn jobs(&self) -> Vec<ScheduledJob> {
        self.chat.lock().jobs.clone()
    }

    /// Notifications apps sent.
    pub fn notifications(&self) -> Vec<Notification> {
        self.chat.lock().notifications.clone()
    }
}

#[async_trait]
impl Bridge for MemoryBridge {
    async fn message(&self, id: &str) -> Result<Option<Message>, BridgeError> {
        Ok(self
            .chat
            .lock()
            .messages
            .iter()
            .find(|m| m.id == id)
            .cloned())
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

    async fn kv_delete(&self, app_id: &str, key: &str) -> Result<bool, BridgeError> {
        Ok(self
            .chat
            .lock()
            .kv
            .remove(&(app_id.to_string(), key.to_string()))
            .is_some())
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

    async fn settings(&self, app_id: &str) -> Result<Vec<(String, SettingValue)>, BridgeError> {
        Ok(self
            .chat
            .lock()
            .settings
            .get(app_id)
            .cloned()
            .unwrap_or_default())
    }

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
