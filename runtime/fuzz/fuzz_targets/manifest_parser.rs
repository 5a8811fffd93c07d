//! Feeds arbitrary bytes to the manifest parser. Nothing may panic, and a
//! manifest it accepts must survive a write and re-read unchanged.

#![no_main]

use capsule_package::Manifest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(manifest) = Manifest::parse(data) else {
        return;
    };
    let _ = (manifest.hooks().count(), manifest.requested_grants());
    let written = serde_json::to_vec(&manifest).expect("a parsed manifest serialises");
    let reread = Manifest::parse(&written).expect("a written manifest parses again");
    assert_eq!(reread, manifest);
});
