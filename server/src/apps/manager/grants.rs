//! What an admin grants an app: all it requests, or some of it, in the
//! manifest's permission shape. Each granted entry must be requested
//! (hosts and rooms a subset of those requested), and a grant must cover
//! every capability the component imports, since the runtime would refuse
//! to link it otherwise; revoking later goes through the same rules.

use std::collections::BTreeSet;

use capsule_package::{Manifest, Permission};
use capsule_runtime::{Capability, GrantSet};

use super::ManageError;

/// An admin's grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    /// Everything the manifest requests.
    All,
    /// Only these (each requested by the manifest).
    Only(Vec<Permission>),
}

/// Whether a capability can be limited to rooms.
fn room_scoped(name: &str) -> bool {
    name.parse().is_ok_and(Capability::is_room_scoped)
}

/// The permissions `grant` gives an app with `manifest`, written out in
/// full (hosts and rooms explicit where the manifest names them).
pub fn resolve(manifest: &Manifest, grant: &Grant) -> Result<Vec<Permission>, ManageError> {
    let Grant::Only(wanted) = grant else {
        return Ok(manifest.permissions.clone());
    };
    let requested_names = || {
        manifest
            .permissions
            .iter()
            .map(|p| format!("`{}`", p.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut granted: Vec<Permission> = Vec::new();
    for permission in wanted {
        let Some(requested) = manifest
            .permissions
            .iter()
            .find(|r| r.name == permission.name)
        else {
            return Err(ManageError::NotRequested(format!(
                "app `{}` does not request `{}`; it requests {}",
                manifest.id,
                permission.name,
                requested_names()
            )));
        };
        if granted.iter().any(|g| g.name == permission.name) {
            return Err(ManageError::NotRequested(format!(
                "`{}` is granted twice; name each permission once",
                permission.name
            )));
        }
        let hosts = match (&permission.hosts, &requested.hosts) {
            (None, asked) => asked.clone(),
            (Some(_), None) => {
                return Err(ManageError::NotRequested(format!(
                    "`{}` takes no hosts (only `http-outbound` does)",
                    permission.name
                )));
            }
            (Some(given), Some(asked)) => {
                for host in given {
                    if !asked.iter().any(|a| a.eq_ignore_ascii_case(host.trim())) {
                        return Err(ManageError::NotRequested(format!(
                            "app `{}` does not request the host `{host}`; it requests {}",
                            manifest.id,
                            asked.join(", ")
                        )));
                    }
                }
                Some(given.clone())
            }
        };
        let rooms = match (&permission.rooms, &requested.rooms) {
            (None, asked) => asked.clone(),
            (Some(_), _) if !room_scoped(&permission.name) => {
                return Err(ManageError::NotRequested(format!(
                    "`{}` cannot be limited to rooms",
                    permission.name
                )));
            }
            (Some(given), None) => Some(given.clone()),
            (Some(given), Some(asked)) => {
                if let Some(room) = given.iter().find(|room| !asked.contains(room)) {
                    return Err(ManageError::NotRequested(format!(
                        "app `{}` asks for `{}` in {} only, not in `{room}`",
                        manifest.id,
                        permission.name,
                        asked.join(", ")
                    )));
                }
                Some(given.clone())
            }
        };
        granted.push(Permission {
            name: permission.name.clone(),
            hosts,
            rooms,
        });
    }
    let room_sets: BTreeSet<Option<BTreeSet<&String>>> = granted
        .iter()
        .filter(|p| room_scoped(&p.name))
        .map(|p| p.rooms.as_ref().map(|r| r.iter().collect()))
        .collect();
    if room_sets.len() > 1 {
        return Err(ManageError::NotRequested(
            "every room-scoped permission (message-read, message-write, room-read) must name the same rooms".into(),
        ));
    }
    Ok(granted)
}

/// The runtime's grant set of `permissions` (as [`resolve`] wrote them).
pub fn grant_set(manifest: &Manifest, permissions: &[Permission]) -> GrantSet {
    // The manifest's own conversion, over the granted entries.
    Manifest {
        permissions: permissions.to_vec(),
        ..manifest.clone()
    }
    .requested_grants()
}

/// The permissions `grant` gives an app of `manifest` whose component
/// imports `imports`: [`resolve`]d, and refused with the list when they
/// leave an imported capability out.
pub fn checked(
    manifest: &Manifest,
    imports: &[Capability],
    grant: &Grant,
) -> Result<Vec<Permission>, ManageError> {
    let granted = resolve(manifest, grant)?;
    let missing = missing(imports, &granted);
    if missing.is_empty() {
        Ok(granted)
    } else {
        Err(ManageError::MissingGrants(missing))
    }
}

/// The capabilities in `imports` that `permissions` leave out.
pub fn missing(imports: &[Capability], permissions: &[Permission]) -> Vec<String> {
    imports
        .iter()
        .filter(|c| !permissions.iter().any(|p| p.name == c.name()))
        .map(|c| c.name().to_owned())
        .collect()
}

/// The capabilities a component imports, read from its import section
/// (nothing is compiled). Call only on a verified package's component.
pub fn component_imports(wasm: &[u8]) -> Result<Vec<Capability>, String> {
    let interfaces = capsule_package::inspect_component(wasm).map_err(|e| e.to_string())?;
    Ok(interfaces.capabilities().into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest::parse(
            br#"{"id": "a", "name": "A", "version": "1.0.0", "api": "^0.1",
                 "author": {"name": "x"}, "description": "d",
                 "permissions": [{"name": "kv"},
                                 {"name": "http-outbound", "hosts": ["a.example", "b.example"]},
                                 {"name": "message-read", "rooms": ["GENERAL", "support"]}]}"#,
        )
        .unwrap()
    }

    fn permission(name: &str) -> Permission {
        Permission {
            name: name.into(),
            hosts: None,
            rooms: None,
        }
    }

    #[test]
    fn a_subset_keeps_what_it_names_and_fills_in_the_requested_parameters() {
        let mut http = permission("http-outbound");
        http.hosts = Some(vec!["b.example".into()]);
        let granted = resolve(
            &manifest(),
            &Grant::Only(vec![http, permission("message-read")]),
        )
        .unwrap();
        assert_eq!(
            granted[0].hosts.as_deref(),
            Some(&["b.example".to_owned()][..])
        );
        assert_eq!(granted[1].rooms.as_ref().map(Vec::len), Some(2));
        let set = grant_set(&manifest(), &granted);
        assert!(set.has(Capability::HttpOutbound) && !set.has(Capability::Kv));
        assert!(set.allows_host("b.example", 443, 443) && !set.allows_host("a.example", 443, 443));
    }

    #[test]
    fn what_the_manifest_does_not_request_is_refused_naming_it() {
        let mut http = permission("http-outbound");
        http.hosts = Some(vec!["evil.example".into()]);
        let mut read = permission("message-read");
        read.rooms = Some(vec!["random".into()]);
        for (grant, named) in [
            (permission("scheduler"), "`scheduler`"),
            (http, "`evil.example`"),
            (read, "`random`"),
        ] {
            let error = resolve(&manifest(), &Grant::Only(vec![grant])).unwrap_err();
            assert!(matches!(error, ManageError::NotRequested(_)), "{error}");
            assert!(error.to_string().contains(named), "{error}");
        }
    }

    #[test]
    fn imports_left_ungranted_are_listed() {
        let imports = [Capability::Kv, Capability::Logging];
        assert_eq!(missing(&imports, &[permission("kv")]), ["logging"]);
        assert!(missing(&imports, &[permission("kv"), permission("logging")]).is_empty());
    }
}
