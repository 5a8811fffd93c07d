//! [`ChatBridge`]: the server's side of the runtime's bridge, over the
//! chat domain and its store. It implements each capability's narrow
//! trait in an `impl` of its own (so it is a
//! [`Bridge`](capsule_runtime::Bridge), which the runtime takes), and the
//! runtime's [`AppStatusListener`].
//!
//! The runtime checks grants, room limits, rate limits and the depth limit
//! before it calls here; the bridge adds what only the chat knows. An
//! app's message is sent as its bot user through
//! [`Chat::send_message_with`], the pipeline every user's message takes,
//! with the same authorization: posting to a public channel joins it (as
//! `chat.postMessage` does), a private group or direct room the bot is not
//! in is refused as not found. Reads are not authorized per user: what an
//! app may read is what the admin granted it.
//!
//! Ownership: the runtime holds the bridge, and the bridge holds the chat
//! every transport uses, whose apps port reaches the runtime through a
//! weak handle ([`RuntimeApps`](super::port::RuntimeApps)), so `Runtime ->
//! Bridge -> Chat` never leads back to the runtime.
//!
//! Reads go through [`Chat::records`]; an app's key-value data through
//! the app-owned part of the store ([`Chat::app_storage`]).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use capsule_runtime::model as app;
use capsule_runtime::{
    AppStatus, AppStatusListener, BridgeError, KvBridge, MessageReadBridge, MessageWriteBridge,
    Origin, RoomReadBridge, SchedulerBridge, SettingValue, SettingsBridge, UserReadBridge,
};
use parking_lot::RwLock;

use super::bots::bot_username;
use super::convert;
use super::scheduler::{ScheduleError, Scheduler};
use crate::chat::{Chat, ChatError, NewMessage, RoomRef, SendOptions};
use crate::model::{Message, MessageId, RoomId, User, UserId};
use crate::store::{AppDataStore, HistoryQuery, Page, StoreError};

/// Most keys one app may keep in its key-value data.
pub const KV_MAX_KEYS: u64 = 10_000;

/// An app's settings as it reads them, by id.
type SettingValues = Arc<Vec<(String, SettingValue)>>;

/// The bridge between the apps runtime and the chat.
pub struct ChatBridge {
    /// The chat app writes go through.
    chat: Chat,
    /// Each app's key-value data.
    data: Arc<dyn AppDataStore>,
    /// Stores and runs the jobs apps schedule; set once, after the
    /// runtime that holds this bridge exists.
    scheduler: OnceLock<Scheduler>,
    /// Each loaded app's settings, as it reads them.
    settings: RwLock<HashMap<String, SettingValues>>,
    /// Where the runtime's own status changes go (the app manager
    /// records them); `None` reports them nowhere.
    status_changes: Option<StatusChanges>,
}

/// Where [`ChatBridge::reporting_status_changes`] sends each app
/// whose status the runtime changed, with its new status.
pub type StatusChanges = tokio::sync::mpsc::UnboundedSender<(String, AppStatus)>;

impl ChatBridge {
    /// A bridge over `chat`: app messages run through its pipeline, with
    /// its apps' hooks.
    pub fn new(chat: Chat) -> ChatBridge {
        ChatBridge {
            data: chat.app_storage().data,
            chat,
            scheduler: OnceLock::new(),
            settings: RwLock::new(HashMap::new()),
            status_changes: None,
        }
    }

    /// This bridge, sending every status change the runtime makes on its
    /// own (an app disabled after faults) to `changes`.
    pub fn reporting_status_changes(mut self, changes: StatusChanges) -> ChatBridge {
        self.status_changes = Some(changes);
        self
    }

    /// Forgets what the bridge keeps for `app_id` (it was uninstalled).
    pub fn forget_app(&self, app_id: &str) {
        self.settings.write().remove(app_id);
    }

    /// Hands the bridge the scheduler that apps' `scheduler` calls go to.
    /// Only the first call counts.
    pub fn attach_scheduler(&self, scheduler: Scheduler) {
        let _ = self.scheduler.set(scheduler);
    }

