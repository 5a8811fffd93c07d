//! Methods that change what others see of a room or of the user: a room's
//! settings (`saveRoomSettings`) and the user's status (`setUserStatus`),
//! with Rocket.Chat's parameters. Validation, limits included, is the
//! chat domain's, as for REST.

use serde_json::{Map, Value, json};

use super::{MethodResult, param};
use crate::chat::{Chat, RoomChange, RoomRef};
use crate::model::{RoomId, RoomKind, User};
use crate::realtime::protocol::DdpError;

/// Runs one of this module's methods.
pub(super) async fn call(chat: &Chat, user: &User, method: &str, params: &[Value]) -> MethodResult {
    match method {
        "saveRoomSettings" => {
            let rid: String = param(params, 0, "the room id")?;
            let changes = room_changes(params)?;
            let room = RoomRef::Id(RoomId::from(rid.as_str()));
            // One at a time, in the order given, as Rocket.Chat saves
            // them; the first refusal stops the rest.
            for change in changes {
                chat.change_room(user, &room, change).await?;
            }
            Ok(Some(json!({"result": true, "rid": rid})))
        }
        "setUserStatus" => {
            let status: Option<String> = param(params, 0, "the status")?;
            let text: Option<String> = param(params, 1, "the status text")?;
            chat.set_status(
                user,
                &user.id,
                status.as_deref().filter(|s| !s.is_empty()),
                text.as_deref(),
            )
            .await?;
            Ok(None)
        }
        other => unreachable!("`{other}` is not a profile method"),
    }
}

/// `saveRoomSettings`' settings: `(rid, "roomTopic", value)` or
/// `(rid, {"roomTopic": value, ...})`.
fn room_changes(params: &[Value]) -> Result<Vec<RoomChange>, DdpError> {
    let settings = match params.get(1) {
        Some(Value::String(key)) => {
            let mut one = Map::new();
            one.insert(key.clone(), params.get(2).cloned().unwrap_or(Value::Null));
            one
        }
        Some(Value::Object(settings)) => settings.clone(),
        _ => {
            return Err(invalid(
                "parameter 2 (the settings) must be a setting's name or an object of settings",
            ));
        }
    };
    settings
        .into_iter()
        .map(|(key, value)| room_change(&key, value))
        .collect()
}

/// One room setting in Rocket.Chat's name.
fn room_change(key: &str, value: Value) -> Result<RoomChange, DdpError> {
    let text = |value: Value| match value {
        Value::String(text) => Ok(text),
        Value::Null => Ok(String::new()),
        other => Err(invalid(format!("`{key}` takes a string, not {other}"))),
    };
    let flag = |value: Value| {
        value
            .as_bool()
            .ok_or_else(|| invalid(format!("`{key}` takes true or false, not {value}")))
    };
    Ok(match key {
        "roomName" => RoomChange::Name(text(value)?),
        "roomTopic" => RoomChange::Topic(text(value)?),
        "roomDescription" => RoomChange::Description(text(value)?),
        "roomAnnouncement" => RoomChange::Announcement(text(value)?),
        "roomType" => {
            let code = text(value)?;
            match RoomKind::from_code(&code) {
                Some(kind @ (RoomKind::Channel | RoomKind::PrivateGroup)) => RoomChange::Kind(kind),
                _ => return Err(invalid(format!("`roomType` is `c` or `p`, not `{code}`"))),
            }
        }
        "readOnly" => RoomChange::ReadOnly(flag(value)?),
        "default" => RoomChange::Default(flag(value)?),
        other => {
            return Err(DdpError::typed(
                "error-invalid-settings",
                format!(
                    "`{other}` is not a room setting; the settings are roomName, roomTopic, roomDescription, roomAnnouncement, roomType, readOnly and default"
                ),
            ));
        }
    })
}

fn invalid(message: impl Into<String>) -> DdpError {
    DdpError::typed("error-invalid-params", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_come_as_one_name_and_value_or_as_an_object() {
        let one = room_changes(&[json!("r"), json!("roomTopic"), json!("t")]).unwrap();
        assert!(matches!(&one[..], [RoomChange::Topic(t)] if t == "t"));
        let many =
            room_changes(&[json!("r"), json!({"roomTopic": "t", "readOnly": true})]).unwrap();
        assert_eq!(many.len(), 2);
    }

    #[test]
    fn unknown_settings_and_wrong_types_are_named() {
        let error = room_changes(&[json!("r"), json!({"roomColour": "red"})]).unwrap_err();
        assert_eq!(error.error, "error-invalid-settings");
        assert!(error.reason.contains("roomColour"), "{}", error.reason);
        let error = room_changes(&[json!("r"), json!("readOnly"), json!("yes")]).unwrap_err();
        assert!(error.reason.contains("readOnly"), "{}", error.reason);
    }
}
