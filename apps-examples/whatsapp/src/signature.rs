//! `X-Hub-Signature-256`: how Meta signs every webhook notification.
//!
//! The header is `sha256=<hex>`, the hex of HMAC-SHA256 over the request's
//! raw body bytes, keyed with the Meta app's secret. It must be checked
//! over the bytes exactly as received (not re-encoded JSON), and compared
//! in constant time so that the answer's timing does not reveal how much
//! of a forged signature was right.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The header's name (the host hands headers over lower-case).
pub const HEADER: &str = "x-hub-signature-256";

/// Why a notification's signature is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No `X-Hub-Signature-256` header at all.
    Missing,
    /// Not `sha256=` and 64 hex digits.
    Malformed,
    /// Well-formed, but not the body's signature with our secret.
    Mismatch,
}

/// HMAC-SHA256 of `message` with `key` (RFC 2104), by the RustCrypto
/// `hmac` crate.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length (a long one is hashed first), so this
    // constructor cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The header value Meta would send for `body` signed with `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut out = String::from("sha256=");
    for byte in hmac_sha256(secret.as_bytes(), body) {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Checks `header` (the header's value, if any) against `body` signed with
/// `secret`.
pub fn verify(secret: &str, body: &[u8], header: Option<&str>) -> Result<(), Refusal> {
    let header = header.ok_or(Refusal::Missing)?;
    let given = parse(header.trim()).ok_or(Refusal::Malformed)?;
    let expected = hmac_sha256(secret.as_bytes(), body);
    if bool::from(given.ct_eq(&expected)) {
        Ok(())
    } else {
        Err(Refusal::Mismatch)
    }
}

/// Whether `a` and `b` are the same text, in time that depends on their
/// lengths only (for comparing the verify token).
pub fn same_text(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The 32 bytes of `sha256=<64 hex digits>` (either case).
fn parse(header: &str) -> Option<[u8; 32]> {
    let hex = header.strip_prefix("sha256=")?.as_bytes();
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in hex.chunks_exact(2).enumerate() {
        out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_vectors() {
        // Test case 2: a short key.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sign_hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block, which is hashed first.
        let mac = hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(
            sign_hex(&mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    fn sign_hex(mac: &[u8; 32]) -> String {
        mac.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn the_signature_of_the_body_with_the_secret_is_accepted() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let header = sign("app-secret", body);
        assert!(header.starts_with("sha256=") && header.len() == 71);
        assert_eq!(verify("app-secret", body, Some(&header)), Ok(()));
        // Upper-case hex and surrounding spaces are the same signature.
        let upper = format!(" sha256={} ", header[7..].to_uppercase());
        assert_eq!(verify("app-secret", body, Some(&upper)), Ok(()));
    }

    #[test]
    fn another_secret_body_or_a_malformed_header_is_refused() {
        let body = b"{\"a\":1}";
        let header = sign("app-secret", body);
        assert_eq!(verify("other", body, Some(&header)), Err(Refusal::Mismatch));
        assert_eq!(
            verify("app-secret", b"{\"a\": 1}", Some(&header)),
            Err(Refusal::Mismatch),
            "the raw bytes are signed, not the JSON's meaning"
        );
        assert_eq!(verify("app-secret", body, None), Err(Refusal::Missing));
        for bad in [
            "",
            "sha256=",
            "sha1=0123",
            &header[7..],
            &header[..70],
            &format!("{header}0"),
            &format!("sha256={}", "zz".repeat(32)),
            "sha256=é€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€",
        ] {
            assert_eq!(
                verify("app-secret", body, Some(bad)),
                Err(Refusal::Malformed),
                "{bad:?}"
            );
        }
    }
}
