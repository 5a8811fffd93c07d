//! The parts of the server's `AppView` JSON that `deploy` reads.
//!
//! Lenient on purpose: the server may add fields, and a CLI one version
//! behind must still deploy.

use serde::Deserialize;

/// Status of an app awaiting a grant (uploaded, not yet installed).
pub const AWAITING_GRANT: &str = "awaiting_grant";
/// Status of a running app.
pub const ENABLED: &str = "enabled";

/// An installed (or uploaded) app as the server describes it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppView {
    pub id: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub manifest: Option<ManifestView>,
    /// What the app asks for, when the server lists it apart from the
    /// manifest.
    #[serde(default, alias = "requestedPermissions")]
    pub permissions: Option<Vec<Permission>>,
    /// The capabilities the component imports: a grant must cover them.
    #[serde(default)]
    pub required_imports: Vec<String>,
    #[serde(default)]
    pub pending_update: Option<PendingUpdate>,
    #[serde(default)]
    pub signature: Option<SignatureView>,
}

/// Why the server accepted the package's signature.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignatureView {
    /// `signed`, `unsigned` or `untrusted_allowed` (development mode).
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub key_id: Option<String>,
    #[serde(default)]
    pub publisher: Option<String>,
}

impl std::fmt::Display for SignatureView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let key = self.key_id.as_deref().unwrap_or("?");
        match (self.kind.as_str(), &self.publisher) {
            ("signed", Some(publisher)) => write!(f, "signed by {publisher} (key {key})"),
            ("unsigned", _) => f.write_str("unsigned (accepted in development mode)"),
            ("untrusted_allowed", _) => write!(
                f,
                "signed by the untrusted key {key} (accepted in development mode)"
            ),
            (kind, _) => write!(f, "signature: {kind}"),
        }
    }
}

/// The manifest fields `deploy` shows.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ManifestView {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub permissions: Vec<Permission>,
}

/// A newer version waiting for the admin to grant what it newly asks for.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingUpdate {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub permissions: Vec<Permission>,
    #[serde(default)]
    pub required_imports: Vec<String>,
}

/// One capability, in the manifest's shape.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct Permission {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rooms: Option<Vec<String>>,
}

impl From<&capsule_package::Permission> for Permission {
    fn from(p: &capsule_package::Permission) -> Self {
        Permission {
            name: p.name.clone(),
            hosts: p.hosts.clone(),
            rooms: p.rooms.clone(),
        }
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)?;
        if let Some(hosts) = &self.hosts {
            write!(f, " (hosts: {})", hosts.join(", "))?;
        }
        if let Some(rooms) = &self.rooms {
            write!(f, " (rooms: {})", rooms.join(", "))?;
        }
        Ok(())
    }
}

impl AppView {
    /// The version the server runs, or is about to install.
    pub fn version(&self) -> &str {
        if !self.version.is_empty() {
            &self.version
        } else {
            self.manifest.as_ref().map_or("", |m| m.version.as_str())
        }
    }

    /// Whether the server waits for a grant before the upload of
    /// `version` takes effect: a new app, or an update to `version` that
    /// asks for more. (A pending update of another version is not this
    /// upload's to grant.)
    pub fn needs_grant(&self, version: &str) -> bool {
        self.status == AWAITING_GRANT
            || self
                .pending_update
                .as_ref()
                .is_some_and(|p| p.version == version)
    }

    /// The permissions the grant is about: a pending update's, else the
    /// app's own.
    pub fn requested(&self) -> Vec<Permission> {
        if let Some(pending) = &self.pending_update {
            return pending.permissions.clone();
        }
        if let Some(listed) = &self.permissions {
            return listed.clone();
        }
        self.manifest
            .as_ref()
            .map(|m| m.permissions.clone())
            .unwrap_or_default()
    }

    /// The capabilities the grant must cover: the pending update's, else
    /// the app's own.
    pub fn required(&self) -> &[String] {
        match &self.pending_update {
            Some(pending) => &pending.required_imports,
            None => &self.required_imports,
        }
    }

    /// `status`, with the reason when the server gives one.
    pub fn status_line(&self) -> String {
        match self.reason.as_deref().filter(|r| !r.is_empty()) {
            Some(reason) => format!("{} ({reason})", self.status),
            None => self.status.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_new_upload_needs_a_grant_for_its_manifest_permissions() {
        let view: AppView = serde_json::from_value(json!({
            "id": "weather-bot", "version": "0.1.0", "status": "awaiting_grant",
            "manifest": {"version": "0.1.0", "permissions": [{"name": "kv"}], "extra": 1},
            "requestedPermissions": [{"name": "kv"}], "requiredImports": ["kv"],
            "signature": {"kind": "signed", "keyId": "ab12", "publisher": "Acme Apps"},
            "somethingNew": true
        }))
        .unwrap();

        assert!(view.needs_grant("0.1.0"));
        assert_eq!(view.requested(), [perm("kv")]);
        assert_eq!(view.required(), ["kv"]);
        assert_eq!(
            view.signature.unwrap().to_string(),
            "signed by Acme Apps (key ab12)"
        );
    }

    #[test]
    fn a_pending_update_is_granted_with_the_new_versions_permissions() {
        let view: AppView = serde_json::from_value(json!({
            "id": "a", "version": "1.0.0", "status": "enabled",
            "manifest": {"permissions": [{"name": "kv"}]},
            "pendingUpdate": {"version": "1.1.0", "permissions": [{"name": "kv"}, {"name": "http-outbound", "hosts": ["x.org"]}], "requiredImports": ["http-outbound"]}
        }))
        .unwrap();

        assert!(view.needs_grant("1.1.0"));
        assert!(
            !view.needs_grant("1.2.0"),
            "another version's pending update"
        );
        assert_eq!(view.requested().len(), 2);
        assert_eq!(
            view.requested()[1].to_string(),
            "http-outbound (hosts: x.org)"
        );
    }

    #[test]
    fn an_update_that_asks_nothing_new_needs_no_grant() {
        let view: AppView = serde_json::from_value(
            json!({"id": "a", "version": "1.1.0", "status": "disabled", "reason": "by admin"}),
        )
        .unwrap();

        assert!(!view.needs_grant("1.1.0"));
        assert_eq!(view.status_line(), "disabled (by admin)");
    }

    fn perm(name: &str) -> Permission {
        Permission {
            name: name.into(),
            hosts: None,
            rooms: None,
        }
    }
}