    /// The scheduler apps' jobs go to, or why there is none.
    fn scheduler(&self) -> Result<&Scheduler, BridgeError> {
        // Refused rather than stored: a job kept where nothing runs it
        // would tell the app it was scheduled when it never will be.
        self.scheduler
            .get()
            .ok_or_else(|| BridgeError::Unavailable("this server runs no job scheduler".into()))
    }

    /// Sets the settings `app_id` reads (its manifest's, with stored
    /// values applied: see [`super::settings`]).
    pub fn set_settings(&self, app_id: &str, values: Vec<(String, SettingValue)>) {
        self.settings
            .write()
            .insert(app_id.to_owned(), Arc::new(values));
    }

    /// A stored message by id.
    async fn stored_message(&self, id: &str) -> Result<Option<Message>, BridgeError> {
        self.chat
            .records()
            .message(&MessageId::from(id))
            .await
            .map_err(store_error)
    }

    /// The bot user `origin`'s app writes as.
    async fn bot(&self, app_id: &str) -> Result<User, BridgeError> {
        self.chat
            .app_bot(app_id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| {
                BridgeError::Unavailable(format!(
                    "the bot user `{}` of app `{app_id}` is missing",
                    bot_username(app_id)
                ))
            })
    }
}

/// A failed kv write as the app sees it: the quota named with its limit.
fn kv_error(error: StoreError) -> BridgeError {
    match error {
        StoreError::Quota(_) => BridgeError::QuotaExceeded(format!(
            "an app may keep at most {KV_MAX_KEYS} keys; delete some first"
        )),
        other => store_error(other),
    }
}

/// A store failure as the app sees it.
fn store_error(error: StoreError) -> BridgeError {
    match error {
        StoreError::NotFound(what) => BridgeError::NotFound(what),
        StoreError::Quota(what) => BridgeError::QuotaExceeded(what),
        StoreError::Invalid(what) | StoreError::Conflict(what) => BridgeError::Invalid(what),
        StoreError::Backend(what) => {
            tracing::error!(error = %what, "storage failed while serving an app");
            BridgeError::Unavailable("the server's storage failed; try again later".into())
        }
    }
}

/// A refusal of the chat as the app sees it. `room` names the room the
/// write was for, so that "not found" says what was not found.
fn chat_error(error: ChatError, app_id: &str, room: &str) -> BridgeError {
    match error {
        ChatError::RoomNotFound | ChatError::GroupNotFound => BridgeError::NotFound(format!(
            "room `{room}` does not exist or the bot user `{}` may not post there",
            bot_username(app_id)
        )),
        ChatError::UserNotFound => BridgeError::NotFound("no such user".into()),
        ChatError::MessageNotFound(id) => BridgeError::NotFound(format!("message `{id}`")),
        ChatError::NotAllowed(why) => BridgeError::Denied(why),
        ChatError::Invalid { kind, message } if kind == crate::chat::APP_PREVENTED => {
            BridgeError::Denied(message)
        }
        ChatError::Invalid { message, .. } => BridgeError::Invalid(message),
        too_long @ ChatError::TooLong { .. } => BridgeError::Invalid(too_long.to_string()),
        ChatError::Store(e) => store_error(e),
    }
}

#[async_trait]
impl MessageReadBridge for ChatBridge {
    async fn message(&self, id: &str) -> Result<Option<app::Message>, BridgeError> {
        Ok(self
            .stored_message(id)
            .await?
            .as_ref()
            .map(convert::message))
    }

    async fn room_history(
        &self,
        room: &str,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<app::Message>, BridgeError> {
        // The store reads "no limit" into a count of 0.
        if limit == 0 {
            return Ok(Vec::new());
        }
        let query = HistoryQuery {
            latest: before.map(convert::timestamp),
            count: u64::from(limit),
            ..HistoryQuery::default()
        };
        let messages = self
            .chat
            .records()
            .history(&RoomId::from(room), &query)
            .await
            .map_err(store_error)?;
        Ok(messages.iter().map(convert::message).collect())
    }
}

#[async_trait]
impl MessageWriteBridge for ChatBridge {
    async fn message_room(&self, id: &str) -> Result<Option<String>, BridgeError> {
        Ok(self.stored_message(id).await?.map(|m| m.rid.0))
    }

