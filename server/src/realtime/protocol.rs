//! DDP frames as Rocket.Chat's clients send and expect them: what a client
//! may send, and the frames the server writes.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::ejson;

/// DDP versions the server speaks, preferred first.
pub const VERSIONS: [&str; 3] = ["1", "pre2", "pre1"];

/// What a client sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "msg", rename_all = "lowercase")]
pub enum ClientFrame {
    Connect {
        version: String,
        #[serde(default)]
        support: Vec<String>,
    },
    Ping {
        id: Option<String>,
    },
    Pong {},
    Method {
        id: String,
        method: String,
        #[serde(default)]
        params: Vec<Value>,
    },
    Sub {
        id: String,
        name: String,
        #[serde(default)]
        params: Vec<Value>,
    },
    Unsub {
        id: String,
    },
}

/// A method or subscription error, as Meteor writes it: `error` is
/// Rocket.Chat's errorType string (or an HTTP-like number for Meteor's own
/// errors), `reason` the human message.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DdpError {
    #[serde(rename = "isClientSafe")]
    pub is_client_safe: bool,
    pub error: Value,
    pub reason: String,
    pub message: String,
    #[serde(rename = "errorType")]
    pub error_type: &'static str,
}

impl DdpError {
    /// An error with Rocket.Chat's errorType string.
    pub fn typed(kind: &str, reason: impl Into<String>) -> DdpError {
        Self::with(Value::from(kind), reason)
    }

    /// An error with a numeric code (Meteor's 403, 404, ...).
    pub fn code(code: u16, reason: impl Into<String>) -> DdpError {
        Self::with(Value::from(code), reason)
    }

