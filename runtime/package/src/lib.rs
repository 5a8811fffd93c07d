//! `capsule-package`: Capsule's app packages, signed zips holding a
//! manifest, a component and assets (the format is described in
//! `docs/packages.md`).
//!
//! Installing a package goes, in this order:
//!
//! 1. [`Package::read`]: the zip is untrusted input: read under
//!    [`ArchiveLimits`], then `manifest.json` parsed and validated, and the
//!    files it names checked to exist. The component's bytes are only held.
//! 2. [`Package::verify`]: the signature against the [`TrustStore`] and the
//!    [`TrustPolicy`]. **This must happen before the component is parsed or
//!    handed to wasmtime**: the compiler and component parser are large
//!    attack surfaces, and only a verified package has earned them. Nothing
//!    in this crate parses the component except [`inspect_component`], so an
//!    installer that calls `verify` before [`Package::component`] keeps that
//!    promise.
//! 3. [`check_api`] and, for an update, [`check_update`].
//!
//! [`open_verified`] does 1 to 3 (but the update check) in one call, with
//! one error saying which step refused. The runtime then loads the
//! component under the grants an admin approved (often
//! [`Manifest::requested_grants`]).
//!
//! This crate does not link wasmtime or any compiler back end
//! (`cargo tree -p capsule-package -e normal | grep -i wasmtime` is empty),
//! so the SDK's tools package, sign, verify and inspect without one. What
//! the runtime and the format share (capability and hook names, contract
//! versions, id rules) comes from `capsule-contract`.

mod archive;
mod central_dir;
mod digest;
mod error;
mod imports;
mod keys;
mod manifest;
mod names;
mod open;
mod package;
mod signature;
mod trust;
mod validate;
mod verify;
mod version;

pub use archive::{ArchiveError, ArchiveLimits, Files, build, read as read_archive};
/// Defined by the contract; manifests declare settings with it.
pub use capsule_contract::SettingType;
pub use digest::{
    DIGEST_HEADER, FileChanges, FileHashes, PackageDigest, SIGNATURE_FILE, file_hashes,
};
pub use error::PackageError;
pub use imports::{ComponentInterfaces, InspectError, inspect_component};
pub use keys::{KeyError, PUBLIC_KEY_KIND, PublicKey, SIGNING_KEY_KIND, SigningKey, key_id_of};
pub use manifest::{
    Author, Command, Endpoint, MANIFEST_FILE, Manifest, ManifestError, Permission, Setting,
    Visibility, manifest_schema,
};
pub use names::{MAX_NAME_BYTES, NameProblem, check_name};
pub use open::{OpenError, Opened, open_verified};
pub use package::Package;
pub use signature::{ALGORITHM, SignatureFile, sign};
pub use trust::{TRUST_STORE_KIND, TrustError, TrustStore};
pub use verify::{TrustPolicy, Verification};
pub use version::{UpdateKind, VersionError, check_api, check_update};
