//! Why an app gave no answer, in words for the person who asked: what
//! happened and what to do, with the app's display name. The runtime's
//! errors name states (`DisabledByAdmin`) for code; people never see them.

use capsule_runtime::{AppStatus, CallError, Fault, TargetError};

use crate::chat::{AppCallError, AppFailure};

/// `error` as the chat and the transports show it; `name` is the app's
/// display name (its manifest's `name`).
pub fn call_error(error: &TargetError, name: &str) -> AppCallError {
    let (failure, message) = match error {
        TargetError::NotLoaded(not_loaded) => (
            AppFailure::NotLoaded,
            format!(
                "No app `{}` is installed on this server. An admin can install it.",
                not_loaded.0
            ),
        ),
        TargetError::Call(CallError::NotImplemented { hook, .. }) => (
            AppFailure::NotImplemented,
            format!(
                "The {name} app does not handle {}.",
                hook_words(hook.name())
            ),
        ),
        TargetError::Call(CallError::Disabled { status, .. }) => {
            (AppFailure::Disabled, disabled(name, status))
        }
        TargetError::Call(CallError::Busy { limit, .. }) => (
            AppFailure::Busy,
            format!("The {name} app is busy with {limit} other requests. Try again in a moment."),
        ),
        TargetError::Call(CallError::Fault {
            fault: fault @ (Fault::CpuDeadline(_) | Fault::WallDeadline(_)),
            ..
        }) => (
            AppFailure::Timeout,
            format!(
                "The {name} app took too long and was stopped (it {fault}). Try again; if it \
                 keeps happening, an admin can read why in the app's logs."
            ),
        ),
        TargetError::Call(CallError::Fault { fault, .. }) => (
            AppFailure::Faulted,
            format!(
                "The {name} app failed while answering (it {fault}). An admin can read why in \
                 the app's logs."
            ),
        ),
    };
    AppCallError { failure, message }
}

fn disabled(name: &str, status: &AppStatus) -> String {
    match status {
        AppStatus::DisabledByAdmin => {
            format!("The {name} app is disabled by an admin. Ask an admin to enable it.")
        }
        AppStatus::DisabledAfterFaults {
            faults_in_a_row, ..
        } => format!(
            "The {name} app was turned off after failing {faults_in_a_row} times in a row. An \
             admin can read why in the app's logs and enable it again."
        ),
        AppStatus::Refused { reason } => format!(
            "The {name} app may not run on this server: {reason}. An admin must trust its \
             publisher or install it again."
        ),
        AppStatus::Enabled => format!("The {name} app is not running right now. Try again."),
    }
}

/// What a hook handles, in words: `ui-action` → `button presses`.
fn hook_words(hook: &str) -> String {
    match hook {
        "command" => "slash commands".into(),
        "command-preview" => "command previews".into(),
        "ui-action" => "button presses".into(),
        "endpoint" => "HTTP requests".into(),
        "job" => "scheduled jobs".into(),
        other => format!("`{other}` calls"),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn disabled_with(status: AppStatus) -> TargetError {
        TargetError::Call(CallError::Disabled {
            app: "polls".into(),
            status,
        })
    }

    #[test]
    fn an_app_disabled_by_an_admin_is_named_and_no_state_name_shows() {
        let error = call_error(&disabled_with(AppStatus::DisabledByAdmin), "Polls");
        assert_eq!(error.failure, AppFailure::Disabled);
        assert_eq!(
            error.message,
            "The Polls app is disabled by an admin. Ask an admin to enable it."
        );
    }

    #[test]
    fn no_failure_shows_a_rust_name_or_debug_output() {
        let errors = [
            disabled_with(AppStatus::DisabledAfterFaults {
                faults_in_a_row: 3,
                last_fault: "trapped: unreachable".into(),
            }),
            disabled_with(AppStatus::Refused {
                reason: "its publisher key is not trusted".into(),
            }),
            TargetError::Call(CallError::Fault {
                app: "polls".into(),
                fault: Fault::CpuDeadline(Duration::from_millis(500)),
            }),
            TargetError::Call(CallError::Busy {
                app: "polls".into(),
                limit: 8,
            }),
        ];
        for error in &errors {
            let message = call_error(error, "Polls").message;
            assert!(message.starts_with("The Polls app "), "{message}");
            for internal in [
                "DisabledAfterFaults",
                "Refused {",
                "CpuDeadline",
                "{ ",
                "Some(",
            ] {
                assert!(!message.contains(internal), "{message}");
            }
        }
    }
}
