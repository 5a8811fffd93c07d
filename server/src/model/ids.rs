//! Identifier newtypes and the random ids Rocket.Chat uses.

use std::fmt;

use rand::Rng;
use serde::{Deserialize, Serialize};

/// The alphabet of Rocket.Chat's `Random.id()`: no look-alike characters.
const ID_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";

/// A fresh 17-character id, as Rocket.Chat makes for documents.
pub fn random_id() -> String {
    let mut rng = rand::thread_rng();
    (0..17)
        .map(|_| ID_ALPHABET[rng.gen_range(0..ID_ALPHABET.len())] as char)
        .collect()
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// A fresh random id.
            pub fn random() -> Self {
                Self(random_id())
            }

            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }
    };
}

id_type!(
    /// A user's `_id`.
    UserId
);
id_type!(
    /// A room's `_id` (`GENERAL` for the default channel).
    RoomId
);
id_type!(
    /// A message's `_id`; a client may choose it when sending.
    MessageId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_17_characters_of_the_alphabet() {
        let id = random_id();
        assert_eq!(id.len(), 17);
        assert!(id.bytes().all(|b| ID_ALPHABET.contains(&b)));
        assert_ne!(random_id(), id);
    }
}
