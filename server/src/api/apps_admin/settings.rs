//! An app's settings: `GET` answers them keyed by id, as Rocket.Chat
//! does; `POST` changes some. Validation (type, declared id, required
//! value) is the manager's, against the manifest; a wrong value is
//! refused naming the setting, in the message and in `details.settings`.
//! A secret setting's value is never answered, only whether it is `set`.
//!
//! Rocket.Chat's `POST` body is a list of setting objects (`{"settings":
//! [{"id", "value", ...}]}`); Capsule takes that too, and the shorter
//! `{"settings": {"<id>": value}}`.

use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::errors::AdminResult;
use super::manager;
use crate::api::envelope::{ok, to_json};
use crate::api::extract::{Admin, Body};
use crate::gateway::AppState;
use crate::gateway::error::ApiError;

pub(super) async fn list(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<String>,
) -> AdminResult {
    let settings = manager(&state)?.settings(&id).await?;
    Ok(ok(json!({"settings": keyed_by_id(to_json(&settings))})))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub(super) struct ChangeBody {
    settings: Option<Value>,
}

pub(super) async fn change(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(id): Path<String>,
    Body(body): Body<ChangeBody>,
) -> AdminResult {
    let values = values_of(body.settings)?;
    let settings = manager(&state)?.set_settings(&user, &id, values).await?;
    Ok(ok(json!({"settings": keyed_by_id(to_json(&settings))})))
}

/// The values to set, from either body form.
fn values_of(settings: Option<Value>) -> Result<Map<String, Value>, ApiError> {
    match settings {
        Some(Value::Object(values)) => Ok(values),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(index, item)| {
                let id = item.get("id").and_then(Value::as_str).ok_or_else(|| {
                    ApiError::invalid_params(format!(
                        "invalid field `settings[{index}]`: a setting needs its `id`"
                    ))
                })?;
                let value = item.get("value").cloned().ok_or_else(|| {
                    ApiError::invalid_params(format!(
                        "invalid field `settings[{index}]`: the setting `{id}` has no `value`"
                    ))
                })?;
                Ok((id.to_owned(), value))
            })
            .collect(),
        Some(other) => Err(ApiError::invalid_params(format!(
            "`settings` must be an object of setting id to value, not {other}"
        ))),
        None => Err(ApiError::invalid_params(
            "the required field `settings` is missing: an object of setting id to value",
        )),
    }
}

/// A list of setting views as an object from each one's `id` to it.
fn keyed_by_id(views: Value) -> Value {
    let Value::Array(views) = views else {
        return views;
    };
    let keyed: Map<String, Value> = views
        .into_iter()
        .filter_map(|view| {
            let id = view.get("id")?.as_str()?.to_owned();
            Some((id, view))
        })
        .collect();
    Value::Object(keyed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_body_forms_give_the_same_values() {
        let short = values_of(Some(json!({"tag": "x", "limit": 3}))).unwrap();
        let rocket_chat = values_of(Some(
            json!([{"id": "tag", "value": "x", "type": "string"}, {"id": "limit", "value": 3}]),
        ))
        .unwrap();
        assert_eq!(short, rocket_chat);
    }

    #[test]
    fn a_setting_without_id_or_value_is_named() {
        let error = values_of(Some(json!([{"value": 1}]))).unwrap_err();
        assert!(error.message.contains("settings[0]"), "{}", error.message);
        let error = values_of(Some(json!([{"id": "tag"}]))).unwrap_err();
        assert!(error.message.contains("`tag`"), "{}", error.message);
        assert!(values_of(None).is_err());
        assert!(values_of(Some(json!("tag"))).is_err());
    }

    #[test]
    fn views_are_keyed_by_id() {
        let keyed = keyed_by_id(json!([{"id": "a", "value": 1}, {"id": "b", "set": true}]));
        assert_eq!(keyed["a"]["value"], 1);
        assert_eq!(keyed["b"]["set"], true);
    }
}
