//! `manifest.json`: what an app is, what it needs and what it offers.
//!
//! The types mirror the file field for field (`deny_unknown_fields`, so a
//! misspelt key is an error rather than silently ignored). Parsing checks
//! the shape; [`Manifest::validate`] then checks the meaning (known hooks
//! and capabilities, safe paths, consistent declarations), naming the field
//! at fault as a path such as `permissions[2].name`. The JSON Schema in
//! `docs/manifest.schema.json` is generated from these types.

use semver::{Version, VersionReq};
use serde::{Deserialize, Serialize};

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use capsule_contract::{Capability, GrantSet, Hook, HostRule, SettingType};

pub use super::validate::ManifestError;

/// The name of the manifest file at the package root.
pub const MANIFEST_FILE: &str = "manifest.json";

/// An app's manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Capsule app manifest")]
pub struct Manifest {
    /// Unique app id: 1 to 64 of a-z, 0-9, `-`, `_`, `.`, starting with a
    /// letter or digit, and none of the ids the server's apps API keeps
    /// for itself (`public`, `private`, `ui.interaction`, `trusted-keys`,
    /// `development`, `audit`). It names the app's storage and URLs, so it
    /// never changes between versions.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$"))]
    pub id: String,
    /// Display name.
    pub name: String,
    /// The app's version (semver, e.g. `1.2.0`); every update must raise it.
    #[schemars(with = "String")]
    pub version: Version,
    /// The contract versions the app works with, as a semver requirement
    /// (e.g. `^0.1`).
    #[schemars(with = "String")]
    pub api: VersionReq,
    /// Who publishes the app.
    pub author: Author,
    /// What the app does, in a sentence or two.
    pub description: String,
    /// The app's web page (http or https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// Path of the icon inside the package (png, svg, jpg or webp).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Path of the WebAssembly component inside the package.
    #[serde(default = "default_component")]
    pub component: String,
    /// The hooks the app implements.
    #[serde(default)]
    #[schemars(schema_with = "hook_names")]
    pub implements: Vec<String>,
    /// The capabilities the app asks for; an admin grants some or all.
    #[serde(default)]
    pub permissions: Vec<Permission>,
    /// Settings an admin fills in.
    #[serde(default)]
    pub settings: Vec<Setting>,
    /// Slash commands.
    #[serde(default)]
    pub commands: Vec<Command>,
    /// HTTP endpoints, served below `/api/apps/<visibility>/<app-id>/`.
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
}

fn default_component() -> String {
    "app.wasm".into()
}

/// The publisher.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Author {
    /// Person or organisation.
    pub name: String,
    /// Contact address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Web page (http or https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One capability the app asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Permission {
    /// The capability's name.
    #[schemars(schema_with = "capability_name")]
    pub name: String,
    /// For `http-outbound` only, and required there: the hosts the app may
    /// reach (`example.com`, `*.example.com`, `example.com:8443`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts: Option<Vec<String>>,
    /// For `message-read`, `message-write` and `room-read`: the rooms they
    /// are limited to (all rooms when absent). Every room-scoped permission
    /// must list the same rooms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rooms: Option<Vec<String>>,
}

/// A setting an admin fills in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Setting {
    /// The key the app reads it under.
    pub id: String,
    /// The value's type.
    #[serde(rename = "type")]
    pub kind: SettingType,
    /// Label shown to the admin.
    pub label: String,
    /// Help text shown to the admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Value until an admin sets one; must be of the setting's type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    /// Whether the app cannot work without a value.
    #[serde(default)]
    pub required: bool,
    /// Whether the value is hidden once entered (tokens, passwords). A
    /// secret cannot have a default: the manifest is public.
    #[serde(default)]
    pub secret: bool,
}

