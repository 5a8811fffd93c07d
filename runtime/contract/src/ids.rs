//! The rule for app ids (and setting ids, which follow it): they name
//! storage namespaces and URLs, so they are short, lower-case and plain.

/// The rule, as error messages state it.
pub const ID_RULE: &str = "use 1 to 64 of a-z, 0-9, `-`, `_`, `.`";

/// Whether `id` is an acceptable app id: 1 to 64 of a-z, 0-9, `-`, `_`, `.`.
pub fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_ids_are_restricted() {
        assert!(valid_id("whatsapp-bridge.v2"));
        assert!(!valid_id("../etc"));
        assert!(!valid_id(""));
        assert!(!valid_id("Upper"));
        assert!(!valid_id(&"a".repeat(65)));
    }
}
