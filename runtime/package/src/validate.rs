//! The meaning checks of a manifest, after parsing has checked its shape.
//! Each problem names the field at fault (`permissions[2].name`) and says
//! what to write instead.

use std::collections::HashMap;

use capsule_contract::Hook;
use capsule_contract::ids::{AppIdError, ID_RULE, check_app_id};
use capsule_contract::{Capability, GrantError, HostRule, valid_id};

use super::manifest::Manifest;
use super::names::{MAX_NAME_BYTES, NameProblem, check_name};
use capsule_contract::SettingType;

const MAX_NAME_CHARS: usize = 64;
const MAX_TEXT_CHARS: usize = 1000;
const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const ICON_EXTENSIONS: [&str; 5] = ["png", "svg", "jpg", "jpeg", "webp"];

/// A problem in `manifest.json`. Every variant names the field at fault.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestError {
    #[error("{}{reason}", at(.field))]
    Json { field: String, reason: String },
    #[error("{field}: `{value}` {problem}")]
    InvalidId {
        field: String,
        value: String,
        problem: AppIdError,
    },
    #[error("{field}: must not be empty; fill it in")]
    Empty { field: String },
    #[error("{field}: is longer than {max} characters; shorten it")]
    TooLong { field: String, max: usize },
    #[error(
        "{field}: `{value}` is not an http or https URL ({reason}); give a full URL such as https://example.com/app"
    )]
    InvalidUrl {
        field: String,
        value: String,
        reason: String,
    },
    #[error("{field}: `{value}` is not an e-mail address; give one like apps@example.com")]
    InvalidEmail { field: String, value: String },
    #[error("{field}: `{path}` is not a usable path inside the package: {problem}")]
    InvalidPath {
        field: String,
        path: String,
        problem: NameProblem,
    },
    #[error("{field}: `{path}` must end in {expected}")]
    WrongExtension {
        field: String,
        path: String,
        expected: String,
    },
    #[error("{field}: unknown hook \"{name}\"; known: {}", known_hooks())]
    UnknownHook { field: String, name: String },
    #[error(
        "{field}: unknown capability \"{name}\"; known: {}",
        known_capabilities()
    )]
    UnknownCapability { field: String, name: String },
    #[error("{field}: `{value}` is already listed at {first}; list it once")]
    Duplicate {
        field: String,
        value: String,
        first: String,
    },
    #[error("{field}: only `http-outbound` takes hosts; remove them from `{capability}`")]
    HostsNotAllowed {
        field: String,
        capability: Capability,
    },
    #[error(
        "{field}: `http-outbound` needs `hosts`, the hosts the app may reach, e.g. [\"api.example.com\"]"
    )]
    HostsMissing { field: String },
    #[error("{field}: `{host}` is not a valid host: {reason}")]
    InvalidHost {
        field: String,
        host: String,
        reason: String,
    },
    #[error(
        "{field}: only `message-read`, `message-write` and `room-read` take rooms; remove them from `{capability}`"
    )]
    RoomsNotAllowed {
        field: String,
        capability: Capability,
    },
    #[error(
        "{field}: every room-scoped permission must list the same rooms (one room list applies to all of them); make them equal"
    )]
    RoomsDiffer { field: String },
    #[error("{field}: `{value}` is not valid: {rule}")]
    InvalidName {
        field: String,
        value: String,
        rule: &'static str,
    },
    #[error("{field}: must be a {expected} value, as the setting's type is `{expected}`")]
    DefaultMismatch {
        field: String,
        expected: SettingType,
    },
    #[error(
        "{field}: a secret setting cannot have a default, because the manifest is public; remove the default"
    )]
    SecretDefault { field: String },
    #[error("{field}: declaring these needs `{hook}` in `implements`; add it")]
    MissingHook { field: String, hook: Hook },
    #[error(
        "{field}: the app implements `{hook}` but declares no {what}; declare them or remove the hook"
    )]
    NothingDeclared {
        field: String,
        hook: Hook,
        what: &'static str,
    },
    #[error(
        "{field}: the app declares settings but does not ask for the `settings` permission it needs to read them; add {{\"name\": \"settings\"}} to `permissions`"
    )]
    SettingsWithoutPermission { field: String },
    #[error("{field}: `{method}` is not an HTTP method; use one of {}", METHODS.join(", "))]
    InvalidMethod { field: String, method: String },
}

