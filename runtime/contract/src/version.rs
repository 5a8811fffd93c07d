//! The released versions of the `capsule:apps` WIT contract this build of
//! Capsule serves, and the shape of the names a component uses for them.

/// The newest contract version (folder `wit/<version>`), the one the
/// runtime's bindings are generated from.
pub const NEWEST: &str = "0.1.2";

/// Every contract version a component may be built against and still be
/// served: within `0.1` a release only adds, so one set of bindings serves
/// the whole series.
pub const SUPPORTED_VERSIONS: &[&str] = &["0.1.0", "0.1.1", NEWEST];

/// The package of every contract interface, as it prefixes import and
/// export names.
pub const PACKAGE: &str = "capsule:apps";

/// Splits a contract import or export name such as `capsule:apps/kv@0.1.0`
/// into its interface and version (`kv`, `0.1.0`); `None` for names outside
/// the contract (`wasi:...`). A name without a version gives `""`.
pub fn split_name(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix(PACKAGE)?.strip_prefix('/')?;
    Some(rest.split_once('@').unwrap_or((rest, "")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_names_split_into_interface_and_version() {
        assert_eq!(split_name("capsule:apps/kv@0.1.0"), Some(("kv", "0.1.0")));
        assert_eq!(split_name("capsule:apps/types"), Some(("types", "")));
        assert_eq!(split_name("wasi:io/streams@0.2.0"), None);
        assert_eq!(split_name("capsule:appsx/kv@0.1.0"), None);
    }

    #[test]
    fn the_newest_version_is_supported() {
        assert!(SUPPORTED_VERSIONS.contains(&NEWEST));
    }
}
