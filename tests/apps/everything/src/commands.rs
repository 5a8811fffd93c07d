//! The slash commands of the everything app.

use capsule_sdk::prelude::*;
use capsule_sdk::{kv, messages, settings, users};

/// The greeting used when the `greeting` setting is not declared.
const DEFAULT_GREETING: &str = "Hello";

/// Runs one command; unknown commands are an error the user sees.
pub fn execute(call: &Invocation) -> CommandResult {
    match call.command.as_str() {
        "echo" => Ok(Some(call.raw_args.clone())),
        "count" => count().map(Some).map_err(|e| describe(&e)),
        "swap" => swap(call).map(Some).map_err(|e| describe(&e)),
        "greet" => greet(call).map(Some).map_err(|e| describe(&e)),
        "say" => messages::send_text(&call.room.id, &call.raw_args)
            .map(Some)
            .map_err(|e| describe(&e)),
        "whoami" => whoami(call),
        // Answers the direct room's id, so tests can read it there.
        "dm" => messages::send_direct(&call.user.id, &call.raw_args)
            .and_then(|_| messages::direct_room(&call.user.id))
            .map(Some)
            .map_err(|e| describe(&e)),
        "poll" => poll(call).map(Some).map_err(|e| describe(&e)),
        other => Err(format!("unknown command `{other}`")),
    }
}

/// Posts the arguments to the room with two buttons: `edit` (value
/// `again`), which makes the app edit the message, and `hello`; answers
/// the new message's id.
fn poll(call: &Invocation) -> capsule_sdk::Result<String> {
    let mut message = messages::outgoing(&call.room.id, call.raw_args.clone());
    message.attachments.push(Attachment {
        title: None,
        title_link: None,
        text: Some("press a button".to_owned()),
        image_url: None,
        color: None,
        fields: Vec::new(),
        actions: vec![
            ActionButton {
                action_id: "edit".to_owned(),
                text: "Edit".to_owned(),
                value: Some("again".to_owned()),
            },
            ActionButton {
                action_id: "hello".to_owned(),
                text: "Hello".to_owned(),
                value: None,
            },
        ],
    });
    messages::send(&message)
}

/// The preview of `/pick a b c`: one text item per argument, its id the
/// argument's position.
pub fn preview(call: &Invocation) -> Result<Vec<PreviewItem>, String> {
    if call.command != "pick" {
        return Err(format!("`{}` has no preview", call.command));
    }
    Ok(call
        .args
        .iter()
        .enumerate()
        .map(|(n, arg)| PreviewItem {
            id: n.to_string(),
            value: arg.clone(),
            kind: PreviewKind::Text,
        })
        .collect())
}

/// The user picked item `item_id` of `/pick`'s preview.
pub fn pick(call: &Invocation, item_id: &str) -> CommandResult {
    let picked = item_id
        .parse::<usize>()
        .ok()
        .and_then(|n| call.args.get(n))
        .ok_or_else(|| format!("no choice `{item_id}`"))?;
    Ok(Some(format!("picked {picked}")))
}

/// Increments the counter `count` atomically (`kv.increment`, so
/// simultaneous runs all count) and returns its new value.
fn count() -> capsule_sdk::Result<String> {
    kv::increment("count", 1).map(|n| n.to_string())
}

/// `/swap <expected> <new>`: a compare-and-set of the key `swap`, `-`
/// standing for "missing"; answers whether it wrote and what is there now.
fn swap(call: &Invocation) -> capsule_sdk::Result<String> {
    let value = |arg: Option<&String>| arg.filter(|a| *a != "-").map(|a| a.as_bytes().to_vec());
    let (expected, new) = (value(call.args.first()), value(call.args.get(1)));
    let wrote = kv::compare_and_set("swap", expected.as_deref(), new.as_deref())?;
    let now = kv::get_text("swap")?.unwrap_or_else(|| "-".to_owned());
    Ok(format!("{wrote} {now}"))
}

/// `<greeting setting> <username>`.
fn greet(call: &Invocation) -> capsule_sdk::Result<String> {
    let greeting = settings::text("greeting")?.unwrap_or_else(|| DEFAULT_GREETING.to_owned());
    Ok(format!("{greeting} {}", call.user.username))
}

/// `<username> roles=<role>,<role>` of the invoking user, read back
/// through `user-read` rather than taken from the invocation.
fn whoami(call: &Invocation) -> CommandResult {
    match users::get(&call.user.id) {
        Ok(Some(user)) => Ok(Some(format!(
            "{} roles={}",
            user.username,
            user.roles.join(",")
        ))),
        Ok(None) => Err(format!("no user with id {}", call.user.id)),
        Err(e) => Err(describe(&e)),
    }
}
