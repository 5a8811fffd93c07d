//! Capsule against a real Rocket.Chat client library: the PyPI package
//! `rocketchat-API`, driven by `tests/python/rocketchat_client.py` as a bot
//! would drive it (register, sign in, rooms, post, edit, react, history,
//! paging, invites). The library is not changed or configured for Capsule;
//! if it works here it works against Capsule unchanged.
//!
//! Needs `python3` with `venv`; the package is installed once into
//! `<target>/python-venv` (pip reaches PyPI).

use capsule_server_harness as common;

use std::path::PathBuf;
use std::process::Command;

use common::tools::python_venv;
use common::{ADMIN, ADMIN_PASSWORD, TestServer};

/// The client library, as PyPI names it.
const PACKAGE: &str = "rocketchat-API";
/// The bot script.
const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/python/rocketchat_client.py"
);

/// The venv's python, with the library installed.
fn python_with_library() -> PathBuf {
    python_venv("python-venv", PACKAGE, "import rocketchat_API.rocketchat")
        .join("bin")
        .join("python")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rocketchat_api_python_library_works_unchanged() {
    let python = tokio::task::spawn_blocking(python_with_library)
        .await
        .expect("venv setup finishes");
    let server = TestServer::start().await;

    let mut bot = Command::new(python);
    bot.arg(SCRIPT)
        .env("CAPSULE_URL", &server.base)
        .env("CAPSULE_ADMIN_USERNAME", ADMIN)
        .env("CAPSULE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("PYTHONUNBUFFERED", "1");
    let output = tokio::task::spawn_blocking(move || bot.output())
        .await
        .expect("the bot finishes")
        .expect("the bot starts");

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the rocketchat-API bot failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
}