    async fn send_message(
        &self,
        origin: &Origin,
        message: app::OutgoingMessage,
    ) -> Result<String, BridgeError> {
        let chat = &self.chat;
        let bot = self.bot(&origin.app_id).await?;
        let failed = |e| chat_error(e, &origin.app_id, &message.room_id);
        let room = chat
            .ready_to_post(&bot, &RoomRef::Id(RoomId::from(message.room_id.as_str())))
            .await
            .map_err(failed)?;
        let new = NewMessage {
            id: None,
            room,
            text: message.text.clone(),
            alias: message.alias.clone(),
            emoji: message.emoji.clone(),
            avatar: message.avatar_url.clone(),
            attachments: convert::attachments_json(&message.attachments),
            tmid: message.thread_id.clone().map(MessageId),
        };
        let options = SendOptions {
            depth: origin.depth,
            app_id: Some(origin.app_id.clone()),
            ..SendOptions::default()
        };
        let sent = chat
            .send_message_with(&bot, new, options)
            .await
            .map_err(failed)?;
        Ok(sent.id.0)
    }

    async fn update_message(
        &self,
        origin: &Origin,
        id: &str,
        edit: app::MessageEdit,
    ) -> Result<(), BridgeError> {
        let chat = &self.chat;
        let bot = self.bot(&origin.app_id).await?;
        let attachments = edit.attachments.as_deref().map(convert::attachments_json);
        chat.update_app_message(
            &bot,
            &origin.app_id,
            &MessageId::from(id),
            edit.text,
            attachments,
            origin.depth,
        )
        .await
        .map_err(|e| chat_error(e, &origin.app_id, "of the message"))?;
        Ok(())
    }

    async fn notify_user(
        &self,
        origin: &Origin,
        room: &str,
        user: &str,
        text: &str,
    ) -> Result<(), BridgeError> {
        let bot = self.bot(&origin.app_id).await?;
        self.chat
            .send_ephemeral(
                &bot,
                &origin.app_id,
                &RoomId::from(room),
                &UserId::from(user),
                text,
            )
            .await
            .map_err(|e| match e {
                ChatError::RoomNotFound => BridgeError::NotFound(format!(
                    "room `{room}` does not exist or user `{user}` may not read it"
                )),
                other => chat_error(other, &origin.app_id, room),
            })?;
        Ok(())
    }

    async fn direct_room(&self, origin: &Origin, user: &str) -> Result<String, BridgeError> {
        let bot = self.bot(&origin.app_id).await?;
        let other = self
            .chat
            .records()
            .user(&UserId::from(user))
            .await
            .map_err(store_error)?
            .filter(|u| u.active)
            .ok_or_else(|| BridgeError::NotFound(format!("no active user with id `{user}`")))?;
        // The same room `im.create` opens between the two, so the user finds
        // the bot's messages in the conversation they already have with it.
        let room = self
            .chat
            .open_direct_for_app(&bot, std::slice::from_ref(&other.username))
            .await
            .map_err(|e| chat_error(e, &origin.app_id, user))?;
        Ok(room.id.to_string())
    }
}

#[async_trait]
impl RoomReadBridge for ChatBridge {
    async fn room(&self, id: &str) -> Result<Option<app::Room>, BridgeError> {
        let found = self
            .chat
            .records()
            .room(&RoomId::from(id))
            .await
            .map_err(store_error)?;
        Ok(found.as_ref().map(convert::room))
    }

    async fn room_by_name(&self, name: &str) -> Result<Option<app::Room>, BridgeError> {
        let found = self
            .chat
            .records()
            .room_by_name(name.trim_start_matches('#'))
            .await
            .map_err(store_error)?;
        Ok(found.as_ref().map(convert::room))
    }

