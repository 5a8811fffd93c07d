//! The slash commands of the loaded apps, from their manifests.
//!
//! Two apps declaring the same command refuse the start, naming both
//! ([`AppsError::DuplicateCommand`]): which app answers a command must be
//! what the admin approved, never an accident of the order of the
//! configuration.

use std::collections::BTreeMap;

use capsule_runtime::package::Manifest;

use super::AppsError;
use crate::chat::{CommandRegistry, SlashCommand};

/// The commands `manifests` declare. A command declared by two apps is
/// refused, naming both (manifest validation already refuses one app
/// declaring a name twice).
pub fn declared<'a>(
    manifests: impl IntoIterator<Item = &'a Manifest>,
) -> Result<CommandRegistry, AppsError> {
    let mut commands = BTreeMap::new();
    for manifest in manifests {
        for declared in &manifest.commands {
            let command = SlashCommand {
                command: declared.command.clone(),
                description: declared.description.clone(),
                usage: declared.usage.clone(),
                preview: declared.preview,
                app_id: manifest.id.clone(),
            };
            if let Some(first) = commands.get(&command.command) {
                let first: &SlashCommand = first;
                return Err(AppsError::DuplicateCommand {
                    command: command.command,
                    first: first.app_id.clone(),
                    second: manifest.id.clone(),
                });
            }
            commands.insert(command.command.clone(), command);
        }
    }
    Ok(CommandRegistry::new(commands))
}
