//! An in-memory chat that implements every capability's bridge (so it is
//! a [`Bridge`](crate::Bridge)): rooms, users, messages, per-app storage,
//! settings, jobs and notifications in a few maps. It serves the runtime's
//! own tests and lets app developers test an app without a server.
//! Messages apps send go through the runtime's pipeline exactly as the
//! server's would.
//!
//! This module holds the chat and what a test does to it; `capabilities`
//! answers the runtime, one `impl` per capability.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;

use crate::bridge::BridgeError;
use crate::dispatch::PreSend;
use crate::model::{
    Message, Notification, Room, RoomKind, ScheduledJob, SettingValue, User, UserRef, UserStatus,
};
use crate::runtime::{Runtime, WeakRuntime};

mod capabilities;

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

    /// What `read` makes of the stored message `id`, if there is one.
    fn with_message<T>(&self, id: &str, read: impl FnOnce(&Message) -> T) -> Option<T> {
        self.chat
            .lock()
            .messages
            .iter()
            .find(|m| m.id == id)
            .map(read)
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
