//! The success envelope: `{"success": true, ...fields}`.

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};

/// A success answer: the fields of `body` (an object) with
/// `"success": true` added.
pub fn ok(body: Value) -> Response {
    let mut object = match body {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        other => {
            let mut map = Map::new();
            map.insert("result".into(), other);
            map
        }
    };
    object.insert("success".into(), Value::Bool(true));
    Json(Value::Object(object)).into_response()
}

/// A record as JSON (the model types always serialize).
pub fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("chat records serialize to JSON")
}
