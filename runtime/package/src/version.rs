//! Version rules: the contract version an app needs must be one this
//! build of Capsule serves, and an update must raise the app's version.

use std::cmp::Ordering;

use semver::{Version, VersionReq};

use super::manifest::Manifest;
use capsule_contract::SUPPORTED_VERSIONS;

/// A version rule was broken.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum VersionError {
    #[error("manifest.json: api: the app needs contract version `{requirement}`, but this server supports {}; install a build of the app for one of those, or upgrade Capsule", supported.join(", "))]
    UnsupportedApi {
        requirement: VersionReq,
        supported: Vec<&'static str>,
    },
    #[error(
        "version {version} is already installed; raise `version` in manifest.json for an update (use --force to reinstall it)"
    )]
    SameVersion { version: Version },
    #[error(
        "version {new} is older than the installed {installed}; an update must raise the version (use --force to downgrade)"
    )]
    Downgrade { installed: Version, new: Version },
}

/// What an accepted install over an existing version is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateKind {
    /// A higher version.
    Upgrade,
    /// The same version again (forced).
    Reinstall,
    /// A lower version (forced).
    Downgrade,
}

/// The highest supported contract version the manifest's `api` accepts.
pub fn check_api(manifest: &Manifest) -> Result<Version, VersionError> {
    SUPPORTED_VERSIONS
        .iter()
        .filter_map(|v| Version::parse(v).ok())
        .filter(|v| manifest.api.matches(v))
        .max()
        .ok_or_else(|| VersionError::UnsupportedApi {
            requirement: manifest.api.clone(),
            supported: SUPPORTED_VERSIONS.to_vec(),
        })
}

/// Whether `new` may replace `installed`. Build metadata does not count
/// (semver precedence), so `1.0.0+a` over `1.0.0+b` is a reinstall.
pub fn check_update(
    installed: &Version,
    new: &Version,
    force: bool,
) -> Result<UpdateKind, VersionError> {
    match new.cmp_precedence(installed) {
        Ordering::Greater => Ok(UpdateKind::Upgrade),
        Ordering::Equal if force => Ok(UpdateKind::Reinstall),
        Ordering::Equal => Err(VersionError::SameVersion {
            version: new.clone(),
        }),
        Ordering::Less if force => Ok(UpdateKind::Downgrade),
        Ordering::Less => Err(VersionError::Downgrade {
            installed: installed.clone(),
            new: new.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    fn manifest_needing(api: &str) -> Manifest {
        let text = format!(
            r#"{{"id": "x", "name": "X", "version": "1.0.0", "api": "{api}", "author": {{"name": "A"}}, "description": "d"}}"#
        );
        Manifest::parse_unvalidated(text.as_bytes()).unwrap()
    }

    #[test]
    fn api_requirements_match_supported_versions() {
        // The highest the requirement accepts; an app that needs an
        // addition names its release.
        assert_eq!(check_api(&manifest_needing("^0.1")).unwrap(), v("0.1.2"));
        assert_eq!(check_api(&manifest_needing("=0.1.0")).unwrap(), v("0.1.0"));
        assert_eq!(check_api(&manifest_needing("=0.1.1")).unwrap(), v("0.1.1"));
        assert_eq!(check_api(&manifest_needing("^0.1.2")).unwrap(), v("0.1.2"));
        assert!(check_api(&manifest_needing("^0.1.3")).is_err());
        let err = check_api(&manifest_needing("^9")).unwrap_err();
        assert!(matches!(err, VersionError::UnsupportedApi { .. }));
        let text = err.to_string();
        assert!(
            text.contains("^9") && text.contains("0.1.0, 0.1.1, 0.1.2"),
            "{text}"
        );
    }

    #[test]
    fn updates_must_raise_the_version_unless_forced() {
        assert_eq!(
            check_update(&v("1.0.0"), &v("1.0.1"), false),
            Ok(UpdateKind::Upgrade)
        );
        assert_eq!(
            check_update(&v("1.0.0-beta"), &v("1.0.0"), false),
            Ok(UpdateKind::Upgrade)
        );
        assert!(matches!(
            check_update(&v("1.0.0"), &v("1.0.0+build2"), false),
            Err(VersionError::SameVersion { .. })
        ));
        let err = check_update(&v("2.0.0"), &v("1.9.9"), false).unwrap_err();
        assert!(
            err.to_string().contains("use --force to downgrade"),
            "{err}"
        );
        assert_eq!(
            check_update(&v("2.0.0"), &v("1.9.9"), true),
            Ok(UpdateKind::Downgrade)
        );
        assert_eq!(
            check_update(&v("2.0.0"), &v("2.0.0"), true),
            Ok(UpdateKind::Reinstall)
        );
    }
}
