//! Fetcher app: outbound HTTP and key-value data on request, for the
//! server's end-to-end tests. Both endpoints take a JSON body and answer
//! 200 with a JSON outcome, so a refusal by the host is a result the test
//! reads rather than a fault.
//!
//! * `POST fetch` `{"url", "method"?, "body"?, "headers"?, "timeout_ms"?}`
//!   answers `{"status", "body", "headers"}` or `{"error"}`;
//! * `POST kv` `{"op": "set"|"get"|"delete"|"list", "key"?, "value"?,
//!   "prefix"?, "size"?}` answers `{"value"}`, `{"deleted"}`, `{"keys"}`,
//!   `{"ok"}` or `{"error"}`; `size` sets a value of that many `x`.

use capsule_sdk::prelude::*;
use capsule_sdk::serde_json::{Value, json};
use capsule_sdk::{describe, http, kv};

struct Fetcher;

impl App for Fetcher {
    fn handle_endpoint(
        endpoint: String,
        request: HttpRequest,
        _user: Option<User>,
    ) -> HttpResponse {
        let Ok(body) = capsule_sdk::serde_json::from_slice::<Value>(&request.body) else {
            return http::json_response(400, &json!({"error": "the body must be JSON"}));
        };
        let outcome = match endpoint.as_str() {
            "fetch" => fetch(&body),
            "kv" => key_value(&body),
            other => Err(format!("no endpoint `{other}`")),
        };
        match outcome {
            Ok(answer) => http::json_response(200, &answer),
            Err(error) => http::json_response(200, &json!({ "error": error })),
        }
    }
}

fn text<'a>(body: &'a Value, field: &str) -> Option<&'a str> {
    body.get(field).and_then(Value::as_str)
}

fn fetch(body: &Value) -> Result<Value, String> {
    let url = text(body, "url").ok_or("`url` is missing")?;
    let headers = body
        .get("headers")
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let request = HttpRequest {
        method: text(body, "method").unwrap_or("GET").to_owned(),
        url: url.to_owned(),
        headers,
        body: text(body, "body").unwrap_or_default().as_bytes().to_vec(),
    };
    let timeout = body
        .get("timeout_ms")
        .and_then(Value::as_u64)
        .map(|ms| ms as u32);
    let response = http::fetch(&request, timeout).map_err(|e| describe(&e))?;
    Ok(json!({
        "status": response.status,
        "headers": response.headers,
        "body": String::from_utf8_lossy(&response.body),
    }))
}

fn key_value(body: &Value) -> Result<Value, String> {
    let key = text(body, "key").unwrap_or_default();
    let op = text(body, "op").ok_or("`op` is missing")?;
    let answer = match op {
        "set" => {
            let value = match body.get("size").and_then(Value::as_u64) {
                Some(size) => vec![b'x'; size as usize],
                None => text(body, "value").unwrap_or_default().as_bytes().to_vec(),
            };
            kv::set(key, &value).map(|()| json!({"ok": true}))
        }
        "get" => kv::get_text(key).map(|value| json!({ "value": value })),
        "delete" => kv::delete(key).map(|deleted| json!({ "deleted": deleted })),
        "list" => kv::list_keys(text(body, "prefix").unwrap_or_default(), None, 1000)
            .map(|keys| json!({ "keys": keys })),
        other => return Err(format!("unknown op `{other}`")),
    };
    answer.map_err(|e| describe(&e))
}

capsule_sdk::export_app!(Fetcher);