/// A slash command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Command {
    /// The command without its slash, e.g. `weather`.
    pub command: String,
    /// What it does.
    pub description: String,
    /// Arguments, e.g. `<city> [days]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<String>,
    /// Whether the app previews results while the user types (needs the
    /// `command-preview` hook).
    #[serde(default)]
    pub preview: bool,
}

/// Who may call an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Anyone, e.g. webhooks from other services.
    Public,
    /// Signed-in users only.
    Private,
}

/// An HTTP endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// Path below the app's root, without a leading `/`, e.g. `webhook`.
    pub path: String,
    /// Who may call it.
    pub visibility: Visibility,
    /// Accepted methods (upper-case); all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub methods: Option<Vec<String>>,
}

fn hook_names(_: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = Hook::ALL.iter().map(|h| h.name()).collect();
    json_schema!({ "type": "array", "items": { "type": "string", "enum": names }, "uniqueItems": true })
}

fn capability_name(_: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = Capability::ALL.iter().map(|c| c.name()).collect();
    json_schema!({ "type": "string", "enum": names })
}

impl Manifest {
    /// Parses `manifest.json` and [validates](Manifest::validate) it.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        let manifest = Manifest::parse_unvalidated(bytes)?;
        manifest.validate()?;
        Ok(manifest)
    }

    /// Parses `manifest.json`, checking only its shape and types.
    pub fn parse_unvalidated(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let manifest: Manifest =
            serde_path_to_error::deserialize(&mut de).map_err(|e| ManifestError::Json {
                field: field_of(&e.path().to_string()),
                reason: e.inner().to_string(),
            })?;
        de.end().map_err(|e| ManifestError::Json {
            field: String::new(),
            reason: e.to_string(),
        })?;
        Ok(manifest)
    }

    /// The first problem [`Manifest::problems`] finds, if any.
    pub fn validate(&self) -> Result<(), ManifestError> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// Every problem with the manifest's contents, in field order, so a
    /// publisher can fix them all in one go.
    pub fn problems(&self) -> Vec<ManifestError> {
        super::validate::problems(self)
    }

    /// The hooks in `implements` (unknown names, which validation refuses,
    /// are left out).
    pub fn hooks(&self) -> impl Iterator<Item = Hook> + '_ {
        self.implements.iter().filter_map(|name| name.parse().ok())
    }

    /// The rooms the [room-scoped](Capability::ROOM_SCOPED) permissions are
    /// limited to, if any (validation makes them all list the same rooms).
    pub fn rooms(&self) -> Option<&[String]> {
        self.permissions
            .iter()
            .filter(|p| p.name.parse().is_ok_and(Capability::is_room_scoped))
            .find_map(|p| p.rooms.as_deref())
    }

    /// The grants the app asks for. Entries validation would refuse are left
    /// out, so call this on a validated manifest.
    pub fn requested_grants(&self) -> GrantSet {
        let mut grants = GrantSet::none();
        for permission in &self.permissions {
            let Ok(capability) = permission.name.parse::<Capability>() else {
                continue;
            };
            if capability == Capability::HttpOutbound {
                let hosts = permission
                    .hosts
                    .iter()
                    .flatten()
                    .filter(|h| HostRule::parse(h).is_ok());
                grants = match grants.clone().with_http_hosts(hosts) {
                    Ok(with_hosts) => with_hosts,
                    Err(_) => grants,
                };
            } else {
                grants = grants.with(capability);
            }
        }
        match self.rooms() {
            Some(rooms) => grants.limited_to_rooms(rooms.iter().cloned()),
            None => grants,
        }
    }
}

/// `serde_path_to_error` writes the root as `.`; we write it as nothing.
fn field_of(path: &str) -> String {
    if path == "." {
        String::new()
    } else {
        path.to_string()
    }
}

/// The JSON Schema of `manifest.json`, as committed in
/// `docs/manifest.schema.json`.
pub fn manifest_schema() -> String {
    let schema = schemars::schema_for!(Manifest);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
#[path = "manifest_tests.rs"]
mod tests;
