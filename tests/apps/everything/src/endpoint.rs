//! The everything app's endpoints: every one echoes what it received, so
//! that the host's request mapping can be checked byte for byte.
//!
//! Request headers steer the answer:
//! * `x-echo-status: <n>` answers with status `n` (any number, valid or not);
//! * `x-echo-set: <name>: <value>` (repeatable) adds that response header;
//! * `x-echo-raw: 1` answers the request body itself, as
//!   `application/octet-stream`, instead of the JSON echo;
//! * `x-echo-fault: panic` panics, `x-echo-fault: loop` spins until the host
//!   interrupts it.

use std::hint::black_box;

use capsule_sdk::http;
use capsule_sdk::prelude::*;
use capsule_sdk::serde_json::json;

/// The answer to any endpoint call.
pub fn echo(endpoint: String, request: HttpRequest, user: Option<User>) -> HttpResponse {
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match header("x-echo-fault") {
        Some("panic") => panic!("asked to panic by x-echo-fault"),
        Some("loop") => spin(),
        _ => {}
    }
    let status = header("x-echo-status")
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let mut response = if header("x-echo-raw") == Some("1") {
        http::response(status, "application/octet-stream", request.body.clone())
    } else {
        http::json_response(
            status,
            &json!({
                "endpoint": endpoint,
                "method": request.method,
                "url": request.url,
                "body_len": request.body.len(),
                "body_hex": hex(&request.body),
                "headers": request.headers,
                "user": user.map(|u| json!({"id": u.id, "username": u.username, "roles": u.roles})),
            }),
        )
    };
    for (name, value) in &request.headers {
        if name == "x-echo-set"
            && let Some((set_name, set_value)) = value.split_once(':')
        {
            response
                .headers
                .push((set_name.trim().to_owned(), set_value.trim().to_owned()));
        }
    }
    response
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Never returns; burns CPU until the host's CPU deadline interrupts it.
pub(crate) fn spin() -> ! {
    let mut n: u64 = 0;
    loop {
        n = black_box(n.wrapping_add(1));
    }
}
