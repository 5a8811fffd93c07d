//! The rule for app ids (and setting ids, which follow its shape): they
//! name storage namespaces and URL path segments, so they are short,
//! lower-case and plain, never a path step (`.`, `..`), and an app id is
//! never one of the names the server's apps API keeps for itself.

/// The shape of an id, as error messages state it.
pub const ID_RULE: &str = "use 1 to 64 of a-z, 0-9, `-`, `_`, `.`, starting with a letter or digit";

/// Ids no app may have: the server's apps API uses them as path segments
/// of its own (`/api/apps/public`, `/api/apps/audit`, ...) and as the
/// names of its trust documents (`trusted-keys`, `development`), beside
/// the app ids in `/api/apps/<id>`.
pub const RESERVED_APP_IDS: &[&str] = &[
    "public",
    "private",
    "ui.interaction",
    "trusted-keys",
    "development",
    "audit",
];

/// Why an app id is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AppIdError {
    /// The id does not have the shape [`ID_RULE`] states.
    #[error("is not a valid app id; {ID_RULE}")]
    Malformed,
    /// The id is one of [`RESERVED_APP_IDS`].
    #[error("is reserved: the server's apps API uses it for a route of its own; choose another id")]
    Reserved,
}

/// Whether `id` has the shape of an id: 1 to 64 of a-z, 0-9, `-`, `_`,
/// `.`, starting with a letter or digit (so never `.`, `..` or a hidden
/// file name).
pub fn valid_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    (1..=64).contains(&bytes.len())
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes.iter().all(|&b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
}

/// Checks `id` as an app id: its shape, then that it is not reserved.
pub fn check_app_id(id: &str) -> Result<(), AppIdError> {
    if !valid_id(id) {
        return Err(AppIdError::Malformed);
    }
    if RESERVED_APP_IDS.contains(&id) {
        return Err(AppIdError::Reserved);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_lower_case_and_plain() {
        assert!(valid_id("whatsapp-bridge.v2"));
        assert!(valid_id("2fa"));
        assert!(!valid_id("../etc"));
        assert!(!valid_id(""));
        assert!(!valid_id("Upper"));
        assert!(!valid_id(&"a".repeat(65)));
    }

    #[test]
    fn path_steps_and_hidden_names_are_not_ids() {
        for id in [".", "..", ".hidden", "-x", "_x"] {
            assert!(!valid_id(id), "{id}");
            assert_eq!(check_app_id(id), Err(AppIdError::Malformed), "{id}");
        }
    }

    #[test]
    fn reserved_ids_are_refused_as_app_ids_only() {
        for id in RESERVED_APP_IDS {
            assert!(valid_id(id), "{id} has the shape of an id");
            assert_eq!(check_app_id(id), Err(AppIdError::Reserved), "{id}");
        }
        assert_eq!(check_app_id("audit-log"), Ok(()));
    }
}
