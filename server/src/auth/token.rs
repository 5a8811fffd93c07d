//! Sign-in tokens: random, shown to the client once, stored as a digest.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// A fresh token: 32 random bytes, base64url (43 characters, as
/// Rocket.Chat's tokens are).
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The digest under which a token is stored and looked up.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_43_characters_and_unique() {
        let token = super::generate();
        assert_eq!(token.len(), 43);
        assert_ne!(token, super::generate());
        assert_eq!(super::digest(&token).len(), 64);
    }
}
