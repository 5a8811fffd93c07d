//! What a test's words become, as the server would hand them to an app:
//! a slash command line's invocation, a path's endpoint request.

use capsule_runtime_types::model::{HttpRequest, Invocation, Room, User};

/// The invocation `user` makes by typing `line` (`/weather Lisbon 3`, the
/// slash optional) in `room`: the command's name, its arguments split on
/// whitespace and as typed.
pub fn invocation(line: &str, user: &User, room: &Room, trigger_id: String) -> Invocation {
    let line = line.trim_start();
    let line = line.strip_prefix('/').unwrap_or(line);
    let (command, raw_args) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let raw_args = raw_args.trim_start();
    Invocation {
        command: command.to_owned(),
        args: raw_args.split_whitespace().map(str::to_owned).collect(),
        raw_args: raw_args.to_owned(),
        room: room.clone(),
        user: user.to_ref(),
        thread_id: None,
        trigger_id,
    }
}

/// The endpoint `path` reaches (its first segment: `/echo?x=1` reaches
/// `echo`) and the anonymous request the app sees, with `path` as its URL.
///
/// # Panics
///
/// When `path` names no endpoint: a mistake in the test.
pub fn endpoint_request(method: &str, path: &str, body: Vec<u8>) -> (String, HttpRequest) {
    let endpoint = path
        .trim_start_matches('/')
        .split(['/', '?'])
        .next()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| {
            panic!("`{path}` names no endpoint; start it with the endpoint's name, e.g. `/echo`")
        })
        .to_owned();
    let request = HttpRequest {
        method: method.to_ascii_uppercase(),
        url: path.to_owned(),
        headers: Vec::new(),
        body,
    };
    (endpoint, request)
}
