//! The DDP methods clients call when they start, with Rocket.Chat's names:
//! the same data as the REST start-up calls, from
//! [`crate::gateway::startup`].
//!
//! | method | parameters | result |
//! | --- | --- | --- |
//! | `public-settings/get` | `since?` (`{"$date"}`) | the public settings as `[{_id, value}]`; with `since`, `{"update", "remove"}` (no sign-in needed) |
//! | `permissions/get` | `since?` | the permissions as `[{_id, roles, _updatedAt}]`; with `since`, `{"update", "remove"}` |
//! | `getUserRoles` | none | users holding a public role, `[{_id, username, roles}]` |

use serde_json::{Value, json};

use super::methods::MethodResult;
use super::protocol::DdpError;
use crate::gateway::AppState;
use crate::gateway::startup;
use crate::model::{Timestamp, ejson};

/// The methods this module answers.
pub const METHODS: &[&str] = &["public-settings/get", "permissions/get", "getUserRoles"];

/// Whether `method` needs a signed-in user.
pub fn needs_user(method: &str) -> bool {
    method != "public-settings/get"
}

/// The optional first parameter: a date after which changes are wanted.
fn since(params: &[Value]) -> Result<Option<Timestamp>, DdpError> {
    match params.first() {
        None | Some(Value::Null) => Ok(None),
        Some(value) => serde_json::from_value(value.clone()).map(Some).map_err(|_| {
            DdpError::typed(
                "error-invalid-params",
                format!("parameter 1 (since) must be a date such as {{\"$date\": 1700000000000}}, not {value}"),
            )
        }),
    }
}

/// Everything, or with `since` Rocket.Chat's `{update, remove}`.
fn listed(items: Vec<Value>, since: Option<Timestamp>) -> Value {
    match since {
        None => Value::Array(items),
        Some(_) => json!({"update": items, "remove": []}),
    }
}

/// Runs one of [`METHODS`] (the caller has checked [`needs_user`]).
pub async fn call(state: &AppState, method: &str, params: &[Value]) -> MethodResult {
    let result = match method {
        // Settings carry no change times: after any `since`, every public
        // setting is sent again.
        "public-settings/get" => listed(
            startup::public_settings(state.chat().settings()),
            since(params)?,
        ),
        "permissions/get" => {
            let since = since(params)?;
            ejson(|| listed(startup::permissions_since(since), since))
        }
        "getUserRoles" => Value::Array(startup::users_in_public_roles(state.chat()).await?),
        other => return Err(DdpError::code(404, format!("Method '{other}' not found"))),
    };
    Ok(Some(result))
}
