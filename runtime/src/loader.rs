//! Checks a component against the contract and the admin's grants before
//! anything of it runs: that it is a component, which contract version it
//! was built for, which capabilities it imports, and what it exports.

use std::collections::BTreeSet;

use capsule_contract::version::split_name;
use capsule_contract::{Capability, Hook, SUPPORTED_VERSIONS};

use crate::app::spec::AppSpec;

/// Why an app could not be loaded. Every variant names the app.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("app `{app}`: not a WebAssembly component: {reason}")]
    NotAComponent { app: String, reason: String },
    #[error("app `{app}`: cannot compile the component: {reason}")]
    Compile { app: String, reason: String },
    #[error(
        "app `{app}`: built for contract version {found}, but this runtime supports {supported:?}"
    )]
    UnsupportedVersion {
        app: String,
        found: String,
        supported: Vec<&'static str>,
    },
    #[error("app `{app}`: not built for the `capsule:apps` world: {detail}")]
    WrongWorld { app: String, detail: String },
    #[error("app `{app}`: imports capabilities that were not granted: {}", list(.missing))]
    MissingGrants {
        app: String,
        missing: Vec<Capability>,
    },
    #[error("app `{app}`: the manifest says it implements {}, but the component does not export {}", list(.hooks), list(.interfaces))]
    MissingExports {
        app: String,
        hooks: Vec<Hook>,
        interfaces: Vec<String>,
    },
    #[error("app `{app}`: cannot link: {reason}")]
    Link { app: String, reason: String },
    #[error("app `{app}` is already loaded")]
    AlreadyLoaded { app: String },
    #[error("app id `{app}` is not valid: {}", capsule_contract::ids::ID_RULE)]
    InvalidId { app: String },
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the loader learnt about a component.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentShape {
    /// The contract version it was built against.
    pub version: String,
    /// The capabilities it imports.
    pub capabilities: BTreeSet<Capability>,
    /// The contract interfaces it exports (e.g. `message-events`).
    pub exports: BTreeSet<String>,
}

/// Refuses anything that is not a component, before compiling it.
pub(crate) fn check_header(app: &str, wasm: &[u8]) -> Result<(), LoadError> {
    let not = |reason: &str| {
        Err(LoadError::NotAComponent {
            app: app.to_string(),
            reason: reason.to_string(),
        })
    };
    if wasm.len() < 8 || &wasm[..4] != b"\0asm" {
        return not("the file does not start with the WebAssembly magic bytes");
    }
    match wasm[4..8] {
        [0x0d, 0x00, 0x01, 0x00] => Ok(()),
        [0x01, 0x00, 0x00, 0x00] => {
            not("it is a core module; build with `--target wasm32-wasip2` to get a component")
        }
        _ => not("unknown WebAssembly version or layer"),
    }
}

/// Reads the component's imports and exports (with the package format's
/// inspector, on a component wasmtime has compiled) and checks them
/// against the contract and the spec.
pub(crate) fn inspect(wasm: &[u8], spec: &AppSpec) -> Result<ComponentShape, LoadError> {
    let app = spec.id.clone();
    let interfaces =
        capsule_package::inspect_component(wasm).map_err(|e| LoadError::NotAComponent {
            app: app.clone(),
            reason: e.to_string(),
        })?;
    let mut versions = BTreeSet::new();
    let mut capabilities = BTreeSet::new();
    for name in &interfaces.imports {
        if name.starts_with("wasi:") {
            continue;
        }
        let Some((interface, version)) = split_name(name) else {
            return Err(LoadError::WrongWorld {
                app,
                detail: format!("it imports `{name}`, which Capsule does not offer"),
            });
        };
        versions.insert(version.to_string());
        if interface == "types" {
            continue;
        }
        let capability = Capability::from_import(name).ok_or_else(|| LoadError::WrongWorld {
            app: app.clone(),
            detail: format!("unknown capability `{name}`"),
        })?;
        capabilities.insert(capability);
    }
    let mut exports = BTreeSet::new();
    for name in &interfaces.exports {
        if let Some((interface, version)) = split_name(name) {
            versions.insert(version.to_string());
            exports.insert(interface.to_string());
        }
    }
    let version = match versions.len() {
        0 => {
            return Err(LoadError::WrongWorld {
                app,
                detail: "it neither imports nor exports any `capsule:apps` interface".into(),
            });
        }
        1 => versions.into_iter().next().unwrap_or_default(),
        _ => {
            return Err(LoadError::WrongWorld {
                app,
                detail: format!(
                    "it mixes contract versions {}",
                    versions
                        .iter()
                        .map(|v| format!("`{v}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
            });
        }
    };
    if !SUPPORTED_VERSIONS.contains(&version.as_str()) {
        return Err(LoadError::UnsupportedVersion {
            app,
            found: version,
            supported: SUPPORTED_VERSIONS.to_vec(),
        });
    }
    let missing: Vec<Capability> = capabilities
        .iter()
        .copied()
        .filter(|c| !spec.grants.has(*c))
        .collect();
    if !missing.is_empty() {
        return Err(LoadError::MissingGrants { app, missing });
    }
    let unexported: Vec<Hook> = spec
        .implements
        .iter()
        .copied()
        .filter(|h| !exports.contains(h.interface()))
        .collect();
    if !unexported.is_empty() {
        let interfaces = unexported
            .iter()
            .map(|h| h.interface().to_string())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        return Err(LoadError::MissingExports {
            app,
            hooks: unexported,
            interfaces,
        });
    }
    Ok(ComponentShape {
        version,
        capabilities,
        exports,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_component() {
        assert!(matches!(
            check_header("x", b"hello"),
            Err(LoadError::NotAComponent { .. })
        ));
        let core = [0, b'a', b's', b'm', 1, 0, 0, 0];
        let err = check_header("x", &core).unwrap_err().to_string();
        assert!(
            err.contains("core module") && err.contains("app `x`"),
            "{err}"
        );
        assert!(check_header("x", &[0, b'a', b's', b'm', 0x0d, 0, 1, 0]).is_ok());
    }
}
