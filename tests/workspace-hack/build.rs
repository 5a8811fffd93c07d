// A build script makes cargo apply the manifest's `[build-dependencies]`,
// which unify the features of what build scripts and proc macros use.
fn main() {}