    async fn room_members(
        &self,
        room: &str,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<app::UserRef>, BridgeError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let records = self.chat.records();
        let rid = RoomId::from(room);
        if records.room(&rid).await.map_err(store_error)?.is_none() {
            return Err(BridgeError::NotFound(format!("room `{room}`")));
        }
        let page = Page {
            offset: u64::from(offset),
            count: u64::from(limit),
            sort: Vec::new(),
        };
        let members = records.members(&rid, &page).await.map_err(store_error)?;
        Ok(members
            .items
            .iter()
            .map(|s| convert::user_ref(&s.user))
            .collect())
    }
}

#[async_trait]
impl UserReadBridge for ChatBridge {
    async fn user(&self, id: &str) -> Result<Option<app::User>, BridgeError> {
        let found = self
            .chat
            .records()
            .user(&UserId::from(id))
            .await
            .map_err(store_error)?;
        Ok(found.as_ref().map(convert::user))
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<app::User>, BridgeError> {
        let found = self
            .chat
            .records()
            .user_by_username(username.trim_start_matches('@'))
            .await
            .map_err(store_error)?;
        Ok(found.as_ref().map(convert::user))
    }

    async fn user_utc_offset(&self, id: &str) -> Result<Option<i32>, BridgeError> {
        let found = self
            .chat
            .records()
            .user(&UserId::from(id))
            .await
            .map_err(store_error)?;
        Ok(found
            .and_then(|u| u.utc_offset)
            .map(|hours| (hours * 60.0).round() as i32))
    }
}

#[async_trait]
impl KvBridge for ChatBridge {
    async fn kv_get(&self, app_id: &str, key: &str) -> Result<Option<Vec<u8>>, BridgeError> {
        self.data.app_value(app_id, key).await.map_err(store_error)
    }

    async fn kv_set(&self, app_id: &str, key: &str, value: Vec<u8>) -> Result<(), BridgeError> {
        self.data
            .set_app_value(app_id, key, &value, KV_MAX_KEYS)
            .await
            .map_err(kv_error)
    }

    async fn kv_delete(&self, app_id: &str, key: &str) -> Result<bool, BridgeError> {
        self.data
            .delete_app_value(app_id, key)
            .await
            .map_err(store_error)
    }

    async fn kv_compare_and_set(
        &self,
        app_id: &str,
        key: &str,
        expected: Option<Vec<u8>>,
        new: Option<Vec<u8>>,
    ) -> Result<bool, BridgeError> {
        self.data
            .compare_and_set_app_value(
                app_id,
                key,
                expected.as_deref(),
                new.as_deref(),
                KV_MAX_KEYS,
            )
            .await
            .map_err(kv_error)
    }

    async fn kv_list(
        &self,
        app_id: &str,
        prefix: &str,
        start_after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, BridgeError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        self.data
            .app_keys(app_id, prefix, start_after, u64::from(limit))
            .await
            .map_err(store_error)
    }
}

#[async_trait]
impl SettingsBridge for ChatBridge {
    async fn settings(&self, app_id: &str) -> Result<Vec<(String, SettingValue)>, BridgeError> {
        Ok(self
            .settings
            .read()
            .get(app_id)
            .map(|values| values.as_ref().clone())
            .unwrap_or_default())
    }
}

#[async_trait]
impl SchedulerBridge for ChatBridge {
    async fn schedule_job(
        &self,
        app_id: &str,
        name: &str,
        when: app::Schedule,
        payload: Vec<u8>,
    ) -> Result<String, BridgeError> {
        self.scheduler()?
            .schedule(app_id, name, &when, payload)
            .await
            .map_err(schedule_error)
    }

    async fn cancel_job(&self, app_id: &str, job_id: &str) -> Result<bool, BridgeError> {
        self.scheduler()?
            .cancel(app_id, job_id)
            .await
            .map_err(schedule_error)
    }
}

impl AppStatusListener for ChatBridge {
    fn app_status_changed(&self, app_id: &str, status: &AppStatus) {
        if let Some(changes) = &self.status_changes
            && changes.send((app_id.to_owned(), status.clone())).is_err()
        {
            tracing::warn!(
                app = app_id,
                ?status,
                "nobody records app status changes any more"
            );
        }
    }
}

/// A refusal of the scheduler as the app sees it.
fn schedule_error(error: ScheduleError) -> BridgeError {
    match error {
        ScheduleError::Store(e) => store_error(e),
        ScheduleError::QuotaExceeded { .. } => BridgeError::QuotaExceeded(error.to_string()),
        ScheduleError::BadCron { .. }
        | ScheduleError::IntervalTooShort { .. }
        | ScheduleError::OutOfRange { .. }
        | ScheduleError::Corrupt { .. } => BridgeError::Invalid(error.to_string()),
    }
}
