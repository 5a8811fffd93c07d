//! What the runtime needs to know to load an app: its id, the hooks it
//! implements, what the admin granted, and its limits. A package's
//! manifest gives the first two ([`AppSpec::from_manifest`]).

use std::collections::BTreeSet;

use crate::limits::Limits;
use capsule_contract::{GrantSet, Hook};
use capsule_package::Manifest;

/// Everything the runtime needs to load one app.
#[derive(Clone, Debug)]
pub struct AppSpec {
    /// Unique app id, e.g. `whatsapp`.
    pub id: String,
    /// The hooks the app implements.
    pub implements: BTreeSet<Hook>,
    /// What the admin granted.
    pub grants: GrantSet,
    /// Resource limits.
    pub limits: Limits,
    /// Position in hook chains: lower runs first; ties go by app id.
    pub priority: i32,
    /// When set, a faulting prevent hook vetoes the message instead of
    /// being skipped (for compliance filters that must never be bypassed).
    pub fail_closed: bool,
    /// Id of the publisher key that signed the app's package, if any: the
    /// app stops when that key leaves the trust store.
    pub signer: Option<String>,
}

impl AppSpec {
    /// A spec with default limits, priority 0 and no grants.
    pub fn new(id: impl Into<String>) -> AppSpec {
        AppSpec {
            id: id.into(),
            implements: BTreeSet::new(),
            grants: GrantSet::none(),
            limits: Limits::default(),
            priority: 0,
            fail_closed: false,
            signer: None,
        }
    }

    /// The spec for the app `manifest` describes under the grants an admin
    /// `granted` (often [`Manifest::requested_grants`], or fewer), with
    /// default limits and priority.
    pub fn from_manifest(manifest: &Manifest, granted: GrantSet) -> AppSpec {
        AppSpec::new(manifest.id.clone())
            .implementing(manifest.hooks())
            .granted(granted)
    }

    /// Adds hooks the app implements.
    pub fn implementing(mut self, hooks: impl IntoIterator<Item = Hook>) -> AppSpec {
        self.implements.extend(hooks);
        self
    }

    /// Sets the grants.
    pub fn granted(mut self, grants: GrantSet) -> AppSpec {
        self.grants = grants;
        self
    }

    /// Sets the limits.
    pub fn with_limits(mut self, limits: Limits) -> AppSpec {
        self.limits = limits;
        self
    }

    /// Sets the chain priority.
    pub fn with_priority(mut self, priority: i32) -> AppSpec {
        self.priority = priority;
        self
    }

    /// Records the key that signed the app's package.
    pub fn signed_by(mut self, key_id: impl Into<String>) -> AppSpec {
        self.signer = Some(key_id.into());
        self
    }

    /// Whether the app implements a hook.
    pub fn implements(&self, hook: Hook) -> bool {
        self.implements.contains(&hook)
    }
}

#[cfg(test)]
mod tests {
    use capsule_contract::Capability;

    use super::*;

    #[test]
    fn a_manifest_gives_the_id_and_hooks_and_the_admin_the_grants() {
        let manifest = Manifest::parse(
            br#"{"id": "weather", "name": "Weather", "version": "1.2.0", "api": "^0.1",
                 "author": {"name": "Acme"}, "description": "Forecasts.",
                 "implements": ["post-send", "pre-send-modify"],
                 "permissions": [{"name": "message-read"}, {"name": "kv"}]}"#,
        )
        .unwrap();
        let spec = AppSpec::from_manifest(
            &manifest,
            manifest.requested_grants().without(Capability::Kv),
        );
        assert_eq!(spec.id, "weather");
        assert!(
            spec.implements(Hook::PostSend)
                && spec.implements(Hook::PreSendModify)
                && !spec.implements(Hook::Command)
        );
        assert!(!spec.grants.has(Capability::Kv) && spec.grants.has(Capability::MessageRead));
    }
}
