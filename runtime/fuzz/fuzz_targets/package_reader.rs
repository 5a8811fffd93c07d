//! Feeds arbitrary bytes to the package reader as if they were an uploaded
//! package, then verifies and inspects whatever it accepts. Nothing may panic, and
//! nothing may allocate past the archive limits (libFuzzer's `-rss_limit_mb`
//! catches that).

#![no_main]

use capsule_package::{
    ArchiveLimits, Package, TrustPolicy, TrustStore, check_api, inspect_component,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(package) = Package::read(data, &ArchiveLimits::default()) else {
        return;
    };
    // Development mode gets furthest: it checks the digest even for an
    // unknown key.
    let _ = package.verify(
        &TrustStore::new(),
        TrustPolicy {
            development_mode: true,
        },
    );
    let _ = check_api(package.manifest());
    // The inspector reads only names, but it reads untrusted bytes too.
    let _ = inspect_component(package.component());
});