    fn with(error: Value, reason: impl Into<String>) -> DdpError {
        let reason = reason.into();
        let shown = match &error {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        DdpError {
            is_client_safe: true,
            message: format!("{reason} [{shown}]"),
            error,
            reason,
            error_type: "Meteor.Error",
        }
    }
}

/// Encodes a frame, dates as EJSON.
pub fn encode<T: Serialize>(frame: &T) -> Bytes {
    ejson(|| serde_json::to_vec(frame))
        .expect("DDP frames serialize to JSON")
        .into()
}

/// `{"server_id": "0"}`, Meteor's greeting on a new socket.
pub fn greeting() -> Bytes {
    Bytes::from_static(br#"{"server_id":"0"}"#)
}

/// The answer to `connect`.
pub fn connected(session: &str) -> Bytes {
    encode(&serde_json::json!({"msg": "connected", "session": session}))
}

/// The answer to a `connect` in a version the server does not speak.
pub fn failed() -> Bytes {
    encode(&serde_json::json!({"msg": "failed", "version": VERSIONS[0]}))
}

/// `ping`, with the client's id echoed in `pong`.
pub fn ping() -> Bytes {
    Bytes::from_static(br#"{"msg":"ping"}"#)
}

/// The answer to a client's `ping`.
pub fn pong(id: Option<&str>) -> Bytes {
    match id {
        Some(id) => encode(&serde_json::json!({"msg": "pong", "id": id})),
        None => Bytes::from_static(br#"{"msg":"pong"}"#),
    }
}

/// A method's result (`None` when the method returns nothing).
pub fn result<T: Serialize>(id: &str, result: Option<&T>) -> Bytes {
    #[derive(Serialize)]
    struct Answer<'a, T> {
        msg: &'static str,
        id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        result: Option<&'a T>,
    }
    encode(&Answer {
        msg: "result",
        id,
        result,
    })
}

/// A method's error.
pub fn method_error(id: &str, error: &DdpError) -> Bytes {
    encode(&serde_json::json!({"msg": "result", "id": id, "error": error}))
}

/// Tells the client a method's writes are visible (sent after its result).
pub fn updated(id: &str) -> Bytes {
    encode(&serde_json::json!({"msg": "updated", "methods": [id]}))
}

/// A subscription is live.
pub fn ready(id: &str) -> Bytes {
    encode(&serde_json::json!({"msg": "ready", "subs": [id]}))
}

/// The document a subscription in Rocket.Chat's collection form starts
/// with: `{"msg": "added", "collection": <stream>, "id": "id", "fields":
/// {"eventName": <event>}}`; its events then read as changes to it.
pub fn added(stream: &str, event: &str) -> Bytes {
    encode(&serde_json::json!({
        "msg": "added",
        "collection": stream,
        "id": "id",
        "fields": {"eventName": event},
    }))
}

/// A subscription ended (with the reason, when it was refused or revoked).
pub fn nosub(id: &str, error: Option<&DdpError>) -> Bytes {
    match error {
        Some(error) => encode(&serde_json::json!({"msg": "nosub", "id": id, "error": error})),
        None => encode(&serde_json::json!({"msg": "nosub", "id": id})),
    }
}

/// A frame the server could not read, with the reason.
pub fn bad_frame(reason: &str, offending: &str) -> Bytes {
    encode(&serde_json::json!({"msg": "error", "reason": reason, "offendingMessage": offending}))
}

/// A stream event: `{"msg": "changed", "collection": <stream>, "id": "id",
/// "fields": {"eventName": <event>, "args": [...]}}`, as Rocket.Chat's
/// streamer sends it (the id is the literal `"id"`).
pub fn stream_event<A: Serialize>(stream: &str, event: &str, args: &A) -> Bytes {
    #[derive(Serialize)]
    struct Fields<'a, A> {
        #[serde(rename = "eventName")]
        event_name: &'a str,
        args: &'a A,
    }
    #[derive(Serialize)]
    struct Changed<'a, A> {
        msg: &'static str,
        collection: &'a str,
        id: &'static str,
        fields: Fields<'a, A>,
    }
    encode(&Changed {
        msg: "changed",
        collection: stream,
        id: "id",
        fields: Fields {
            event_name: event,
            args,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;

    #[test]
    fn reads_the_frames_clients_send() {
        let frame: ClientFrame =
            serde_json::from_str(r#"{"msg":"connect","version":"1","support":["1","pre2"]}"#)
                .unwrap();
        assert!(matches!(frame, ClientFrame::Connect { version, .. } if version == "1"));
        let frame: ClientFrame = serde_json::from_str(
            r#"{"msg":"method","method":"login","id":"7","params":[{"resume":"t"}]}"#,
        )
        .unwrap();
        assert!(
            matches!(frame, ClientFrame::Method { id, method, params } if id == "7" && method == "login" && params.len() == 1)
        );
        assert!(serde_json::from_str::<ClientFrame>(r#"{"msg":"teleport"}"#).is_err());
    }

    #[test]
    fn stream_events_carry_ejson_dates() {
        let frame = stream_event(
            "stream-room-messages",
            "GENERAL",
            &[
                serde_json::json!({"x": 1}),
                serde_json::to_value(0).unwrap(),
            ],
        );
        let text = std::str::from_utf8(&frame).unwrap();
        assert_eq!(
            text,
            r#"{"msg":"changed","collection":"stream-room-messages","id":"id","fields":{"eventName":"GENERAL","args":[{"x":1},0]}}"#
        );
        let dated = stream_event("s", "e", &[Timestamp(5)]);
        assert!(
            std::str::from_utf8(&dated)
                .unwrap()
                .contains(r#"[{"$date":5}]"#)
        );
    }

    #[test]
    fn errors_read_like_meteor_errors() {
        let error = DdpError::typed("error-room-not-found", "no such room");
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(json["error"], "error-room-not-found");
        assert_eq!(json["message"], "no such room [error-room-not-found]");
        assert_eq!(json["errorType"], "Meteor.Error");
        let error = DdpError::code(404, "Method 'x' not found");
        assert_eq!(error.message, "Method 'x' not found [404]");
    }
}
