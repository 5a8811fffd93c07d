//! The slash commands the chat knows, and how a message's text names one.

use std::collections::BTreeMap;
use std::sync::Arc;

/// One app's slash command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlashCommand {
    /// The name without its slash, e.g. `weather`.
    pub command: String,
    /// What it does.
    pub description: String,
    /// Its arguments, e.g. `<city> [days]` (Rocket.Chat's `params`).
    pub usage: Option<String>,
    /// Whether the app previews results while the user types.
    pub preview: bool,
    /// The app that runs it.
    pub app_id: String,
}

/// The commands of every loaded app, by name (sorted). Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct CommandRegistry {
    commands: Arc<BTreeMap<String, SlashCommand>>,
}

impl CommandRegistry {
    /// The registry of `commands`, whose names are distinct (whoever
    /// declares them refuses duplicates, naming both owners).
    pub fn new(commands: BTreeMap<String, SlashCommand>) -> CommandRegistry {
        CommandRegistry {
            commands: Arc::new(commands),
        }
    }

    /// The command called `name` (without its slash; any case).
    pub fn get(&self, name: &str) -> Option<&SlashCommand> {
        self.commands.get(&name.to_ascii_lowercase())
    }

    /// Every command, sorted by name.
    pub fn all(&self) -> impl DoubleEndedIterator<Item = &SlashCommand> + ExactSizeIterator {
        self.commands.values()
    }

    /// How many commands there are.
    pub fn len(&self) -> usize {
        self.commands.len()
    }

    /// Whether no app declares a command.
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }
}

/// A message text read as a command: the name (without the slash) and
/// what follows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandText<'a> {
    pub name: &'a str,
    /// The text after the name, without the whitespace that separates them.
    pub params: &'a str,
}

/// Reads `text` as a command, Rocket.Chat's rule: the first word, when it
/// is `/` followed by a command name. A name is what manifests allow
/// (letters, digits, `-`, `_`; any case here), so a first word that holds
/// anything else (`/usr/bin/env`, `//`, `/:)`, a lone `/`) is no command
/// and the text is an ordinary message. Whether the name is a *known*
/// command is the caller's question.
pub fn parse(text: &str) -> Option<CommandText<'_>> {
    let rest = text.strip_prefix('/')?;
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let name = &rest[..end];
    let is_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    is_name.then(|| CommandText {
        name,
        params: rest[end..].trim_start(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_word_names_the_command() {
        let parsed = parse("/echo  hello  world ").unwrap();
        assert_eq!(parsed.name, "echo");
        assert_eq!(parsed.params, "hello  world ");
        assert_eq!(parse("/shrug").unwrap().params, "");
        assert_eq!(parse("/Greet\tme").unwrap().name, "Greet");
    }

    #[test]
    fn paths_and_other_slashes_are_ordinary_messages() {
        for text in [
            "/usr/bin/env",
            "//",
            "/",
            "/ echo",
            "/:)",
            "a /echo",
            " /echo",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
