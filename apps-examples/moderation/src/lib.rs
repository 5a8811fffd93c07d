//! Moderation: keeps a chat civil before anything is stored.
//!
//! * **pre-send-modify** masks the words the admin lists (setting `words`)
//!   in a message's text and its attachments' text: `oh darn` becomes
//!   `oh ****`. See [`words`] for what counts as a word.
//! * **pre-send-prevent** stops floods: a user may send at most
//!   `max-messages` messages per `window-seconds`; the next one is refused
//!   with a reason saying when they may post again. See [`flood`].
//! * **lifecycle** checks the settings when the app is enabled (bad ones
//!   keep it disabled, with the reason) and logs them when they change.
//!
//! Both hooks run on every message inside the 20 ms pre-send deadline, so
//! they do little: one `settings` read each, the parsed word list cached
//! between calls of a warm instance, and for flood control one kv read and
//! one kv compare-and-set per message (read and tried again when another
//! message of the same user was counted in between). The counts live in
//! kv, not in memory: the host may run each call in a different instance,
//! several at once.
//!
//! A hook that cannot do its job (bad settings, a kv error) lets the
//! message through and logs why: a moderation app that fails must not stop
//! a chat.

pub mod config;
pub mod flood;
pub mod words;

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use capsule_sdk::prelude::*;
use capsule_sdk::{kv, log, settings, users};

use config::Config;
use flood::{Admission, CountError, FloodLimit, WindowStore};
use words::{Mask, WordList};

/// The app's id, as in `manifest.json`: messages its own bot sends carry it
/// as `app_id`.
pub const APP_ID: &str = "moderation";

/// The app. Public so that a host build (for `cargo test`), which does not
/// export it, does not flag it as unused.
pub struct Moderation;

impl App for Moderation {
    fn on_enable() -> Result<(), String> {
        let config = load_config()?;
        log::info(&summary(&config));
        Ok(())
    }

    fn on_settings_changed(_changed: Vec<String>) {
        match load_config() {
            Ok(config) => log::info(&summary(&config)),
            Err(e) => log::error(&format!("{e}; messages pass unchecked until it is fixed")),
        }
    }

    fn pre_send_prevent(msg: Message) -> Verdict {
        let config = match load_config() {
            Ok(config) => config,
            Err(e) => {
                log::warn(&format!("flood control skipped: {e}"));
                return Verdict::Allow;
            }
        };
        let Some(limit) = config.flood else {
            return Verdict::Allow;
        };
        // Our own bot, and with `exempt-bots` any app's messages.
        if let Some(app) = &msg.app_id
            && (app == APP_ID || config.exempt_bots)
        {
            return Verdict::Allow;
        }
        check_flood(&msg, limit, &config)
    }

    fn pre_send_modify(msg: Message) -> Option<MessageEdit> {
        let config = match load_config() {
            Ok(config) => config,
            Err(e) => {
                log::warn(&format!("word filter skipped: {e}"));
                return None;
            }
        };
        let list = word_list(&config.words);
        if list.is_empty() {
            return None;
        }
        mask_message(&msg, &list, &config.mask)
    }
}

/// The flood check proper: count the message in the sender's window, or
/// refuse it.
fn check_flood(msg: &Message, limit: FloodLimit, config: &Config) -> Verdict {
    let key = format!("flood/{}", msg.sender.id);
    match limit.count(&mut KvWindow { key: &key }, || now_ms(msg)) {
        Ok(Admission::Allow(_)) => Verdict::Allow,
        // Looked up only now, so that the common case costs no user read.
        Ok(Admission::Refuse { .. }) if is_exempt(&msg.sender.id, config) => Verdict::Allow,
        Ok(Admission::Refuse { retry_at_ms }) => {
            let wait = flood::seconds_until(retry_at_ms, now_ms(msg));
            Verdict::Veto(slow_down(limit, wait))
        }
        Err(e) => {
            log::warn(&format!(
                "a message was let through uncounted, cannot count it in `{key}`: {}",
                count_failure(&e)
            ));
            Verdict::Allow
        }
    }
}

