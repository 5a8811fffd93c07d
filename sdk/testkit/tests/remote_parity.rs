//! The two `TestApp`s offer the same methods: an app's tests (which use
//! the remote one) and Capsule's own (which use the in-process one) read
//! the same documentation. Only the in-process kit's ways into its
//! internals (`runtime`, `chat`, `http`) are its own.

use std::collections::BTreeSet;
use std::path::Path;

/// The in-process kit's methods a process boundary cannot carry.
const IN_PROCESS_ONLY: [&str; 3] = ["runtime", "chat", "http"];

/// The names of the `pub fn`s and `pub async fn`s of `impl <ty>` blocks
/// in `file` (of this crate).
fn public_methods(file: &str, ty: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .expect("the kit's source is readable");
    let mut in_impl = false;
    let mut methods = BTreeSet::new();
    for line in text.lines() {
        if line.starts_with("impl ") {
            in_impl = line.trim_end_matches(" {").rsplit(' ').next() == Some(ty);
        } else if line == "}" {
            in_impl = false;
        } else if in_impl {
            let rest = line
                .strip_prefix("    pub async fn ")
                .or_else(|| line.strip_prefix("    pub fn "));
            if let Some(name) = rest.and_then(|rest| rest.split(['(', '<']).next()) {
                methods.insert(name.to_owned());
            }
        }
    }
    assert!(!methods.is_empty(), "{file} has no methods of {ty}");
    methods
}

#[test]
fn the_remote_test_app_has_every_method_of_the_in_process_one() {
    let in_process = public_methods("src/test_app.rs", "TestApp");
    let remote = public_methods("src/remote.rs", "RemoteApp");

    let missing: Vec<&String> = in_process
        .iter()
        .filter(|name| !IN_PROCESS_ONLY.contains(&name.as_str()) && !remote.contains(*name))
        .collect();

    assert!(
        missing.is_empty(),
        "RemoteApp lacks {missing:?}: add them (a wire::Call each, served in host.rs)"
    );
}

#[test]
fn the_remote_builder_has_every_method_of_the_in_process_one() {
    let mut in_process = public_methods("src/builder.rs", "TestAppBuilder");
    in_process.extend(public_methods("src/builder.rs", "TestApp"));
    let mut remote = public_methods("src/remote.rs", "RemoteAppBuilder");
    remote.extend(public_methods("src/remote.rs", "RemoteApp"));

    let missing: Vec<&String> = in_process
        .iter()
        .filter(|name| !remote.contains(*name))
        .collect();

    assert!(missing.is_empty(), "RemoteAppBuilder lacks {missing:?}");
}