impl ManifestError {
    /// The path of the field at fault (empty for the whole file).
    pub fn field(&self) -> &str {
        use ManifestError::*;
        match self {
            Json { field, .. }
            | InvalidId { field, .. }
            | Empty { field }
            | TooLong { field, .. }
            | InvalidUrl { field, .. }
            | InvalidEmail { field, .. }
            | InvalidPath { field, .. }
            | WrongExtension { field, .. }
            | UnknownHook { field, .. }
            | UnknownCapability { field, .. }
            | Duplicate { field, .. }
            | HostsNotAllowed { field, .. }
            | HostsMissing { field }
            | InvalidHost { field, .. }
            | RoomsNotAllowed { field, .. }
            | RoomsDiffer { field }
            | InvalidName { field, .. }
            | DefaultMismatch { field, .. }
            | SecretDefault { field }
            | MissingHook { field, .. }
            | NothingDeclared { field, .. }
            | SettingsWithoutPermission { field }
            | InvalidMethod { field, .. } => field,
        }
    }
}

fn at(field: &str) -> String {
    if field.is_empty() {
        String::new()
    } else {
        format!("{field}: ")
    }
}

fn known_hooks() -> String {
    Hook::ALL
        .iter()
        .map(|h| h.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn known_capabilities() -> String {
    Capability::ALL
        .iter()
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every problem in `manifest`, in field order.
pub(crate) fn problems(manifest: &Manifest) -> Vec<ManifestError> {
    let mut c = Checker::default();
    if let Err(problem) = check_app_id(&manifest.id) {
        c.push(ManifestError::InvalidId {
            field: "id".into(),
            value: manifest.id.clone(),
            problem,
        });
    }
    c.text("name", &manifest.name, MAX_NAME_CHARS);
    c.text("author.name", &manifest.author.name, MAX_NAME_CHARS);
    if let Some(email) = &manifest.author.email {
        c.email("author.email", email);
    }
    if let Some(url) = &manifest.author.url {
        c.url("author.url", url);
    }
    c.text("description", &manifest.description, MAX_TEXT_CHARS);
    if let Some(homepage) = &manifest.homepage {
        c.url("homepage", homepage);
    }
    if let Some(icon) = &manifest.icon {
        c.path("icon", icon, &ICON_EXTENSIONS);
    }
    c.path("component", &manifest.component, &["wasm"]);
    let hooks = c.hooks(manifest);
    c.permissions(manifest);
    c.settings(manifest);
    c.commands(manifest, &hooks);
    c.endpoints(manifest, &hooks);
    c.errors
}

#[derive(Default)]
struct Checker {
    errors: Vec<ManifestError>,
}

impl Checker {
    fn push(&mut self, error: ManifestError) {
        self.errors.push(error);
    }

    fn text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.push(ManifestError::Empty {
                field: field.into(),
            });
        } else if value.chars().count() > max {
            self.push(ManifestError::TooLong {
                field: field.into(),
                max,
            });
        }
    }

    fn url(&mut self, field: &str, value: &str) {
        let reason = match url::Url::parse(value) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => return,
            Ok(url) => format!("its scheme is `{}`", url.scheme()),
            Err(e) => e.to_string(),
        };
        self.push(ManifestError::InvalidUrl {
            field: field.into(),
            value: value.into(),
            reason,
        });
    }

    fn email(&mut self, field: &str, value: &str) {
        let ok = matches!(value.split_once('@'), Some((user, domain)) if !user.is_empty() && domain.contains('.') && !domain.contains('@'))
            && !value.chars().any(char::is_whitespace);
        if !ok {
            self.push(ManifestError::InvalidEmail {
                field: field.into(),
                value: value.into(),
            });
        }
    }

    fn path(&mut self, field: &str, value: &str, extensions: &[&str]) {
        if let Err(problem) = check_name(value, MAX_NAME_BYTES) {
            self.push(ManifestError::InvalidPath {
                field: field.into(),
                path: value.into(),
                problem,
            });
            return;
        }
        let extension = value
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase());
        if !extension.is_some_and(|ext| extensions.contains(&ext.as_str())) {
            let expected = extensions
                .iter()
                .map(|e| format!(".{e}"))
                .collect::<Vec<_>>()
                .join(" or ");
            self.push(ManifestError::WrongExtension {
                field: field.into(),
                path: value.into(),
                expected,
            });
        }
    }

    /// Refuses a value listed twice in one list; `seen` maps values to the
    /// field that first listed them.
    fn unique(&mut self, seen: &mut HashMap<String, String>, field: String, value: &str) {
        if let Some(first) = seen.get(value) {
            self.push(ManifestError::Duplicate {
                field,
                value: value.into(),
                first: first.clone(),
            });
        } else {
            seen.insert(value.to_string(), field);
        }
    }

    fn hooks(&mut self, manifest: &Manifest) -> HashMap<Hook, String> {
        let mut hooks = HashMap::new();
        let mut seen = HashMap::new();
        for (i, name) in manifest.implements.iter().enumerate() {
            let field = format!("implements[{i}]");
            match name.parse::<Hook>() {
                Ok(hook) => {
                    hooks.entry(hook).or_insert_with(|| field.clone());
                }
                Err(_) => self.push(ManifestError::UnknownHook {
                    field: field.clone(),
                    name: name.clone(),
                }),
            }
            self.unique(&mut seen, field, name);
        }
        hooks
    }

    fn permissions(&mut self, manifest: &Manifest) {
        let mut seen = HashMap::new();
        // The first room-scoped permission sets the room list the others must repeat.
        let mut room_list: Option<Option<Vec<String>>> = None;
        for (i, permission) in manifest.permissions.iter().enumerate() {
            let field = format!("permissions[{i}]");
            self.unique(&mut seen, format!("{field}.name"), &permission.name);
            let Ok(capability) = permission.name.parse::<Capability>() else {
                self.push(ManifestError::UnknownCapability {
                    field: format!("{field}.name"),
                    name: permission.name.clone(),
                });
                continue;
            };
            match (&permission.hosts, capability == Capability::HttpOutbound) {
                (Some(_), false) => self.push(ManifestError::HostsNotAllowed {
                    field: format!("{field}.hosts"),
                    capability,
                }),
                (None, true) => self.push(ManifestError::HostsMissing {
                    field: format!("{field}.hosts"),
                }),
                (Some(hosts), true) if hosts.is_empty() => self.push(ManifestError::HostsMissing {
                    field: format!("{field}.hosts"),
                }),
                (Some(hosts), true) => {
                    for (j, host) in hosts.iter().enumerate() {
                        if let Err(e) = HostRule::parse(host) {
                            let reason = match e {
                                GrantError::InvalidHost { reason, .. } => reason,
                                other => other.to_string(),
                            };
                            self.push(ManifestError::InvalidHost {
                                field: format!("{field}.hosts[{j}]"),
                                host: host.clone(),
                                reason,
                            });
                        }
                    }
                }
                (None, false) => {}
            }
            if !capability.is_room_scoped() {
                if permission.rooms.is_some() {
                    self.push(ManifestError::RoomsNotAllowed {
                        field: format!("{field}.rooms"),
                        capability,
                    });
                }
                continue;
            }
            if let Some(rooms) = &permission.rooms {
                if rooms.is_empty() {
                    self.push(ManifestError::Empty {
                        field: format!("{field}.rooms"),
                    });
                }
                for (j, room) in rooms.iter().enumerate() {
                    self.text(&format!("{field}.rooms[{j}]"), room, MAX_NAME_CHARS);
                }
            }
            let mut sorted = permission.rooms.clone();
            if let Some(rooms) = sorted.as_mut() {
                rooms.sort();
                rooms.dedup();
            }
            match &room_list {
                None => room_list = Some(sorted),
                Some(first) if *first != sorted => self.push(ManifestError::RoomsDiffer {
                    field: format!("{field}.rooms"),
                }),
                Some(_) => {}
            }
        }
    }

    fn settings(&mut self, manifest: &Manifest) {
        let mut seen = HashMap::new();
        for (i, setting) in manifest.settings.iter().enumerate() {
            let field = format!("settings[{i}]");
            if !valid_id(&setting.id) {
                let rule = ID_RULE;
                self.push(ManifestError::InvalidName {
                    field: format!("{field}.id"),
                    value: setting.id.clone(),
                    rule,
                });
            }
            self.unique(&mut seen, format!("{field}.id"), &setting.id);
            self.text(&format!("{field}.label"), &setting.label, MAX_NAME_CHARS);
            if let Some(description) = &setting.description {
                self.text(&format!("{field}.description"), description, MAX_TEXT_CHARS);
            }
            if let Some(default) = &setting.default {
                if setting.secret {
                    self.push(ManifestError::SecretDefault {
                        field: format!("{field}.default"),
                    });
                } else if !setting.kind.accepts(default) {
                    self.push(ManifestError::DefaultMismatch {
                        field: format!("{field}.default"),
                        expected: setting.kind,
                    });
                }
            }
        }
        if !manifest.settings.is_empty()
            && !manifest
                .permissions
                .iter()
                .any(|p| p.name == Capability::Settings.name())
        {
            self.push(ManifestError::SettingsWithoutPermission {
                field: "settings".into(),
            });
        }
    }

    fn commands(&mut self, manifest: &Manifest, hooks: &HashMap<Hook, String>) {
        let mut seen = HashMap::new();
        for (i, command) in manifest.commands.iter().enumerate() {
            let field = format!("commands[{i}]");
            let valid = (1..=32).contains(&command.command.len())
                && command.command.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_')
                });
            if !valid {
                let rule = "use 1 to 32 of a-z, 0-9, `-`, `_`, without the leading `/`";
                self.push(ManifestError::InvalidName {
                    field: format!("{field}.command"),
                    value: command.command.clone(),
                    rule,
                });
            }
            self.unique(&mut seen, format!("{field}.command"), &command.command);
            self.text(
                &format!("{field}.description"),
                &command.description,
                MAX_TEXT_CHARS,
            );
            if command.preview && !hooks.contains_key(&Hook::CommandPreview) {
                self.push(ManifestError::MissingHook {
                    field: format!("{field}.preview"),
                    hook: Hook::CommandPreview,
                });
            }
        }
        if !manifest.commands.is_empty() && !hooks.contains_key(&Hook::Command) {
            self.push(ManifestError::MissingHook {
                field: "commands".into(),
                hook: Hook::Command,
            });
        }
        if let Some(field) = hooks
            .get(&Hook::Command)
            .filter(|_| manifest.commands.is_empty())
        {
            self.push(ManifestError::NothingDeclared {
                field: field.clone(),
                hook: Hook::Command,
                what: "commands",
            });
        }
        if let Some(field) = hooks
            .get(&Hook::CommandPreview)
            .filter(|_| !manifest.commands.iter().any(|c| c.preview))
        {
            let what = "command with `preview: true`";
            self.push(ManifestError::NothingDeclared {
                field: field.clone(),
                hook: Hook::CommandPreview,
                what,
            });
        }
    }

    fn endpoints(&mut self, manifest: &Manifest, hooks: &HashMap<Hook, String>) {
        let mut seen = HashMap::new();
        for (i, endpoint) in manifest.endpoints.iter().enumerate() {
            let field = format!("endpoints[{i}]");
            let segments_ok = endpoint
                .path
                .split('/')
                .all(|s| !s.is_empty() && s != "." && s != "..");
            let chars_ok = endpoint.path.bytes().all(|b| {
                b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || matches!(b, b'-' | b'_' | b'.' | b'/')
            });
            if endpoint.path.len() > 128 || !segments_ok || !chars_ok {
                let rule = "use up to 128 of a-z, 0-9, `-`, `_`, `.` in `/`-separated segments, without a leading `/`";
                self.push(ManifestError::InvalidName {
                    field: format!("{field}.path"),
                    value: endpoint.path.clone(),
                    rule,
                });
            }
            self.unique(&mut seen, format!("{field}.path"), &endpoint.path);
            let mut methods_seen = HashMap::new();
            for (j, method) in endpoint.methods.iter().flatten().enumerate() {
                let method_field = format!("{field}.methods[{j}]");
                if !METHODS.contains(&method.as_str()) {
                    self.push(ManifestError::InvalidMethod {
                        field: method_field.clone(),
                        method: method.clone(),
                    });
                }
                self.unique(&mut methods_seen, method_field, method);
            }
        }
        if !manifest.endpoints.is_empty() && !hooks.contains_key(&Hook::Endpoint) {
            self.push(ManifestError::MissingHook {
                field: "endpoints".into(),
                hook: Hook::Endpoint,
            });
        }
        if let Some(field) = hooks
            .get(&Hook::Endpoint)
            .filter(|_| manifest.endpoints.is_empty())
        {
            self.push(ManifestError::NothingDeclared {
                field: field.clone(),
                hook: Hook::Endpoint,
                what: "endpoints",
            });
        }
    }
}
