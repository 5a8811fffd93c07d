//! Incoming webhooks: their records, ids and tokens, and the URL path.
//!
//! A webhook is an id (public, in the URL) and a token (secret, in the URL
//! too, as in Rocket.Chat). The app keeps `hook:<id>` in its key-value
//! store with the token's SHA-256 digest, never the token: whoever reads
//! the app's data cannot post. A request's token is hashed and compared
//! with the stored digest in constant time.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The key-value prefix of webhook records.
pub const KEY_PREFIX: &str = "hook:";

/// The characters of ids and tokens: letters and digits, URL-safe.
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Rocket.Chat's id length.
pub const ID_LEN: usize = 17;
/// Rocket.Chat's token length: 48 × log2(62) ≈ 285 bits.
pub const TOKEN_LEN: usize = 48;

/// One incoming webhook, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hook {
    pub id: String,
    /// Hex SHA-256 of the token.
    pub token_sha256: String,
    /// The room messages go to when the payload names no `channel`.
    pub room_id: String,
    pub room_name: String,
    /// Username of the admin who created it.
    pub created_by: String,
}

impl Hook {
    /// The key-value key of webhook `id`.
    pub fn key(id: &str) -> String {
        format!("{KEY_PREFIX}{id}")
    }

    /// Whether `token` is this webhook's, compared in constant time.
    pub fn accepts(&self, token: &str) -> bool {
        constant_time_eq(digest(token).as_bytes(), self.token_sha256.as_bytes())
    }
}

/// A new random id and token from `random` (the host's WASI random source
/// in the app; fixed bytes in tests).
pub fn new_id_and_token(
    mut random: impl FnMut(&mut [u8]) -> Result<(), String>,
) -> Result<(String, String), String> {
    let id = random_string(ID_LEN, &mut random)?;
    let token = random_string(TOKEN_LEN, &mut random)?;
    Ok((id, token))
}

/// `len` characters of [`ALPHABET`], uniformly: bytes at or above the
/// largest multiple of 62 are drawn again rather than folded, which would
/// favour the first characters.
fn random_string(
    len: usize,
    random: &mut impl FnMut(&mut [u8]) -> Result<(), String>,
) -> Result<String, String> {
    let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8; // 248
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        random(&mut buf)?;
        for &b in &buf {
            if b < limit && out.len() < len {
                out.push(ALPHABET[usize::from(b) % ALPHABET.len()] as char);
            }
        }
    }
    Ok(out)
}

/// Hex SHA-256 of `token`.
pub fn digest(token: &str) -> String {
    let hash = Sha256::digest(token.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in hash {
        hex.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    hex
}

/// Equality whose time depends only on the lengths, not on where the
/// inputs first differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// The id and token of a request to `/hooks/<id>/<token>`, from the
/// request's `url` (`/hooks/<id>/<token>?query`). `None` for any other
/// shape, including extra segments.
pub fn parse_path(url: &str) -> Option<(&str, &str)> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    let (Some("hooks"), Some(id), Some(token), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return None;
    };
    Some((id, token))
}

/// Whether `id` has the shape of an id this app creates; anything else
/// is not looked up at all.
pub fn is_valid_id(id: &str) -> bool {
    id.len() == ID_LEN && id.bytes().all(|b| ALPHABET.contains(&b))
}

/// The URL of a webhook: `<site_url>/hooks/<id>/<token>`, or the path
/// alone when the site URL is not set.
pub fn url(site_url: &str, id: &str, token: &str) -> String {
    format!(
        "{}/hooks/{id}/{token}",
        site_url.trim().trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter() -> impl FnMut(&mut [u8]) -> Result<(), String> {
        let mut next = 0u8;
        move |buf: &mut [u8]| {
            for b in buf {
                *b = next;
                next = next.wrapping_add(1);
            }
            Ok(())
        }
    }

    #[test]
    fn ids_and_tokens_have_their_length_and_alphabet_and_skip_biased_bytes() {
        let (id, token) = new_id_and_token(counter()).unwrap();
        assert_eq!(id.len(), ID_LEN);
        assert_eq!(token.len(), TOKEN_LEN);
        assert!(is_valid_id(&id));
        assert!(token.bytes().all(|b| ALPHABET.contains(&b)));
        // Bytes 248..=255 are dropped: never folded onto `A`...
        let (_, from_high) = new_id_and_token({
            let mut first = true;
            move |buf: &mut [u8]| {
                buf.fill(if first { 250 } else { 1 });
                first = false;
                Ok(())
            }
        })
        .unwrap();
        assert!(from_high.bytes().all(|b| b == b'B'), "{from_high}");
    }

    #[test]
    fn a_failing_random_source_is_an_error() {
        assert!(new_id_and_token(|_| Err("no entropy".into())).is_err());
    }

    #[test]
    fn the_token_is_checked_against_its_digest() {
        let hook = Hook {
            id: "x".repeat(ID_LEN),
            token_sha256: digest("s3cret"),
            room_id: "GENERAL".into(),
            room_name: "general".into(),
            created_by: "admin".into(),
        };
        assert!(hook.accepts("s3cret"));
        assert!(!hook.accepts("s3cres"));
        assert!(!hook.accepts(""));
        assert_ne!(hook.token_sha256, "s3cret");
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn only_hooks_id_token_paths_parse() {
        assert_eq!(parse_path("/hooks/abc/def"), Some(("abc", "def")));
        assert_eq!(parse_path("/hooks/abc/def?x=1"), Some(("abc", "def")));
        assert_eq!(parse_path("hooks/abc/def/"), Some(("abc", "def")));
        assert_eq!(parse_path("/hooks/abc"), None);
        assert_eq!(parse_path("/hooks"), None);
        assert_eq!(parse_path("/hooks/abc/def/ghi"), None);
        assert_eq!(parse_path("/other/abc/def"), None);
        assert!(!is_valid_id("short"));
        assert!(!is_valid_id(&"é".repeat(ID_LEN)));
    }

    #[test]
    fn urls_join_the_site_url() {
        assert_eq!(
            url("https://chat.example.com/", "I", "T"),
            "https://chat.example.com/hooks/I/T"
        );
        assert_eq!(url("", "I", "T"), "/hooks/I/T");
    }
}
