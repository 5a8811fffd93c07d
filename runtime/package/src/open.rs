//! Opening a package an installer may load: read, signature verified under
//! a trust policy, contract version served.

use semver::Version;

use crate::archive::ArchiveLimits;
use crate::error::PackageError;
use crate::package::Package;
use crate::trust::TrustStore;
use crate::verify::{TrustPolicy, Verification};
use crate::version::{VersionError, check_api};

/// A package whose signature was accepted and whose contract version this
/// build serves.
#[derive(Clone, Debug)]
pub struct Opened {
    /// The package.
    pub package: Package,
    /// Why its signature was accepted.
    pub verification: Verification,
    /// The contract version it will be served (the highest supported one
    /// its manifest's `api` accepts).
    pub api: Version,
}

/// Why [`open_verified`] refused a package, by the step that refused it.
/// Each message is the underlying error's.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The archive or its manifest was refused.
    #[error(transparent)]
    Unreadable(PackageError),
    /// The signature was refused under the trust store and policy.
    #[error(transparent)]
    Signature(PackageError),
    /// The app needs a contract version this build does not serve.
    #[error(transparent)]
    UnsupportedApi(VersionError),
}

impl OpenError {
    /// Whether the package was refused for want of trust (unsigned, an
    /// unknown key, a bad signature) or of a contract version, rather than
    /// for being malformed or altered.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            OpenError::Signature(
                PackageError::Unsigned
                    | PackageError::UnknownKey { .. }
                    | PackageError::BadSignature { .. }
            ) | OpenError::UnsupportedApi(_)
        )
    }
}

impl From<OpenError> for PackageError {
    fn from(error: OpenError) -> PackageError {
        match error {
            OpenError::Unreadable(e) | OpenError::Signature(e) => e,
            OpenError::UnsupportedApi(e) => PackageError::Version(e),
        }
    }
}

/// Reads the package in `bytes` under `limits`, verifies its signature
/// under `trust` and `policy`, and checks that this build serves the
/// contract version it needs. Only after this may its component be parsed
/// or compiled.
pub fn open_verified(
    bytes: &[u8],
    limits: &ArchiveLimits,
    trust: &TrustStore,
    policy: TrustPolicy,
) -> Result<Opened, OpenError> {
    let package = Package::read(bytes, limits).map_err(OpenError::Unreadable)?;
    let verification = package
        .verify(trust, policy)
        .map_err(OpenError::Signature)?;
    let api = check_api(package.manifest()).map_err(OpenError::UnsupportedApi)?;
    Ok(Opened {
        package,
        verification,
        api,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{Files, build};
    use crate::keys::SigningKey;
    use crate::signature::sign;

    fn files(api: &str) -> Files {
        let manifest = format!(
            r#"{{"id": "opened", "name": "Opened", "version": "1.0.0", "api": "{api}",
                 "author": {{"name": "A"}}, "description": "d"}}"#
        );
        Files::from([
            ("manifest.json".to_owned(), manifest.into_bytes()),
            ("app.wasm".to_owned(), b"\0asm".to_vec()),
        ])
    }

    fn signed(files: &Files, key: &SigningKey) -> Vec<u8> {
        build(&sign(files, key)).unwrap()
    }

    const STRICT: TrustPolicy = TrustPolicy {
        development_mode: false,
    };

    #[test]
    fn a_trusted_package_for_a_served_contract_opens() {
        let key = SigningKey::from_secret_bytes("acme", &[3; 32]);
        let mut trust = TrustStore::new();
        trust.add(key.public_key()).unwrap();
        let opened = open_verified(
            &signed(&files("^0.1"), &key),
            &ArchiveLimits::default(),
            &trust,
            STRICT,
        )
        .unwrap();
        assert_eq!(opened.package.manifest().id, "opened");
        assert!(matches!(opened.verification, Verification::Signed { .. }));
        assert_eq!(opened.api, Version::new(0, 1, 2));
    }

    #[test]
    fn each_step_refuses_with_its_own_variant() {
        let key = SigningKey::from_secret_bytes("acme", &[3; 32]);
        let mut trust = TrustStore::new();
        let limits = ArchiveLimits::default();

        let garbage = open_verified(b"not a zip", &limits, &trust, STRICT).unwrap_err();
        assert!(matches!(garbage, OpenError::Unreadable(_)) && !garbage.is_refusal());

        let unknown =
            open_verified(&signed(&files("^0.1"), &key), &limits, &trust, STRICT).unwrap_err();
        assert!(matches!(
            unknown,
            OpenError::Signature(PackageError::UnknownKey { .. })
        ));
        assert!(unknown.is_refusal());

        trust.add(key.public_key()).unwrap();
        let future =
            open_verified(&signed(&files("^9"), &key), &limits, &trust, STRICT).unwrap_err();
        assert!(matches!(future, OpenError::UnsupportedApi(_)) && future.is_refusal());
        assert!(matches!(
            PackageError::from(future),
            PackageError::Version(VersionError::UnsupportedApi { .. })
        ));
    }
}