/// One user's window in the app's kv store, under `key`.
struct KvWindow<'a> {
    key: &'a str,
}

impl WindowStore for KvWindow<'_> {
    type Error = capsule_sdk::Error;

    fn read(&mut self) -> Result<Option<Vec<u8>>, Self::Error> {
        kv::get(self.key)
    }

    fn replace(&mut self, expected: Option<&[u8]>, new: &[u8]) -> Result<bool, Self::Error> {
        kv::compare_and_set(self.key, expected, Some(new))
    }
}

/// What went wrong counting a message, for the admin's log.
fn count_failure(e: &CountError<capsule_sdk::Error>) -> String {
    match e {
        CountError::Store(e) => describe(e),
        CountError::Contended => format!(
            "other messages of the sender changed it first {} times in a row",
            flood::COUNT_TRIES
        ),
    }
}

/// Whether the sender is an admin or a bot account the settings exempt.
fn is_exempt(user_id: &str, config: &Config) -> bool {
    if !config.exempt_admins && !config.exempt_bots {
        return false;
    }
    match users::get(user_id) {
        Ok(Some(user)) => {
            (config.exempt_admins && user.roles.iter().any(|r| r == "admin"))
                || (config.exempt_bots && user.is_bot)
        }
        Ok(None) => false,
        Err(e) => {
            log::warn(&format!("cannot read user {user_id}: {}", describe(&e)));
            false
        }
    }
}

/// The reason the sender sees.
pub fn slow_down(limit: FloodLimit, wait_seconds: u64) -> String {
    let messages = plural(u64::from(limit.max_messages), "message");
    let window = plural(limit.window_ms / 1000, "second");
    let wait = plural(wait_seconds, "second");
    format!(
        "you are sending messages too fast (at most {messages} every {window}); slow down, you can post again in {wait}"
    )
}

fn plural(n: u64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// The edit that masks the listed words in `msg`'s text and attachments,
/// or `None` when there is nothing to mask.
pub fn mask_message(msg: &Message, list: &WordList, mask: &Mask) -> Option<MessageEdit> {
    let text = list.mask(&msg.text, mask);
    let mut attachments = msg.attachments.clone();
    let mut attachments_changed = false;
    let mut fix = |field: &mut String| {
        if let Some(masked) = list.mask(field, mask) {
            *field = masked;
            attachments_changed = true;
        }
    };
    for a in &mut attachments {
        for field in [&mut a.title, &mut a.text].into_iter().flatten() {
            fix(field);
        }
        for f in &mut a.fields {
            fix(&mut f.title);
            fix(&mut f.value);
        }
    }
    if text.is_none() && !attachments_changed {
        return None;
    }
    Some(MessageEdit {
        text,
        attachments: attachments_changed.then_some(attachments),
    })
}

fn load_config() -> Result<Config, String> {
    let all = settings::all().map_err(|e| format!("cannot read the settings: {}", describe(&e)))?;
    Config::from_settings(&all)
}

/// The parsed word list for the `words` setting, reused while the setting
/// stays the same. A cache of something rebuildable, so a fresh instance
/// simply parses again.
fn word_list(setting: &str) -> Arc<WordList> {
    static CACHE: Mutex<Option<(String, Arc<WordList>)>> = Mutex::new(None);
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    match &*cache {
        Some((raw, list)) if raw == setting => Arc::clone(list),
        _ => {
            let list = Arc::new(WordList::parse(setting));
            *cache = Some((setting.to_owned(), Arc::clone(&list)));
            list
        }
    }
}

/// Now, from the host's wall clock (WASI); the message's own time if the
/// clock is unusable.
fn now_ms(msg: &Message) -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(msg.created_at, |d| {
            u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
        })
}

fn summary(config: &Config) -> String {
    let words = WordList::parse(&config.words).len();
    let flood = match config.flood {
        Some(limit) => format!(
            "at most {} every {}",
            plural(u64::from(limit.max_messages), "message"),
            plural(limit.window_ms / 1000, "second")
        ),
        None => "off".to_owned(),
    };
    let entries = match words {
        1 => "1 word list entry".to_owned(),
        n => format!("{n} word list entries"),
    };
    format!("masking {entries}; flood control {flood}")
}

