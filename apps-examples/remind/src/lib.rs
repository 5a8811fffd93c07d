//! Remind: `/remind me in 10 minutes to <text>`, `/remind me tomorrow
//! 9:00 <text>`, `/remind me at 15:30 <text>`, `/remind list`, `/remind
//! cancel <n>`.
//!
//! * **command** `/remind` parses the time against the clock ([`command`],
//!   [`time`]; clock times in the user's own UTC offset when their client
//!   reported one, else in the `utc-offset` setting, UTC by default),
//!   keeps the reminder in kv ([`store`]) and schedules a one-off job at
//!   its time. Every answer is private.
//! * **lifecycle** refuses to be enabled with a bad `utc-offset`.
//! * **job** posts the reminder in the room it was set in, mentioning the
//!   user, then forgets it.
//!
//! Why the room and not a private notice: `notify_user` is ephemeral (not
//! stored; a user who is offline when the reminder is due never sees it),
//! and a reminder belongs to the conversation it was set in. Set in a
//! direct message or a private group, the reminder stays there.

pub mod command;
pub mod store;
pub mod time;

use std::time::{SystemTime, UNIX_EPOCH};

use capsule_sdk::prelude::*;
use capsule_sdk::{kv, messages, scheduler, settings, users};

use command::Request;
use store::{JobPayload, Reminder};
use time::Offset;

/// The app. Public so that a host build (for `cargo test`), which does not
/// export it, does not flag it as unused.
pub struct Remind;

impl App for Remind {
    /// A bad `utc-offset` keeps the app disabled, with the reason.
    fn on_enable() -> Result<(), String> {
        configured_offset().map(|_| ())
    }

    fn execute_command(call: Invocation) -> CommandResult {
        if call.command != "remind" {
            return Err(format!("unknown command `/{}`", call.command));
        }
        let offset = offset_of(&call.user)?;
        let now = now_ms();
        match command::parse(&call.raw_args, now, offset)? {
            Request::Help => Ok(Some(command::USAGE.to_owned())),
            Request::List => list(&call.user, now, offset).map(Some),
            Request::Cancel(number) => cancel(&call.user, number).map(Some),
            Request::Set { due_ms, text } => set(&call, due_ms, text, now, offset).map(Some),
        }
    }

    fn run_job(job: Job) -> Result<(), String> {
        if job.name != store::JOB {
            return Err(format!("unknown job `{}`", job.name));
        }
        let Ok(payload) = capsule_sdk::serde_json::from_slice::<JobPayload>(&job.payload) else {
            // Retrying cannot fix a payload; say so once and drop it.
            return Err("a reminder job with an unreadable payload".to_owned());
        };
        let key = store::key(&payload.user_id, payload.number);
        // Gone: cancelled after the job was picked, or a second delivery
        // of one that was already posted. Nothing to do.
        let Some(reminder) = kv::get_json::<Reminder>(&key).map_err(|e| describe(&e))? else {
            return Ok(());
        };
        let mut message = messages::outgoing(&reminder.room_id, store::fired_text(&reminder));
        message.thread_id = reminder.thread_id.clone();
        match messages::send(&message) {
            Ok(_) => {}
            // The room is gone or the app may no longer post there:
            // retrying will not help, so the reminder is dropped.
            Err(e @ (Error::NotFound(_) | Error::Denied(_))) => {
                kv::delete(&key).map_err(|e| describe(&e))?;
                return Err(format!("reminder {key} dropped: {}", describe(&e)));
            }
            Err(e) => return Err(describe(&e)),
        }
        kv::delete(&key).map_err(|e| describe(&e))?;
        Ok(())
    }
}

