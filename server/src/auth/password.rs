//! Passwords, hashed with argon2id.
//!
//! What is hashed is the lowercase hex SHA-256 of the password, not the
//! password itself: Rocket.Chat's real-time `login` method sends that
//! digest instead of the password, so storing `argon2(sha256(password))`
//! lets both the REST form (plain password) and the digest form sign in.
//! Hashing takes tens of milliseconds and 19 MiB by design, so it runs on
//! the blocking pool, at most one hash per core at a time: more would not
//! finish sooner, and a burst of sign-ins must not cost a burst of memory
//! (a thousand people signing in at once would otherwise ask for 19 GiB).

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

/// Hashes running at once: one per core.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Semaphore::new(cores)
});

/// Runs `work` (an argon2 computation) on the blocking pool once a hashing
/// slot is free.
async fn hashing<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let _slot = HASHING.acquire().await.ok()?;
    tokio::task::spawn_blocking(work).await.ok()
}

/// A password as a client presents it.
#[derive(Clone, Debug)]
pub enum Presented {
    /// The password itself.
    Plain(String),
    /// Lowercase hex SHA-256 of the password (`{"digest", "algorithm": "sha-256"}`).
    Sha256(String),
}

impl Presented {
    fn digest(&self) -> String {
        match self {
            Presented::Plain(password) => sha256_hex(password),
            Presented::Sha256(digest) => digest.to_ascii_lowercase(),
        }
    }
}

/// Lowercase hex SHA-256 of `text`.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The argon2id hash (PHC string) of `password`.
pub async fn hash(password: &str) -> String {
    let digest = sha256_hex(password);
    hashing(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(digest.as_bytes(), &salt)
            .expect("argon2 hashes any input with default parameters")
            .to_string()
    })
    .await
    .expect("hashing does not panic")
}

/// A hash of a random password, made once: verifying against it costs
/// what verifying against a real hash does.
static DECOY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

/// Spends on `presented` the work of verifying a password, matching
/// nothing: what a sign-in for an account without a password does, so it
/// takes as long as a wrong password for a real one.
pub async fn verify_nothing(presented: &Presented) {
    let decoy = DECOY
        .get_or_init(|| async {
            let mut secret = [0u8; 32];
            rand::RngCore::fill_bytes(&mut OsRng, &mut secret);
            hash(&hex::encode(secret)).await
        })
        .await;
    verify(presented, decoy).await;
}

/// Argon2 verifications run so far (tests read it: a decoy verification
/// cannot be seen otherwise but by timing).
static VERIFICATIONS: AtomicU64 = AtomicU64::new(0);

#[cfg(test)]
fn verifications() -> u64 {
    VERIFICATIONS.load(Ordering::Relaxed)
}

/// Whether `presented` matches the stored `hash`. A malformed hash never
/// matches.
pub async fn verify(presented: &Presented, hash: &str) -> bool {
    VERIFICATIONS.fetch_add(1, Ordering::Relaxed);
    let digest = presented.digest();
    let hash = hash.to_owned();
    hashing(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(digest.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn plain_and_digest_forms_both_verify() {
        let stored = hash("correct horse").await;
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify(&Presented::Plain("correct horse".into()), &stored).await);
        let digest = sha256_hex("correct horse").to_uppercase();
        assert!(verify(&Presented::Sha256(digest), &stored).await);
        assert!(!verify(&Presented::Plain("wrong".into()), &stored).await);
        assert!(!verify(&Presented::Plain("x".into()), "not a hash").await);
    }

    #[tokio::test]
    async fn verifying_nothing_runs_argon2_as_a_wrong_password_does() {
        let before = verifications();
        verify_nothing(&Presented::Plain("wrong".into())).await;
        assert!(
            verifications() > before,
            "an account without a password must cost an argon2 verification"
        );
        let decoy = DECOY.get().expect("the decoy is made on first use");
        assert!(
            decoy.starts_with("$argon2id$"),
            "the same parameters as real hashes"
        );
    }
}