capsule_sdk::export_app!(Moderation);

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str, attachments: Vec<Attachment>) -> Message {
        Message {
            id: "m1".into(),
            room_id: "r1".into(),
            sender: UserRef {
                id: "u1".into(),
                username: "alice".into(),
                name: None,
            },
            text: text.into(),
            thread_id: None,
            created_at: 0,
            edited_at: None,
            attachments,
            mentions: Vec::new(),
            alias: None,
            app_id: None,
        }
    }

    fn attachment(title: &str, text: &str, field: (&str, &str)) -> Attachment {
        Attachment {
            title: Some(title.into()),
            title_link: Some("https://darn.example/darn".into()),
            text: Some(text.into()),
            image_url: None,
            color: None,
            fields: vec![AttachmentField {
                title: field.0.into(),
                value: field.1.into(),
                short: false,
            }],
            actions: Vec::new(),
        }
    }

    #[test]
    fn the_app_id_is_the_manifests() {
        let manifest: capsule_sdk::serde_json::Value =
            capsule_sdk::serde_json::from_str(include_str!("../manifest.json")).unwrap();
        assert_eq!(manifest["id"], APP_ID);
    }

    #[test]
    fn text_and_attachments_are_masked_and_links_are_not() {
        let list = WordList::parse("darn");
        let msg = message(
            "darn",
            vec![attachment("Darn", "so darn", ("darn", "x darn"))],
        );
        let edit = mask_message(&msg, &list, &Mask::default()).unwrap();
        assert_eq!(edit.text.as_deref(), Some("****"));
        let a = &edit.attachments.unwrap()[0];
        assert_eq!(a.title.as_deref(), Some("****"));
        assert_eq!(a.text.as_deref(), Some("so ****"));
        assert_eq!(
            (a.fields[0].title.as_str(), a.fields[0].value.as_str()),
            ("****", "x ****")
        );
        assert_eq!(a.title_link.as_deref(), Some("https://darn.example/darn"));
    }

    #[test]
    fn only_what_changed_is_in_the_edit() {
        let list = WordList::parse("darn");
        let clean = attachment("fine", "fine", ("fine", "fine"));
        let edit = mask_message(
            &message("darn", vec![clean.clone()]),
            &list,
            &Mask::default(),
        );
        assert_eq!(
            edit,
            Some(MessageEdit {
                text: Some("****".into()),
                attachments: None
            })
        );
        let edit = mask_message(
            &message("fine", vec![attachment("darn", "", ("", ""))]),
            &list,
            &Mask::default(),
        )
        .unwrap();
        assert_eq!(edit.text, None);
        assert!(edit.attachments.is_some());
        assert_eq!(
            mask_message(&message("fine", vec![clean]), &list, &Mask::default()),
            None
        );
    }

    #[test]
    fn the_summary_counts_entries_and_states_the_limit() {
        let mut config = Config {
            words: "darn, heck, good grief".into(),
            flood: Some(FloodLimit {
                max_messages: 5,
                window_ms: 10_000,
            }),
            ..Config::default()
        };
        assert_eq!(
            summary(&config),
            "masking 3 word list entries; flood control at most 5 messages every 10 seconds"
        );
        config.words = "darn".into();
        config.flood = None;
        assert_eq!(
            summary(&config),
            "masking 1 word list entry; flood control off"
        );
    }

    #[test]
    fn the_reason_says_how_fast_and_when_to_post_again() {
        let limit = FloodLimit {
            max_messages: 5,
            window_ms: 10_000,
        };
        assert_eq!(
            slow_down(limit, 3),
            "you are sending messages too fast (at most 5 messages every 10 seconds); slow down, you can post again in 3 seconds"
        );
        let one = FloodLimit {
            max_messages: 1,
            window_ms: 1_000,
        };
        assert_eq!(
            slow_down(one, 1),
            "you are sending messages too fast (at most 1 message every 1 second); slow down, you can post again in 1 second"
        );
    }
}