/// Sets a reminder: stored first, then scheduled, so the job always finds
/// it; the job's id is written back for `cancel`.
fn set(
    call: &Invocation,
    due_ms: u64,
    text: String,
    now: u64,
    offset: Offset,
) -> Result<String, String> {
    let user = &call.user;
    if waiting(&user.id)?.len() >= store::MAX_PER_USER {
        return Err(format!(
            "you already have {} reminders waiting; cancel one first (`/remind list`)",
            store::MAX_PER_USER
        ));
    }
    let counter = store::counter_key(&user.id);
    // Atomic, so two `/remind` of one user at the same moment get two
    // numbers and neither reminder overwrites the other.
    let number = u64::try_from(kv::increment(&counter, 1).map_err(failed)?)
        .map_err(|_| format!("the reminder counter `{counter}` is negative"))?;
    let mut reminder = Reminder {
        number,
        user_id: user.id.clone(),
        username: user.username.clone(),
        room_id: call.room.id.clone(),
        thread_id: call.thread_id.clone(),
        text,
        due_ms,
        job_id: String::new(),
    };
    let key = store::key(&user.id, number);
    kv::set_json(&key, &reminder).map_err(failed)?;
    let payload = capsule_sdk::serde_json::to_vec(&JobPayload {
        user_id: user.id.clone(),
        number,
    })
    .map_err(|e| e.to_string())?;
    let job = match scheduler::schedule(store::JOB, &Schedule::At(due_ms), &payload) {
        Ok(job) => job,
        Err(e) => {
            let _ = kv::delete(&key);
            return Err(format!(
                "the reminder could not be scheduled: {}",
                describe(&e)
            ));
        }
    };
    reminder.job_id = job;
    // Without the job id `cancel` could not stop it; the job still runs.
    if let Err(e) = kv::set_json(&key, &reminder) {
        let _ = scheduler::cancel(&reminder.job_id);
        let _ = kv::delete(&key);
        return Err(failed(e));
    }
    Ok(format!(
        "I will remind you {} ({}): {} — reminder #{number}; `/remind cancel {number}` stops it.",
        time::from_now(due_ms.saturating_sub(now)),
        time::format(due_ms, offset),
        reminder.text
    ))
}

/// `/remind list`: the user's waiting reminders, soonest first.
fn list(user: &UserRef, now: u64, offset: Offset) -> Result<String, String> {
    let mut reminders = waiting(&user.id)?;
    if reminders.is_empty() {
        return Ok("You have no reminders waiting.".to_owned());
    }
    reminders.sort_by_key(|r| (r.due_ms, r.number));
    let lines: Vec<String> = reminders
        .iter()
        .map(|r| {
            format!(
                "#{} {} ({}): {}",
                r.number,
                time::format(r.due_ms, offset),
                time::from_now(r.due_ms.saturating_sub(now)),
                r.text
            )
        })
        .collect();
    Ok(format!("Your reminders:\n{}", lines.join("\n")))
}

/// `/remind cancel <n>`: stops the job and forgets the reminder.
fn cancel(user: &UserRef, number: u64) -> Result<String, String> {
    let key = store::key(&user.id, number);
    let Some(reminder) = kv::get_json::<Reminder>(&key).map_err(failed)? else {
        return Err(format!(
            "you have no reminder #{number} waiting (see `/remind list`)"
        ));
    };
    // The reminder goes first: a job that starts meanwhile finds nothing.
    kv::delete(&key).map_err(failed)?;
    if !reminder.job_id.is_empty() {
        scheduler::cancel(&reminder.job_id).map_err(|e| {
            format!(
                "the reminder is cancelled, but its job could not be removed: {}",
                describe(&e)
            )
        })?;
    }
    Ok(format!("Cancelled reminder #{number}: {}", reminder.text))
}

/// Every reminder `user_id` has waiting (at most a page: a user has at
/// most [`store::MAX_PER_USER`]).
fn waiting(user_id: &str) -> Result<Vec<Reminder>, String> {
    let keys = kv::list_keys(&store::prefix(user_id), None, 1000).map_err(failed)?;
    let mut found = Vec::with_capacity(keys.len());
    for key in keys {
        if let Some(reminder) = kv::get_json::<Reminder>(&key).map_err(failed)? {
            found.push(reminder);
        }
    }
    Ok(found)
}

/// The offset `user` reads and is shown clock times in: their own, as
/// their client reported it, or else the `utc-offset` setting (read only
/// then, so a bad setting does not stop those who have their own).
fn offset_of(user: &UserRef) -> Result<Offset, String> {
    let reported = users::utc_offset_minutes(&user.id)
        .map_err(|e| format!("your time zone could not be read: {}", describe(&e)))?;
    match Offset::reported(reported) {
        Some(own) => Ok(own),
        None => configured_offset(),
    }
}

/// The `utc-offset` setting.
fn configured_offset() -> Result<Offset, String> {
    let text = settings::text("utc-offset")
        .map_err(failed)?
        .unwrap_or_default();
    Offset::parse(&text)
        .map_err(|e| format!("the app's time zone setting is wrong ({e}); ask an admin to fix it"))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn failed(e: Error) -> String {
    format!("the reminders could not be read or saved: {}", describe(&e))
}

capsule_sdk::export_app!(Remind);
