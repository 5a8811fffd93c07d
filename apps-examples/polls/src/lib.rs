//! Polls: `/poll "Question?" "Option A" "Option B"` posts the question to
//! the room with one button per option; pressing one votes, and the app
//! edits the message to show the live tally.
//!
//! * **command** `/poll` checks the arguments ([`args`]), posts the message
//!   with its buttons (all with the action id [`VOTE`], the option's index
//!   as the value) and keeps the poll in kv under the message's id.
//! * **ui-action** gets each press: the server has already checked that the
//!   press is on this app's message and that the value is one of its
//!   buttons'. One vote per user: a press casts it, a press on another
//!   option moves it, a press on the same option withdraws it (see
//!   [`tally::Vote`]). Each voter's ballot is a kv key of its own, changed
//!   with a compare-and-set, so simultaneous voters never overwrite each
//!   other; the tally is counted from the ballots and written into the
//!   message with `message-write.update`, and written again when another
//!   vote was counted meanwhile, so the last edit includes every vote.
//!
//! Reactions are not used: the SDK delivers no reaction events.

pub mod args;
pub mod tally;

use capsule_sdk::prelude::*;
use capsule_sdk::{kv, messages};

use tally::{Poll, Vote};

/// The action id of every option's button.
pub const VOTE: &str = "vote";

/// The app. Public so that a host build (for `cargo test`), which does not
/// export it, does not flag it as unused.
pub struct Polls;

impl App for Polls {
    fn execute_command(call: Invocation) -> CommandResult {
        match call.command.as_str() {
            "poll" => ask(&call),
            other => Err(format!("unknown command `/{other}`")),
        }
    }

    fn on_action(event: Interaction) -> CommandResult {
        if event.action_id != VOTE {
            return Err(format!("unknown action `{}`", event.action_id));
        }
        let Some(message_id) = event.message_id.as_deref() else {
            return Err("this button is not on a poll".to_owned());
        };
        let poll: Poll = kv::get_json(&tally::poll_key(message_id))
            .map_err(|e| format!("could not read the poll: {}", describe(&e)))?
            .ok_or("this poll is closed or no longer exists")?;
        let pressed = event
            .value
            .as_deref()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&i| i < poll.options.len())
            .ok_or("this button names no option of the poll")?;

        let vote = cast(message_id, &event.user.id, pressed)?;
        show_tally(message_id, &poll)
            .map_err(|e| format!("your vote counts, but the tally could not be shown: {e}"))?;
        Ok(Some(vote.describe(&poll)))
    }
}

/// Records `user_id`'s press on option `pressed` as one compare-and-set of
/// their ballot, so two quick presses of theirs are both applied in turn.
fn cast(message_id: &str, user_id: &str, pressed: usize) -> Result<Vote, String> {
    let mut vote = Vote::of(None, pressed);
    kv::update(&tally::ballot_key(message_id, user_id), |stored| {
        // Runs again on the fresh value if the ballot changed meanwhile;
        // the last run is what was written.
        vote = Vote::of(tally::ballot_choice(stored), pressed);
        vote.after().map(|to| to.to_string().into_bytes())
    })
    .map_err(|e| format!("your vote was not recorded: {}", describe(&e)))?;
    kv::increment(&tally::changes_key(message_id), 1)
        .map_err(|e| format!("your vote was not recorded: {}", describe(&e)))?;
    Ok(vote)
}

/// Most times one press redraws the tally while other votes keep coming.
const REDRAWS: usize = 8;

/// Counts the ballots and writes the tally into the poll's message, again
/// while other votes were counted meanwhile: their edits may have landed
/// before this one, and the last edit must include every vote.
fn show_tally(message_id: &str, poll: &Poll) -> Result<(), String> {
    let changes = || {
        kv::get_text(&tally::changes_key(message_id))
            .map(|v| v.unwrap_or_default())
            .map_err(|e| describe(&e))
    };
    let mut counted = changes()?;
    for _ in 0..REDRAWS {
        let counts = tally::count(poll.options.len(), ballots(message_id)?);
        messages::update(message_id, &poll_message(poll, &counts)).map_err(|e| describe(&e))?;
        let now = changes()?;
        if now == counted {
            break;
        }
        counted = now;
    }
    Ok(())
}

/// `/poll`: posts the poll and stores it under the new message's id.
fn ask(call: &Invocation) -> CommandResult {
    let spec = args::parse(&call.raw_args)?;
    let poll = Poll {
        question: spec.question,
        options: spec.options,
        asked_by: call.user.username.clone(),
    };
    let counts = vec![0; poll.options.len()];
    let edit = poll_message(&poll, &counts);
    let mut message = messages::outgoing(&call.room.id, edit.text.unwrap_or_default());
    message.thread_id = call.thread_id.clone();
    message.attachments = edit.attachments.unwrap_or_default();
    let id = messages::send(&message)
        .map_err(|e| format!("could not post the poll: {}", describe(&e)))?;
    // Stored after sending, because the key is the message's id. A press
    // in between finds no poll and is told so; it cannot be counted wrong.
    kv::set_json(&tally::poll_key(&id), &poll).map_err(|e| {
        format!(
            "the poll was posted but cannot take votes: {}",
            describe(&e)
        )
    })?;
    Ok(None)
}

/// The poll's text and attachment: the question, the tally and a button
/// per option, as an edit: the same value posts the poll and updates it.
fn poll_message(poll: &Poll, counts: &[u32]) -> MessageEdit {
    let buttons = poll
        .options
        .iter()
        .enumerate()
        .map(|(i, option)| ActionButton {
            action_id: VOTE.to_owned(),
            text: option.clone(),
            value: Some(i.to_string()),
        })
        .collect();
    MessageEdit {
        text: Some(format!("📊 {}", poll.question)),
        attachments: Some(vec![Attachment {
            title: None,
            title_link: None,
            text: Some(tally::render(poll, counts)),
            image_url: None,
            color: Some("#1d74f5".to_owned()),
            fields: Vec::new(),
            actions: buttons,
        }]),
    }
}

/// Every ballot of the poll `message_id`, page by page.
fn ballots(message_id: &str) -> Result<Vec<usize>, String> {
    let prefix = tally::ballot_prefix(message_id);
    let failed = |e: Error| format!("could not count the votes: {}", describe(&e));
    let mut found = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let keys = kv::list_keys(&prefix, after.as_deref(), 1000).map_err(failed)?;
        for key in &keys {
            if let Some(choice) = kv::get_text(key).map_err(failed)?
                && let Ok(choice) = choice.parse::<usize>()
            {
                found.push(choice);
            }
        }
        match keys.last() {
            Some(last) if keys.len() == 1000 => after = Some(last.clone()),
            _ => return Ok(found),
        }
    }
}

capsule_sdk::export_app!(Polls);
